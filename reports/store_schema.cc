#include "reports/store_schema.h"

#include <fmt/format.h>

#include <cstdint>
#include <iterator>

#include "reports/sqlite.h"

namespace faultline::store_schema {
namespace {

// Append-only: never edit a migration that has shipped; add the next one
// (ALTER TABLE ... ADD COLUMN, CREATE TABLE, CREATE INDEX) instead.
constexpr const char* kMigrations[] = {
    // Version 1: runs, their events, checker results and anomalies.
    R"sql(
CREATE TABLE runs (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('check', 'test')),
  name       TEXT NOT NULL,
  source     TEXT,
  target     TEXT,
  workload   TEXT,
  nemesis    TEXT,
  model      TEXT,
  seed       INTEGER,
  started_at INTEGER NOT NULL,
  ended_at   INTEGER,
  status     TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'aborted')),
  verdict    TEXT CHECK (verdict IN ('valid', 'invalid', 'unknown')),
  config     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
  store_dir  TEXT
);
CREATE INDEX runs_by_start ON runs (started_at);
CREATE INDEX runs_by_name ON runs (name, started_at);

CREATE TABLE events (
  run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq      INTEGER NOT NULL,
  idx      INTEGER NOT NULL,
  process  INTEGER,
  type     TEXT NOT NULL CHECK (type IN ('invoke', 'ok', 'fail', 'info')),
  f        TEXT NOT NULL,
  key      TEXT,
  key_json TEXT,
  value    TEXT NOT NULL,
  time     INTEGER,
  line     INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE INDEX events_by_key ON events (run_id, key, seq);
CREATE INDEX events_by_process ON events (run_id, process, seq);

CREATE VIEW nemesis_events AS
  SELECT run_id, seq, idx, type, f, value, time, line FROM events WHERE process IS NULL;

-- Without statistics SQLite's planner prefers the primary key (run_id = ?) of
-- a WITHOUT ROWID table to any secondary index, even for key = ? or for the
-- nemesis view. These seeded statistics describe the shape the store is for
-- (many events per run); a later ANALYZE replaces them with measured ones.
ANALYZE sqlite_schema;
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
  ('events', 'sqlite_autoindex_events_1', '1000000 100000 1'),
  ('events', 'events_by_key', '1000000 100000 1000 1'),
  ('events', 'events_by_process', '1000000 100000 1000 1');

CREATE TABLE checker_results (
  id      INTEGER PRIMARY KEY,
  run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  checker TEXT NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('valid', 'invalid', 'unknown')),
  summary TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
);
CREATE INDEX checker_results_by_run ON checker_results (run_id);

CREATE TABLE anomalies (
  id          INTEGER PRIMARY KEY,
  result_id   INTEGER NOT NULL REFERENCES checker_results (id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,
  key         TEXT,
  description TEXT NOT NULL,
  evidence    TEXT NOT NULL DEFAULT 'null' CHECK (json_valid(evidence))
);
CREATE INDEX anomalies_by_result ON anomalies (result_id);
CREATE INDEX anomalies_by_kind ON anomalies (kind);
)sql",
    // Version 2: suites (faultline suite) and merging stores (faultline store
    // merge). uid names a run in every store it is merged into; rows from
    // before get a random one.
    R"sql(
ALTER TABLE runs ADD COLUMN suite TEXT;
ALTER TABLE runs ADD COLUMN suite_run TEXT;
ALTER TABLE runs ADD COLUMN suite_case TEXT;
ALTER TABLE runs ADD COLUMN revision TEXT;
ALTER TABLE runs ADD COLUMN uid TEXT;
UPDATE runs SET uid = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX runs_by_uid ON runs (uid);
CREATE INDEX runs_by_suite ON runs (suite, suite_case, started_at);
)sql",
};

static_assert(std::size(kMigrations) == kVersion, "kVersion counts the migrations");

struct Found {
  int64_t application_id = 0;
  int64_t version = 0;
  int64_t objects = 0;  // tables, indexes and views already in the file
};

// One statement, so one snapshot: read one by one, another process creating
// the store between the reads showed its tables with no application_id yet.
Status inspect(sqlite3* db, std::string_view path, Found* found) {
  const std::string what = fmt::format("{}: cannot read the store's schema", path);
  sqlite::Statement stmt;
  Status st = sqlite::Statement::prepare(
      db,
      "SELECT (SELECT application_id FROM pragma_application_id), "
      "(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_schema)",
      &stmt, what);
  bool row = false;
  if (st.is_ok()) st = stmt.step(&row, what);
  if (!st.is_ok()) return st;
  *found = Found{stmt.column_int(0), stmt.column_int(1), stmt.column_int(2)};
  stmt.reset();
  if (found->application_id != kApplicationId &&
      (found->application_id != 0 || found->objects != 0)) {
    return Status::invalid_argument(fmt::format(
        "{}: not a faultline store (a SQLite database of another application, application_id "
        "{:#x})",
        path, found->application_id));
  }
  if (found->version > kVersion) {
    return Status::invalid_argument(
        fmt::format("{}: the store has schema version {}, newer than this faultline's {}; use a "
                    "newer faultline",
                    path, found->version, kVersion));
  }
  return Status::ok();
}

}  // namespace

Status migrate(sqlite3* db, std::string_view path) {
  Found found;
  if (Status st = inspect(db, path, &found); !st.is_ok()) return st;
  if (found.version == kVersion) return Status::ok();
  const std::string what = fmt::format("{}: cannot create or upgrade the store's schema", path);
  if (Status st = sqlite::exec(db, "BEGIN IMMEDIATE", what); !st.is_ok()) return st;
  // Look again under the write lock: another process may have migrated first.
  Status st = inspect(db, path, &found);
  for (int64_t v = found.version; st.is_ok() && v < kVersion; ++v)
    st = sqlite::exec(db, kMigrations[v], what);
  if (st.is_ok()) {
    std::string pragmas = fmt::format("PRAGMA application_id = {}; PRAGMA user_version = {};",
                                      kApplicationId, kVersion);
    st = sqlite::exec(db, pragmas.c_str(), what);
  }
  if (st.is_ok()) st = sqlite::exec(db, "COMMIT", what);
  if (!st.is_ok()) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return st;
}

}  // namespace faultline::store_schema
