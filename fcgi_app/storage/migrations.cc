#include "storage/migrations.h"

#include <cppconn/exception.h>

#include <algorithm>
#include <boost/log/trivial.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "config/config.h"

namespace payments {
namespace {

constexpr int kLockTimeoutSeconds = 120;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read migration " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::set<int> AppliedVersions(Db& db) {
  std::set<int> versions;
  std::unique_ptr<sql::ResultSet> rs(
      db.Prepare("SELECT version FROM schema_migrations").executeQuery());
  while (rs->next()) versions.insert(rs->getInt(1));
  return versions;
}

}  // namespace

std::vector<Migration> ListMigrations(const std::string& dir) {
  static const std::regex kName(R"(^(\d{3})_[A-Za-z0-9_]+\.sql$)");
  std::vector<Migration> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) throw std::runtime_error("cannot read migrations directory " + dir + ": " + ec.message());
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || ToLower(entry.path().extension().string()) != ".sql") {
      continue;
    }
    std::smatch match;
    if (!std::regex_match(name, match, kName)) {
      throw std::runtime_error("migration file name must look like 001_name.sql: " + name);
    }
    out.push_back({std::stoi(match[1].str()), name, entry.path().string()});
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version) {
      throw std::runtime_error("two migrations share version " + std::to_string(out[i].version));
    }
  }
  return out;
}

std::vector<std::string> SplitSqlStatements(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  std::string current;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line.compare(first, 2, "--") == 0) continue;
    // A trailing "-- comment" after the statement's semicolon (migrations
    // hold no string literals containing "--").
    const auto comment = line.find(" --");
    if (comment != std::string::npos) line.erase(comment);
    current += line;
    current += '\n';
    const auto last = line.find_last_not_of(" \t\r");
    if (line[last] == ';') {
      current.erase(current.find_last_of(';'));
      if (current.find_first_not_of(" \t\r\n;") != std::string::npos) out.push_back(current);
      current.clear();
    }
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(current);
  return out;
}

int ApplyMigrations(Db& db, const std::string& dir) {
  const std::vector<Migration> migrations = ListMigrations(dir);
  {
    std::unique_ptr<sql::ResultSet> rs(db.Prepare("SELECT GET_LOCK('payments_schema_migrations', " +
                                                  std::to_string(kLockTimeoutSeconds) + ")")
                                           .executeQuery());
    if (!rs->next() || rs->isNull(1) || rs->getInt(1) != 1) {
      throw std::runtime_error("timed out waiting for the migration lock");
    }
  }
  int applied = 0;
  try {
    db.Execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INT NOT NULL PRIMARY KEY,"
        " name VARCHAR(255) NOT NULL,"
        " applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
    const std::set<int> done = AppliedVersions(db);
    for (const Migration& migration : migrations) {
      if (done.count(migration.version) != 0) continue;
      BOOST_LOG_TRIVIAL(info) << "applying migration " << migration.name;
      for (const std::string& statement : SplitSqlStatements(ReadFile(migration.path))) {
        try {
          db.Execute(statement);
        } catch (const sql::SQLException& e) {
          throw std::runtime_error("migration " + migration.name + " failed: " + e.what());
        }
      }
      sql::PreparedStatement& record =
          db.Prepare("INSERT INTO schema_migrations (version, name) VALUES (?, ?)");
      record.setInt(1, migration.version);
      record.setString(2, migration.name);
      record.executeUpdate();
      ++applied;
    }
  } catch (...) {
    db.Execute("DO RELEASE_LOCK('payments_schema_migrations')");
    throw;
  }
  db.Execute("DO RELEASE_LOCK('payments_schema_migrations')");
  return applied;
}

int SchemaVersion(Db& db) {
  std::unique_ptr<sql::ResultSet> rs(
      db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").executeQuery());
  return rs->next() ? rs->getInt(1) : 0;
}

}  // namespace payments
