#include "nemesis/link_fault.h"

#include <algorithm>

#include "nemesis/node_commands.h"
#include "nemesis/random.h"

namespace faultline {

Status plan_latency_fault(const std::string& spec, const std::vector<std::string>& nodes,
                          const PrimariesFn& primaries, const NemesisOptions& o,
                          std::mt19937_64& rng, std::map<Link, LinkFault>* faults,
                          nlohmann::json* done) {
  std::vector<std::string> slow;  // the nodes whose links get the fault
  std::optional<Link> only;       // one-way: the one link that does
  if (spec == "delay" || spec == "bandwidth" || spec == "reorder") {
    slow = nodes;
  } else if (spec == "one-way") {
    slow = shuffled(nodes, rng);  // from slow[0] to slow[1]
    if (slow.size() < 2) return Status::invalid_argument("latency:one-way needs two nodes");
    slow.resize(2);
    only = Link{slow[0], slow[1]};
  } else if (spec == "one" || spec == "slow-leader" || spec == "one-way-leader") {
    std::vector<std::string> leaders;
    if (spec != "one")
      if (Status st = primaries(&leaders); !st.is_ok()) return st;
    if (Status st = choose_victims(nodes, leaders, rng, spec == "one" ? "one" : "leader",
                                   {"one", "leader"}, &slow);
        !st.is_ok())
      return st;
  } else {
    return unknown_spec("latency", spec, fault_specs("latency"));
  }
  LinkFault fault;
  if (spec == "bandwidth") {
    fault.bytes_per_s = o.bandwidth_bytes_s;
  } else {
    fault.delay = o.latency;
    fault.jitter = spec == "reorder" ? std::chrono::milliseconds(0) : o.jitter;
    fault.reorder = spec == "reorder";
  }
  faults->clear();
  std::vector<std::string> links;
  std::vector<std::string> cut;  // one-way-leader: links cut after 2 * latency-ms
  auto is_slow = [&](const std::string& n) { return std::count(slow.begin(), slow.end(), n) > 0; };
  for (const std::string& a : nodes)
    for (const std::string& b : nodes) {
      if (a == b || (!is_slow(a) && !is_slow(b))) continue;
      if (only && *only != Link{a, b}) continue;
      LinkFault& f = (*faults)[{a, b}];
      if (spec == "one-way-leader" && is_slow(a)) {
        f.cut_after = 2 * o.latency;
        cut.push_back(a + "->" + b);
        continue;
      }
      f = fault;
      f.ramp = spec == "one-way-leader";
      links.push_back(a + "->" + b);
    }
  (*done)["spec"] = spec;
  if (slow.size() < nodes.size()) (*done)["nodes"] = slow;
  (*done)["links"] = links;
  if (!cut.empty()) (*done)["cut"] = cut;
  if (spec == "bandwidth") {
    (*done)["bytes_per_s"] = fault.bytes_per_s;
  } else if (spec == "reorder") {
    (*done)["delay_ms"] = {0, 2 * fault.delay.count()};  // per connection, uniform
  } else {
    (*done)["delay_ms"] = fault.delay.count();
    (*done)["jitter_ms"] = fault.jitter.count();
  }
  return Status::ok();
}

std::chrono::microseconds link_pipe_delay(const LinkFault& f,
                                          const std::function<uint64_t()>& draw) {
  if (!f.reorder) return f.delay;
  return std::chrono::microseconds(draw() % static_cast<uint64_t>(2 * f.delay.count() * 1000 + 1));
}

std::optional<int64_t> link_release_ns(const LinkFault& f, int64_t now, int64_t since,
                                       std::chrono::microseconds pipe_delay, size_t n,
                                       int64_t* link_free, const std::function<uint64_t()>& draw) {
  using std::chrono::nanoseconds;
  if (f.cut_after && now >= since + nanoseconds(*f.cut_after).count()) return std::nullopt;
  int64_t delay = nanoseconds(pipe_delay).count();
  if (f.ramp) delay = std::min(delay, (now - since) / 2);
  int64_t sent = now;
  if (f.bytes_per_s > 0) {
    sent = std::max(now, *link_free) +
           static_cast<int64_t>(n) * 1'000'000 / f.bytes_per_s * 1000;  // as whole µs
    *link_free = sent;
  }
  int64_t jitter = 0;
  if (f.jitter.count() > 0)
    jitter =
        static_cast<int64_t>(draw() % static_cast<uint64_t>(f.jitter.count() * 1000 + 1)) * 1000;
  return sent + delay + jitter;
}

}  // namespace faultline
