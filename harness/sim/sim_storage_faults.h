// The storage fault kinds of faultline sim, on the simulated disks
// (common::FaultInjectionEnv, SimNode::power_cut / slow_disk / fail_disk):
// the real nemesis's `disk` (nemesis/disk.cc, through faultline-diskfs) and
// `corrupt` (nemesis/corrupt.cc), with the same specs and options, the same
// random choices (nemesis/storage_choices.h) and completions in the same
// words, so that a test file and its report read alike on both.
//   disk lose-unsynced / torn  a power cut on disk_nodes nodes: each loses
//       what it did not sync (torn: keeps a random prefix of it, per file);
//       "lost" says what, by node; then each restarts ("restarted",
//       "start_errors")
//   disk slow / fail           one node's disk operations take disk_slow_ms
//       each, or fail for disk_fail_s ("node", "ms" / "seconds")
//   corrupt truncate-wal / flip-bits / delete-data  one node crashed, its
//       newest WAL segment (by wal_glob) cut, bits of a random file flipped,
//       or its data directory emptied; then restarted: a node that refuses
//       to start is an outcome ("restarted": false, "start_error"), not an
//       error, as in real runs
// The stops (heal every disk; restart every node down) are SimNemesis's.
#pragma once

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "base/status.h"
#include "harness/sim/sim_cluster.h"
#include "nemesis/nemesis.h"

namespace faultline::sim {

Status start_disk_fault(SimCluster& cluster, const std::string& spec, const NemesisOptions& options,
                        std::mt19937_64& rng, nlohmann::json* done);
Status start_corrupt_fault(SimCluster& cluster, const std::string& spec,
                           const NemesisOptions& options, std::mt19937_64& rng,
                           nlohmann::json* done);
// Ends slow and failing disks on every node.
void heal_disks(SimCluster& cluster);

}  // namespace faultline::sim
