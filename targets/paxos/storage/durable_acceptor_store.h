// DurableAcceptorStore: the AcceptorStore of faultline-paxos, one directory
// holding an append-only acceptor log in the checksummed record framing of
// targets/common/record_format.h (CRC-32C), with group commit, crash
// recovery and compaction, by the same rules as the DHT's replica log.
//
//   acceptors.log := record+      record := header_crc | length | payload_crc | payload
//   payload := item+              (one sync(): applied at recovery all or nothing)
//   item := 1 kHeader  format varint (= kAcceptorLogFormat); first item of the log only
//         | 2 kState   key string | promised.counter | promised.node |
//                      accepted.counter | accepted.node (varints) | value string
//         | 3 kIssued  counter varint: the highest ballot counter issued here
//
// (varints and strings as targets/kvstate/byte_codec.h.) Replay applies
// items in order; the last kState of a key wins.
//
// The group-commit contract: put() and set_issued_counter() change the
// in-memory state (which get() serves) and buffer the change; NOTHING is
// durable before sync() returns OK, then all of it is. The server calls
// sync() after handling a batch of inputs and before sending any message or
// reply they produced (the core's Ready contract), so an acceptor never
// answers a promise or an accept that a crash could make it forget. After a
// failed sync() every further sync() fails: what reached the disk is unknown
// until recovery decides.
//
// Recovery: a torn tail (the file ends inside a record, or in zeros) is cut
// off durably and described in recovery_note(); any other damage (a checksum
// mismatch anywhere, an item that does not decode, no header) is an error
// naming the file and the record's offset, and nothing is modified.
// Compaction: once the log passes compact_bytes and twice the live state,
// sync() writes the live state to acceptors.log.tmp, syncs it, renames it
// over the log and syncs the directory; a leftover .tmp at startup is an
// unfinished compaction and is deleted.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "targets/common/env.h"
#include "targets/paxos/core/acceptor_store.h"

namespace faultline::paxos {

inline constexpr uint64_t kAcceptorLogFormat = 1;
inline constexpr const char* kAcceptorLogName = "acceptors.log";
inline constexpr const char* kAcceptorLogTempName = "acceptors.log.tmp";

class DurableAcceptorStore final : public AcceptorStore {
 public:
  // Opens (creating when absent) the store in `dir`, which must exist.
  static Status open(common::Env* env, const std::string& dir, uint64_t compact_bytes,
                     std::unique_ptr<DurableAcceptorStore>* out);

  AcceptorState get(std::string_view key) const override;
  void put(const std::string& key, const AcceptorState& state) override;
  uint64_t issued_counter() const override { return issued_counter_; }
  void set_issued_counter(uint64_t counter) override;

  // Group commit: one record, one fdatasync, for everything since the last.
  Status sync();

  const std::string& recovery_note() const { return recovery_note_; }
  size_t size() const { return states_.size(); }
  uint64_t log_bytes() const { return file_size_; }

 private:
  DurableAcceptorStore(common::Env* env, std::string dir, uint64_t compact_bytes)
      : env_(env), dir_(std::move(dir)), compact_bytes_(compact_bytes) {}
  Status recover();
  Status apply(std::string_view payload, bool first_record);
  void set(const std::string& key, AcceptorState state);
  // A fresh log of the live state (or only the header) via the temp file.
  Status rewrite(bool live);
  std::string log_path() const;

  common::Env* env_;
  std::string dir_;
  uint64_t compact_bytes_;
  std::map<std::string, AcceptorState, std::less<>> states_;
  uint64_t issued_counter_ = 0;
  uint64_t live_bytes_ = 16;  // about the encoded size of the live state
  std::unique_ptr<common::WritableFile> file_;
  uint64_t file_size_ = 0;
  std::string pending_;  // encoded items not yet written
  Status failed_;
  std::string recovery_note_;
};

}  // namespace faultline::paxos
