#include "reports/store_merge.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <memory>

#include "reports/sqlite.h"
#include "reports/store.h"

namespace faultline {
namespace {

using sqlite::Statement;

// The runs table's columns but id, in one order for the copy.
constexpr const char* kRunCopyColumns =
    "kind, name, source, target, workload, nemesis, model, seed, started_at, ended_at, status, "
    "verdict, config, store_dir, suite, suite_run, suite_case, revision, uid";

// Copies the runs of the attached database `src` that main lacks.
Status copy_runs(sqlite3* db, const std::string& input, MergeStats* stats) {
  const std::string what = fmt::format("cannot merge {}", input);
  Statement runs, run, events, results, result, anomalies;
  const std::string insert_run = fmt::format(
      "INSERT INTO main.runs ({0}) SELECT {0} FROM src.runs WHERE id = ?", kRunCopyColumns);
  std::pair<Statement*, std::string> statements[] = {
      {&runs, "SELECT id, uid IN (SELECT uid FROM main.runs) FROM src.runs ORDER BY id"},
      {&run, insert_run},
      {&events,
       "INSERT INTO main.events (run_id, seq, idx, process, type, f, key, key_json, value, time, "
       "line) SELECT ?1, seq, idx, process, type, f, key, key_json, value, time, line FROM "
       "src.events WHERE run_id = ?2"},
      {&results, "SELECT id FROM src.checker_results WHERE run_id = ? ORDER BY id"},
      {&result,
       "INSERT INTO main.checker_results (run_id, checker, verdict, summary, details) SELECT ?1, "
       "checker, verdict, summary, details FROM src.checker_results WHERE id = ?2"},
      {&anomalies,
       "INSERT INTO main.anomalies (result_id, kind, key, description, evidence) SELECT ?1, "
       "kind, key, description, evidence FROM src.anomalies WHERE result_id = ?2 ORDER BY id"},
  };
  for (auto& [stmt, sql] : statements)
    if (Status st = Statement::prepare(db, sql, stmt, what); !st.is_ok()) return st;
  std::vector<int64_t> to_copy;
  for (bool row = false;;) {
    if (Status st = runs.step(&row, what); !st.is_ok()) return st;
    if (!row) break;
    if (runs.column_int(1)) {
      ++stats->runs_present;
    } else {
      to_copy.push_back(runs.column_int(0));
    }
  }
  for (int64_t old_run : to_copy) {
    if (Status st = run.bind(1, old_run).run(what); !st.is_ok()) return st;
    const int64_t new_run = sqlite3_last_insert_rowid(db);
    if (Status st = events.bind(1, new_run).bind(2, old_run).run(what); !st.is_ok()) return st;
    stats->events += sqlite3_changes(db);
    std::vector<int64_t> old_results;
    results.bind(1, old_run);
    for (bool row = false;;) {
      if (Status st = results.step(&row, what); !st.is_ok()) return st;
      if (!row) break;
      old_results.push_back(results.column_int(0));
    }
    for (int64_t old_result : old_results) {
      if (Status st = result.bind(1, new_run).bind(2, old_result).run(what); !st.is_ok()) return st;
      const int64_t new_result = sqlite3_last_insert_rowid(db);
      if (Status st = anomalies.bind(1, new_result).bind(2, old_result).run(what); !st.is_ok())
        return st;
    }
    ++stats->runs_added;
  }
  return Status::ok();
}

}  // namespace

Status merge_stores(const std::string& output, const std::vector<std::string>& inputs,
                    MergeStats* stats) {
  *stats = MergeStats();
  for (const std::string& input : inputs) {
    struct stat st_buf;
    if (stat(input.c_str(), &st_buf) != 0)
      return Status::io_error(fmt::format("{}: no such store", input));
    std::unique_ptr<Store> migrated;  // brings the input to the current schema
    if (Status st = Store::open(input, &migrated); !st.is_ok()) return st;
  }
  {
    std::unique_ptr<Store> created;  // creates or upgrades the output
    if (Status st = Store::open(output, &created); !st.is_ok()) return st;
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(output.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  sqlite::Connection db(raw);
  const std::string what = fmt::format("{}: cannot merge", output);
  if (rc != SQLITE_OK) return sqlite::error(raw, what);
  sqlite3_busy_timeout(raw, 5000);
  if (Status st = sqlite::exec(raw, "PRAGMA foreign_keys = ON", what); !st.is_ok()) return st;
  for (const std::string& input : inputs) {
    Statement attach;
    Status st = Statement::prepare(raw, "ATTACH DATABASE ? AS src", &attach, what);
    if (st.is_ok()) st = attach.bind(1, input).run(what);
    if (!st.is_ok()) return st;
    st = sqlite::exec(raw, "BEGIN IMMEDIATE", what);
    if (st.is_ok()) st = copy_runs(raw, input, stats);
    if (st.is_ok()) st = sqlite::exec(raw, "COMMIT", what);
    if (!st.is_ok()) sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
    Status detach = sqlite::exec(raw, "DETACH DATABASE src", what);
    if (!st.is_ok()) return st;
    if (!detach.is_ok()) return detach;
  }
  return Status::ok();
}

}  // namespace faultline
