// Helpers shared by the storage tests.
#pragma once

#include <fmt/format.h>
#include <stdlib.h>

#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "targets/raftkv/raft/messages.h"
#include "targets/raftkv/raft/storage.h"
#include "targets/raftkv/storage/wal.h"

namespace faultline::raft::storage {

// Entries [lo, hi] of `term`, each with data "<index>@<term>".
inline std::vector<Entry> make_entries(uint64_t lo, uint64_t hi, uint64_t term) {
  std::vector<Entry> out;
  for (uint64_t i = lo; i <= hi; ++i) {
    out.push_back({.index = i, .term = term, .data = fmt::format("{}@{}", i, term)});
  }
  return out;
}

// Everything a Storage holds but the snapshot data, to compare what was
// written with what recovery found.
struct LogImage {
  HardState hard_state;
  SnapshotMetadata snapshot;
  std::vector<Entry> entries;

  bool operator==(const LogImage&) const = default;
};

inline LogImage image_of(const Storage& s) {
  return {s.hard_state(), s.snapshot_metadata(),
          s.entries(s.first_index(), s.last_index() + 1, UINT64_MAX)};
}
inline LogImage image_of(const WalState& s) { return {s.hard_state, s.snapshot, s.entries}; }

inline void PrintTo(const LogImage& image, std::ostream* os) {
  *os << fmt::format("{{hard state {}/{}/{}, snapshot {}@{}, entries", image.hard_state.term,
                     image.hard_state.vote, image.hard_state.commit, image.snapshot.index,
                     image.snapshot.term);
  for (const Entry& e : image.entries) *os << fmt::format(" {}@{}", e.index, e.term);
  *os << "}";
}

// What a restart must reproduce: everything, snapshot data included.
struct Image {
  LogImage log;
  std::string snapshot_data;
  bool operator==(const Image&) const = default;
};
inline Image full_image(const Storage& s) { return {image_of(s), s.snapshot().data}; }
inline void PrintTo(const Image& image, std::ostream* os) {
  PrintTo(image.log, os);
  *os << " data \"" << image.snapshot_data << "\"";
}

// A fresh directory under the system temp dir, removed with its contents.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "raft_storage_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScopedTempDir() { std::filesystem::remove_all(path_); }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace faultline::raft::storage
