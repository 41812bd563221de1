#include "targets/raftkv/server/raft_node.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "targets/common/server_commands.h"

namespace faultline::raftkv {

namespace asio = boost::asio;

RaftNode::RaftNode(asio::io_context& io, ServerOptions options)
    : io_(io),
      options_(std::move(options)),
      crash_points_({kVoteCrashPoint}, options_.allow_crashpoints, std::random_device{}()),
      tick_timer_(io),
      wall_tick_timer_(io) {
  crash_points_.disarm_on_sigusr1(io);
}

Status RaftNode::create(asio::io_context& io, ServerOptions options,
                        std::unique_ptr<RaftNode>* out) {
  std::unique_ptr<RaftNode> node(new RaftNode(io, std::move(options)));
  const ServerOptions& o = node->options_;
  std::error_code ec;  // DurableStorage creates only the last level itself
  std::filesystem::create_directories(std::filesystem::path(o.data_dir).parent_path(), ec);
  KvNodeOptions ko;
  ko.id = o.id;
  for (const auto& [id, address] : o.peers) ko.peers.push_back(id);
  ko.election_ticks = o.election_ms / o.heartbeat_ms;
  ko.tick_ms = o.heartbeat_ms;
  ko.snapshot_threshold = o.snapshot_threshold;
  ko.max_append_entries = o.max_append_entries;
  ko.failpoints = o.failpoints;
  ko.seed = std::random_device{}() ^ (o.id << 32);
  // Preallocated WAL segments: each group commit's fdatasync then writes data
  // in place, with no file-system metadata to write back.
  ko.storage.wal.preallocate = true;
  if (Status s =
          KvNode::create(std::move(ko), common::posix_env(), o.data_dir, *node, &node->node_);
      !s.is_ok()) {
    return s;
  }
  *out = std::move(node);
  return Status::ok();
}

Status RaftNode::start() {
  transport_ = std::make_unique<PeerTransport>(io_, options_.id, options_.peers,
                                               [this](raft::Message m) { node_->step(m); });
  if (Status s = transport_->start(); !s.is_ok()) return s;
  listener_ = std::make_unique<common::ClientListener>(io_, options_.client_addr, *this);
  if (Status s = listener_->start(); !s.is_ok()) return s;
  tick_timer_.expires_at(asio::steady_timer::clock_type::now());
  schedule_tick();
  return Status::ok();
}

void RaftNode::send(raft::Message message) {
  const bool granted_vote = message.type == raft::MessageType::kVoteResponse && !message.reject;
  transport_->send(message, granted_vote ? crash_points_.after(kVoteCrashPoint) : nullptr);
}

void RaftNode::schedule_tick() {
  const auto interval = std::chrono::milliseconds(options_.heartbeat_ms);
  auto on_tick = [this](boost::system::error_code ec) {
    if (ec) return;
    node_->tick();
    schedule_tick();
  };
  if (options_.failpoints.lease_read) {
    // The failpoint's ticker (ReadLease): the wall clock, which libfaketime
    // (the clock nemesis) moves, and one interval from now, so that missed
    // ticks are dropped, as Go's time.Ticker drops them.
    wall_tick_timer_.expires_after(interval);
    wall_tick_timer_.async_wait(on_tick);
  } else if (options_.failpoints.lease_from_ack) {
    // That failpoint's ticker drops missed ticks too, but on the steady
    // clock: a paused process resumes with one tick, so check-quorum does
    // not step it down at once, and its lease (in ms) decides.
    tick_timer_.expires_after(interval);
    tick_timer_.async_wait(on_tick);
  } else {
    // From the last expiry, not from now: missed ticks (a busy or stopped
    // process) come one per event-loop pass until they caught up.
    tick_timer_.expires_at(tick_timer_.expiry() + interval);
    tick_timer_.async_wait(on_tick);
  }
}

void RaftNode::schedule_ready() {
  if (ready_scheduled_) return;
  ready_scheduled_ = true;
  asio::post(io_, [this] {
    ready_scheduled_ = false;
    if (Status s = node_->process_ready(); !s.is_ok()) {
      spdlog::critical("{} (data in {}); exiting", s.message(), options_.data_dir);
      std::exit(1);
    }
  });
}

int64_t RaftNode::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string RaftNode::client_address(uint64_t id) {
  const auto it = options_.client_peers.find(id);
  return it == options_.client_peers.end() ? "" : it->second.to_string();
}

}  // namespace faultline::raftkv
