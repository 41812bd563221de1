// How a TestConfig becomes the parts of a run: checked names, the target's
// options, the workload, the nemesis and the one generator that drives them
// all — main phase (clients at the rate, faults on their schedule, for the
// time limit), then heal and recover, then the workload's final reads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "harness/db/targets.h"
#include "harness/generator/generator.h"
#include "harness/nodes/cluster_state.h"
#include "harness/run/test_config.h"
#include "nemesis/nemesis.h"
#include "workloads/workload.h"

namespace faultline {

// Names (target, workload, nemesis kinds) and values, before anything is
// deployed: invalid_argument saying what was expected (also kill:aimed on a
// target without crash points).
Status check_plan(const TestConfig& config);

// --opt pairs, plus faketime=true when clock faults are planned,
// diskfs=true when disk faults are, and crashpoints=true for kill:aimed.
std::map<std::string, std::string> target_options(const TestConfig& config);

Status make_run_workload(const TestConfig& config, const Deployment& deployment, Workload* out);

// Null (and ok) for nemesis none. `cluster`: the local cluster the nodes
// are (their namespaces), nullptr for remote hosts.
Status make_run_nemesis(const TestConfig& config, SshPool& pool,
                        const std::vector<SshTarget>& nodes, const ClusterState* cluster,
                        Deployment& deployment, std::unique_ptr<Nemesis>* out);

// The whole test's generator; takes the workload's generators.
GenPtr run_generator(const TestConfig& config, Workload& workload);

}  // namespace faultline
