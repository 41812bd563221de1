// The nemesis: faults injected into the nodes while a test runs (Jepsen's
// nemesis). It executes ops on the nemesis thread like a client: an invoke
// {process kNemesisProcess, f "start-partition", value "halves"} comes back
// as an info completion whose value says what was actually done, e.g.
// {"spec":"isolate-one","isolated":["n1"],"from":["n2","n3"],...}; a fault
// that could not be (fully) applied also carries `error`. fs come in pairs
// start-X / stop-X (reports/html/nemesis_intervals.h turns them into fault
// intervals). docs/nemesis.md lists every command run on a node.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "harness/db/db.h"
#include "harness/db/node_endpoint.h"
#include "harness/generator/op.h"
#include "harness/ssh/ssh_pool.h"

namespace faultline {

class Nemesis {
 public:
  virtual ~Nemesis() = default;
  // Runs the fault the invoke asks for and returns its completion (type info).
  // An unknown f or spec is an info completion with `error` set, not a crash.
  virtual Op invoke(const Op& op) = 0;
  // Removes every fault on every node: flushes the nemesis chain, resets the
  // clock offset files, ends kill:aimed's watch and disarms the crash points,
  // resumes paused servers and starts stopped ones. Idempotent, and works
  // from what is on the nodes (the chain, the offset file, the servers, the
  // pidfile), not from memory, so it also undoes the faults of a controller
  // that crashed. The runner calls it once at the end of a test. `done`
  // (may be null) gets what it did: restarted, resumed, disarmed, and
  // kill:aimed's crashes since its start.
  virtual Status heal(nlohmann::json* done) = 0;
  Status heal() { return heal(nullptr); }
};

struct NemesisNode {
  NemesisNode() = default;
  // Not an aggregate, so that {name, address} leaves the rest at their defaults.
  NemesisNode(std::string n, std::string a, int port = 0, std::string ns = "")
      : name(std::move(n)), address(std::move(a)), client_port(port), netns(std::move(ns)) {}
  std::string name;     // as in the SshPool and the Db
  std::string address;  // how the other nodes reach it (what the target's peers use)
  // The target's client port on the node (the latency kind leaves traffic
  // to it alone); 0: unknown.
  int client_port = 0;
  // The node's network namespace (/run/netns/<netns>) on a local cluster;
  // "" for a remote host. The latency kind needs it.
  std::string netns;
};

struct NemesisOptions {
  double loss_percent = 20;  // loss: probability of dropping each packet, in percent
  // clock: |offset| of skew (random per node) and bump (one node), in seconds.
  int skew_max_s = 5;
  int bump_s = 60;
  // clock strobe: the op alternates the offset between +strobe_s and 0 every
  // strobe_period for strobe_duration (the op takes that long).
  int strobe_s = 10;
  std::chrono::milliseconds strobe_period{500};
  std::chrono::milliseconds strobe_duration{5000};
  // The clock offset file on every node that the servers were started with
  // (RaftkvDb::faketime_file()); empty: the servers do not run under
  // libfaketime, and the clock kind is refused.
  std::string faketime_file;
  // corrupt: which files in Db::data_dir() are WAL segments (the newest one
  // sorts last by name), how many bytes truncate-wal cuts at most, how many
  // bits flip-bits flips.
  std::string wal_glob = "wal-*.log";
  int truncate_max_bytes = 64;
  int flip_bits = 4;
  // disk: the command that reaches a node's faultline-diskfs (followed by a
  // control command; Deployment::diskfs_ctl); empty: the disk kind is
  // refused. How many nodes lose-unsynced and torn cut (0: all), the delay
  // slow adds to each write and fsync, how long fail fails them.
  std::string diskfs_ctl;
  int disk_nodes = 0;
  int disk_slow_ms = 100;
  int disk_fail_s = 5;
  // kill, in faultline sim only: the percentage of the target's aimed
  // messages (raftkv: granted votes; paxos: promises) after which the sender
  // is killed and restarted at once (harness/sim/sim_cluster.h, "aimed
  // kills"), between the scheduled kills; faultline run ignores it, so one
  // test file serves both (a real run aims with kill:aimed instead).
  int aimed_kill_percent = 5;
  // kill, in faultline sim only: how long a node an aimed kill (of either
  // kind: aimed-kill-percent's or kill:aimed's) crashed stays down before
  // its restart. 0: it restarts at once. A real kill:aimed's restart takes
  // what the nemesis takes to see the node down and start it, about 0.3 s
  // (docs/benchmarks.md, "Aimed kills"), which this can model.
  std::chrono::milliseconds aimed_restart{0};
  // pause, in faultline sim only: the percentage of the target's aimed
  // moments for a stall (raftkv: a leader's Ready with new entries of its
  // term, its commit of an earlier term's entry) after which the node's
  // messages of that Ready are lost and it is paused for aimed_stall.
  int aimed_stall_percent = 5;
  std::chrono::milliseconds aimed_stall{200};
  // latency: the delay of a slow link (delay, one, slow-leader, one-way-leader,
  // whose cut begins that long after its start; reorder draws
  // each connection's in [0, 2 * latency]), the jitter added per chunk (uniform
  // in [0, jitter]), and what a link carries under bandwidth.
  std::chrono::milliseconds latency{200};
  std::chrono::milliseconds jitter{20};
  int64_t bandwidth_bytes_s = 20000;
  // kill:aimed (nemesis/aimed_kill.h): how likely, in percent, an armed
  // server crashes each time it passes its crash point (faultline sim: the
  // aimed kills' percentage while kill:aimed is on).
  int crash_percent = 50;
  // kill:aimed: how many nodes it arms, at random; 0: a minority (a quorum
  // stays up whatever crashes). More lets it aim at whichever node a
  // partition made the bridge between two proposers (docs/nemesis.md).
  int crash_nodes = 0;
  // kill:aimed: the crash point the target's servers have (the Deployment's
  // crash_point: they run with --allow-crashpoints) and where each node
  // serves RESP clients, by node name; empty: kill:aimed is refused.
  std::string crash_point;
  std::vector<NodeEndpoint> client_endpoints;
};

// Sets the options named in `options` (key=value text: loss-percent,
// skew-max-s, bump-s, strobe-s, strobe-period-ms, strobe-duration-ms,
// truncate-max-bytes, flip-bits, disk-nodes, disk-slow-ms, disk-fail-s,
// aimed-kill-percent (alias vote-kill-percent), aimed-stall-percent,
// aimed-stall-ms, crash-percent, crash-nodes, latency-ms, jitter-ms,
// bandwidth-bytes-s; integers). An unknown key or a value out of range is
// invalid_argument, naming it.
Status apply_nemesis_options(const std::map<std::string, std::string>& options,
                             NemesisOptions* out);

struct NemesisContext {
  SshPool& pool;  // must hold every node; outlives the nemesis
  Db& db;         // the system under test on the same nodes; outlives the nemesis
  std::vector<NemesisNode> nodes;
  uint64_t seed = 0;  // every random choice (victims, offsets, bits) derives from it
  NemesisOptions options;
};

// The kinds make_nemesis knows, in the order "all" expands to (latency, the
// last, is not in "all": it needs a local cluster, and it routes the nodes'
// connections through the controller for the whole test).
const std::vector<std::string>& nemesis_kinds();
// The specs start-`kind` takes (empty for an unknown kind), e.g. partition's
// isolate-one, halves, ..., isolate-leader.
const std::vector<std::string>& fault_specs(const std::string& kind);
// The specs a null spec is drawn from when a plan names none: fault_specs
// but those that must be named (kill's aimed, which needs crash points).
const std::vector<std::string>& drawn_specs(const std::string& kind);

// One kind of fault a test plans, and the specs its faults are drawn from.
struct FaultPlan {
  std::string kind;
  std::vector<std::string> specs;  // empty: any of drawn_specs(kind)
  // Held (--nemesis-hold): the schedule starts it before any other fault
  // and never stops it; the run's final heal ends it.
  bool held = false;
};

// Parses a test's fault list: each item is "all", a kind, or a kind with
// the specs to draw from, "kind:spec+spec" (e.g. "partition:isolate-leader",
// "kill:leader+minority"). A kind named twice keeps its first item. An
// unknown kind or spec, or an empty item, is invalid_argument listing what
// is known.
Status parse_fault_plans(const std::vector<std::string>& items, std::vector<FaultPlan>* out);

// Marks the plans of `kinds` held, in the order given (the order the
// schedule starts them). A kind with no plan is invalid_argument naming the
// planned ones.
Status hold_fault_plans(const std::vector<std::string>& kinds, std::vector<FaultPlan>* plans);

// What a start-X op asks for (docs/nemesis.md, "Replaying a fault"): the
// spec, and the random choice an earlier start of that fault made, to make
// it again instead of drawing a new one (how a scenario replays its faults,
// harness/run/scenario.h).
struct FaultStart {
  std::string spec;
  // Null: choose at random. Else what the kind's completion recorded under
  // fault_choice_field(kind): the nodes (kill, pause, loss) or the grudge
  // (partition) to use.
  nlohmann::json chosen;
};

// The field of a start-`kind` completion that records its random choice —
// "grudge" (partition), "nodes" (loss), "killed" (kill), "paused" (pause) —
// or "" for a kind whose faults are replayed by their spec only.
std::string fault_choice_field(const std::string& kind);

// Reads a start-`kind` op's value: null (a spec drawn with `rng` from
// `specs`), a spec string, or {"spec": S, F: C} with F the kind's choice
// field (a completion's value, as fault_replay_value gives it). Anything
// else is invalid_argument saying what was expected.
Status parse_fault_start(const std::string& kind, const nlohmann::json& value,
                         const std::vector<std::string>& specs, std::mt19937_64& rng,
                         FaultStart* out);

// The value of a start-`kind` op that redoes the fault whose completion
// value is `done`: {"spec": S, F: done[F]} when the kind records a choice
// and `done` has it, else the spec alone (null if `done` has none either).
nlohmann::json fault_replay_value(const std::string& kind, const nlohmann::json& done);

// A nemesis doing the faults `items` plan (as parse_fault_plans takes them;
// its errors, and an empty list, are invalid_argument; so is the clock kind
// without options.faketime_file, disk without options.diskfs_ctl,
// kill:aimed without options.crash_point, and latency on nodes without a
// netns). An op with a null spec draws one from the kind's plan. With
// latency planned this already acts on the nodes: it starts the proxy and
// redirects the nodes' peer connections through it (nemesis/latency.cc),
// which must happen before the target starts.
Status make_nemesis(const std::vector<std::string>& items, const NemesisContext& context,
                    std::unique_ptr<Nemesis>* out);

}  // namespace faultline
