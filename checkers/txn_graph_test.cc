#include "checkers/txn_graph.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

namespace faultline {
namespace {

DeadlineWatch no_deadline() { return DeadlineWatch(std::chrono::steady_clock::time_point::max()); }

std::set<std::string> kinds(const CycleSearch& s) {
  std::set<std::string> out;
  for (const Cycle& c : s.cycles) out.insert(c.kind);
  return out;
}

TEST(TxnGraph, ComponentsFollowTheEdgeKindsAsked) {
  TxnGraph g(4);
  g.add({0, 1, kWw});
  g.add({1, 0, kRw});
  g.add({2, 3, kWr});
  g.add({3, 3, kWw});  // a self-edge is dropped
  g.finish();
  EXPECT_EQ(g.edges().size(), 3u);
  const std::vector<uint32_t> all = g.components(kDependencyEdges);
  EXPECT_EQ(all[0], all[1]);
  EXPECT_NE(all[2], all[3]);
  const std::vector<uint32_t> ww = g.components(kWw);
  EXPECT_NE(ww[0], ww[1]);
}

TEST(TxnGraph, OneCyclePerClassAndComponent) {
  // 0 <-> 1 by ww (G0); 2 -> 3 wr, 3 -> 2 rw (G-single); 4, 5, 6 by rw
  // only (G2-item); 7 -> 8 rt, 8 -> 7 rw (a real-time G-single).
  TxnGraph g(9);
  g.add({0, 1, kWw});
  g.add({1, 0, kWw});
  g.add({2, 3, kWr});
  g.add({3, 2, kRw});
  g.add({4, 5, kRw});
  g.add({5, 6, kRw});
  g.add({6, 4, kWw});
  g.add({7, 8, kRt});
  g.add({8, 7, kRw});
  g.finish();
  DeadlineWatch deadline = no_deadline();
  CycleSearch s = find_cycles(g, /*realtime=*/true, 1'000'000, &deadline);
  EXPECT_EQ(s.components, 4u);
  EXPECT_EQ(kinds(s), (std::set<std::string>{"G0", "G-single", "G2-item", "G-single-realtime"}));
  for (const Cycle& c : s.cycles) {
    for (size_t i = 0; i < c.edges.size(); ++i)  // each edge ends where the next begins
      EXPECT_EQ(g.edges()[c.edges[i]].to, g.edges()[c.edges[(i + 1) % c.edges.size()]].from);
  }
  s = find_cycles(g, /*realtime=*/false, 1'000'000, &deadline);
  EXPECT_EQ(kinds(s), (std::set<std::string>{"G0", "G-single", "G2-item"}));
}

TEST(TxnGraph, AGSingleBesideAG2ItemIsLookedForWithinTheBudget) {
  // One component: 0 -> 1 -> 2 -> 0 all rw (G2-item), and 2 -> 3 rw with
  // 3 -> 2 wr (G-single): the first cycle found is the G2-item; the G-single
  // search tries the rw edges one by one.
  TxnGraph g(4);
  g.add({0, 1, kRw});
  g.add({1, 2, kRw});
  g.add({2, 0, kRw});
  g.add({2, 3, kRw});
  g.add({3, 2, kWr});
  g.add({3, 0, kRw});
  g.finish();
  DeadlineWatch deadline = no_deadline();
  CycleSearch s = find_cycles(g, false, 1'000'000, &deadline);
  EXPECT_TRUE(s.g_single_complete);
  EXPECT_EQ(kinds(s).count("G-single"), 1u);
  s = find_cycles(g, false, 0, &deadline);  // no budget: the G-single search cannot finish
  EXPECT_FALSE(s.g_single_complete);
}

TEST(TxnGraph, APassedDeadlineStopsTheSearch) {
  // A long ww ring: its one breadth-first search looks at the clock.
  const uint32_t n = 5000;
  TxnGraph g(n);
  for (uint32_t i = 0; i < n; ++i) g.add({i, (i + 1) % n, kWw});
  g.finish();
  DeadlineWatch past(std::chrono::steady_clock::now() - std::chrono::seconds(1));
  EXPECT_TRUE(find_cycles(g, false, 1'000'000, &past).out_of_time);
}

}  // namespace
}  // namespace faultline
