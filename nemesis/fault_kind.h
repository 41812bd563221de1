// The pieces a Nemesis is composed of (nemesis.cc): one FaultKind per kind of
// fault (kill and pause share process_faults.cc). Internal to nemesis/.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "base/status.h"
#include "nemesis/nemesis.h"

namespace faultline {

// One kind X of fault: start-X applies it as a spec says, stop-X undoes it.
// Both fill `done` with what they did, also (as far as they got) on error.
// Calls come from the nemesis thread only, one at a time.
class FaultKind {
 public:
  virtual ~FaultKind() = default;
  virtual std::string name() const = 0;
  // `spec` is one of fault_specs(name()); start() refuses any other.
  virtual Status start(const std::string& spec, nlohmann::json* done) = 0;
  // start() with the choice an earlier start recorded (FaultStart::chosen,
  // the completion's fault_choice_field) instead of a random one. Called
  // only for the kinds that have a choice field, which override it.
  virtual Status start_chosen(const std::string& spec, const nlohmann::json& chosen,
                              nlohmann::json* done) {
    (void)chosen;
    (void)done;
    return Status::invalid_argument("start-" + name() + " " + spec +
                                    ": cannot replay a recorded choice");
  }
  virtual Status stop(nlohmann::json* done) = 0;
  // What must be in place before the target starts (make_nemesis calls it).
  virtual Status prepare() { return Status::ok(); }
  // Nemesis::heal's part for the kind's own state, beyond what lives on the
  // nodes: it runs after the nodes' chains, clocks and disks were flushed
  // and before the servers are disarmed, resumed and restarted (so e.g.
  // latency closes its proxy once no redirect points at it, and kill:aimed
  // ends its watch before anything restarts a server). Adds what it did to
  // `done` (never null). Default: nothing.
  virtual Status heal(nlohmann::json* done) {
    (void)done;
    return Status::ok();
  }
};

// `rng` is the nemesis's own, shared by its kinds; both it and `context`
// outlive the kind.
std::unique_ptr<FaultKind> make_partition_fault(const NemesisContext& context,
                                                std::mt19937_64* rng);
std::unique_ptr<FaultKind> make_loss_fault(const NemesisContext& context, std::mt19937_64* rng);
std::unique_ptr<FaultKind> make_kill_fault(const NemesisContext& context, std::mt19937_64* rng);
std::unique_ptr<FaultKind> make_pause_fault(const NemesisContext& context, std::mt19937_64* rng);
std::unique_ptr<FaultKind> make_clock_fault(const NemesisContext& context, std::mt19937_64* rng);
std::unique_ptr<FaultKind> make_corrupt_fault(const NemesisContext& context, std::mt19937_64* rng);
std::unique_ptr<FaultKind> make_disk_fault(const NemesisContext& context, std::mt19937_64* rng);
std::unique_ptr<FaultKind> make_latency_fault(const NemesisContext& context, std::mt19937_64* rng);

}  // namespace faultline
