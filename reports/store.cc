#include "reports/store.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "reports/sqlite.h"
#include "reports/store_schema.h"

namespace faultline {
namespace {

using Clock = std::chrono::steady_clock;
using sqlite::Statement;

constexpr std::chrono::milliseconds kMaxWalPause{50};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// JSON text for a column; never throws (invalid UTF-8 is replaced).
std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// WAL lets readers (the run browser) work while a run is being written, and
// with synchronous=NORMAL a commit costs no fsync yet survives a crash of
// the writing process. Switching a new database to WAL takes an exclusive
// lock without SQLite's busy handler: a process that opens the same new
// store at that moment (the cases of a parallel suite) gets SQLITE_BUSY at
// once. So the switch is retried here, for up to `timeout`.
Status switch_to_wal(sqlite3* db, const std::string& what, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (auto pause = std::chrono::milliseconds(1);; pause = std::min(pause * 2, kMaxWalPause)) {
    Statement journal;
    Status st = Statement::prepare(db, "PRAGMA journal_mode = WAL", &journal, what);
    bool row = false;
    if (st.is_ok()) st = journal.step(&row, what);
    if (st.is_ok() && (!row || journal.column_text(0) != "wal")) {
      st = Status::io_error(fmt::format("{}: cannot switch to WAL journal mode (got \"{}\")", what,
                                        row ? journal.column_text(0) : ""));
    }
    journal.reset();
    if (st.is_ok() || (sqlite3_errcode(db) & 0xff) != SQLITE_BUSY || Clock::now() >= deadline)
      return st;
    std::this_thread::sleep_for(pause);
  }
}

std::optional<RunKind> parse_kind(std::string_view s) {
  if (s == "check") return RunKind::kCheck;
  if (s == "test") return RunKind::kTest;
  return std::nullopt;
}

std::optional<RunStatus> parse_status(std::string_view s) {
  if (s == "running") return RunStatus::kRunning;
  if (s == "done") return RunStatus::kDone;
  if (s == "aborted") return RunStatus::kAborted;
  return std::nullopt;
}

std::optional<Verdict> parse_verdict(std::string_view s) {
  if (s == "valid") return Verdict::kValid;
  if (s == "invalid") return Verdict::kInvalid;
  if (s == "unknown") return Verdict::kUnknown;
  return std::nullopt;
}

std::optional<EventType> parse_event_type(std::string_view s) {
  if (s == "invoke") return EventType::kInvoke;
  if (s == "ok") return EventType::kOk;
  if (s == "fail") return EventType::kFail;
  if (s == "info") return EventType::kInfo;
  return std::nullopt;
}

constexpr const char* kRunColumns =
    "id, kind, name, source, target, workload, nemesis, model, seed, started_at, ended_at, "
    "status, verdict, config, store_dir, suite, suite_run, suite_case, revision, uid";

}  // namespace

std::string_view to_string(RunKind kind) { return kind == RunKind::kCheck ? "check" : "test"; }

std::string_view to_string(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning: return "running";
    case RunStatus::kDone: return "done";
    case RunStatus::kAborted: return "aborted";
  }
  return "?";
}

struct Store::Impl {
  std::string path;
  StoreOptions options;
  sqlite::Connection db;  // declared before the statements, so destroyed after them
  Statement begin, commit, insert_run, insert_event, delete_result, insert_result, insert_anomaly,
      update_run;
  // The open transaction of appended events, if any.
  bool batch_open = false;
  size_t batch_events = 0;
  Clock::time_point batch_started;

  std::string context(std::string_view what) const { return fmt::format("{}: {}", path, what); }

  Status prepare_statements() {
    std::pair<Statement*, const char*> statements[] = {
        {&begin, "BEGIN IMMEDIATE"},
        {&commit, "COMMIT"},
        {&insert_run,
         "INSERT INTO runs (kind, name, source, target, workload, nemesis, model, seed, "
         "started_at, config, store_dir, suite, suite_run, suite_case, revision, uid) VALUES (?, "
         "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, lower(hex(randomblob(16)))))"},
        {&insert_event,
         // key is key_json as a person reads it: strings unquoted (History::key_name),
         // computed here rather than with SQL's JSON functions, once per event.
         "INSERT INTO events (run_id, seq, idx, process, type, f, key_json, value, time, line, "
         "key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
        // (anomalies go with their result: ON DELETE CASCADE)
        {&delete_result, "DELETE FROM checker_results WHERE run_id = ? AND checker = ?"},
        {&insert_result,
         "INSERT INTO checker_results (run_id, checker, verdict, summary, details) "
         "VALUES (?, ?, ?, ?, ?)"},
        {&insert_anomaly,
         "INSERT INTO anomalies (result_id, kind, key, description, evidence) "
         "VALUES (?, ?, ?, ?, ?)"},
        {&update_run, "UPDATE runs SET status = ?, verdict = ?, ended_at = ? WHERE id = ?"},
    };
    const std::string what = context("cannot prepare the store's statements");
    for (auto& [stmt, sql] : statements)
      if (Status st = Statement::prepare(db.get(), sql, stmt, what); !st.is_ok()) return st;
    return Status::ok();
  }

  void rollback() {
    if (!sqlite3_get_autocommit(db.get()))
      sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

  Status commit_batch() {
    if (!batch_open) return Status::ok();
    batch_open = false;
    Status st = commit.run(context(fmt::format("cannot commit {} appended events", batch_events)));
    if (!st.is_ok()) rollback();
    return st;
  }

  // Runs `body` in its own transaction, after committing appended events.
  template <typename Body>
  Status transaction(std::string_view what, Body body) {
    if (Status st = commit_batch(); !st.is_ok()) return st;
    if (Status st = begin.run(context(what)); !st.is_ok()) return st;
    Status st = body();
    if (st.is_ok()) st = commit.run(context(what));
    if (!st.is_ok()) rollback();
    return st;
  }

  Status run_exists(int64_t run_id, std::string* source) {
    const std::string what = context("cannot read runs");
    Statement stmt;
    Status st = Statement::prepare(db.get(), "SELECT source FROM runs WHERE id = ?", &stmt, what);
    bool row = false;
    if (st.is_ok()) st = stmt.bind(1, run_id).step(&row, what);
    if (!st.is_ok()) return st;
    if (!row) return Status::invalid_argument(context(fmt::format("no run {}", run_id)));
    if (source != nullptr) *source = stmt.column_text(0);
    stmt.reset();
    return Status::ok();
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() { impl_->commit_batch(); }

const std::string& Store::path() const { return impl_->path; }

Status Store::open(const std::string& path, const StoreOptions& options,
                   std::unique_ptr<Store>* out) {
  if (path.empty()) return Status::invalid_argument("the store needs a file name");
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  const std::string what = impl->context("cannot open the store");
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  impl->db.reset(raw);
  if (rc != SQLITE_OK) return sqlite::error(raw, what);
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));
  Status st = switch_to_wal(raw, what, options.busy_timeout);
  // foreign_keys is per connection and off by default.
  if (st.is_ok())
    st = sqlite::exec(raw, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", what);
  if (st.is_ok()) st = store_schema::migrate(raw, path);
  if (st.is_ok()) st = impl->prepare_statements();
  if (!st.is_ok()) return st;
  out->reset(new Store(std::move(impl)));
  return Status::ok();
}

Status Store::begin_run(const RunInfo& info, int64_t* run_id) {
  if (Status st = impl_->commit_batch(); !st.is_ok()) return st;
  Statement& s = impl_->insert_run;
  s.bind(1, to_string(info.kind))
      .bind(2, info.name)
      .bind_text_or_null(3, info.source)
      .bind_text_or_null(4, info.target)
      .bind_text_or_null(5, info.workload)
      .bind_text_or_null(6, info.nemesis)
      .bind_text_or_null(7, info.model)
      .bind(8, info.seed)
      .bind(9, info.started_at_ms != 0 ? info.started_at_ms : now_ms())
      .bind(10, json_text(info.config))
      .bind_text_or_null(11, info.store_dir)
      .bind_text_or_null(12, info.suite)
      .bind_text_or_null(13, info.suite_run)
      .bind_text_or_null(14, info.suite_case)
      .bind_text_or_null(15, info.revision)
      .bind_text_or_null(16, info.uid);
  if (Status st = s.run(impl_->context("cannot record a new run")); !st.is_ok()) return st;
  *run_id = sqlite3_last_insert_rowid(impl_->db.get());
  return Status::ok();
}

Status Store::append_events(int64_t run_id, const History& history, size_t first, size_t count) {
  if (first > history.events.size() || count > history.events.size() - first) {
    return Status::invalid_argument(
        impl_->context(fmt::format("cannot append events [{}, {}) of a history of {}", first,
                                   first + count, history.events.size())));
  }
  const std::string what = impl_->context(fmt::format("cannot append events to run {}", run_id));
  Statement& s = impl_->insert_event;
  for (size_t i = first; i < first + count; ++i) {
    if (!impl_->batch_open) {
      if (Status st = impl_->begin.run(what); !st.is_ok()) return st;
      impl_->batch_open = true;
      impl_->batch_events = 0;
      impl_->batch_started = Clock::now();
    }
    const Event& e = history.events[i];
    s.bind(1, run_id).bind(2, static_cast<int64_t>(i)).bind(3, e.index);
    if (e.is_nemesis()) {
      s.bind_null(4);
    } else {
      s.bind(4, e.process);
    }
    s.bind(5, to_string(e.type)).bind(6, history.function_name(e));
    if (e.key == History::kNoKey) {
      s.bind_null(7).bind_null(11);
    } else {
      const std::string& text = history.keys.text(e.key);
      s.bind(7, text);
      s.bind(11, text.front() == '"' ? history.key_name(e.key) : text);
    }
    s.bind(8, history.values.text(e.value));
    s.bind(9, e.time >= 0 ? std::optional<int64_t>(e.time) : std::nullopt);
    s.bind(10, static_cast<int64_t>(e.line));
    if (Status st = s.run(what); !st.is_ok()) {
      std::string msg =
          fmt::format("{} (event {}, line {} of {})", st.message(), i, e.line, history.source);
      if (sqlite3_get_autocommit(impl_->db.get())) {  // SQLite rolled the whole batch back
        msg += fmt::format("; the {} uncommitted events before it are lost", impl_->batch_events);
        impl_->batch_open = false;
      }
      return Status::io_error(std::move(msg));
    }
    ++impl_->batch_events;
    if (impl_->batch_events >= impl_->options.batch_events ||
        Clock::now() - impl_->batch_started >= impl_->options.commit_interval) {
      if (Status st = impl_->commit_batch(); !st.is_ok()) return st;
    }
  }
  return Status::ok();
}

Status Store::flush() { return impl_->commit_batch(); }

Status Store::record_result(int64_t run_id, const CheckResult& result) {
  const std::string what =
      fmt::format("cannot record {}'s result for run {}", result.checker, run_id);
  return impl_->transaction(what, [&]() -> Status {
    Statement& d = impl_->delete_result;
    d.bind(1, run_id).bind(2, result.checker);
    if (Status st = d.run(impl_->context(what)); !st.is_ok()) return st;
    Statement& r = impl_->insert_result;
    r.bind(1, run_id)
        .bind(2, result.checker)
        .bind(3, to_string(result.verdict))
        .bind(4, result.summary)
        .bind(5, json_text(result.details));
    if (Status st = r.run(impl_->context(what)); !st.is_ok()) return st;
    const int64_t result_id = sqlite3_last_insert_rowid(impl_->db.get());
    for (const Anomaly& a : result.anomalies) {
      Statement& s = impl_->insert_anomaly;
      s.bind(1, result_id)
          .bind(2, a.kind)
          .bind_text_or_null(3, a.key)
          .bind(4, a.description)
          .bind(5, json_text(a.evidence));
      if (Status st = s.run(impl_->context(what)); !st.is_ok()) return st;
    }
    return Status::ok();
  });
}

Status Store::finish_run(int64_t run_id, RunStatus status, std::optional<Verdict> verdict) {
  if (status == RunStatus::kRunning)
    return Status::invalid_argument(impl_->context("a run finishes as done or aborted"));
  if (Status st = impl_->commit_batch(); !st.is_ok()) return st;
  Statement& s = impl_->update_run;
  s.bind(1, to_string(status)).bind(3, now_ms()).bind(4, run_id);
  if (verdict) {
    s.bind(2, to_string(*verdict));
  } else {
    s.bind_null(2);
  }
  std::string what = impl_->context(fmt::format("cannot finish run {}", run_id));
  if (Status st = s.run(what); !st.is_ok()) return st;
  if (sqlite3_changes(impl_->db.get()) == 0)
    return Status::invalid_argument(impl_->context(fmt::format("no run {}", run_id)));
  return Status::ok();
}

Status Store::list_runs(const RunFilter& filter, std::vector<RunRecord>* out) {
  out->clear();
  std::string sql = fmt::format("SELECT {} FROM runs WHERE 1", kRunColumns);
  if (filter.id) sql += " AND id = :id";
  if (filter.kind) sql += " AND kind = :kind";
  if (!filter.name.empty()) sql += " AND name = :name";
  if (!filter.target.empty()) sql += " AND target = :target";
  if (!filter.workload.empty()) sql += " AND workload = :workload";
  if (filter.verdict) sql += " AND verdict = :verdict";
  if (!filter.suite.empty()) sql += " AND suite = :suite";
  sql += " ORDER BY started_at DESC, id DESC LIMIT :limit";
  const std::string what = impl_->context("cannot list runs");
  Statement s;
  if (Status st = Statement::prepare(impl_->db.get(), sql, &s, what); !st.is_ok()) return st;
  int param = 1;
  if (filter.id) s.bind(param++, *filter.id);
  if (filter.kind) s.bind(param++, to_string(*filter.kind));
  if (!filter.name.empty()) s.bind(param++, filter.name);
  if (!filter.target.empty()) s.bind(param++, filter.target);
  if (!filter.workload.empty()) s.bind(param++, filter.workload);
  if (filter.verdict) s.bind(param++, to_string(*filter.verdict));
  if (!filter.suite.empty()) s.bind(param++, filter.suite);
  s.bind(param, filter.limit);
  for (bool row = false;;) {
    if (Status st = s.step(&row, what); !st.is_ok()) return st;
    if (!row) return Status::ok();
    RunRecord r;
    r.id = s.column_int(0);
    std::optional<RunKind> kind = parse_kind(s.column_text(1));
    std::optional<RunStatus> status = parse_status(s.column_text(11));
    std::optional<Verdict> verdict = parse_verdict(s.column_text(12));
    r.info.config = nlohmann::json::parse(s.column_text(13), nullptr, false);
    if (!kind || !status || (!s.is_null(12) && !verdict) || r.info.config.is_discarded()) {
      Status st = Status::malformed(impl_->context(
          fmt::format("run {}: unexpected kind, status, verdict or config (\"{}\", \"{}\", \"{}\")",
                      r.id, s.column_text(1), s.column_text(11), s.column_text(12))));
      s.reset();
      return st;
    }
    r.info.kind = *kind;
    r.status = *status;
    r.verdict = verdict;
    r.info.name = s.column_text(2);
    r.info.source = s.column_text(3);
    r.info.target = s.column_text(4);
    r.info.workload = s.column_text(5);
    r.info.nemesis = s.column_text(6);
    r.info.model = s.column_text(7);
    r.info.seed = s.column_optional_int(8);
    r.info.started_at_ms = s.column_int(9);
    r.ended_at_ms = s.column_optional_int(10);
    r.info.store_dir = s.column_text(14);
    r.info.suite = s.column_text(15);
    r.info.suite_run = s.column_text(16);
    r.info.suite_case = s.column_text(17);
    r.info.revision = s.column_text(18);
    r.info.uid = s.column_text(19);
    out->push_back(std::move(r));
  }
}

Status Store::count_ops(int64_t run_id, OpCounts* out) {
  *out = OpCounts();
  if (Status st = impl_->run_exists(run_id, nullptr); !st.is_ok()) return st;
  const std::string what = impl_->context(fmt::format("cannot count the ops of run {}", run_id));
  Statement s;
  if (Status st = Statement::prepare(impl_->db.get(),
                                     "SELECT type, count(*) FROM events WHERE run_id = ? AND "
                                     "process IS NOT NULL GROUP BY type",
                                     &s, what);
      !st.is_ok())
    return st;
  s.bind(1, run_id);
  int64_t invokes = 0;
  for (bool row = false;;) {
    if (Status st = s.step(&row, what); !st.is_ok()) return st;
    if (!row) break;
    const std::string_view type = s.column_text(0);
    const int64_t n = s.column_int(1);
    if (type == "invoke") invokes = n;
    if (type == "ok") out->ok = n;
    if (type == "fail") out->fail = n;
    if (type == "info") out->info = n;
  }
  out->pending = std::max<int64_t>(0, invokes - out->ok - out->fail - out->info);
  return Status::ok();
}

Status Store::read_events(int64_t run_id, History* out) {
  *out = History();
  if (Status st = impl_->run_exists(run_id, &out->source); !st.is_ok()) return st;
  const std::string what = impl_->context(fmt::format("cannot read the events of run {}", run_id));
  Statement s;
  if (Status st = Statement::prepare(impl_->db.get(),
                                     "SELECT seq, idx, process, type, f, key_json, value, time, "
                                     "line FROM events WHERE run_id = ? ORDER BY seq",
                                     &s, what);
      !st.is_ok())
    return st;
  s.bind(1, run_id);
  for (bool row = false;;) {
    if (Status st = s.step(&row, what); !st.is_ok()) return st;
    if (!row) return Status::ok();
    Event e;
    e.index = s.column_int(1);
    e.process = s.is_null(2) ? kNemesisProcess : s.column_int(2);
    std::optional<EventType> type = parse_event_type(s.column_text(3));
    if (!type) {
      Status st = Status::malformed(fmt::format("{}: event {}: unexpected type \"{}\"", what,
                                                s.column_int(0), s.column_text(3)));
      s.reset();
      return st;
    }
    e.type = *type;
    e.f = out->functions.intern(s.column_text(4));
    e.key = s.is_null(5) ? History::kNoKey : out->keys.intern(s.column_text(5));
    e.value = out->values.intern(s.column_text(6));
    e.time = s.is_null(7) ? -1 : s.column_int(7);
    e.line = static_cast<uint32_t>(s.column_int(8));
    out->events.push_back(e);
  }
}

Status Store::read_results(int64_t run_id, std::vector<CheckResult>* out) {
  out->clear();
  if (Status st = impl_->run_exists(run_id, nullptr); !st.is_ok()) return st;
  const std::string what = impl_->context(fmt::format("cannot read the results of run {}", run_id));
  sqlite3* db = impl_->db.get();
  Statement results, anomalies;
  Status st = Statement::prepare(db,
                                 "SELECT id, checker, verdict, summary, details FROM "
                                 "checker_results WHERE run_id = ? ORDER BY id",
                                 &results, what);
  if (st.is_ok()) {
    st = Statement::prepare(db,
                            "SELECT kind, key, description, evidence FROM anomalies "
                            "WHERE result_id = ? ORDER BY id",
                            &anomalies, what);
  }
  if (!st.is_ok()) return st;
  auto bad = [&](int64_t result_id) {
    return Status::malformed(
        fmt::format("{}: result {} holds an unexpected verdict or invalid JSON", what, result_id));
  };
  results.bind(1, run_id);
  for (bool row = false;;) {
    if (st = results.step(&row, what); !st.is_ok()) return st;
    if (!row) return Status::ok();
    const int64_t result_id = results.column_int(0);
    CheckResult r;
    r.checker = results.column_text(1);
    std::optional<Verdict> verdict = parse_verdict(results.column_text(2));
    r.summary = results.column_text(3);
    r.details = nlohmann::json::parse(results.column_text(4), nullptr, false);
    if (!verdict || r.details.is_discarded()) {
      results.reset();
      return bad(result_id);
    }
    r.verdict = *verdict;
    anomalies.bind(1, result_id);
    for (bool anomaly_row = false;;) {
      if (st = anomalies.step(&anomaly_row, what); !st.is_ok()) {
        results.reset();
        return st;
      }
      if (!anomaly_row) break;
      Anomaly a{std::string(anomalies.column_text(0)), std::string(anomalies.column_text(1)),
                std::string(anomalies.column_text(2)),
                nlohmann::json::parse(anomalies.column_text(3), nullptr, false)};
      if (a.evidence.is_discarded()) {
        anomalies.reset();
        results.reset();
        return bad(result_id);
      }
      r.anomalies.push_back(std::move(a));
    }
    out->push_back(std::move(r));
  }
}

}  // namespace faultline
