#include "harness/sim/sim_store.h"

#include "harness/run/run_files.h"
#include "reports/html/run_report.h"
#include "reports/store.h"

namespace faultline::sim {

TestConfig sim_run_config(const TestConfig& config, uint64_t seed) {
  TestConfig c = config;
  if (c.name.empty()) c.name = "sim-" + c.test_name();
  c.seed = seed;
  c.seed_given = true;
  c.simulated = true;
  return c;
}

Status store_sim_run(const TestConfig& given, const SimResult& result, int code, std::string* dir) {
  const TestConfig config = sim_run_config(given, result.seed);
  if (Status st = make_run_dir(config, dir); !st.is_ok()) return st;
  std::unique_ptr<Store> store;
  const std::string db_path = config.db.empty() ? config.store + "/faultline.db" : config.db;
  if (Status st = Store::open(db_path, &store); !st.is_ok()) return st;
  RunManifest manifest;
  if (Status st = begin_run(config, *dir, *store, &manifest); !st.is_ok()) return st;
  if (Status st = write_text_file(*dir + "/history.jsonl", result.jsonl()); !st.is_ok()) return st;
  if (Status st = store->append_events(manifest.run_id, result.history); !st.is_ok()) return st;
  manifest.checkers = result.checkers;
  manifest.verdict = std::string(to_string(result.verdict));
  manifest.status = "done";
  if (Status st = finish_run(result.history, code, *store, &manifest); !st.is_ok()) return st;
  if (Status st = write_run_manifest(*dir, manifest); !st.is_ok()) return st;
  return write_run_report(*dir, *dir + "/report.html");
}

}  // namespace faultline::sim
