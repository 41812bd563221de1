// Read order (lookahead.h) against brute force, on many small random
// string-store histories: appends of short strings over "ab" (values that
// repeat, or occur inside one another), puts, crashed ops, concurrent gets
// whose results are right or corrupted. For every order of the ops that
// linearizes the history -- from a random initial string, with any optional
// or crashed op left out, as minimal_core.h relaxes them -- no append it
// takes is one read order says must wait. The brute force shares nothing
// with the checker but KvModel's reading of values.
//
// Seeds are 1..FAULTLINE_RANDOM_HISTORIES (default 20000); FAULTLINE_SEED=N
// runs N alone, and every failure prints its seed.
#include "checkers/lookahead.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "checkers/models.h"
#include "checkers/test_history.h"

namespace faultline {
namespace {

using nlohmann::json;

struct Case {
  std::string text;  // JSON lines
  std::unique_ptr<TestHistory> history;
  std::string initial;
};

// A simulated string store: each op takes effect at a random moment between
// its invoke and its completion; 10% of puts and appends crash (info,
// applied or not); 30% of histories get one get's result changed.
Case generate(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  auto word = [&] {
    std::string s(1 + pick(3), 'a');
    for (char& c : s) c = static_cast<char>('a' + pick(2));
    return s;
  };
  Case c;
  const std::string initials[] = {"", "", "a", "ab", "ba"};
  c.initial = initials[pick(5)];
  std::string state = c.initial;
  struct Flight {
    int process;
    std::string f, value, result;
    bool applied = false;
  };
  const size_t processes = 2 + pick(4);
  const int total = 4 + static_cast<int>(pick(4));
  std::vector<std::optional<Flight>> slot(processes);
  std::vector<std::pair<size_t, std::string>> gets;  // (line, result)
  HistoryBuilder b;
  int invoked = 0;
  for (int busy = 0; invoked < total || busy > 0;) {
    const size_t s = pick(slot.size());
    if (!slot[s]) {
      if (invoked == total) continue;
      Flight op{static_cast<int>(s), "get", "null", "", false};
      const size_t k = pick(10);
      op.f = k < 4 ? "get" : k < 5 ? "put" : "append";
      if (op.f != "get") op.value = json(word()).dump();
      b.invoke(op.process, op.f, op.value);
      slot[s] = op;
      ++invoked, ++busy;
      continue;
    }
    Flight& op = *slot[s];
    if (!op.applied && pick(2) == 0) {
      op.applied = true;
      if (op.f == "get") op.result = json(state).dump();
      if (op.f == "put") state = json::parse(op.value).get<std::string>();
      if (op.f == "append") state += json::parse(op.value).get<std::string>();
    } else if (op.f != "get" && pick(10) == 0) {
      b.info(op.process, op.f, op.value);
      slot[s].reset();
      --busy;
    } else if (op.applied) {
      if (op.f == "get") gets.emplace_back(b.next_line(), op.result);
      b.ok(op.process, op.f, op.f == "get" ? op.result : op.value);
      slot[s].reset();
      --busy;
    }
  }
  std::string text = b.text();
  if (!gets.empty() && pick(10) < 3) {  // a corrupted get: another string
    auto [line, old] = gets[pick(gets.size())];
    size_t begin = 0;
    for (size_t l = 1; l < line; ++l) begin = text.find('\n', begin) + 1;
    const size_t at = text.find("\"value\":" + old, begin);
    text.replace(at + 8, old.size(), json(word() + word()).dump());
  }
  c.history = HistoryBuilder::from_text(text).build();
  c.text = std::move(text);
  return c;
}

// One op as the brute force sees it.
struct Plain {
  char f;              // 'g', 'p', 'a'
  std::string value;   // put, append: the value; get: the string read
  uint32_t call, ret;  // ret: UINT32_MAX for crashed ops
};

// Every order of the ops not `done` that respects real time and, with
// `states`, explains every get from `state` on: calls `visit` with each
// complete one (indexes into ops), and `move` before each op it appends.
void orders(const std::vector<Plain>& ops, bool states, const std::string& state,
            std::vector<bool>& done, std::vector<uint32_t>& order,
            const std::function<void(const std::vector<uint32_t>&)>& visit) {
  bool complete = true;
  for (uint32_t i = 0; i < ops.size(); ++i) complete &= done[i];
  if (complete) visit(order);
  for (uint32_t i = 0; i < ops.size(); ++i) {
    bool ready = !done[i];  // and every op that returned before i's call is done
    for (uint32_t j = 0; j < ops.size() && ready; ++j) ready = done[j] || ops[j].ret > ops[i].call;
    if (!ready || (states && ops[i].f == 'g' && state != ops[i].value)) continue;
    const std::string next = ops[i].f == 'p'   ? ops[i].value
                             : ops[i].f == 'a' ? state + ops[i].value
                                               : state;
    done[i] = true;
    order.push_back(i);
    orders(ops, states, next, done, order, visit);
    order.pop_back();
    done[i] = false;
  }
}

struct Tally {
  uint64_t histories = 0, linearizations = 0;
  uint64_t cut_orders = 0;  // orders (real time only) that read order cuts
};

void check_one(uint64_t seed, Tally* tally) {
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (rerun with FAULTLINE_SEED=" + std::to_string(seed) + ")");
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ull);
  Case c = generate(seed);
  const History& h = c.history->history;
  SCOPED_TRACE("initial \"" + c.initial + "\", history:\n" + c.text);
  KvModel model(h);
  std::vector<SearchOp<KvModel::Op>> ops;
  std::vector<Plain> plain;
  for (const Operation& o : c.history->ops) {
    KvModel::Op op;
    std::string error;
    ASSERT_EQ(model.convert(h, o, &op, &error), Conversion::kUse) << error;
    const Event& inv = h.events[o.invoke];
    const bool info = o.type != EventType::kOk, optional = !info && rng() % 6 == 0;
    ops.push_back(SearchOp<KvModel::Op>{op, o.invoke, info ? 0 : o.completion, info, optional});
    const uint32_t v = op.kind == KvModel::kGet ? h.events[o.completion].value : inv.value;
    const json& value = h.values.json(v);
    plain.push_back(Plain{"gpa"[op.kind], value.is_string() ? value.get<std::string>() : "",
                          o.invoke, info ? UINT32_MAX : o.completion});
  }
  std::vector<uint32_t> ok, rank(ops.size(), UINT32_MAX);
  std::vector<bool> read_only, optional;
  for (uint32_t i = 0; i < ops.size(); ++i) {
    if (ops[i].info) continue;
    rank[i] = static_cast<uint32_t>(ok.size());
    ok.push_back(i);
    read_only.push_back(model.read_only(ops[i].op));
    optional.push_back(ops[i].optional);
  }
  Enablers<KvModel> enablers;
  enablers.build(model, ops, ok, read_only, optional);
  ++tally->histories;
  // Every choice of optional and crashed ops to leave out; then every
  // order of the others, linearizations and (for the tally) the rest.
  std::vector<uint32_t> droppable;
  for (uint32_t i = 0; i < ops.size(); ++i)
    if (ops[i].info || ops[i].optional) droppable.push_back(i);
  for (uint64_t mask = 0; mask < (uint64_t{1} << droppable.size()); ++mask) {
    std::vector<bool> done(ops.size(), false);
    std::vector<uint64_t> left_out((ok.size() + 64) / 64, 0);  // by ok rank
    for (size_t d = 0; d < droppable.size(); ++d) {
      const uint32_t i = droppable[d];
      if (!(mask >> d & 1)) continue;
      done[i] = true;
      if (rank[i] != UINT32_MAX) left_out[rank[i] / 64] |= 1ull << (rank[i] % 64);
    }
    for (bool states : {true, false}) {
      std::vector<uint32_t> order;
      orders(plain, states, c.initial, done, order, [&](const std::vector<uint32_t>& lin) {
        tally->linearizations += states;
        std::vector<uint64_t> bits = left_out;
        for (uint32_t i : lin) {
          if (rank[i] == UINT32_MAX) continue;
          const uint32_t read = enablers.unmet_read(rank[i], bits);
          if (states)
            EXPECT_EQ(read, UINT32_MAX)
                << "a linearization takes op " << i << " (by call) before ok rank " << read;
          else if (read != UINT32_MAX)
            return ++tally->cut_orders, void();
          bits[rank[i] / 64] |= 1ull << (rank[i] % 64);
        }
      });
    }
  }
}

TEST(ReadOrder, NoLinearizationTakesAnAppendThatMustWait) {
  Tally tally;
  if (const char* one = std::getenv("FAULTLINE_SEED"))
    return check_one(std::strtoull(one, nullptr, 10), &tally);
  const char* n_env = std::getenv("FAULTLINE_RANDOM_HISTORIES");
  const uint64_t n = n_env ? std::strtoull(n_env, nullptr, 10) : 20000;
  for (uint64_t seed = 1; seed <= n && !HasFailure(); ++seed) check_one(seed, &tally);
  std::cout << tally.histories << " histories, " << tally.linearizations << " linearizations; "
            << tally.cut_orders << " orders in real time cut by read order\n";
  if (n >= 1000 && !HasFailure()) {  // the rule must be exercised, or this proves little
    EXPECT_GT(tally.linearizations, n);
    EXPECT_GT(tally.cut_orders, n);
  }
}

}  // namespace
}  // namespace faultline
