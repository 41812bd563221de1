#include "harness/sim/sim_cluster.h"

#include <fmt/format.h>

#include <algorithm>

namespace faultline::sim {

namespace {
constexpr int kClientPort = 6379;
}  // namespace

SimCluster::SimCluster(EventLoop& loop, uint64_t seed, SimClusterOptions options)
    : loop_(loop), seed_(seed), options_(std::move(options)) {
  for (int i = 1; i <= options_.nodes; ++i) names_.push_back(fmt::format("n{}", i));
  clock_changes_.resize(names_.size());
  set_grudge({});
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

SimCluster::Rank& SimCluster::rank(Stream purpose, uint64_t entity) {
  if (entity >= kDenseEntities) return sparse_ranks_[{purpose, entity}];
  const auto p = static_cast<size_t>(purpose);
  if (p >= dense_ranks_.size()) dense_ranks_.resize(p + 1);
  std::vector<Rank>& ranks = dense_ranks_[p];
  if (entity >= ranks.size()) ranks.resize(entity + 1);
  return ranks[entity];
}

SplitMix64 SimCluster::draws(Stream purpose, uint64_t entity) {
  auto& [time, count] = rank(purpose, entity);
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

void SimCluster::transmit(size_t from, size_t to, std::shared_ptr<const Parcel> parcel) {
  const size_t pair = from * names_.size() + to;
  SplitMix64 rng = draws(Stream::kLink, pair);
  const bool lost = static_cast<double>(rng() % 1'000'000) < loss_ * 1e6 &&
                    (lossy_.contains(names_[from]) || lossy_.contains(names_[to]));
  const bool duplicated = static_cast<double>(rng() % 1'000'000) < options_.duplicate * 1e6;
  if (lost || cut_[pair]) return;
  const auto slow = slow_links_.find({from, to});
  const int copies = duplicated ? 2 : 1;
  for (int copy = 0; copy < copies; ++copy) {
    // A duplicate shares the parcel; the last copy takes it.
    std::shared_ptr<const Parcel> p = copy + 1 < copies ? parcel : std::move(parcel);
    Task deliver_unless_cut = [this, pair, p = std::move(p)] {
      if (cut_[pair]) return;
      nodes_[pair % names_.size()]->receive(p);
    };
    const int64_t latency_ns = latency(rng);
    if (slow == slow_links_.end()) {
      loop_.after(latency_ns, std::move(deliver_unless_cut));
      continue;
    }
    // The proxy's timing, then the network's latency. Message sizes are not
    // modelled: plan checks refuse latency:bandwidth.
    SlowLink& link = slow->second;
    const std::optional<int64_t> release =
        link_release_ns(link.fault, loop_.now(), link_faults_set_, link.pipe_delay, 0, &link.free,
                        [&rng] { return rng(); });
    if (!release) {
      held_.push_back(std::move(deliver_unless_cut));
      continue;
    }
    link.last = std::max(*release + latency_ns, link.last);
    const uint64_t id = next_delayed_++;
    delayed_[id] = std::move(deliver_unless_cut);
    loop_.after(link.last - loop_.now(), [this, id] {
      const auto it = delayed_.find(id);
      if (it == delayed_.end()) return;  // delivered by a heal
      Task d = std::move(it->second);
      delayed_.erase(it);
      d();
    });
  }
}

void SimCluster::set_grudge(const Grudge& grudge) {
  const size_t n = names_.size();
  cut_.assign(n * n, 0);
  for (size_t from = 0; from < n; ++from)
    for (size_t to = 0; to < n; ++to)
      cut_[from * n + to] = !can_talk(grudge, names_[from], names_[to]);
}

void SimCluster::set_link_faults(const std::map<Link, LinkFault>& faults) {
  slow_links_.clear();
  link_faults_set_ = loop_.now();
  for (const auto& [link, fault] : faults) {
    const int from = index_of(link.first);
    const int to = index_of(link.second);
    if (from < 0 || to < 0 || !fault.active()) continue;
    const auto f = static_cast<size_t>(from);
    const auto t = static_cast<size_t>(to);
    SplitMix64 rng = draws(Stream::kLatency, f * names_.size() + t);
    slow_links_[{f, t}] = SlowLink{fault, link_pipe_delay(fault, [&rng] { return rng(); })};
  }
  // Released in order, each after the network's latency.
  std::vector<Task> released;
  released.swap(held_);
  if (faults.empty())
    for (auto& [id, d] : delayed_) released.push_back(std::move(d));
  if (faults.empty()) delayed_.clear();
  SplitMix64 rng = draws(Stream::kLatency, names_.size() * names_.size());
  for (auto& d : released) loop_.after(latency(rng), std::move(d));
}

void SimCluster::set_wall_offset(size_t node, int64_t offset) {
  ++clock_changes_[node];
  nodes_[node]->set_wall_offset(offset);
}

int SimCluster::strobe_wall_clock(size_t node, int64_t offset, int64_t period, int64_t duration) {
  const auto changes = static_cast<int>((duration + period - 1) / std::max<int64_t>(period, 1));
  set_wall_offset(node, changes > 0 ? offset : 0);
  const uint64_t strobe = clock_changes_[node];
  for (int k = 1; k <= changes; ++k) {
    const int64_t value = k < changes && k % 2 == 0 ? offset : 0;
    loop_.after(k * period, [this, node, strobe, value] {
      if (clock_changes_[node] == strobe) nodes_[node]->set_wall_offset(value);
    });
  }
  return changes;
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
