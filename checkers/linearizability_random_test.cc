// The linearizability checker against a brute-force reference
// (linearizability_reference.h) on many small random histories, valid and
// invalid, of both models at high concurrency: a register (read, write, cas)
// and a string store (get, put, append; appends build strings, of values
// that repeat or of values all distinct). Up to 10 processes and 14 ops, with
// crashed (info) ops and ops that never complete. Every history is checked
// with every search strategy (portfolio, optimized, plain), each of which must
// give the reference's verdict; for each invalid history each strategy's
// minimal core is checked too: not linearizable with every other op relaxed
// (may not have happened; if it did, as recorded), linearizable when any one
// of its ops is relaxed too.
//
// Seeds are base, base+1, ...: FAULTLINE_BASE_SEED sets base (default 1),
// FAULTLINE_SEED=N runs N alone (every failure prints its seed), and
// FAULTLINE_RANDOM_HISTORIES sets how many histories to try (default 10000).
// A run stops after 10 failing seeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "checkers/linearizability.h"
#include "checkers/linearizability_reference.h"
#include "checkers/test_history.h"

namespace faultline {
namespace {

using nlohmann::json;

struct Generated {
  HistoryBuilder builder;
  std::string model;
  bool distinct = false;  // kv: every put and append has a value of its own
  int max_in_flight = 0;  // the most ops ever invoked and not completed at once
};

// A history from a simulated register (or string store) on one key: ops
// take effect at a random moment between invoke and completion; some crash
// (info, before or after taking effect) or never complete. Most histories are
// crowded: 6 to 10 processes, 8 to 14 ops (with distinct appends 6 to 8 and
// 8 to 12). Of those with reads, 60% then get one read's result changed --
// to a value the object held at another time, or for a string to one with an
// append lost, reordered or invented, or to any value -- which may or may not
// make them non-linearizable: the reference decides.
Generated generate(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto chance = [&](double p) { return std::uniform_real_distribution<>(0, 1)(rng) < p; };
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  Generated g;
  g.model = chance(0.5) ? "kv" : "register";
  const bool kv = g.model == "kv";
  g.distinct = kv && chance(0.5);
  // Distinct appends are costly to check (n concurrent ones leave n! possible
  // strings), so their histories are a little smaller.
  const bool crowded = chance(0.7);
  const int processes = crowded ? 6 + pick(g.distinct ? 3 : 5) : 1 + pick(5);
  const int total_ops = crowded ? 8 + pick(g.distinct ? 5 : 7) : 1 + pick(9);
  struct InFlight {
    int process;
    std::string f, value;
    bool applied = false;
    std::string result;
    bool swapped = true;
  };
  std::map<int, InFlight> in_flight;  // slot -> op
  std::vector<int> process_of(processes);
  for (int i = 0; i < processes; ++i) process_of[i] = i;
  int next_process = processes, invoked = 0, fresh = 0;
  std::string state = reference_initial(g.model);
  std::vector<std::string> states = {state};  // every value the object held, in order
  auto json_text = [&](const std::string& s) { return kv ? json(s).dump() : s; };
  std::vector<std::pair<size_t, std::string>> reads;  // (builder line, value) of ok reads
  auto value_text = [&](int v) {
    return kv ? json(std::string(1, char('a' + v))).dump() : std::to_string(v);
  };
  while (invoked < total_ops || !in_flight.empty()) {
    int slot = pick(processes);
    auto it = in_flight.find(slot);
    if (it == in_flight.end()) {
      if (invoked == total_ops) continue;
      InFlight op;
      op.process = process_of[slot];
      op.value = "null";
      if (kv) {
        const double kind = std::uniform_real_distribution<>(0, 1)(rng);
        op.f = kind < 0.35 ? "get" : kind < 0.5 ? "put" : "append";
        if (op.f != "get") op.value = value_text(g.distinct ? fresh++ : pick(2));
      } else {
        const int kind = pick(3);
        op.f = kind == 0 ? "read" : kind == 1 ? "write" : "cas";
        if (kind == 1) op.value = value_text(pick(3));
        if (kind == 2)
          op.value = "[" + (chance(0.3) ? std::string("null") : value_text(pick(3))) + "," +
                     value_text(pick(3)) + "]";
      }
      g.builder.invoke(op.process, op.f, op.value);
      in_flight.emplace(slot, op);
      g.max_in_flight = std::max(g.max_in_flight, static_cast<int>(in_flight.size()));
      ++invoked;
    } else if (InFlight& op = it->second; !op.applied && chance(0.6)) {
      RefOp r;
      r.f = op.f;
      r.value = json::parse(op.value);
      std::string next = state;
      op.swapped = reference_apply(g.model, r, false, &next);
      if (op.f == "read" || op.f == "get") op.result = json_text(state);
      if (next != state) states.push_back(next);
      state = next;
      op.applied = true;
    } else if (chance(0.06)) {  // crash: info, or never completes
      if (chance(0.7)) g.builder.info(op.process, op.f, op.value);
      process_of[slot] = next_process++;
      in_flight.erase(it);
    } else if (op.applied) {
      if (op.f == "cas" && !op.swapped) {
        g.builder.fail(op.process, op.f, op.value);
      } else if (op.f == "read" || op.f == "get") {
        reads.emplace_back(g.builder.next_line(), op.result);
        g.builder.ok(op.process, op.f, op.result);
      } else {
        g.builder.ok(op.process, op.f, op.value);
      }
      in_flight.erase(it);
    }
  }
  if (!reads.empty() && chance(0.6)) {
    auto [line, old] = reads[static_cast<size_t>(pick(static_cast<int>(reads.size())))];
    std::string fresh_text;
    if (chance(0.4)) {
      fresh_text = json_text(states[static_cast<size_t>(pick(static_cast<int>(states.size())))]);
    } else if (!kv) {
      fresh_text = chance(0.2) ? "null" : value_text(pick(3));
    } else {
      std::string s = json::parse(old).get<std::string>();
      const int how = pick(3);
      const size_t at = s.empty() ? 0 : static_cast<size_t>(pick(static_cast<int>(s.size())));
      if (how == 0 && !s.empty())
        s.erase(at, 1);  // an append lost
      else if (how == 1 && s.size() >= 2)
        std::swap(s[at == 0 ? 0 : at - 1], s[at == 0 ? 1 : at]);  // appends reordered
      else
        s += char('a' + pick(std::max(fresh, 2)));  // an append invented (or repeated)
      fresh_text = json(s).dump();
    }
    // Rebuild the text with the read's result replaced.
    std::string text = g.builder.text();
    size_t begin = 0;
    for (size_t l = 1; l < line; ++l) begin = text.find('\n', begin) + 1;
    size_t at = text.find("\"value\":" + old, begin);
    text.replace(at + 8, old.size(), fresh_text);
    g.builder = HistoryBuilder::from_text(text);
  }
  return g;
}

// How many histories had each property the test must exercise, and the
// slowest check of each search (for people: timings are not asserted).
struct Tally {
  int valid = 0, invalid = 0, with_info = 0, with_pending = 0, kv = 0, kv_invalid = 0,
      kv_appends = 0, kv_distinct_appends = 0, kv_distinct_invalid = 0, crowded = 0,
      crowded_invalid = 0, max_ops = 0, max_in_flight = 0;
  int cores_any = 0, cores_initial = 0;                        // of the default (portfolio) search
  std::map<std::string, std::pair<double, uint64_t>> slowest;  // search -> (seconds, seed)

  std::string text() const {
    auto n = [](int i) { return std::to_string(i); };
    std::string out =
        n(valid) + " valid, " + n(invalid) + " invalid; " + n(with_info) + " with info ops, " +
        n(with_pending) + " with pending ops; " + n(kv) + " kv (" + n(kv_invalid) + " invalid, " +
        n(kv_appends) + " with appends, " + n(kv_distinct_appends) + " with distinct appends, " +
        n(kv_distinct_invalid) + " of them invalid); " + n(crowded) +
        " with >= 6 ops in flight at once (" + n(crowded_invalid) + " invalid); up to " +
        n(max_ops) + " ops, " + n(max_in_flight) + " in flight; cores: " + n(cores_any) +
        " whatever the initial value, " + n(cores_initial) + " from the initial value\nslowest:";
    for (const auto& [search, slow] : slowest)
      out += " " + search + " " + std::to_string(slow.first) + " s (seed " +
             std::to_string(slow.second) + ")";
    return out;
  }
  void time(const std::string& search, std::chrono::steady_clock::time_point start, uint64_t seed) {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (s > slowest[search].first) slowest[search] = {s, seed};
  }
};

constexpr SearchStrategy kStrategies[] = {SearchStrategy::kPortfolio, SearchStrategy::kOptimized,
                                          SearchStrategy::kPlain};

// Checks `r`'s core of the invalid history `ops` with the reference, unless
// a core with the same ops and kind was checked already (in `checked`).
void check_core(const Generated& g, const std::vector<RefOp>& ops, const CheckResult& r,
                std::set<std::pair<std::vector<size_t>, bool>>* checked, Tally* tally) {
  ASSERT_EQ(r.anomalies.size(), 1u);
  const json& ev = r.anomalies[0].evidence;
  ASSERT_TRUE(ev["core_minimal"].get<bool>()) << ev.dump(2);
  const bool any = ev["core_any_initial"].get<bool>();
  if (r.details["search"] == to_string(SearchStrategy::kPortfolio))
    (any ? tally->cores_any : tally->cores_initial)++;
  std::vector<size_t> core;  // indexes into ops
  for (const json& c : ev["core"])
    for (size_t i = 0; i < ops.size(); ++i)
      if (ops[i].line == c["line"].get<uint32_t>()) core.push_back(i);
  ASSERT_EQ(core.size(), ev["core"].size()) << ev.dump(2);
  if (!checked->emplace(core, any).second) return;
  // The history with every op but the core's (and `skip`) relaxed.
  auto relaxed = [&](size_t skip) {
    std::vector<RefOp> out = ops;
    for (size_t i = 0; i < out.size(); ++i)
      if (std::find(core.begin(), core.end(), i) == core.end() || i == skip) out[i].optional = true;
    return out;
  };
  const std::string initial = reference_initial(g.model);
  auto fails = [&](const std::vector<RefOp>& history) {
    return any ? reference_fails_from_any(g.model, history)
               : !reference_linearizable(g.model, history, initial);
  };
  ASSERT_TRUE(fails(relaxed(SIZE_MAX))) << "core is linearizable\n" << ev.dump(2);
  for (size_t i : core) {
    ASSERT_FALSE(fails(relaxed(i))) << "core stays non-linearizable with op " << i << " relaxed\n"
                                    << ev.dump(2);
  }
}

void check_one(uint64_t seed, Tally* tally) {
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (rerun with FAULTLINE_SEED=" + std::to_string(seed) + ")");
  Generated g = generate(seed);
  SCOPED_TRACE("model " + g.model + ", history:\n" + g.builder.text());
  auto t = g.builder.build();
  std::vector<RefOp> ops = reference_ops(*t);
  const bool expected = reference_linearizable(g.model, ops, reference_initial(g.model));
  (expected ? tally->valid : tally->invalid)++;
  bool info = false, pending = false, appends = false;
  for (const RefOp& op : ops) {
    info |= op.ret == SIZE_MAX;
    appends |= op.f == "append";
  }
  for (const Operation& o : t->ops) pending |= o.pending();
  tally->with_info += info;
  tally->with_pending += pending;
  if (g.model == "kv") {
    tally->kv++;
    tally->kv_invalid += !expected;
    tally->kv_appends += appends;
    tally->kv_distinct_appends += appends && g.distinct;
    tally->kv_distinct_invalid += appends && g.distinct && !expected;
  }
  if (g.max_in_flight >= 6) {
    tally->crowded++;
    tally->crowded_invalid += !expected;
  }
  tally->max_ops = std::max(tally->max_ops, static_cast<int>(t->ops.size()));
  tally->max_in_flight = std::max(tally->max_in_flight, g.max_in_flight);

  std::vector<CheckResult> results;
  std::string answers = "reference: " + std::string(expected ? "valid" : "invalid");
  for (SearchStrategy search : kStrategies) {
    CheckOptions options;
    options.search = search;
    options.threads = 1;
    // Every core must be minimal: no wall-clock cut on a loaded machine.
    options.core_timeout = std::chrono::minutes(5);
    const uint32_t prove_after[] = {1, 2, 3, 1000};  // low: use the invalidity shortcut
    options.prove_after = prove_after[seed % 4];
    const auto start = std::chrono::steady_clock::now();
    results.push_back(make_linearizability_checker(g.model)->check(t->history, t->ops, options));
    tally->time(std::string(to_string(search)), start, seed);
    answers += ", " + std::string(to_string(search)) + ": " +
               std::string(to_string(results.back().verdict));
  }
  bool agree = true;
  for (size_t s = 0; s < results.size(); ++s) {
    EXPECT_EQ(results[s].verdict, expected ? Verdict::kValid : Verdict::kInvalid)
        << "search " << to_string(kStrategies[s]) << " disagrees with the reference: " << answers;
    agree &= results[s].verdict == (expected ? Verdict::kValid : Verdict::kInvalid);
  }
  if (expected || !agree) return;
  const auto start = std::chrono::steady_clock::now();
  std::set<std::pair<std::vector<size_t>, bool>> checked;
  for (size_t s = 0; s < results.size(); ++s) {
    SCOPED_TRACE("core of search " + std::string(to_string(kStrategies[s])));
    check_core(g, ops, results[s], &checked, tally);
  }
  tally->time("reference-cores", start, seed);
}

int failed_parts() {
  const testing::TestResult* r = testing::UnitTest::GetInstance()->current_test_info()->result();
  int n = 0;
  for (int i = 0; i < r->total_part_count(); ++i) n += r->GetTestPartResult(i).failed();
  return n;
}

// The oracle itself, on histories whose answers are plain to see.
TEST(LinearizabilityRandom, ReferenceOnKnownHistories) {
  auto linearizable = [](const std::string& model, const HistoryBuilder& b) {
    return reference_linearizable(model, reference_ops(*b.build()), reference_initial(model));
  };
  auto fails_from_any = [](const std::string& model, const HistoryBuilder& b) {
    return reference_fails_from_any(model, reference_ops(*b.build()));
  };
  HistoryBuilder stale;  // a read after a write completed sees the old value
  stale.op(0, "write", "1", "ok").op(1, "read", "null", "ok");
  EXPECT_FALSE(linearizable("register", stale));
  EXPECT_TRUE(fails_from_any("register", stale));
  HistoryBuilder concurrent;  // a read concurrent with a write may see either value
  concurrent.invoke(0, "write", "1").invoke(1, "read").ok(1, "read", "null").ok(0, "write", "1");
  EXPECT_TRUE(linearizable("register", concurrent));
  HistoryBuilder crashed;  // a crashed write may take effect later, or never
  crashed.op(0, "write", "1", "info").op(1, "read", "null", "ok").op(2, "read", "1", "ok");
  EXPECT_TRUE(linearizable("register", crashed));
  crashed.op(3, "read", "null", "ok");
  EXPECT_FALSE(linearizable("register", crashed));
  HistoryBuilder cas;  // a cas from the wrong value cannot succeed
  cas.op(0, "write", "1", "ok").op(0, "cas", "[2,3]", "ok");
  EXPECT_FALSE(linearizable("register", cas));
  EXPECT_TRUE(fails_from_any("register", cas));
  HistoryBuilder initial;  // wrong only because the register starts null
  initial.op(0, "read", "5", "ok");
  EXPECT_FALSE(linearizable("register", initial));
  EXPECT_FALSE(fails_from_any("register", initial));
  // Two concurrent appends, in either order; then a get must see both.
  for (const char* read : {"\"ab\"", "\"ba\""}) {
    HistoryBuilder appends;
    appends.invoke(0, "append", "\"a\"").invoke(1, "append", "\"b\"");
    appends.ok(0, "append", "\"a\"").ok(1, "append", "\"b\"").op(2, "get", "null", "");
    appends.ok(2, "get", read);
    EXPECT_TRUE(linearizable("kv", appends)) << read;
    appends.op(3, "get", "\"a\"", "ok");
    EXPECT_FALSE(linearizable("kv", appends)) << read;
    EXPECT_TRUE(fails_from_any("kv", appends)) << read;
  }
  HistoryBuilder prefix;  // an unknown initial string explains a get of "xa"
  prefix.op(0, "append", "\"a\"", "ok").op(1, "get", "\"xa\"", "ok");
  EXPECT_FALSE(linearizable("kv", prefix));
  EXPECT_FALSE(fails_from_any("kv", prefix));
}

TEST(LinearizabilityRandom, AgreesWithBruteForceReference) {
  Tally tally;
  if (const char* one = std::getenv("FAULTLINE_SEED"))
    return check_one(std::strtoull(one, nullptr, 10), &tally);
  const char* n_env = std::getenv("FAULTLINE_RANDOM_HISTORIES");
  const uint64_t n = n_env ? std::strtoull(n_env, nullptr, 10) : 10000;
  const char* base_env = std::getenv("FAULTLINE_BASE_SEED");
  const uint64_t base = base_env ? std::strtoull(base_env, nullptr, 10) : 1;
  std::vector<uint64_t> failing;
  for (uint64_t i = 0; i < n && failing.size() < 10; ++i) {
    const int before = failed_parts();
    check_one(base + i, &tally);
    if (failed_parts() > before) failing.push_back(base + i);
  }
  std::cout << tally.text() << "\n";
  if (!failing.empty()) {
    std::cout << "failing seeds:";
    for (uint64_t s : failing) std::cout << " " << s;
    std::cout << "\n";
  }
  // The generator must exercise every case, or this test proves little.
  if (n >= 1000 && failing.empty()) {
    const int k = static_cast<int>(n);
    EXPECT_GT(tally.valid, k / 5);
    EXPECT_GT(tally.invalid, k / 10);
    EXPECT_GT(tally.with_info, k / 10);
    EXPECT_GT(tally.with_pending, k / 10);
    EXPECT_GT(tally.kv_invalid, k / 20);
    EXPECT_GT(tally.kv_appends, k / 5);
    EXPECT_GT(tally.kv_distinct_appends, k / 10);
    EXPECT_GT(tally.crowded, k / 3);
    EXPECT_GT(tally.kv_distinct_invalid, k / 40);
    EXPECT_GT(tally.crowded_invalid, k / 20);
    EXPECT_GE(tally.max_ops, 12);
    EXPECT_GE(tally.max_in_flight, 8);
    EXPECT_GT(tally.cores_any, k / 50);
    EXPECT_GT(tally.cores_initial, k / 50);
  }
}

}  // namespace
}  // namespace faultline
