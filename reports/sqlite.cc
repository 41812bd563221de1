#include "reports/sqlite.h"

#include <fmt/format.h>

#include <cstring>
#include <utility>

namespace faultline::sqlite {

Status error(sqlite3* db, std::string_view what) {
  if (db == nullptr) return Status::io_error(fmt::format("{}: out of memory", what));
  std::string msg = fmt::format("{}: {}", what, sqlite3_errmsg(db));
  if (int os_errno = sqlite3_system_errno(db); os_errno != 0)
    msg += fmt::format(" ({})", std::strerror(os_errno));
  return Status::io_error(std::move(msg));
}

Status exec(sqlite3* db, const char* sql, std::string_view what) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return error(db, what);
  return Status::ok();
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_rc_ = other.bind_rc_;
  }
  return *this;
}

Status Statement::prepare(sqlite3* db, std::string_view sql, Statement* out,
                          std::string_view what) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return error(db, what);
  *out = Statement(db, stmt);
  return Status::ok();
}

void Statement::note_bind(int rc) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Statement& Statement::bind(int i, int64_t v) {
  note_bind(sqlite3_bind_int64(stmt_, i, v));
  return *this;
}

Statement& Statement::bind(int i, std::string_view text) {
  note_bind(sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind(int i, const std::optional<int64_t>& v) {
  return v ? bind(i, *v) : bind_null(i);
}

Statement& Statement::bind_null(int i) {
  note_bind(sqlite3_bind_null(stmt_, i));
  return *this;
}

Statement& Statement::bind_text_or_null(int i, std::string_view text) {
  return text.empty() ? bind_null(i) : bind(i, text);
}

void Statement::reset() {
  if (stmt_ == nullptr) return;  // never prepared, or moved from
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

Status Statement::step(bool* row, std::string_view what) {
  *row = false;
  if (bind_rc_ != SQLITE_OK) {
    Status st = Status::io_error(fmt::format("{}: {}", what, sqlite3_errstr(bind_rc_)));
    reset();
    return st;
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    *row = true;
    return Status::ok();
  }
  // Read the message before reset(), which may replace it.
  Status st = rc == SQLITE_DONE ? Status::ok() : error(db_, what);
  reset();
  return st;
}

Status Statement::run(std::string_view what) {
  bool row = false;
  Status st = step(&row, what);
  if (row) reset();
  return st;
}

std::optional<int64_t> Statement::column_optional_int(int col) const {
  if (is_null(col)) return std::nullopt;
  return column_int(col);
}

std::string_view Statement::column_text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

}  // namespace faultline::sqlite
