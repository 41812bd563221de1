// The dependency graph of a transactional history, after Adya and Elle:
// nodes are transactions, edges say that one must come before another, and
// a cycle is an isolation anomaly. This file knows only the graph: which
// edges there are is the list-append and rw-register checkers' business
// (txn_checker.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/workload_support.h"

namespace faultline {

// Why `from` precedes `to`. Bits, so that a search can take a set of kinds.
enum EdgeKind : uint8_t {
  kWw = 1,  // write-write: `to` overwrote (or appended after) `from`'s write
  kWr = 2,  // write-read: `to` read what `from` wrote
  kRw = 4,  // read-write: `from` read a version that `to` overwrote
  kRt = 8,  // real time: `from` completed before `to` was invoked
};
inline constexpr uint8_t kDependencyEdges = kWw | kWr | kRw;

const char* edge_kind_name(uint8_t kind);

struct Edge {
  uint32_t from = 0, to = 0;
  uint8_t kind = kWw;
  uint32_t key = 0;   // the key the dependency is on (unused for kRt)
  int64_t value = 0;  // for explanations, per checker (txn_checker.cc)
  int64_t other = 0;
};

class TxnGraph {
 public:
  explicit TxnGraph(uint32_t nodes) : nodes_(nodes) {}
  uint32_t nodes() const { return nodes_; }
  // Adds an edge; an edge from a node to itself is dropped.
  void add(const Edge& e) {
    if (e.from != e.to) edges_.push_back(e);
  }
  const std::vector<Edge>& edges() const { return edges_; }
  // Builds the adjacency lists; call once, after the last add.
  void finish();

  // The strongly connected components over edges of `mask` (Tarjan's
  // algorithm, iterative): component id per node.
  std::vector<uint32_t> components(uint8_t mask) const;

  // Out-edges of `node` as indices into edges().
  const uint32_t* out_begin(uint32_t node) const { return &out_[offsets_[node]]; }
  const uint32_t* out_end(uint32_t node) const { return &out_[offsets_[node + 1]]; }

 private:
  uint32_t nodes_;
  std::vector<Edge> edges_;
  std::vector<uint32_t> offsets_, out_;
};

// A cycle as edge indices, each edge's `to` the next one's `from`.
struct Cycle {
  std::string kind;  // "G0", "G1c", "G-single", "G2-item", or one of those + "-realtime"
  std::vector<uint32_t> edges;
};

struct CycleSearch {
  std::vector<Cycle> cycles;
  uint64_t components = 0;  // strongly connected components of more than one node
  // False when the G-single search ran out of its work budget in some
  // component without finding one (the other classes are always decided).
  bool g_single_complete = true;
  bool out_of_time = false;  // the deadline passed: the search stopped early
};

// Finds, in every strongly connected component of the graph (over the
// dependency edges, and the real-time ones with `realtime`), a shortest cycle
// through some edge for each class it has: G0 (ww edges only), G1c (ww and
// wr, at least one wr), G-single (exactly one rw), G2-item (several rw);
// with `realtime`, where a component has no cycle without real-time edges,
// one with them. `work_budget` bounds the edges the G-single search may
// scan in all.
CycleSearch find_cycles(const TxnGraph& graph, bool realtime, uint64_t work_budget,
                        DeadlineWatch* deadline);

}  // namespace faultline
