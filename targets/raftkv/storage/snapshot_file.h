// Snapshot files: one state-machine snapshot per file, written atomically.
//
// Name: snapshot-<term>-<index>.snap, both 16-digit decimals, e.g.
// snapshot-0000000000000003-0000000000000120.snap. Layout (little-endian):
//
//   offset 0   magic "FLTSNAP1"
//   offset 8   index u64
//   offset 16  term u64
//   offset 24  data_size u64
//   offset 32  data[data_size]
//   then       crc u32: masked crc32c of every byte before it
//
// A file being written is named <final name>.tmp until it is complete and
// synced; readers never look at .tmp files.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "targets/common/env.h"
#include "targets/raftkv/raft/messages.h"

namespace faultline::raft::storage {

inline constexpr std::string_view kTempSuffix = ".tmp";

std::string snapshot_file_name(const SnapshotMetadata& metadata);
// The metadata a snapshot file name encodes; nullopt if `name` is not one.
std::optional<SnapshotMetadata> parse_snapshot_file_name(std::string_view name);

std::string encode_snapshot_file(const Snapshot& snapshot);
// Checks and decodes a snapshot file's bytes; errors name `path` and the offset
// of the problem, and include a file whose metadata disagrees with its name.
Status decode_snapshot_file(const std::string& path, std::string_view bytes, Snapshot* snapshot);

// Writes `snapshot` to dir/<name>.tmp, syncs it, renames it to dir/<name> and
// syncs the directory. A crash at any point leaves either no file or the
// complete one under its final name (plus, perhaps, the .tmp file).
Status save_snapshot_file(common::Env* env, const std::string& dir, const Snapshot& snapshot);
Status load_snapshot_file(common::Env* env, const std::string& path, Snapshot* snapshot);

}  // namespace faultline::raft::storage
