#include "reports/run/run_listing.h"

#include <fmt/format.h>

#include <ctime>
#include <filesystem>

#include "reports/run/controller_lock.h"
#include "reports/run/run_dir.h"

namespace faultline {
namespace {

using nlohmann::json;

json null_if_empty(const std::string& s) { return s.empty() ? json() : json(s); }

// run.json's {"ok", "fail", "info"} (and "pending" if it has one); false when
// the directory has no readable run.json or its counts are not integers.
bool manifest_ops(const std::string& store_dir, OpCounts* out) {
  RunManifest manifest;
  if (store_dir.empty() || !read_run_manifest(store_dir, &manifest).is_ok()) return false;
  const json& ops = manifest.ops;
  for (auto [field, target] :
       {std::pair{"ok", &out->ok}, std::pair{"fail", &out->fail}, std::pair{"info", &out->info},
        std::pair{"pending", &out->pending}}) {
    if (!ops.contains(field)) continue;
    if (!ops[field].is_number_integer()) return false;
    *target = ops[field].get<int64_t>();
  }
  return ops.contains("ok");
}

}  // namespace

Status open_existing_store(const std::string& path, std::unique_ptr<Store>* out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Status::io_error(path +
                            ": no store here (faultline run creates it; --db names another)");
  return Store::open(path, out);
}

Status list_runs_with_ops(Store& store, const RunFilter& filter, std::vector<RunListing>* out,
                          OpCountCache* cache) {
  out->clear();
  std::vector<RunRecord> runs;
  if (Status st = store.list_runs(filter, &runs); !st.is_ok()) return st;
  for (RunRecord& run : runs) {
    RunListing listing;
    const auto cached = cache != nullptr ? cache->find(run.id) : OpCountCache::iterator();
    if (cache != nullptr && cached != cache->end()) {
      listing.ops = cached->second;
    } else if (!manifest_ops(run.info.store_dir, &listing.ops)) {
      if (Status st = store.count_ops(run.id, &listing.ops); !st.is_ok()) return st;
      if (cache != nullptr && run.status != RunStatus::kRunning) (*cache)[run.id] = listing.ops;
    }
    if (run.ended_at_ms) listing.duration_ms = *run.ended_at_ms - run.info.started_at_ms;
    listing.controller_gone =
        run.status == RunStatus::kRunning && controller_gone(run.info.store_dir);
    listing.run = std::move(run);
    out->push_back(std::move(listing));
  }
  return Status::ok();
}

std::string listing_state(const RunListing& listing) {
  const RunRecord& r = listing.run;
  if (listing.controller_gone) return "died";
  if (r.status != RunStatus::kDone) return std::string(to_string(r.status));
  return r.verdict ? std::string(to_string(*r.verdict)) : "none";
}

json run_listing_json(const RunListing& listing) {
  const RunRecord& r = listing.run;
  const OpCounts& ops = listing.ops;
  return {{"id", r.id},
          {"kind", std::string(to_string(r.info.kind))},
          {"name", r.info.name},
          {"target", null_if_empty(r.info.target)},
          {"workload", null_if_empty(r.info.workload)},
          {"nemesis", null_if_empty(r.info.nemesis)},
          {"model", null_if_empty(r.info.model)},
          {"seed", r.info.seed ? json(*r.info.seed) : json()},
          {"started_at", r.info.started_at_ms},
          {"ended_at", r.ended_at_ms ? json(*r.ended_at_ms) : json()},
          {"duration_ms", listing.duration_ms ? json(*listing.duration_ms) : json()},
          {"status", std::string(to_string(r.status))},
          {"controller_gone", listing.controller_gone},
          {"verdict", r.verdict ? json(std::string(to_string(*r.verdict))) : json()},
          {"ops",
           {{"ok", ops.ok},
            {"fail", ops.fail},
            {"info", ops.info},
            {"pending", ops.pending},
            {"total", ops.total()}}},
          {"store_dir", null_if_empty(r.info.store_dir)}};
}

std::string format_utc(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

std::string format_duration_ms(int64_t ms) {
  if (ms < 1000) return fmt::format("{} ms", ms);
  if (ms < 60'000) return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000);
  const int64_t s = ms / 1000;
  if (s < 3600) return fmt::format("{} min {:02} s", s / 60, s % 60);
  return fmt::format("{} h {:02} min", s / 3600, (s % 3600) / 60);
}

}  // namespace faultline
