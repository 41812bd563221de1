// Runs as `faultline runs` and the run browser list them: the store's row
// for each run with its operation counts and duration (docs/reports.md).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "reports/store.h"

namespace faultline {

// Where `faultline run` records runs, and `runs`, `serve` and `report` read
// them, unless --db says otherwise.
inline constexpr const char* kDefaultStorePath = "store/faultline.db";

// Opens the store at `path` for reading runs; unlike Store::open, a missing
// file is an io_error ("PATH: no store here") rather than a new empty store.
Status open_existing_store(const std::string& path, std::unique_ptr<Store>* out);

struct RunListing {
  RunRecord run;
  // From the run directory's run.json when it has one (a test run), else
  // counted from the run's events in the store (a check).
  OpCounts ops;
  std::optional<int64_t> duration_ms;  // none while running
  // Running, but its controller is gone (controller_lock.h): it never ends.
  bool controller_gone = false;
};

// What a listing shows for a run: its verdict when done, else its status,
// or "died" when it is running without a controller.
std::string listing_state(const RunListing& listing);

// Counted ops of finished runs (their events no longer change), by run id.
using OpCountCache = std::map<int64_t, OpCounts>;

// The runs `filter` selects, newest first, with their ops. Counting a run's
// events scans them (about a second for a 1,000,000-op check): a long-lived
// caller passes a `cache`, which keeps the counts of finished runs.
Status list_runs_with_ops(Store& store, const RunFilter& filter, std::vector<RunListing>* out,
                          OpCountCache* cache = nullptr);

// One run as JSON: id, kind, name, target, workload, nemesis, model, seed,
// started_at (Unix ms), ended_at, duration_ms, status, verdict, ops {ok,
// fail, info, pending, total}, store_dir. Absent values are null.
nlohmann::json run_listing_json(const RunListing& listing);

// "2026-11-26 11:33:00" (UTC) for a Unix time in ms.
std::string format_utc(int64_t unix_ms);
// "1.2 s", "3 min 04 s", "2 h 05 min" for a duration in ms.
std::string format_duration_ms(int64_t ms);

}  // namespace faultline
