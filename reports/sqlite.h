// A thin RAII layer over the SQLite C API for reports/store.cc: a connection
// that closes itself, prepared statements that finalize themselves, and every
// error as a Status carrying SQLite's own message. Nothing here throws.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace faultline::sqlite {

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, Closer>;

// Status::io_error("<what>: <SQLite's message for db's last error>"), with the
// OS error appended when SQLite saw one (e.g. "Not a directory").
Status error(sqlite3* db, std::string_view what);

// Runs `sql` (one or more statements, no results wanted).
Status exec(sqlite3* db, const char* sql, std::string_view what);

class Statement {
 public:
  Statement() = default;
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Prepares one statement meant to be reused (SQLITE_PREPARE_PERSISTENT);
  // an error reads "<what>: <SQLite's message>".
  static Status prepare(sqlite3* db, std::string_view sql, Statement* out, std::string_view what);

  // Parameters are 1-based. A failed bind is remembered and reported by the
  // next step(), so callers bind without checking each call. Text is copied.
  Statement& bind(int i, int64_t v);
  Statement& bind(int i, std::string_view text);
  Statement& bind(int i, const std::optional<int64_t>& v);
  Statement& bind_null(int i);
  // Binds `text`, or NULL when it is empty.
  Statement& bind_text_or_null(int i, std::string_view text);

  // Advances: *row is true when a result row is available. Once done (or on
  // error) the statement is reset and its bindings cleared for reuse.
  Status step(bool* row, std::string_view what);
  // Steps a statement that returns no rows (INSERT, UPDATE, ...) to the end.
  Status run(std::string_view what);
  // Resets early, before step() reported the end.
  void reset();

  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::optional<int64_t> column_optional_int(int col) const;
  std::string_view column_text(int col) const;  // "" for NULL

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void note_bind(int rc);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = SQLITE_OK;  // the first failed bind since the last reset
};

}  // namespace faultline::sqlite
