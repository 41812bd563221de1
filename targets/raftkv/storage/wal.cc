#include "targets/raftkv/storage/wal.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <optional>

#include "targets/raftkv/storage/wal_format.h"

namespace faultline::raft::storage {
namespace {

constexpr std::string_view kSegmentPrefix = "wal-";
constexpr std::string_view kSegmentSuffix = ".log";
constexpr size_t kSeqDigits = 16;

std::optional<uint64_t> parse_segment_name(std::string_view name) {
  if (name.size() != kSegmentPrefix.size() + kSeqDigits + kSegmentSuffix.size() ||
      !name.starts_with(kSegmentPrefix) || !name.ends_with(kSegmentSuffix)) {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(kSegmentPrefix.size(), kSeqDigits);
  uint64_t seq = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || end != digits.data() + digits.size() || seq == 0) return std::nullopt;
  return seq;
}

// Where the file's trailing zeros begin (its size if it ends in a non-zero byte).
uint64_t zeros_start(std::string_view bytes) {
  const size_t last = bytes.find_last_not_of('\0');
  return last == std::string_view::npos ? 0 : last + 1;
}

// Whether the bad record at `at` (which scan_records() found corrupt) is a
// write into preallocated space that a crash cut short: the file is zero from
// inside the record (from inside its header, when that is damaged) to its
// end. A complete record ends in kRecordEnd, a non-zero byte, so damage to
// one is never taken for this.
bool cut_short_in_place(std::string_view bytes, uint64_t at, uint64_t zeros) {
  const std::optional<uint64_t> size = common::intact_record_size(bytes.substr(at));
  return zeros < at + size.value_or(common::kRecordHeaderSize);
}

// The rules every change obeys, checked when it is buffered and again when it
// is replayed (so that a log that was accepted can always be replayed).
// Replayed entries are checked one at a time: the writer never logs entries
// the snapshot covers.
Status check_entry(const Entry& e, const Wal::Position& pos) {
  if (e.index <= pos.snapshot.index) {
    return Status::invalid_argument(
        fmt::format("entry {} is covered by the snapshot at {}", e.index, pos.snapshot.index));
  }
  if (e.index > pos.next_index) {
    return Status::invalid_argument(
        fmt::format("entry {} leaves a gap after index {}", e.index, pos.next_index - 1));
  }
  return Status::ok();
}

Status check_install(const SnapshotMetadata& s, const Wal::Position& pos) {
  if (s.index == 0) return Status::invalid_argument("a snapshot at index 0 is no snapshot");
  if (s.index < pos.snapshot.index) {
    return Status::invalid_argument(fmt::format("snapshot at {} is older than the snapshot at {}",
                                                s.index, pos.snapshot.index));
  }
  return Status::ok();
}

Status check_compaction(const SnapshotMetadata& s, const Wal::Position& pos) {
  if (s.index <= pos.snapshot.index || s.index >= pos.next_index) {
    return Status::invalid_argument(fmt::format("compaction at {} is outside the log ({}..{})",
                                                s.index, pos.snapshot.index + 1,
                                                pos.next_index - 1));
  }
  return Status::ok();
}

// Zeros after the last record are the end of the segment: the unused part of
// a preallocated one (or a crash extended the file, writing nothing). In the
// last segment, a record cut short in preallocated space is a torn write like
// a file cut short. Adjusts scan_records()'s verdict on `bytes` accordingly.
void settle_segment_end(const std::string& bytes, bool last, common::ScanResult* scan) {
  const uint64_t zeros = zeros_start(bytes);
  if (scan->end == common::ScanEnd::kTornTail && zeros <= scan->end_offset) {
    scan->end = common::ScanEnd::kClean;
  } else if (scan->end == common::ScanEnd::kCorrupt && last &&
             cut_short_in_place(bytes, scan->end_offset, zeros)) {
    scan->end = common::ScanEnd::kTornTail;
    scan->problem =
        fmt::format("cut short at offset {}, zeros after it ({})", zeros, scan->problem);
  }
}

// Rebuilds the log from the segments' records, checking every item against
// the state it follows. It starts from the first segment's header: the entries
// before it are either covered by a snapshot or, if not, reported missing.
class Replayer {
 public:
  // Replays the records of segment `seq`, whose bytes scan_records() split.
  // Errors are the problem and the offset of the record it is in.
  Status segment(uint64_t seq, const common::ScanResult& scan, uint64_t* error_offset) {
    std::vector<WalItem> items;
    for (const common::ScannedRecord& record : scan.records) {
      *error_offset = record.offset;
      if (Status s = decode_items(record.payload, &items); !s.is_ok()) return s;
      for (size_t k = 0; k < items.size(); ++k) {
        const auto* header = std::get_if<SegmentHeader>(&items[k]);
        const bool first_item = &record == &scan.records.front() && k == 0;
        if (first_item != (header != nullptr)) {
          return Status::malformed(first_item ? "the segment does not start with its header"
                                              : "a segment header after the first item");
        }
        Status s = header ? start_segment(seq, *header) : apply(items[k]);
        if (!s.is_ok()) return s;
      }
    }
    previous_bytes_ = scan.end_offset;
    ++segments_;
    return Status::ok();
  }

  const Wal::Position& position() const { return pos_; }
  uint64_t segment_start() const { return segment_start_; }  // the last header's next index
  uint64_t first_index() const {
    return entries_.empty() ? pos_.next_index : entries_.front().index;
  }
  std::vector<Entry> take_entries() { return std::move(entries_); }

 private:
  Status start_segment(uint64_t seq, const SegmentHeader& h) {
    if (h.seq != seq) return Status::malformed(fmt::format("the header names segment {}", h.seq));
    segment_start_ = h.next_index;
    if (segments_ == 0) {
      pos_.next_index = h.next_index;
      pos_.snapshot = h.snapshot;
    } else if (h.next_index != pos_.next_index || h.snapshot != pos_.snapshot ||
               h.previous_segment_bytes != previous_bytes_) {
      return Status::malformed(fmt::format(
          "the header does not continue {}: it says that segment has {} bytes and ends at next "
          "index {} after snapshot {}; it has {} bytes and ends at next index {} after snapshot {}",
          wal_segment_name(seq - 1), h.previous_segment_bytes, h.next_index, h.snapshot.index,
          previous_bytes_, pos_.next_index, pos_.snapshot.index));
    }
    return Status::ok();
  }

  Status apply(const WalItem& item) {
    if (const auto* hs = std::get_if<HardState>(&item)) {
      pos_.hard_state = *hs;
    } else if (const auto* e = std::get_if<Entry>(&item)) {
      if (Status s = check_entry(*e, pos_); !s.is_ok()) return s;
      if (!entries_.empty() && e->index >= entries_.front().index) {
        entries_.resize(e->index - entries_.front().index);  // a conflicting suffix, if any
      } else {
        entries_.clear();
      }
      entries_.push_back(*e);
      pos_.next_index = e->index + 1;
    } else if (const auto* installed = std::get_if<SnapshotInstalled>(&item)) {
      if (Status s = check_install(installed->snapshot, pos_); !s.is_ok()) return s;
      entries_.clear();
      pos_.snapshot = installed->snapshot;
      pos_.next_index = installed->snapshot.index + 1;
    } else if (const auto* compacted = std::get_if<LogCompacted>(&item)) {
      if (Status s = check_compaction(compacted->snapshot, pos_); !s.is_ok()) return s;
      std::erase_if(entries_, [&](const Entry& e) { return e.index <= compacted->snapshot.index; });
      pos_.snapshot = compacted->snapshot;
    }
    return Status::ok();
  }

  Wal::Position pos_;
  std::vector<Entry> entries_;  // contiguous
  uint64_t previous_bytes_ = 0;
  uint64_t segment_start_ = 0;
  size_t segments_ = 0;
};

}  // namespace

std::string wal_segment_name(uint64_t seq) {
  return fmt::format("{}{:0{}}{}", kSegmentPrefix, seq, kSeqDigits, kSegmentSuffix);
}

std::string Wal::path(uint64_t seq) const { return common::join_path(dir_, wal_segment_name(seq)); }

std::vector<std::string> Wal::segment_names() const {
  std::vector<std::string> names;
  for (const Segment& s : segments_) names.push_back(wal_segment_name(s.seq));
  return names;
}

Status Wal::open(common::Env* env, const std::string& dir, const WalOptions& options,
                 std::unique_ptr<Wal>* wal, WalState* state) {
  std::unique_ptr<Wal> w(new Wal(env, dir, options));
  *state = WalState();
  if (Status s = w->replay(state); !s.is_ok()) return s;
  if (!w->segments_.empty()) {
    if (Status s = env->reopen_at(w->path(w->segments_.back().seq), w->file_size_, &w->file_);
        !s.is_ok()) {
      return s;
    }
  }
  *wal = std::move(w);
  return Status::ok();
}

Status Wal::list_segments(std::vector<uint64_t>* seqs) const {
  std::vector<std::string> names;
  if (Status s = env_->list_dir(dir_, &names); !s.is_ok()) return s;
  for (const std::string& name : names) {
    if (const auto seq = parse_segment_name(name)) seqs->push_back(*seq);
  }
  std::sort(seqs->begin(), seqs->end());
  for (size_t i = 1; i < seqs->size(); ++i) {
    const uint64_t seq = (*seqs)[i], previous = (*seqs)[i - 1];
    if (seq != previous + 1) {
      return Status::malformed(fmt::format("{}: segment {} is missing (the previous one is {})",
                                           path(seq), wal_segment_name(seq - 1),
                                           wal_segment_name(previous)));
    }
  }
  return Status::ok();
}

Status Wal::replay(WalState* state) {
  std::vector<uint64_t> seqs;
  if (Status s = list_segments(&seqs); !s.is_ok()) return s;

  Replayer replayer;
  std::function<Status()> repair;  // of a torn tail, once everything checked out
  for (size_t i = 0; i < seqs.size(); ++i) {
    const std::string file = path(seqs[i]);
    const bool last = i + 1 == seqs.size();
    std::string bytes;
    if (Status s = env_->read_file(file, &bytes); !s.is_ok()) return s;
    common::ScanResult scan = common::scan_records(bytes);
    auto corrupt = [&](uint64_t offset, std::string_view problem) {
      return Status::malformed(
          fmt::format("{}: corrupt record at offset {}: {}", file, offset, problem));
    };
    settle_segment_end(bytes, last, &scan);
    if (scan.end == common::ScanEnd::kCorrupt) return corrupt(scan.end_offset, scan.problem);
    if (scan.end == common::ScanEnd::kTornTail && !last) {
      return corrupt(scan.end_offset,
                     scan.problem + " (only the last segment may end in a torn write)");
    }
    if (scan.records.empty()) {
      if (!last) return corrupt(0, "the segment has no header record");
      // The first write to a new segment never completed: nothing in it was acknowledged.
      state->torn_tail = fmt::format("{}: removed, its header was torn ({})", file,
                                     scan.problem.empty() ? "the file is empty" : scan.problem);
      repair = [this, file] {
        if (Status s = env_->remove_file(file); !s.is_ok()) return s;
        return env_->sync_dir(dir_);
      };
      break;
    }
    uint64_t offset = 0;
    if (Status s = replayer.segment(seqs[i], scan, &offset); !s.is_ok()) {
      return corrupt(offset, s.message());
    }
    if (scan.end == common::ScanEnd::kTornTail) {
      state->torn_tail = fmt::format("{}: discarded a torn record at offset {} ({})", file,
                                     scan.end_offset, scan.problem);
      repair = [this, file, size = scan.end_offset] { return env_->truncate_file(file, size); };
    }
    segments_.push_back({seqs[i], replayer.segment_start()});
    file_size_ = scan.end_offset;
  }

  const Position& pos = replayer.position();
  if (replayer.first_index() != pos.snapshot.index + 1) {
    return Status::malformed(fmt::format(
        "{}: the log starts at index {} but the snapshot only covers up to index {}: older "
        "segments are missing",
        segments_.empty() ? dir_ : path(segments_.front().seq), replayer.first_index(),
        pos.snapshot.index));
  }
  if (repair) {
    if (Status s = repair(); !s.is_ok()) return s;
  }
  written_ = buffered_ = pos;
  state->hard_state = pos.hard_state;
  state->snapshot = pos.snapshot;
  state->entries = replayer.take_entries();
  return Status::ok();
}

Status Wal::append(const std::vector<Entry>& entries) {
  for (size_t k = 1; k < entries.size(); ++k) {
    if (entries[k].index != entries[k - 1].index + 1) {
      return Status::invalid_argument(
          fmt::format("entry {} follows entry {}", entries[k].index, entries[k - 1].index));
    }
  }
  const auto first = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) {
    return e.index > buffered_.snapshot.index;  // the ones before are covered: skipped
  });
  if (first == entries.end()) return Status::ok();
  if (Status s = check_entry(*first, buffered_); !s.is_ok()) return s;
  for (auto it = first; it != entries.end(); ++it) encode_item(*it, &pending_);
  buffered_.next_index = entries.back().index + 1;
  return Status::ok();
}

void Wal::set_hard_state(const HardState& state) {
  encode_item(state, &pending_);
  buffered_.hard_state = state;
}

Status Wal::install_snapshot(const SnapshotMetadata& snapshot) {
  if (Status s = check_install(snapshot, buffered_); !s.is_ok()) return s;
  encode_item(SnapshotInstalled{snapshot}, &pending_);
  buffered_.snapshot = snapshot;
  buffered_.next_index = snapshot.index + 1;
  return Status::ok();
}

Status Wal::compact(const SnapshotMetadata& snapshot) {
  if (Status s = check_compaction(snapshot, buffered_); !s.is_ok()) return s;
  encode_item(LogCompacted{snapshot}, &pending_);
  buffered_.snapshot = snapshot;
  return Status::ok();
}

Status Wal::sync() {
  if (!failed_.is_ok()) return failed_;
  if (pending_.empty()) return Status::ok();
  const bool new_segment = !file_ || file_size_ >= options_.segment_bytes;
  std::string bytes;
  if (new_segment) {
    const SegmentHeader header{segments_.empty() ? 1 : segments_.back().seq + 1,
                               written_.next_index, written_.snapshot,
                               segments_.empty() ? 0 : file_size_};
    std::string payload;
    encode_item(header, &payload);
    encode_item(written_.hard_state, &payload);
    encode_record_end(&payload);
    bytes = common::encode_record(payload);
  }
  encode_record_end(&pending_);
  bytes += common::encode_record(pending_);
  if (Status s = write(bytes, new_segment); !s.is_ok()) {
    failed_ = Status::io_error(fmt::format("the WAL failed earlier: {}", s.message()));
    return s;
  }
  pending_.clear();
  written_ = buffered_;
  return Status::ok();
}

Status Wal::write(const std::string& bytes, bool new_segment) {
  if (new_segment) {
    const uint64_t seq = segments_.empty() ? 1 : segments_.back().seq + 1;
    if (Status s = options_.preallocate
                       ? env_->new_preallocated_file(path(seq), options_.segment_bytes, &file_)
                       : env_->new_writable_file(path(seq), &file_);
        !s.is_ok()) {
      return s;
    }
    segments_.push_back({seq, written_.next_index});
    file_size_ = 0;
  }
  if (Status s = file_->append(bytes); !s.is_ok()) return s;
  if (Status s = file_->sync(); !s.is_ok()) return s;
  if (new_segment) {
    if (Status s = env_->sync_dir(dir_); !s.is_ok()) return s;
  }
  file_size_ += bytes.size();
  return Status::ok();
}

Status Wal::remove_obsolete_segments(uint64_t snapshot_index) {
  // Segment k+1 starts at next_index: every entry in segments 0..k that is
  // still in the log has a lower index, so is covered if next_index - 1 is.
  size_t remove = 0;
  for (size_t k = 0; k + 1 < segments_.size(); ++k) {
    if (segments_[k + 1].next_index - 1 <= snapshot_index) remove = k + 1;
  }
  if (remove == 0) return Status::ok();
  for (size_t k = 0; k < remove; ++k) {  // oldest first: a crash leaves a suffix of segments
    if (Status s = env_->remove_file(path(segments_[k].seq)); !s.is_ok()) return s;
  }
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(remove));
  return env_->sync_dir(dir_);
}

}  // namespace faultline::raft::storage
