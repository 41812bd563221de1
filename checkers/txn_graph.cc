#include "checkers/txn_graph.h"

#include <algorithm>
#include <utility>

namespace faultline {

const char* edge_kind_name(uint8_t kind) {
  switch (kind) {
    case kWw: return "ww";
    case kWr: return "wr";
    case kRw: return "rw";
    case kRt: return "rt";
  }
  return "?";
}

void TxnGraph::finish() {
  offsets_.assign(nodes_ + 1, 0);
  for (const Edge& e : edges_) ++offsets_[e.from + 1];
  for (uint32_t v = 0; v < nodes_; ++v) offsets_[v + 1] += offsets_[v];
  out_.resize(edges_.size());
  std::vector<uint32_t> next(offsets_.begin(), offsets_.end() - 1);
  for (uint32_t i = 0; i < edges_.size(); ++i) out_[next[edges_[i].from]++] = i;
}

std::vector<uint32_t> TxnGraph::components(uint8_t mask) const {
  constexpr uint32_t kNone = UINT32_MAX;
  std::vector<uint32_t> index(nodes_, kNone), low(nodes_, 0), comp(nodes_, kNone), stack;
  std::vector<std::pair<uint32_t, uint32_t>> calls;  // (node, next position in out_)
  uint32_t counter = 0, components = 0;
  auto visit = [&](uint32_t v) {
    index[v] = low[v] = counter++;
    stack.push_back(v);
    calls.emplace_back(v, offsets_[v]);
  };
  for (uint32_t root = 0; root < nodes_; ++root) {
    if (index[root] != kNone) continue;
    visit(root);
    while (!calls.empty()) {
      const uint32_t v = calls.back().first;
      if (calls.back().second < offsets_[v + 1]) {
        const Edge& e = edges_[out_[calls.back().second++]];
        if ((e.kind & mask) == 0) continue;
        if (index[e.to] == kNone) {
          visit(e.to);
        } else if (comp[e.to] == kNone) {  // on the stack
          low[v] = std::min(low[v], index[e.to]);
        }
        continue;
      }
      calls.pop_back();
      if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[v]);
      if (low[v] != index[v]) continue;
      uint32_t w = kNone;
      do {
        w = stack.back();
        stack.pop_back();
        comp[w] = components;
      } while (w != v);
      ++components;
    }
  }
  return comp;
}

namespace {

std::string classify(const TxnGraph& graph, const std::vector<uint32_t>& cycle) {
  int rw = 0;
  bool wr = false, rt = false;
  for (uint32_t i : cycle) {
    const uint8_t kind = graph.edges()[i].kind;
    rw += kind == kRw;
    wr |= kind == kWr;
    rt |= kind == kRt;
  }
  std::string name = rw == 0 ? (wr ? "G1c" : "G0") : rw == 1 ? "G-single" : "G2-item";
  return rt ? name + "-realtime" : name;
}

class Finder {
 public:
  Finder(const TxnGraph& graph, DeadlineWatch* deadline)
      : graph_(graph), deadline_(deadline), stamp_(graph.nodes(), 0), parent_(graph.nodes()) {}

  // A shortest cycle that starts with edge `first` and goes back over edges
  // of `mask` between nodes of `comp` component `first.from`'s; empty if
  // there is none (or the deadline passed). Adds the edges scanned to *work.
  std::vector<uint32_t> cycle(uint32_t first, uint8_t mask, const std::vector<uint32_t>& comp,
                              uint64_t* work) {
    const Edge& start = graph_.edges()[first];
    const uint32_t c = comp[start.from];
    ++round_;
    queue_.clear();
    queue_.push_back(start.to);
    stamp_[start.to] = round_;
    for (size_t head = 0; head < queue_.size(); ++head) {
      const uint32_t v = queue_[head];
      if (v == start.from) {
        std::vector<uint32_t> path;
        for (uint32_t u = v; u != start.to; u = graph_.edges()[parent_[u]].from)
          path.push_back(parent_[u]);
        path.push_back(first);
        std::reverse(path.begin(), path.end());
        return path;
      }
      for (const uint32_t* it = graph_.out_begin(v); it != graph_.out_end(v); ++it) {
        ++*work;
        if (timed_out_ || (timed_out_ = deadline_->expired())) return {};
        const Edge& e = graph_.edges()[*it];
        if ((e.kind & mask) == 0 || comp[e.to] != c || stamp_[e.to] == round_) continue;
        stamp_[e.to] = round_;
        parent_[e.to] = *it;
        queue_.push_back(e.to);
      }
    }
    return {};
  }
  // Whether a search stopped because the deadline passed.
  bool timed_out() const { return timed_out_; }

 private:
  const TxnGraph& graph_;
  DeadlineWatch* deadline_;
  std::vector<uint32_t> stamp_, parent_, queue_;
  uint32_t round_ = 0;
  bool timed_out_ = false;
};

}  // namespace

CycleSearch find_cycles(const TxnGraph& graph, bool realtime, uint64_t work_budget,
                        DeadlineWatch* deadline) {
  CycleSearch out;
  const uint8_t all = realtime ? kDependencyEdges | kRt : kDependencyEdges;
  const std::vector<uint32_t> comp_all = graph.components(all);
  const std::vector<uint32_t> comp_ww = graph.components(kWw);
  const std::vector<uint32_t> comp_wwr = graph.components(kWw | kWr);
  const std::vector<uint32_t> comp_dep = realtime ? graph.components(kDependencyEdges) : comp_all;
  // The nodes of each component, grouped (a counting sort by component).
  const uint32_t n = graph.nodes();
  std::vector<uint32_t> start(n + 1, 0), members(n);
  for (uint32_t v = 0; v < n; ++v) ++start[comp_all[v] + 1];
  for (uint32_t c = 0; c < n; ++c) start[c + 1] += start[c];
  {
    std::vector<uint32_t> next(start.begin(), start.end() - 1);
    for (uint32_t v = 0; v < n; ++v) members[next[comp_all[v]]++] = v;
  }
  Finder finder(graph, deadline);
  uint64_t work = 0, unbounded_work = 0;
  for (uint32_t c = 0; c < n; ++c) {
    if (start[c + 1] - start[c] < 2) continue;
    ++out.components;
    // The first edge of `kind` in this component whose ends share a
    // component of `comp`: one that closes a cycle over that component's edges.
    auto first_edge = [&](uint8_t kind, const std::vector<uint32_t>& comp) -> int64_t {
      for (uint32_t i = start[c]; i < start[c + 1]; ++i) {
        const uint32_t v = members[i];
        for (const uint32_t* it = graph.out_begin(v); it != graph.out_end(v); ++it) {
          const Edge& e = graph.edges()[*it];
          if (e.kind == kind && comp[e.to] == comp[v]) return *it;
        }
      }
      return -1;
    };
    bool found_dependency_cycle = false, found_single = false;
    auto take = [&](std::vector<uint32_t> edges) {
      if (edges.empty()) return;
      Cycle cycle{classify(graph, edges), std::move(edges)};
      found_dependency_cycle |= cycle.kind.find("realtime") == std::string::npos;
      found_single |= cycle.kind == "G-single";
      out.cycles.push_back(std::move(cycle));
    };
    if (int64_t e = first_edge(kWw, comp_ww); e >= 0)
      take(finder.cycle(e, kWw, comp_ww, &unbounded_work));
    if (int64_t e = first_edge(kWr, comp_wwr); e >= 0)
      take(finder.cycle(e, kWw | kWr, comp_wwr, &unbounded_work));
    if (int64_t e = first_edge(kRw, comp_dep); e >= 0) {
      take(finder.cycle(e, kDependencyEdges, comp_dep, &unbounded_work));
      // That cycle may have several rw edges where a G-single also exists:
      // try the rw edges one by one, closing each with ww and wr edges only.
      for (uint32_t i = start[c]; i < start[c + 1] && !found_single; ++i) {
        const uint32_t v = members[i];
        for (const uint32_t* it = graph.out_begin(v); it != graph.out_end(v) && !found_single;
             ++it) {
          const Edge& edge = graph.edges()[*it];
          if (edge.kind != kRw || comp_dep[edge.to] != comp_dep[v]) continue;
          if (work > work_budget) {
            out.g_single_complete = false;
            break;
          }
          std::vector<uint32_t> cycle = finder.cycle(*it, kWw | kWr, comp_dep, &work);
          if (!cycle.empty()) take(std::move(cycle));
        }
      }
    }
    if (realtime && !found_dependency_cycle) {
      if (int64_t e = first_edge(kRt, comp_all); e >= 0)
        take(finder.cycle(e, all, comp_all, &unbounded_work));
    }
    if (finder.timed_out() || deadline->expired()) {
      out.out_of_time = true;
      return out;
    }
  }
  return out;
}

}  // namespace faultline
