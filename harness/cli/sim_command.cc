// `faultline sim`: a test (the flags and test files of `faultline run`) on a
// simulated cluster of raftkv, paxos or dht, one seed or many (docs/sim.md). Seeds run in
// parallel, one simulation per thread; the first failure stops the others
// unless --keep-going. Each failing seed (and a single --seed's run) is
// stored like a run, and printed with the command that replays it.
#include "harness/cli/sim_command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "base/exit_codes.h"
#include "harness/cli/config_flags.h"
#include "harness/run/run_files.h"
#include "harness/sim/shrink.h"
#include "harness/sim/sim_store.h"
#include "harness/sim/simulation.h"

namespace faultline {
namespace {

struct SimArgs {
  std::string test_file;
  std::shared_ptr<ConfigFlags> flags = std::make_shared<ConfigFlags>();
  int64_t seeds = 0;  // 0: one seed (--seed, or drawn)
  bool keep_going = false;
  int jobs = 0;  // 0: one per hardware thread
  bool quiet = false;
  bool shrink = false;
  std::string shrink_budget = "1000";
};

int exit_code_of(const sim::SimResult& r) {
  switch (r.verdict) {
    case Verdict::kValid: return exit_code::kValid;
    case Verdict::kInvalid: return exit_code::kInvalid;
    default: return exit_code::kUnknown;
  }
}

// The verdict line of one seed, with each checker's summary.
std::string describe(const sim::SimResult& r) {
  std::string out = fmt::format("seed {}: {}", r.seed, to_string(r.verdict));
  for (const CheckResult& c : r.checkers) out += fmt::format("; {}", c.summary);
  if (!r.node_error.empty()) out += "; " + r.node_error;
  if (r.aimed_kills > 0) out += fmt::format(" ({} aimed kills)", r.aimed_kills);
  if (r.aimed_stalls > 0) out += fmt::format(" ({} aimed stalls)", r.aimed_stalls);
  return out;
}

// --shrink-budget: N runs, or Ns seconds.
Status parse_shrink_budget(const std::string& text, sim::ShrinkOptions* out) {
  const bool seconds = text.ends_with('s');
  const std::string number = text.substr(0, text.size() - (seconds ? 1 : 0));
  char* end = nullptr;
  const double v = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !(v >= 1) || v > 1e9 ||
      (!seconds && v != std::floor(v)))
    return Status::invalid_argument(fmt::format(
        "--shrink-budget {}: expected a number of runs (500) or of seconds (120s), from 1", text));
  if (seconds)
    out->max_seconds = v;
  else
    out->max_runs = static_cast<int64_t>(v);
  return Status::ok();
}

// Shrinks failing `seed` (sim/shrink.h), stores the smallest run with its
// test file, and prints both with the sizes before and after.
int shrink_seed(const TestConfig& config, uint64_t seed, sim::ShrinkOptions options, bool quiet) {
  std::cout << fmt::format("shrinking seed {} (budget: {})\n", seed,
                           options.max_runs > 0 ? fmt::format("{} runs", options.max_runs)
                                                : fmt::format("{} s", options.max_seconds));
  if (!quiet) options.progress = [](const std::string& line) { std::cout << "  " << line << "\n"; };
  sim::ShrinkResult r;
  if (Status st = sim::shrink(config, seed, options, &r); !st.is_ok()) {
    std::cerr << "faultline sim: shrinking: " << st.message() << "\n";
    return exit_code::kInfrastructure;
  }
  std::cout << fmt::format(
      "shrunk seed {}{}: ops {} -> {}, faults {} -> {}, virtual seconds {:.1f} -> {:.1f}; {} runs "
      "in {:.1f} s\n",
      seed, r.budget_spent ? " (budget spent, the smallest so far)" : "", r.before.ops, r.after.ops,
      r.before.faults, r.after.faults, r.before.virtual_seconds, r.after.virtual_seconds, r.runs,
      r.wall_seconds);
  const int code = exit_code_of(r.smallest);
  std::cout << describe(r.smallest) << "\n";
  std::string dir;
  if (Status st = sim::store_sim_run(r.config, r.smallest, code, &dir); !st.is_ok()) {
    std::cerr << "faultline sim: storing the run: " << st.message() << "\n";
    return exit_code::kInfrastructure;
  }
  const std::string file = dir + "/shrunk.toml";
  if (Status st = write_text_file(file, test_file_text(r.config)); !st.is_ok()) {
    std::cerr << "faultline sim: " << st.message() << "\n";
    return exit_code::kInfrastructure;
  }
  std::cout << "  report: " << dir << "/report.html\n  test file: " << file
            << "\n  replay: faultline sim --test " << file << "\n";
  return code;
}

int run(const SimArgs& args) {
  TestConfig config;
  if (!args.test_file.empty()) {
    if (Status st = read_test_file(args.test_file, &config); !st.is_ok()) {
      std::cerr << "faultline sim: " << st.message() << "\n";
      return st.code() == Status::Code::kIoError     ? exit_code::kNoInput
             : st.code() == Status::Code::kMalformed ? exit_code::kMalformed
                                                     : exit_code::kUsage;
    }
  }
  if (Status st = apply_config_flags(*args.flags, &config); !st.is_ok()) {
    std::cerr << "faultline sim: " << st.message() << "\n";
    return exit_code::kUsage;
  }
  if (Status st = sim::check_sim_plan(config); !st.is_ok()) {
    std::cerr << "faultline sim: " << st.message() << "\n";
    return exit_code::kUsage;
  }
  sim::ShrinkOptions shrink_options;
  if (Status st = parse_shrink_budget(args.shrink_budget, &shrink_options); !st.is_ok()) {
    std::cerr << "faultline sim: " << st.message() << "\n";
    return exit_code::kUsage;
  }
  const uint64_t first = config.seed_given
                             ? config.seed
                             : std::random_device()() | uint64_t{std::random_device()()} << 32;
  const int64_t count = std::max<int64_t>(args.seeds, 1);
  const bool single = args.seeds == 0;
  // The servers' logging (spdlog) would drown the seeds' lines: simulated
  // nodes log nothing.
  spdlog::set_level(spdlog::level::off);

  std::mutex mutex;  // guards the output, `failures`, `invalid` and `worst_code`
  std::atomic<int64_t> next{0};
  std::atomic<bool> stop{false};
  std::vector<uint64_t> failures;
  std::vector<uint64_t> invalid;  // the failures that --shrink can shrink
  int worst_code = exit_code::kValid;
  int64_t done = 0;
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (int64_t i = next++; i < count && !stop; i = next++) {
      const uint64_t seed = first + static_cast<uint64_t>(i);
      sim::SimResult r;
      if (Status st = sim::simulate_test(config, seed, &r); !st.is_ok()) {
        std::lock_guard<std::mutex> lock(mutex);
        std::cerr << fmt::format("faultline sim: seed {}: {}\n", seed, st.message());
        worst_code = std::max(worst_code, exit_code::kInfrastructure);
        stop = true;
        return;
      }
      const int code = exit_code_of(r);
      std::lock_guard<std::mutex> lock(mutex);
      ++done;
      if (code == exit_code::kValid && !single) continue;
      std::string dir;
      const Status stored = sim::store_sim_run(config, r, code, &dir);
      std::cout << describe(r) << "\n";
      if (!stored.is_ok())
        std::cerr << "faultline sim: storing the run: " << stored.message() << "\n";
      else if (!args.quiet)
        std::cout << "  report: " << dir << "/report.html\n";
      if (code != exit_code::kValid) {
        std::cout << "  replay: " << sim::replay_command(config, seed) << "\n";
        failures.push_back(seed);
        if (code == exit_code::kInvalid) invalid.push_back(seed);
        if (worst_code != exit_code::kInvalid) worst_code = code;
        if (!args.keep_going) stop = true;
      }
      std::cout.flush();
    }
  };
  const int jobs_wanted = std::clamp<int>(
      args.jobs > 0 ? args.jobs : static_cast<int>(std::thread::hardware_concurrency()), 1, 256);
  const int jobs = std::min<int>(jobs_wanted, static_cast<int>(std::min<int64_t>(count, 256)));
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!single || !args.quiet)
    std::cout << fmt::format(
        "faultline sim: {} of {} seeds from {} run in {:.1f} s ({:.0f} seeds/min, {} threads): "
        "{} failed\n",
        done, count, first, seconds, seconds > 0 ? done * 60 / seconds : 0.0, jobs,
        failures.size());
  if (!args.shrink || invalid.empty()) return worst_code;
  shrink_options.jobs = jobs_wanted;
  return shrink_seed(config, *std::min_element(invalid.begin(), invalid.end()), shrink_options,
                     args.quiet);
}

}  // namespace

void add_sim_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<SimArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sim",
      "Simulate a test deterministically: a raftkv, paxos or dht cluster in one process on a "
      "simulated network and disks, on virtual time; the same flags and test files as run");
  cmd->add_option("--test", args->test_file, "TOML test file (flags override its keys)");
  add_config_flags(cmd, args->flags);
  cmd->add_option("--seeds", args->seeds,
                  "Run this many seeds (from --seed, or a random one) in parallel; stop at the "
                  "first failure")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_flag("--keep-going", args->keep_going, "With --seeds: run every seed, failing or not");
  cmd->add_option("--jobs,-j", args->jobs, "Threads (default: one per hardware thread)")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("--quiet,-q", args->quiet, "Only the failing seeds and errors");
  cmd->add_flag("--shrink", args->shrink,
                "Shrink the failing seed (of --seeds: the first) to the smallest test that still "
                "fails: its test file is stored with its run");
  cmd->add_option("--shrink-budget", args->shrink_budget,
                  "Simulations (N) or seconds (Ns) the shrinker may use (default 1000)");
  cmd->callback([args, exit_code]() { *exit_code = run(*args); });
}

}  // namespace faultline
