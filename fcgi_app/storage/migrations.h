// Schema migrations: numbered files `NNN_name.sql` in one directory, applied
// in order and recorded in `schema_migrations`. Safe to call from any number
// of processes at once: the run holds the MySQL named lock
// `payments_schema_migrations`, and each process applies only what is missing.
#pragma once

#include <string>
#include <vector>

#include "storage/db.h"

namespace payments {

struct Migration {
  int version = 0;
  std::string name;  // file name
  std::string path;
};

// The migrations in `dir`, sorted by version. Throws std::runtime_error on
// an unreadable directory, a misnamed .sql file or a repeated version.
std::vector<Migration> ListMigrations(const std::string& dir);

// Splits a migration file into statements at semicolons that end a line.
// Lines starting with "--" are comments.
std::vector<std::string> SplitSqlStatements(const std::string& text);

// Applies every migration in `dir` not yet recorded. Returns the number
// applied. Throws on failure (the failing file is named in the message).
int ApplyMigrations(Db& db, const std::string& dir);

// The highest applied version, or 0.
int SchemaVersion(Db& db);

}  // namespace payments
