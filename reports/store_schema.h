// The store's schema, as an ordered list of migrations: migration N takes a
// database from schema version N-1 to N, and PRAGMA user_version records the
// version reached. docs/store.md documents every table and column.
#pragma once

#include <sqlite3.h>

#include <string_view>

#include "base/status.h"

namespace faultline::store_schema {

// PRAGMA application_id of a faultline store ("FLTL"), so that opening some
// other application's SQLite file fails instead of adding tables to it.
inline constexpr int kApplicationId = 0x464c544c;

// The schema version this build writes and reads: the number of migrations.
inline constexpr int kVersion = 2;

// Brings the database to kVersion: a no-op when it is current, the pending
// migrations in one IMMEDIATE transaction otherwise (so that two processes
// opening a new store at once cannot both create it). Errors if the file is
// another application's database or has a newer schema than this build knows.
// `path` names the file in messages.
Status migrate(sqlite3* db, std::string_view path);

}  // namespace faultline::store_schema
