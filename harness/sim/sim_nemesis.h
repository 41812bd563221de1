// SimNemesis: the nemesis ops of a test (nemesis/schedule.h: start-X and
// stop-X, with specs drawn from the test's fault plans) applied to a
// SimCluster, with completions shaped like the real nemesis's (spec,
// grudge, isolated, killed, ...), so that reports read them alike. Victims
// and grudges come from the same pure functions the real nemesis uses
// (choose_victims, partition_grudge). Kinds: partition, kill (a crash that
// loses unsynced writes; stop-kill restarts from the disk; and, between
// the scheduled ones, the aimed kills of SimCluster::set_aimed_faults at
// --nemesis-opt aimed-kill-percent; kill:aimed, the spec that arms a real
// run's crash points, raises them to crash-percent until stop-kill), pause
// (and the aimed stalls, at aimed-stall-percent for aimed-stall-ms), loss,
// clock (offsets of the nodes' simulated wall clocks: plan_clock_fault, as
// the real nemesis), latency (the real proxy's LinkFaults on the simulated
// links: plan_latency_fault; not bandwidth, which needs message sizes), and
// the storage kinds disk and corrupt on the simulated disks
// (sim_storage_faults.h).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "harness/generator/op.h"
#include "harness/sim/sim_cluster.h"
#include "nemesis/link_fault.h"
#include "nemesis/nemesis.h"

namespace faultline::sim {

// The fault kinds SimNemesis simulates.
const std::vector<std::string>& simulated_fault_kinds();

class SimNemesis {
 public:
  SimNemesis(SimCluster& cluster, std::vector<FaultPlan> plans, NemesisOptions options,
             uint64_t seed);

  // Applies the fault `op` asks for; its info completion says what was done
  // (with `error` for an unknown f or spec, or a node that did not recover).
  Op invoke(const Op& op);
  // Undoes every fault: heals partitions and loss, resumes paused nodes,
  // restarts crashed ones. Fills `done` with the nodes restarted and resumed.
  Status heal(nlohmann::json* done);

 private:
  Status start(const std::string& kind, const FaultStart& fault, nlohmann::json* done);
  PrimariesFn primaries() const;
  Status start_clock(const std::string& spec, nlohmann::json* done);
  Status stop(const std::string& kind, nlohmann::json* done);
  // Aimed kills at probability `kill`; aimed stalls as the plans say (only
  // under pause).
  void aim(double kill);
  // Restarts every crashed node (into *restarted); the first recovery error.
  Status restart_all(std::vector<std::string>* restarted);

  SimCluster& cluster_;
  std::vector<FaultPlan> plans_;
  NemesisOptions options_;
  std::mt19937_64 rng_;
};

}  // namespace faultline::sim
