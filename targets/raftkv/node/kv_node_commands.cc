// KvNode's client commands: the KV commands, which only the leader serves
// (but for the read failpoints), and the INFO text.
#include <fmt/format.h>

#include "targets/raftkv/node/kv_node.h"
#include "targets/resp/resp_writer.h"

namespace faultline::raftkv {

void KvNode::handle(std::vector<std::string> request, kv::Session& session, ClientReply reply) {
  if (raft_->role() != raft::Role::kLeader && !options_.failpoints.follower_read &&
      !lease_holds()) {
    // (Under those failpoints a follower serves reads; its writes are
    // refused when proposed.)
    reply.send(not_leader_error());
    return;
  }
  handle_kv(std::move(request), session, std::move(reply));
}

void KvNode::handle_kv(std::vector<std::string> request, kv::Session& session, ClientReply reply) {
  kv::Action action = session.handle(std::move(request));
  switch (action.kind) {
    case kv::Action::Kind::kReply: reply.send(std::move(action.reply)); return;
    case kv::Action::Kind::kRead: {
      if (options_.failpoints.read_cache && serve_cached_read(action.read, reply)) return;
      const uint64_t min_index = reply.after_unanswered() ? raft_->log().last_index() : 0;
      if (options_.failpoints.follower_read || lease_holds()) {
        // Unsafe: no quorum round, and only what this node applied.
        ++(options_.failpoints.follower_read ? follower_reads_ : lease_reads_);
        reads_by_index_.emplace(min_index, PendingRead{std::move(action.read), std::move(reply)});
        serve_applied_reads();
        return;
      }
      read_batch_.push_back({std::move(action.read), std::move(reply), min_index});
      host_.schedule_ready();
      return;
    }
    case kv::Action::Kind::kPropose: {
      std::vector<std::string> early_reads;
      if (options_.failpoints.early_txn_reads) {
        answer_txn_reads_early(&action.entry, &early_reads);
        if (action.entry.empty()) {  // a transaction of reads only
          reply.send(splice_txn_reply(early_reads, ""));
          return;
        }
      }
      const raft::ProposeResult r = raft_->propose(std::move(action.entry));
      if (r.status != raft::ProposeStatus::kOk) {
        reply.send(not_leader_error());
        return;
      }
      // An older proposal at this index was cut from the log before it
      // committed (a committed entry is never replaced), so it failed.
      const auto it = proposals_.find(r.index);
      if (it != proposals_.end()) {
        it->second.reply.send(dropped_write_error());
        proposals_.erase(it);
      }
      reply.overlap();  // the log orders this connection's later writes after it
      proposals_.emplace(r.index,
                         PendingProposal{r.term, std::move(reply), std::move(early_reads)});
      host_.schedule_ready();
      return;
    }
  }
}

void KvNode::answer_txn_reads_early(std::string* entry,
                                    std::vector<std::string>* early_reads) const {
  kv::LogEntry decoded;
  if (!kv::decode_entry(*entry, &decoded).is_ok() || !decoded.batch) return;
  std::vector<kv::Command> writes;
  for (const kv::Command& c : decoded.commands) {
    std::string read;
    if (kv::is_read_only(c.op)) {
      kv_.read(c, &read);
    } else {
      writes.push_back(c);
    }
    early_reads->push_back(std::move(read));
  }
  *entry = writes.empty() ? "" : kv::encode_batch(writes);
}

std::string KvNode::splice_txn_reply(const std::vector<std::string>& early_reads,
                                     const std::string& applied) {
  // `applied` is "*M\r\n" and M one-line replies (every write replies with
  // one line: +OK, :n or -ERR); anything else (an error) is passed on.
  if (!applied.empty() && applied[0] != '*') return applied;
  std::string out;
  resp::append_array_header(&out, early_reads.size());
  size_t pos = applied.empty() ? 0 : applied.find("\r\n") + 2;
  for (const std::string& read : early_reads) {
    if (!read.empty()) {
      out += read;
      continue;
    }
    const size_t end = applied.find("\r\n", pos);
    if (end == std::string::npos) return error_reply("ERR early-txn-reads: malformed reply");
    out.append(applied, pos, end + 2 - pos);
    pos = end + 2;
  }
  return out;
}

std::string KvNode::error_reply(std::string_view message) {
  std::string out;
  resp::append_error(&out, message);
  return out;
}

std::string KvNode::dropped_write_error() {
  return error_reply(
      "ERR write dropped: another leader's entry took its place in the log; not applied");
}

std::string KvNode::not_leader_error() const {
  const std::string leader = host_.client_address(raft_->leader());
  return error_reply(fmt::format("NOTLEADER {}", leader.empty() ? "unknown" : leader));
}

std::string KvNode::info() const {
  const std::string leader = host_.client_address(raft_->leader());
  const raft::RaftLog& log = raft_->log();
  std::string out = "# Raft\r\n";
  auto field = [&out](std::string_view key, const auto& value) {
    out += fmt::format("{}:{}\r\n", key, value);
  };
  field("node_id", options_.id);
  field("role", raft::to_string(raft_->role()));
  field("term", raft_->term());
  field("leader_id", raft_->leader());
  field("leader_client_addr", leader.empty() ? "unknown" : leader);
  field("commit_index", log.committed());
  field("applied_index", applied_);
  field("snapshot_index", storage_->snapshot_metadata().index);
  field("log_first_index", log.first_index());
  field("log_last_index", log.last_index());
  field("log_entries", log.last_index() + 1 - log.first_index());
  field("snapshots_installed", snapshots_installed_);
  field("pending_writes", proposals_.size());
  field("keys", kv_.key_count());
  field("lease_reads", lease_reads_);
  field("follower_reads", follower_reads_);
  field("cached_reads", cached_reads_);
  field("failpoints", options_.failpoints.to_string());
  return out;
}

}  // namespace faultline::raftkv
