// Latency without netem: every node's TCP connections to the other nodes
// (but to their client port and sshd) are redirected, in the node's own
// network namespace (iptables nat chain FAULTLINE, REDIRECT), to a listener
// the controller's LatencyProxy (latency_proxy.h) holds in that namespace;
// the proxy connects on to the original destination from the same namespace
// (its sockets carry kProxyMark, which the chain lets through) and holds the
// bytes back as the faults say. Because the proxy's connections leave from
// the sender's namespace with the sender's address, partition and loss rules
// act on them as on direct ones.
//
// The redirect is installed when the nemesis is made (prepare), before the
// target starts, because it only catches new connections; with no latency
// fault the proxy forwards at once.
//   delay        every link: latency-ms + uniform [0, jitter-ms] per chunk
//   one          the links to and from one random node, the same delay
//   one-way      one direction of one link, at random, the same delay
//   slow-leader  the links to and from the leader (Db::primaries)
//   one-way-leader  the links to the leader slow down, from no delay to
//                latency-ms (+ jitter) over 2 * latency-ms (LinkFault::ramp);
//                then the links from it stop: what the leader sends is held
//                until the fault stops (a one-way cut behind a slow return
//                path: the leader still hears its followers' answers to what
//                it sent before the cut, latency-ms late)
//   bandwidth    every link carries at most bandwidth-bytes-s (no delay)
//   reorder      every link; each connection its own delay, uniform in
//                [0, 2 * latency-ms], so messages on different connections
//                overtake each other (never within one)
// stop-latency and heal make the proxy forward at once; heal also removes
// the redirect and closes the listeners (connections made through the proxy
// run on through it, undelayed, until the nemesis ends).
#include <fmt/format.h>

#include "nemesis/fault_kind.h"
#include "nemesis/latency_proxy.h"
#include "nemesis/node_commands.h"

namespace faultline {
namespace {

// "FL": the mark on the proxy's own connections, which the redirect skips.
constexpr uint32_t kProxyMark = 0x464c;

class LatencyFault : public FaultKind {
 public:
  LatencyFault(const NemesisContext& context, std::mt19937_64* rng)
      : context_(context), rng_(*rng) {}

  std::string name() const override { return "latency"; }

  Status prepare() override { return install(); }

  Status start(const std::string& spec, nlohmann::json* done) override {
    std::map<Link, LinkFault> faults;
    auto primaries = [this](std::vector<std::string>* out) { return context_.db.primaries(out); };
    if (Status st = plan_latency_fault(spec, node_names(context_), primaries, context_.options,
                                       rng_, &faults, done);
        !st.is_ok())
      return st;
    if (Status st = install(); !st.is_ok()) return st;
    proxy_->set_faults(std::move(faults));
    return Status::ok();
  }

  Status stop(nlohmann::json* done) override {
    if (proxy_ != nullptr) proxy_->set_faults({});
    (*done)["healed"] = node_names(context_);
    return Status::ok();
  }

  // After the nemesis's heal flushed the chains (the redirect with them).
  Status heal(nlohmann::json* done) override {
    (void)done;
    if (proxy_ != nullptr) {
      proxy_->set_faults({});
      proxy_->close_listeners();
    }
    installed_ = false;
    return Status::ok();
  }

 private:
  // Starts the proxy (once) and a listener in every node's namespace, and
  // points each node's redirect at it; again after a heal.
  Status install() {
    if (installed_) return Status::ok();
    std::map<std::string, std::string> by_address;
    for (const NemesisNode& n : context_.nodes) {
      if (n.netns.empty())
        return Status::invalid_argument(fmt::format(
            "the latency nemesis needs a local cluster (node {} has no network namespace "
            "this controller can enter)",
            n.name));
      by_address[n.address] = n.name;
    }
    if (proxy_ == nullptr) proxy_ = std::make_unique<LatencyProxy>(std::move(by_address), rng_());
    std::map<std::string, int> ports;
    for (const NemesisNode& n : context_.nodes) {
      const std::string path = "/run/netns/" + n.netns;
      ProxySender sender{n.name, [path] { return socket_in_netns(path, kProxyMark); },
                         original_destination};
      if (Status st = proxy_->add_sender(sender, &ports[n.name]); !st.is_ok()) return st;
    }
    Status st = on_each(node_names(context_), [&](const std::string& node) {
      std::vector<std::string> rules;
      for (const NemesisNode& to : context_.nodes) {
        if (to.name == node) continue;
        const std::string ports_kept =
            to.client_port > 0 ? fmt::format("22,{}", to.client_port) : "22";
        rules.push_back(
            fmt::format("-d {} -p tcp -m multiport ! --dports {} -j REDIRECT --to-ports {}",
                        to.address, ports_kept, ports[node]));
      }
      return run_on_node(context_, node, nat_rules_command(kProxyMark, rules));
    });
    if (st.is_ok()) installed_ = true;
    return st;
  }

  const NemesisContext& context_;
  std::mt19937_64& rng_;
  std::unique_ptr<LatencyProxy> proxy_;
  bool installed_ = false;
};

}  // namespace

std::unique_ptr<FaultKind> make_latency_fault(const NemesisContext& context, std::mt19937_64* rng) {
  return std::make_unique<LatencyFault>(context, rng);
}

}  // namespace faultline
