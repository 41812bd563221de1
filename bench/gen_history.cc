// faultline-gen-history: writes a JSON-lines history of a simulated
// linearizable system, for benchmarks (bench/check_bench.sh) and tests.
// The same flags always give the same bytes. docs/benchmarks.md has examples.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "bench/history_generator.h"
#include "bench/sim_model.h"

int main(int argc, char** argv) {
  using faultline::bench::GeneratorOptions;
  GeneratorOptions o;
  std::string mix, out_path = "-";
  bool quiet = false;
  CLI::App app{"Generates a history of a simulated linearizable system (JSON lines)"};
  app.add_option("--model", o.model, "Data type simulated")
      ->check(CLI::IsMember(faultline::bench::sim_model_names()))
      ->capture_default_str();
  app.add_option("--processes,-p", o.processes, "Concurrent client processes")
      ->capture_default_str();
  app.add_option("--keys,-k", o.keys, "Independent keys, 0..K-1")->capture_default_str();
  app.add_option("--key-processes", o.key_processes,
                 "Processes working on one key at a time (0: a random key per op)")
      ->capture_default_str();
  app.add_option("--ops,-n", o.ops, "Operations in total")->capture_default_str();
  app.add_option("--values", o.values,
                 "register: values 0..V-1; kv: strings \"0\"..\"V-1\"; counter: deltas 1..V; "
                 "bank: V accounts")
      ->capture_default_str();
  app.add_option("--info-rate", o.info_rate,
                 "Fraction of ops that crash: info, may or may not take effect")
      ->capture_default_str();
  app.add_option("--fail-rate", o.fail_rate, "Fraction of ops that fail without effect")
      ->capture_default_str();
  app.add_option("--mix", mix,
                 "Function weights, e.g. read=2,write=1,cas=1 (the register's default)");
  app.add_option("--corrupt", o.corrupt, "Ok reads to corrupt so that the history breaks the model")
      ->capture_default_str();
  app.add_option("--pending", o.pending, "Final ops left without completion (<= processes)")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Random seed")->capture_default_str();
  app.add_option("--out,-o", out_path, "Output file, - for stdout")->capture_default_str();
  app.add_flag("--quiet,-q", quiet, "Do not list corrupted reads on stderr");
  CLI11_PARSE(app, argc, argv);

  if (!mix.empty()) {
    faultline::Status st = faultline::bench::parse_mix(mix, &o.mix);
    if (!st.is_ok()) {
      fmt::print(stderr, "faultline-gen-history: {}\n", st.message());
      return 64;
    }
  }
  std::FILE* out = stdout;
  if (out_path != "-" && !(out = std::fopen(out_path.c_str(), "wb"))) {
    fmt::print(stderr, "faultline-gen-history: {}: cannot open: {}\n", out_path,
               std::strerror(errno));
    return 73;  // EX_CANTCREAT
  }
  bool write_failed = false;
  faultline::bench::GeneratorReport report;
  faultline::Status st = faultline::bench::generate_history(
      o,
      [&](std::string_view chunk) {
        if (std::fwrite(chunk.data(), 1, chunk.size(), out) != chunk.size()) write_failed = true;
      },
      &report);
  if (!st.is_ok()) {
    fmt::print(stderr, "faultline-gen-history: {}\n", st.message());
    return 64;  // EX_USAGE: every generator error is a bad option
  }
  if (std::fflush(out) != 0 || write_failed || (out != stdout && std::fclose(out) != 0)) {
    fmt::print(stderr, "faultline-gen-history: {}: write error: {}\n", out_path,
               std::strerror(errno));
    return 74;  // EX_IOERR
  }
  if (!quiet)
    for (const std::string& line : report.corruptions) fmt::print(stderr, "corrupted {}\n", line);
  return 0;
}
