// The values the Raft core consumes and produces: log entries, the persistent
// hard state, snapshots and the messages peers exchange. Plain structs with no
// behaviour, so the server can encode them however it likes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::raft {

// Node ids are positive; 0 means "nobody" (no vote cast, no known leader).
inline constexpr uint64_t kNoNode = 0;

enum class EntryType : uint8_t {
  kCommand,  // a client command, handed to the state machine when committed
  kNoop,     // appended by every new leader to commit entries of earlier terms (§5.4.2)
};

struct Entry {
  uint64_t index = 0;
  uint64_t term = 0;
  EntryType type = EntryType::kCommand;
  std::string data{};

  bool operator==(const Entry&) const = default;
};

// State that must survive a crash (Raft Figure 2's "persistent state", plus
// commit so that a restarted node re-applies what it already knew committed).
struct HardState {
  uint64_t term = 0;
  uint64_t vote = kNoNode;  // candidate voted for in `term`
  uint64_t commit = 0;

  bool operator==(const HardState&) const = default;
};

// The snapshot covers every entry up to and including `index`.
struct SnapshotMetadata {
  uint64_t index = 0;  // 0: no snapshot
  uint64_t term = 0;   // term of the entry at `index`

  bool operator==(const SnapshotMetadata&) const = default;
};

struct Snapshot {
  SnapshotMetadata metadata{};
  std::string data{};  // opaque state-machine image, produced by the application

  bool operator==(const Snapshot&) const = default;
};

enum class MessageType : uint8_t {
  kPreVote,            // §9.6: "would you vote for me at term+1?"; changes nobody's term
  kPreVoteResponse,    // reject = false: granted
  kVote,               // RequestVote
  kVoteResponse,       // reject = false: granted
  kAppend,             // AppendEntries: index/log_term = previous entry, entries, commit
  kAppendResponse,     // index: highest index known to match the leader (success), or the
                       // rejected previous index with conflict hints (reject)
  kHeartbeat,          // commit, context = read-index round
  kHeartbeatResponse,  // context echoed back
  kSnapshot,           // InstallSnapshot: snapshot; answered by kAppendResponse
};

std::string_view to_string(MessageType type);

struct Message {
  MessageType type = MessageType::kAppend;
  uint64_t from = kNoNode;
  uint64_t to = kNoNode;
  uint64_t term = 0;  // sender's term (for a pre-vote: the term it would campaign at)

  // kAppend: index and term of the entry preceding `entries`.
  // kVote / kPreVote: index and term of the candidate's last entry.
  // kAppendResponse: see MessageType.
  uint64_t index = 0;
  uint64_t log_term = 0;
  std::vector<Entry> entries{};  // kAppend
  uint64_t commit = 0;           // kAppend, kHeartbeat: the leader's commit index

  bool reject = false;  // responses
  // kAppendResponse with reject: the follower's term at `index` (0 if its log is
  // shorter) and the first index it holds in that term (or its last index + 1);
  // the leader uses them to skip a whole term per round trip (§5.3 optimisation).
  uint64_t conflict_term = 0;
  uint64_t conflict_index = 0;

  uint64_t context = 0;  // kHeartbeat / kHeartbeatResponse: read-index round number
  Snapshot snapshot{};   // kSnapshot

  bool operator==(const Message&) const = default;
};

// The answer to a read_index(context) call: once the state machine has applied
// `index`, a read served from it is linearizable.
struct ReadState {
  uint64_t context = 0;
  uint64_t index = 0;

  bool operator==(const ReadState&) const = default;
};

}  // namespace faultline::raft
