// Db: one MySQL connection (Connector/C++ 1.1) with a cache of prepared
// statements and a transaction runner. Not thread-safe: each worker thread
// owns one Db. The connection is opened lazily and re-opened after it is
// lost; prepared statements are re-prepared on the new connection.
#pragma once

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <json/value.h>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "config/config.h"
#include "domain/money.h"

namespace sql {
class Connection;
class Driver;
}  // namespace sql

namespace payments {

// A database failure that is not the client's fault. `commit_unknown` is set
// when the connection broke during COMMIT: the transaction may or may not
// have been applied, so the caller must not retry it blindly.
class DbError : public std::runtime_error {
 public:
  DbError(const std::string& what, bool commit_unknown)
      : std::runtime_error(what), commit_unknown_(commit_unknown) {}
  bool commit_unknown() const { return commit_unknown_; }

 private:
  bool commit_unknown_;
};

class Db {
 public:
  // `driver` must outlive the Db; call sql::Driver::threadInit() on the
  // owning thread first.
  Db(sql::Driver* driver, DbConfig config);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // A prepared statement for `sql_text`, prepared once per connection.
  // Parameters must be (re)bound before each execute. Connects if needed.
  sql::PreparedStatement& Prepare(const std::string& sql_text);

  // Runs one plain statement (DDL, START TRANSACTION, ...).
  void Execute(const std::string& sql_text);

  // Runs `body` inside START TRANSACTION ... COMMIT. On a deadlock, lock wait
  // timeout, duplicate-key race or a connection lost before COMMIT, the
  // transaction is rolled back and `body` runs again (up to 8 attempts, with jittered back-off), so
  // `body` must have no effects outside the database. Any other exception
  // rolls back and propagates (sql::SQLException converted to DbError).
  void Transaction(const std::function<void()>& body);

  // Runs `body` outside an explicit transaction (reads), retrying once after
  // a lost connection.
  void Read(const std::function<void()>& body);

  // True when a trivial query succeeds (reconnecting if needed).
  bool Ping();

  // Forgets the connection; the next call reconnects.
  void Reset();

 private:
  sql::Connection& Connection();

  sql::Driver* driver_;
  DbConfig config_;
  std::unique_ptr<sql::Connection> connection_;
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
};

// Connector/C++ error classes.
bool IsConnectionLost(int mysql_error_code);
bool IsRetryable(int mysql_error_code);  // deadlock, lock wait timeout, duplicate-key race

// Nullable column readers.
std::optional<std::string> OptString(sql::ResultSet& rs, const char* column);
std::optional<double> OptDouble(sql::ResultSet& rs, const char* column);
std::optional<long long> OptInt64(sql::ResultSet& rs, const char* column);
// A DECIMAL column read as text (CAST(... AS CHAR)) into Money; throws
// std::runtime_error if the stored text is not an amount.
Money MoneyColumn(sql::ResultSet& rs, const char* column);
// A JSON column read as text; null when NULL or unparsable.
Json::Value JsonColumn(sql::ResultSet& rs, const char* column);

// Parameter binders: NULL when the optional is empty.
void BindOptString(sql::PreparedStatement& st, int index, const std::optional<std::string>& value);
void BindOptDouble(sql::PreparedStatement& st, int index, const std::optional<double>& value);
void BindOptInt64(sql::PreparedStatement& st, int index, const std::optional<long long>& value);
// An API timestamp (ISO-8601) as a DATETIME(6) literal; throws
// std::runtime_error on text that is not a timestamp.
std::string SqlTime(const std::string& iso);
std::optional<std::string> SqlTime(const std::optional<std::string>& iso);

// SQL expression that formats a DATETIME(6) column as API.md's timestamp
// (`2026-11-23T21:59:06.846209Z`), aliased to the column name. Because of
// the alias, ORDER BY must name the column with its table
// (`workloads.submitted_at`): a bare name sorts by the formatted text, which
// no index can serve.
std::string IsoColumn(const std::string& column);

}  // namespace payments
