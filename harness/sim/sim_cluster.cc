#include "harness/sim/sim_cluster.h"

#include <fmt/format.h>

namespace faultline::sim {

namespace {
constexpr int kClientPort = 6379;
}  // namespace

SimCluster::SimCluster(EventLoop& loop, uint64_t seed, SimClusterOptions options)
    : loop_(loop), seed_(seed), options_(std::move(options)) {
  for (int i = 1; i <= options_.nodes; ++i) names_.push_back(fmt::format("n{}", i));
}

SimCluster::~SimCluster() = default;

Status SimCluster::start() {
  for (size_t i = 0; i < names_.size(); ++i) {
    nodes_.push_back(options_.make_node(*this, i));
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

SplitMix64 SimCluster::draws(Stream purpose, uint64_t entity) {
  auto& [time, count] = ranks_[{purpose, entity}];
  if (time != loop_.now()) {
    time = loop_.now();
    count = 0;
  }
  uint64_t key = mix64(seed_ ^ mix64(static_cast<uint64_t>(purpose)));
  key = mix64(key + entity);
  key = mix64(key + static_cast<uint64_t>(time));
  return SplitMix64(mix64(key + count++));
}

int64_t SimCluster::latency(SplitMix64& rng) const {
  const auto span = static_cast<uint64_t>(options_.max_latency - options_.min_latency + 1);
  return options_.min_latency + static_cast<int64_t>(rng() % span);
}

void SimCluster::transmit(size_t from, size_t to, std::function<void()> deliver) {
  auto cut = [this, from, to] { return !can_talk(grudge_, names_[from], names_[to]); };
  SplitMix64 rng = draws(Stream::kLink, from * names_.size() + to);
  const bool lost = static_cast<double>(rng() % 1'000'000) < loss_ * 1e6 &&
                    (lossy_.contains(names_[from]) || lossy_.contains(names_[to]));
  const bool duplicated = static_cast<double>(rng() % 1'000'000) < options_.duplicate * 1e6;
  if (lost || cut()) return;
  for (int copy = 0; copy < (duplicated ? 2 : 1); ++copy) {
    loop_.after(latency(rng), [cut, deliver] {
      if (!cut()) deliver();
    });
  }
}

uint64_t SimCluster::request(size_t node, int64_t connection, std::vector<std::string> command,
                             std::function<void(SimReply)> done) {
  const uint64_t id = next_request_++;
  waiting_[id] = Waiting{connection, std::move(done)};
  if (!nodes_[node]->up()) {
    answer(id, SimReply{SimReply::Kind::kRefused, ""});
    return id;
  }
  const uint64_t incarnation = nodes_[node]->incarnation();
  SplitMix64 rng = draws(Stream::kConnection, static_cast<uint64_t>(connection));
  loop_.after(latency(rng),
              [this, node, id, connection, incarnation, command = std::move(command)]() mutable {
                SimNode& n = *nodes_[node];
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
  const auto waiting = waiting_.find(id);
  if (waiting == waiting_.end()) return;  // cancelled: nobody listens
  SplitMix64 rng = draws(Stream::kConnection, static_cast<uint64_t>(waiting->second.connection));
  loop_.after(latency(rng), [this, id, reply = std::move(reply)]() mutable {
    const auto it = waiting_.find(id);
    if (it == waiting_.end()) return;
    std::function<void(SimReply)> done = std::move(it->second.done);
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

std::string SimCluster::client_address(uint64_t id) const {
  if (id < 1 || id > names_.size()) return "";
  return fmt::format("{}:{}", names_[id - 1], kClientPort);
}

std::vector<std::string> SimCluster::primaries() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i]->leads()) out.push_back(names_[i]);
  return out;
}

}  // namespace faultline::sim
