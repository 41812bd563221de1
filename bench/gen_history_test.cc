#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "bench/history_generator.h"
#include "checkers/checker.h"
#include "history/reader.h"

namespace faultline::bench {
namespace {

std::string generate(const GeneratorOptions& o, GeneratorReport* report = nullptr) {
  std::string text;
  GeneratorReport local;
  Status st = generate_history(
      o, [&](std::string_view chunk) { text.append(chunk); }, report ? report : &local);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return text;
}

struct Parsed {
  History history;
  std::vector<Operation> ops;
};

Parsed parse(const std::string& text) {
  Parsed p;
  Status st = parse_jsonl(text, "generated", &p.history);
  EXPECT_TRUE(st.is_ok()) << st.message();
  st = pair_operations(p.history, &p.ops);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return p;
}

// Randomised tests run over these seeds and name the seed on failure.
constexpr uint64_t kSeeds[] = {1, 2, 3, 42, 1000};

TEST(GenHistory, ParsesAndHasTheRequestedCounts) {
  for (uint64_t seed : kSeeds) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    GeneratorOptions o;
    o.processes = 8;
    o.keys = 7;
    o.ops = 20000;
    o.info_rate = 0.05;
    o.fail_rate = 0.02;
    o.pending = 3;
    o.seed = seed;
    GeneratorReport report;
    Parsed p = parse(generate(o, &report));
    ASSERT_EQ(p.ops.size(), 20000u);
    EXPECT_EQ(report.ops, 20000);
    EXPECT_EQ(report.events, static_cast<int64_t>(p.history.events.size()));
    int64_t info = 0, pending = 0, forced_fail = 0;
    std::map<std::string, int> per_key;
    for (const Operation& op : p.ops) {
      const Event& inv = p.history.events[op.invoke];
      ++per_key[p.history.keys.text(inv.key)];
      if (op.pending())
        ++pending;
      else if (op.type == EventType::kInfo)
        ++info;
      else if (op.type == EventType::kFail && p.history.function_name(inv) != "cas")
        ++forced_fail;
    }
    EXPECT_EQ(pending, 3);
    EXPECT_EQ(report.pending, 3);
    EXPECT_EQ(report.info, info);
    // Info: binomial(20000, 0.05), mean 1000, sd 31. Forced fails hit the
    // 95% of ops that are not info, at 2%; of those, the half reads and
    // quarter writes fail only that way: mean 285, sd 17.
    EXPECT_NEAR(info, 1000, 150);
    EXPECT_NEAR(forced_fail, 285, 85);
    ASSERT_EQ(per_key.size(), 7u);
    for (const auto& [key, count] : per_key) EXPECT_NEAR(count, 20000 / 7, 1) << "key " << key;
  }
}

TEST(GenHistory, SameSeedSameBytesOtherSeedOtherBytes) {
  GeneratorOptions o;
  o.processes = 4;
  o.ops = 2000;
  o.info_rate = 0.05;
  o.corrupt = 2;
  o.seed = 9;
  const std::string first = generate(o);
  EXPECT_EQ(generate(o), first);
  o.seed = 10;
  EXPECT_NE(generate(o), first);
}

TEST(GenHistory, RespectsConcurrencyTimeAndProcessRetirement) {
  for (uint64_t seed : kSeeds) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    GeneratorOptions o;
    o.processes = 6;
    o.keys = 3;
    o.key_processes = 2;
    o.ops = 5000;
    o.info_rate = 0.1;
    o.seed = seed;
    Parsed p = parse(generate(o));
    int in_flight = 0, max_in_flight = 0;
    int64_t last_time = 0;
    std::map<uint32_t, int> per_key;  // ops in flight on each key
    std::set<int64_t> retired;
    const size_t half = p.history.events.size() / 2;
    for (const Event& e : p.history.events) {
      ASSERT_GE(e.time, last_time) << "line " << e.line;
      last_time = e.time;
      ASSERT_FALSE(retired.count(e.process)) << "retired process reused at line " << e.line;
      const int delta = e.type == EventType::kInvoke ? 1 : -1;
      in_flight += delta;
      per_key[e.key] += delta;
      max_in_flight = std::max(max_in_flight, in_flight);
      // Two processes per key, until processes whose keys ran out join the
      // last keys near the end.
      if (static_cast<size_t>(e.index) < half) {
        EXPECT_LE(per_key[e.key], 2) << "line " << e.line;
      }
      if (e.type == EventType::kInfo) retired.insert(e.process);
    }
    EXPECT_EQ(max_in_flight, 6);
    EXPECT_GT(retired.size(), 100u);
  }
}

// With one process the history is sequential, so replaying it against a
// register must reproduce every read, and a corrupted read must differ from
// the replay: the corruption really makes the history non-linearizable.
TEST(GenHistory, SequentialHistoryIsARegisterAndCorruptionsBreakIt) {
  for (uint64_t seed : kSeeds) {
    for (int corrupt : {0, 5}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " corrupt " + std::to_string(corrupt));
      GeneratorOptions o;
      o.processes = 1;
      o.keys = 3;
      o.ops = 3000;
      o.fail_rate = 0.05;
      o.corrupt = corrupt;
      o.seed = seed;
      GeneratorReport report;
      Parsed p = parse(generate(o, &report));
      EXPECT_EQ(report.corruptions.size(), static_cast<size_t>(corrupt));
      std::map<uint32_t, std::string> reg;  // key -> value text; absent = null
      int mismatches = 0, cas_ok = 0, cas_fail = 0;
      for (const Operation& op : p.ops) {
        const Event& inv = p.history.events[op.invoke];
        const Event& done = p.history.events[op.completion];
        const std::string& f = p.history.function_name(inv);
        const std::string current = reg.count(inv.key) ? reg[inv.key] : "null";
        if (f == "read" && op.type == EventType::kOk) {
          if (p.history.values.text(done.value) != current) ++mismatches;
        } else if (f == "write" && op.type == EventType::kOk) {
          reg[inv.key] = p.history.values.text(inv.value);
        } else if (f == "cas") {
          const nlohmann::json& pair = p.history.values.json(inv.value);
          const bool matches = current == pair.at(0).dump();
          if (op.type == EventType::kOk) {
            ++cas_ok;
            ASSERT_TRUE(matches) << "ok cas on a different value, line " << done.line;
            reg[inv.key] = pair.at(1).dump();
          } else {
            ++cas_fail;
          }
        }
      }
      EXPECT_EQ(mismatches, corrupt);
      EXPECT_GT(cas_ok, 50);
      EXPECT_GT(cas_fail, 50);
    }
  }
}

TEST(GenHistory, CorruptsWithAnUnwrittenValueWhenNoStaleOneExists) {
  GeneratorOptions o;
  o.processes = 5;
  o.ops = 2000;
  o.values = 1;  // every write writes 0: no value can be stale
  o.corrupt = 2;
  GeneratorReport report;
  Parsed p = parse(generate(o, &report));
  ASSERT_EQ(report.corruptions.size(), 2u);
  EXPECT_NE(report.corruptions[0].find("returned 1 "), std::string::npos) << report.corruptions[0];
  int reads_of_1 = 0;
  for (const Operation& op : p.ops)
    if (op.type == EventType::kOk &&
        p.history.values.text(p.history.events[op.completion].value) == "1")
      ++reads_of_1;
  EXPECT_EQ(reads_of_1, 2);
}

// The generator and the checkers vouch for each other: every uncorrupted
// history must be valid, every corrupted one invalid. A failure here is a bug
// in one of the two; the trace names the generator's flags.
TEST(GenHistory, CheckersFindExactlyTheCorruptedHistoriesInvalid) {
  struct Concurrency {
    int processes, key_processes;
  };
  for (std::string model : {"register", "kv", "set", "counter", "bank"}) {
    std::unique_ptr<Checker> checker = make_checker(model);
    ASSERT_NE(checker, nullptr) << model;
    for (uint64_t seed : {1, 2, 3}) {
      // Light concurrency over random keys, and all 8 processes on one key.
      for (Concurrency c : {Concurrency{3, 0}, Concurrency{8, 8}}) {
        for (int corrupt : {0, 1}) {
          GeneratorOptions o;
          o.model = model;
          o.processes = c.processes;
          o.keys = 4;
          o.key_processes = c.key_processes;
          o.ops = 600;
          o.values = 3;
          o.info_rate = 0.1;
          o.fail_rate = 0.05;
          o.pending = 2;
          o.corrupt = corrupt;
          o.seed = seed;
          SCOPED_TRACE(fmt::format(
              "faultline-gen-history --model {} --processes {} --keys 4 --key-processes {} "
              "--ops 600 --values 3 --info-rate 0.1 --fail-rate 0.05 --pending 2 --corrupt {} "
              "--seed {}",
              model, c.processes, c.key_processes, corrupt, seed));
          Parsed p = parse(generate(o));
          // Each check takes milliseconds; the budget only cuts short the
          // shrinking of an invalid history's core, which keeps the verdict.
          CheckOptions options;
          options.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
          options.max_memory_bytes = uint64_t{1} << 30;
          CheckResult result = checker->check(p.history, p.ops, options);
          EXPECT_EQ(result.verdict, corrupt ? Verdict::kInvalid : Verdict::kValid)
              << result.summary;
        }
      }
    }
  }
}

TEST(GenHistory, RejectsBadOptions) {
  auto error = [](GeneratorOptions o) {
    GeneratorReport report;
    Status st = generate_history(
        o, [](std::string_view) { ADD_FAILURE() << "wrote"; }, &report);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
    return st.message();
  };
  GeneratorOptions o;
  o.pending = 6;
  EXPECT_NE(error(o).find("--pending"), std::string::npos);
  o = GeneratorOptions();
  o.info_rate = 0.7;
  o.fail_rate = 0.5;
  EXPECT_NE(error(o).find("--info-rate"), std::string::npos);
  o = GeneratorOptions();
  o.mix = {{"increment", 1}};
  EXPECT_NE(error(o).find("increment"), std::string::npos);
  o = GeneratorOptions();
  o.model = "queue";
  EXPECT_NE(error(o).find("queue"), std::string::npos);
  o = GeneratorOptions();
  o.model = "bank";
  o.values = 1;
  EXPECT_NE(error(o).find("2 accounts"), std::string::npos);
  o = GeneratorOptions();
  o.ops = 10;
  o.corrupt = 11;
  EXPECT_NE(error(o).find("--corrupt"), std::string::npos);

  std::vector<std::pair<std::string, double>> mix;
  ASSERT_TRUE(parse_mix("read=0.5,write=0.25,cas=0.25", &mix).is_ok());
  ASSERT_EQ(mix.size(), 3u);
  EXPECT_EQ(mix[1].first, "write");
  EXPECT_EQ(mix[1].second, 0.25);
  EXPECT_FALSE(parse_mix("read", &mix).is_ok());
  EXPECT_FALSE(parse_mix("read=", &mix).is_ok());
  EXPECT_FALSE(parse_mix("read=x", &mix).is_ok());
}

}  // namespace
}  // namespace faultline::bench
