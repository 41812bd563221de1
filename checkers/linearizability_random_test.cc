// The linearizability checker against a brute-force reference on many small
// random histories, valid and invalid: the reference tries every order of
// the operations that respects real time. For each invalid history the
// minimal core is checked too: not linearizable with every other op relaxed
// (may not have happened; if it did, as recorded), linearizable when any one
// of its ops is relaxed too.
//
// Seeds are base, base+1, ...: FAULTLINE_BASE_SEED sets base (default 1),
// FAULTLINE_SEED=N runs N alone (every failure prints its seed), and
// FAULTLINE_RANDOM_HISTORIES sets how many histories to try (default 10000).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>

#include "checkers/linearizability.h"
#include "checkers/test_history.h"

namespace faultline {
namespace {

using nlohmann::json;

// One op as the reference sees it: plain JSON, no interning.
struct RefOp {
  uint32_t line = 0;                // invoke line: identifies the op
  size_t call = 0, ret = SIZE_MAX;  // event positions; SIZE_MAX: info
  bool optional = false;            // may be left out (info ops always may)
  std::string f;
  json value, result;
};

// Applies `op` to `state`; false if it cannot happen there. `known`: the op
// completed ok, so its result is known.
bool apply(const std::string& model, const RefOp& op, bool known, json* state) {
  if (model == "register") {
    if (op.f == "read") return !known || *state == op.result;
    if (op.f == "write") return *state = op.value, true;
    if (*state != op.value[0]) return false;  // cas
    *state = op.value[1];
    return true;
  }
  if (op.f == "get") return !known || *state == op.result;
  if (op.f == "put") return *state = op.value, true;
  *state = state->get<std::string>() + op.value.get<std::string>();  // append
  return true;
}

bool mandatory(const RefOp& op) { return op.ret != SIZE_MAX && !op.optional; }

// Whether some order of all mandatory ops (and any others) explains the results.
bool reference_linearizable(const std::string& model, const std::vector<RefOp>& ops,
                            std::vector<bool>& placed, const json& state) {
  bool all_placed = true;
  for (size_t i = 0; i < ops.size(); ++i) all_placed &= placed[i] || !mandatory(ops[i]);
  if (all_placed) return true;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (placed[i]) continue;
    // Real time: every mandatory op that returned before i's call is placed,
    // and no placed op was called after i returned.
    bool ready = true;
    for (size_t j = 0; j < ops.size(); ++j) {
      if (!placed[j])
        ready &= !mandatory(ops[j]) || ops[j].ret > ops[i].call;
      else
        ready &= ops[i].ret == SIZE_MAX || ops[j].call < ops[i].ret;
    }
    if (!ready) continue;
    json next = state;
    if (!apply(model, ops[i], ops[i].ret != SIZE_MAX, &next)) continue;
    placed[i] = true;
    bool found = reference_linearizable(model, ops, placed, next);
    placed[i] = false;
    if (found) return true;
  }
  return false;
}

bool reference_linearizable(const std::string& model, const std::vector<RefOp>& ops,
                            const json& initial) {
  std::vector<bool> placed(ops.size(), false);
  return reference_linearizable(model, ops, placed, initial);
}

// Not linearizable from any initial value: tried from every value that can
// matter -- for a register, every value the ops mention; for a string, every
// prefix of a string a get returned -- and from one they do not mention.
bool reference_fails_from_any(const std::string& model, const std::vector<RefOp>& ops) {
  std::vector<json> initials = {"never-mentioned"};
  if (model == "register") initials.push_back(nullptr);
  for (const RefOp& op : ops) {
    for (const json& v : {op.value, op.result}) {
      if (model == "kv") {
        const std::string text = v.is_string() ? v.get<std::string>() : "";
        for (size_t n = 0; n <= text.size(); ++n) initials.push_back(text.substr(0, n));
      } else if (v.is_array()) {
        initials.insert(initials.end(), v.begin(), v.end());
      } else {
        initials.push_back(v);
      }
    }
  }
  for (const json& init : initials)
    if (reference_linearizable(model, ops, init)) return false;
  return true;
}

struct Generated {
  HistoryBuilder builder;
  std::string model;
};

// A history from a simulated register (or string store) on one key: ops
// take effect at a random moment between invoke and completion; some crash
// (info, before or after taking effect) or never complete. Half the
// histories then get one read result changed, which may or may not make them
// non-linearizable: the reference decides.
Generated generate(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto chance = [&](double p) { return std::uniform_real_distribution<>(0, 1)(rng) < p; };
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  Generated g;
  g.model = chance(0.2) ? "kv" : "register";
  const bool kv = g.model == "kv";
  const int processes = 1 + pick(5), total_ops = 1 + pick(9);
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
  int next_process = processes, invoked = 0;
  json state = kv ? json("") : json(nullptr);
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
      int kind = pick(3);
      if (kv) {
        op.f = kind == 0 ? "get" : kind == 1 ? "put" : "append";
        if (kind != 0) op.value = value_text(pick(2));
      } else {
        op.f = kind == 0 ? "read" : kind == 1 ? "write" : "cas";
        if (kind == 1) op.value = value_text(pick(3));
        if (kind == 2)
          op.value = "[" + (chance(0.3) ? std::string("null") : value_text(pick(3))) + "," +
                     value_text(pick(3)) + "]";
      }
      g.builder.invoke(op.process, op.f, op.value);
      in_flight.emplace(slot, op);
      ++invoked;
    } else if (InFlight& op = it->second; !op.applied && chance(0.6)) {
      RefOp r;
      r.f = op.f;
      r.value = json::parse(op.value);
      json next = state;
      op.swapped = apply(g.model, r, false, &next);
      if (op.f == "read" || op.f == "get") op.result = state.dump();
      state = next;
      op.applied = true;
    } else if (chance(0.15)) {  // crash: info, or never completes
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
  if (!reads.empty() && chance(0.5)) {
    // Rebuild the text with one read's result replaced.
    auto [line, old] = reads[static_cast<size_t>(pick(static_cast<int>(reads.size())))];
    std::string text = g.builder.text(),
                fresh = kv ? value_text(pick(3)) : (chance(0.2) ? "null" : value_text(pick(3)));
    size_t begin = 0;
    for (size_t l = 1; l < line; ++l) begin = text.find('\n', begin) + 1;
    size_t at = text.find("\"value\":" + old, begin);
    text.replace(at + 8, old.size(), fresh);
    g.builder = HistoryBuilder::from_text(text);
  }
  return g;
}

std::vector<RefOp> reference_ops(const TestHistory& t) {
  std::vector<RefOp> ops;
  for (const Operation& o : t.ops) {
    if (o.type == EventType::kFail) continue;
    const Event& inv = t.history.events[o.invoke];
    RefOp r;
    r.line = inv.line;
    r.call = o.invoke;
    r.f = t.history.function_name(inv);
    r.value = t.history.values.json(inv.value);
    if (o.type == EventType::kOk) {
      r.ret = o.completion;
      r.result = t.history.values.json(t.history.events[o.completion].value);
    }
    ops.push_back(r);
  }
  return ops;
}

struct Tally {
  int valid = 0, invalid = 0, with_info = 0, cores_any = 0, cores_initial = 0;
};

void check_one(uint64_t seed, Tally* tally) {
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (rerun with FAULTLINE_SEED=" + std::to_string(seed) + ")");
  Generated g = generate(seed);
  auto t = g.builder.build();
  std::vector<RefOp> ops = reference_ops(*t);
  const json initial = g.model == "kv" ? json("") : json(nullptr);
  const bool expected = reference_linearizable(g.model, ops, initial);
  (expected ? tally->valid : tally->invalid)++;
  for (const RefOp& op : ops) {
    if (op.ret == SIZE_MAX) {
      tally->with_info++;
      break;
    }
  }
  for (bool optimizations : {true, false}) {
    CheckOptions options;
    options.optimizations = optimizations;
    options.threads = 1;
    options.prove_after = 1 + static_cast<uint32_t>(seed % 3);  // use the invalidity shortcut
    CheckResult r = make_linearizability_checker(g.model)->check(t->history, t->ops, options);
    ASSERT_EQ(r.verdict, expected ? Verdict::kValid : Verdict::kInvalid)
        << "optimizations " << optimizations << "\n"
        << g.builder.text();
    if (expected || !optimizations) continue;
    // The core: not linearizable, and linearizable without any one op.
    const json& ev = r.anomalies.at(0).evidence;
    ASSERT_TRUE(ev["core_minimal"].get<bool>());
    const bool any = ev["core_any_initial"].get<bool>();
    (any ? tally->cores_any : tally->cores_initial)++;
    std::vector<size_t> core;  // indexes into ops
    for (const json& c : ev["core"])
      for (size_t i = 0; i < ops.size(); ++i)
        if (ops[i].line == c["line"].get<uint32_t>()) core.push_back(i);
    ASSERT_EQ(core.size(), ev["core"].size());
    // The history with every op but the core's (minus `skip`) relaxed.
    auto relaxed = [&](size_t skip) {
      std::vector<RefOp> out = ops;
      for (size_t i = 0; i < out.size(); ++i)
        if (std::find(core.begin(), core.end(), i) == core.end() || i == skip)
          out[i].optional = true;
      return out;
    };
    auto fails = [&](const std::vector<RefOp>& history) {
      return any ? reference_fails_from_any(g.model, history)
                 : !reference_linearizable(g.model, history, initial);
    };
    ASSERT_TRUE(fails(relaxed(SIZE_MAX))) << g.builder.text() << ev.dump(2);
    for (size_t i : core) {
      ASSERT_FALSE(fails(relaxed(i))) << "core stays non-linearizable with op " << i << " relaxed\n"
                                      << g.builder.text() << ev.dump(2);
    }
  }
}

TEST(LinearizabilityRandom, AgreesWithBruteForceReference) {
  Tally tally;
  if (const char* one = std::getenv("FAULTLINE_SEED"))
    return check_one(std::strtoull(one, nullptr, 10), &tally);
  const char* n_env = std::getenv("FAULTLINE_RANDOM_HISTORIES");
  const uint64_t n = n_env ? std::strtoull(n_env, nullptr, 10) : 10000;
  const char* base_env = std::getenv("FAULTLINE_BASE_SEED");
  const uint64_t base = base_env ? std::strtoull(base_env, nullptr, 10) : 1;
  for (uint64_t i = 0; i < n && !HasFatalFailure(); ++i) check_one(base + i, &tally);
  std::cout << tally.valid << " valid, " << tally.invalid << " invalid (" << tally.cores_any
            << " cores whatever the initial value, " << tally.cores_initial
            << " from the initial value), " << tally.with_info << " with info ops\n";
  // The generator must exercise every case, or this test proves little.
  if (n >= 1000 && !HasFailure()) {
    EXPECT_GT(tally.valid, static_cast<int>(n / 5));
    EXPECT_GT(tally.invalid, static_cast<int>(n / 10));
    EXPECT_GT(tally.with_info, static_cast<int>(n / 10));
    EXPECT_GT(tally.cores_any, static_cast<int>(n / 50));
    EXPECT_GT(tally.cores_initial, static_cast<int>(n / 50));
  }
}

}  // namespace
}  // namespace faultline
