#include "harness/sim/sim_cluster.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "targets/common/fault_injection_env.h"
#include "targets/raftkv/node/kv_node.h"

namespace faultline::sim {

namespace {
constexpr const char* kDataDir = "/data";
constexpr int kClientPort = 6379;
}  // namespace

// One simulated server: a KvNode on its own disk. Everything that reaches it
// (messages, ticks, client requests, its own Ready processing) goes through
// run(): dropped when the incarnation it was meant for crashed, held while
// the node is paused (SIGSTOP: a stopped server's timer catches up on its
// missed ticks when it resumes, as these do).
class SimCluster::Node : public raftkv::KvNodeHost {
 public:
  Node(SimCluster& cluster, size_t index) : cluster_(cluster), index_(index) {}

  Status boot() {
    raftkv::KvNodeOptions o;
    o.id = index_ + 1;
    for (size_t i = 0; i < cluster_.names_.size(); ++i) o.peers.push_back(i + 1);
    o.election_ticks = cluster_.options_.election_ticks;
    o.snapshot_threshold = cluster_.options_.snapshot_threshold;
    o.max_append_entries = cluster_.options_.max_append_entries;
    o.failpoints = cluster_.options_.failpoints;
    o.seed = cluster_.rng_();
    o.storage.wal.segment_bytes = 256 << 10;  // small files: old ones go after a snapshot
    if (Status s = raftkv::KvNode::create(std::move(o), &env_, kDataDir, *this, &node_); !s.is_ok())
      return s;
    up_ = true;
    const uint64_t incarnation = incarnation_;
    // A random phase, so that the nodes' timers do not tick in lockstep.
    const int64_t tick = cluster_.options_.tick;
    cluster_.loop_.after(static_cast<int64_t>(cluster_.rng_() % static_cast<uint64_t>(tick)),
                         [this, incarnation] { schedule_tick(incarnation); });
    return Status::ok();
  }

  Status prepare_disk() { return env_.create_dir(kDataDir); }

  void crash() {
    if (!up_) return;
    up_ = false;
    paused_ = false;
    ++incarnation_;
    backlog_.clear();
    ready_scheduled_ = false;
    node_.reset();
    sessions_.clear();
    env_.crash_keeping_unsynced_prefix(cluster_.rng_());
    for (uint64_t id : requests_) cluster_.answer(id, SimReply{SimReply::Kind::kLost, ""});
    requests_.clear();
  }

  void pause() { paused_ = up_; }
  void resume() {
    if (!paused_) return;
    paused_ = false;
    std::vector<std::function<void()>> held;
    held.swap(backlog_);
    for (auto& input : held) input();
  }
  bool up() const { return up_; }
  bool paused() const { return paused_; }
  bool leads() const { return up_ && !paused_ && node_->role() == raft::Role::kLeader; }

  // Runs `input` now, later (paused) or never (crashed since it was sent).
  void run(uint64_t incarnation, std::function<void()> input) {
    if (!up_ || incarnation != incarnation_) return;
    if (paused_) {
      backlog_.push_back(std::move(input));
      return;
    }
    input();
  }
  uint64_t incarnation() const { return incarnation_; }

  void receive(const raft::Message& m) {
    run(incarnation_, [this, m] { node_->step(m); });
  }

  void request(uint64_t id, int64_t connection, std::vector<std::string> command) {
    requests_.insert(id);
    run(incarnation_, [this, id, connection, command = std::move(command)]() mutable {
      auto reply = [this, id](std::string text) {
        if (requests_.erase(id) == 0) return;
        cluster_.answer(id, SimReply{SimReply::Kind::kReply, std::move(text)});
      };
      node_->handle(std::move(command), sessions_[connection],
                    raftkv::ClientReply(reply, nullptr, false));
    });
  }

  // KvNodeHost
  void send(const raft::Message& m) override {
    const size_t to = static_cast<size_t>(m.to - 1);
    cluster_.transmit(index_, to, [this, to, m] { cluster_.nodes_[to]->receive(m); });
    if (m.type == raft::MessageType::kVoteResponse && !m.reject && cluster_.vote_kill_ > 0 &&
        static_cast<double>(cluster_.rng_() % 1'000'000) < cluster_.vote_kill_ * 1e6) {
      // After the Ready that sent it: the node is in the middle of it now.
      const uint64_t incarnation = incarnation_;
      cluster_.loop_.after(0, [this, incarnation] {
        if (!up_ || incarnation != incarnation_) return;
        ++cluster_.vote_kills_;
        crash();
        if (Status s = cluster_.restart(index_); !s.is_ok() && cluster_.recovery_error_.empty())
          cluster_.recovery_error_ = s.message();
      });
    }
  }
  void schedule_ready() override {
    if (ready_scheduled_) return;
    ready_scheduled_ = true;
    const uint64_t incarnation = incarnation_;
    cluster_.loop_.after(0, [this, incarnation] {
      run(incarnation, [this] {
        ready_scheduled_ = false;
        if (Status s = node_->process_ready(); !s.is_ok()) crash();  // as the server exits
      });
    });
  }
  int64_t now_ms() override { return cluster_.loop_.now() / 1'000'000; }
  std::string client_address(uint64_t id) override {
    if (id < 1 || id > cluster_.names_.size()) return "";
    return fmt::format("{}:{}", cluster_.names_[id - 1], kClientPort);
  }

 private:
  void schedule_tick(uint64_t incarnation) {
    if (incarnation != incarnation_) return;
    run(incarnation, [this] { node_->tick(); });
    cluster_.loop_.after(cluster_.options_.tick,
                         [this, incarnation] { schedule_tick(incarnation); });
  }

  SimCluster& cluster_;
  size_t index_;
  common::FaultInjectionEnv env_;  // the disk: survives crashes
  std::unique_ptr<raftkv::KvNode> node_;
  bool up_ = false;
  bool paused_ = false;
  uint64_t incarnation_ = 0;
  bool ready_scheduled_ = false;
  std::vector<std::function<void()>> backlog_;  // inputs held while paused
  std::map<int64_t, kv::Session> sessions_;     // by client connection
  std::set<uint64_t> requests_;                 // client requests unanswered here
};

SimCluster::SimCluster(EventLoop& loop, std::mt19937_64& rng, SimClusterOptions options)
    : loop_(loop), rng_(rng), options_(std::move(options)) {
  for (int i = 1; i <= options_.nodes; ++i) names_.push_back(fmt::format("n{}", i));
}

SimCluster::~SimCluster() = default;

Status SimCluster::start() {
  for (size_t i = 0; i < names_.size(); ++i) {
    nodes_.push_back(std::make_unique<Node>(*this, i));
    if (Status s = nodes_.back()->prepare_disk(); !s.is_ok()) return s;
    if (Status s = nodes_.back()->boot(); !s.is_ok()) return s;
  }
  return Status::ok();
}

int SimCluster::index_of(const std::string& name_or_address) const {
  const std::string name = name_or_address.substr(0, name_or_address.find(':'));
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  return -1;
}

int64_t SimCluster::latency() {
  const auto span = static_cast<uint64_t>(options_.max_latency - options_.min_latency + 1);
  return options_.min_latency + static_cast<int64_t>(rng_() % span);
}

void SimCluster::transmit(size_t from, size_t to, std::function<void()> deliver) {
  auto cut = [this, from, to] { return !can_talk(grudge_, names_[from], names_[to]); };
  // Draws in a fixed order whatever happens, so that one fault more does
  // not shift every later random choice.
  const bool lost = static_cast<double>(rng_() % 1'000'000) < loss_ * 1e6 &&
                    (lossy_.contains(names_[from]) || lossy_.contains(names_[to]));
  const bool duplicated = static_cast<double>(rng_() % 1'000'000) < options_.duplicate * 1e6;
  if (lost || cut()) return;
  for (int copy = 0; copy < (duplicated ? 2 : 1); ++copy) {
    loop_.after(latency(), [cut, deliver] {
      if (!cut()) deliver();
    });
  }
}

uint64_t SimCluster::request(size_t node, int64_t connection, std::vector<std::string> command,
                             std::function<void(SimReply)> done) {
  const uint64_t id = next_request_++;
  waiting_[id] = std::move(done);
  if (!nodes_[node]->up()) {
    answer(id, SimReply{SimReply::Kind::kRefused, ""});
    return id;
  }
  const uint64_t incarnation = nodes_[node]->incarnation();
  loop_.after(latency(),
              [this, node, id, connection, incarnation, command = std::move(command)]() mutable {
                Node& n = *nodes_[node];
                if (!n.up() || n.incarnation() != incarnation) {  // reset by the crash
                  answer(id, SimReply{SimReply::Kind::kLost, ""});
                  return;
                }
                n.request(id, connection, std::move(command));
              });
  return id;
}

void SimCluster::cancel(uint64_t id) { waiting_.erase(id); }

void SimCluster::answer(uint64_t id, SimReply reply) {
  loop_.after(latency(), [this, id, reply = std::move(reply)]() mutable {
    const auto it = waiting_.find(id);
    if (it == waiting_.end()) return;
    std::function<void(SimReply)> done = std::move(it->second);
    waiting_.erase(it);
    done(std::move(reply));
  });
}

void SimCluster::crash(size_t node) { nodes_[node]->crash(); }

Status SimCluster::restart(size_t node) {
  if (nodes_[node]->up()) return Status::ok();
  Status s = nodes_[node]->boot();
  if (!s.is_ok())
    return Status::malformed(
        fmt::format("{} does not recover from its disk: {}", names_[node], s.message()));
  return s;
}

void SimCluster::pause(size_t node) { nodes_[node]->pause(); }
void SimCluster::resume(size_t node) { nodes_[node]->resume(); }
bool SimCluster::up(size_t node) const { return nodes_[node]->up(); }
bool SimCluster::paused(size_t node) const { return nodes_[node]->paused(); }

std::vector<std::string> SimCluster::primaries() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i]->leads()) out.push_back(names_[i]);
  return out;
}

}  // namespace faultline::sim
