#include "storage/db.h"

#include <cppconn/connection.h>
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/statement.h>
#include <json/reader.h>

#include <boost/log/trivial.hpp>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "domain/timestamp.h"

namespace payments {
namespace {

constexpr int kMaxAttempts = 8;

}  // namespace

bool IsConnectionLost(int code) {
  // CR_SERVER_GONE_ERROR, CR_SERVER_LOST, CR_CONNECTION_ERROR,
  // CR_CONN_HOST_ERROR, CR_SERVER_LOST_EXTENDED, ER_CONNECTION_KILLED,
  // ER_SERVER_SHUTDOWN.
  return code == 2006 || code == 2013 || code == 2002 || code == 2003 || code == 2055 ||
         code == 1927 || code == 1053;
}

bool IsRetryable(int code) {
  // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, ER_DUP_ENTRY (a concurrent insert
  // won the race; the retry sees its row and decides again).
  return code == 1213 || code == 1205 || code == 1062;
}

Db::Db(sql::Driver* driver, DbConfig config) : driver_(driver), config_(std::move(config)) {}

Db::~Db() = default;

sql::Connection& Db::Connection() {
  if (connection_ && !connection_->isClosed()) return *connection_;
  statements_.clear();
  connection_.reset();
  sql::ConnectOptionsMap options;
  if (!config_.socket.empty()) {
    options["hostName"] = sql::SQLString("unix://" + config_.socket);
  } else {
    options["hostName"] =
        sql::SQLString("tcp://" + config_.host + ":" + std::to_string(config_.port));
  }
  options["userName"] = sql::SQLString(config_.user);
  options["password"] = sql::SQLString(config_.password);
  options["OPT_CONNECT_TIMEOUT"] = 5;
  options["OPT_READ_TIMEOUT"] = 30;
  options["OPT_WRITE_TIMEOUT"] = 30;
  options["OPT_RECONNECT"] = false;
  // Affected-row counts mean "matched", so an UPDATE that writes the values
  // a row already has still reports the row it hit.
  options["CLIENT_FOUND_ROWS"] = true;
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  try {
    connection_.reset(driver_->connect(options));
    connection_->setSchema(sql::SQLString(config_.name));
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    statement->execute(
        "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
        "NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'");
    // READ COMMITTED: every decision-making read is a locking read (FOR
    // UPDATE), so snapshots add nothing, and without gap locks concurrent
    // inserts of different keys cannot deadlock each other.
    statement->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  } catch (const sql::SQLException& e) {
    connection_.reset();
    throw DbError(std::string("cannot connect to database: ") + e.what(), false);
  }
  return *connection_;
}

sql::PreparedStatement& Db::Prepare(const std::string& sql_text) {
  sql::Connection& connection = Connection();
  auto it = statements_.find(sql_text);
  if (it != statements_.end()) return *it->second;
  std::unique_ptr<sql::PreparedStatement> statement(
      connection.prepareStatement(sql::SQLString(sql_text)));
  sql::PreparedStatement& ref = *statement;
  statements_.emplace(sql_text, std::move(statement));
  return ref;
}

void Db::Execute(const std::string& sql_text) {
  std::unique_ptr<sql::Statement> statement(Connection().createStatement());
  statement->execute(sql::SQLString(sql_text));
}

void Db::Reset() {
  statements_.clear();
  connection_.reset();
}

void Db::Transaction(const std::function<void()>& body) {
  for (int attempt = 1;; ++attempt) {
    bool committing = false;
    try {
      Execute("START TRANSACTION");
      body();
      committing = true;
      Execute("COMMIT");
      return;
    } catch (const sql::SQLException& e) {
      const int code = e.getErrorCode();
      const bool lost = IsConnectionLost(code);
      if (lost) {
        Reset();
      } else {
        try {
          Execute("ROLLBACK");
        } catch (const sql::SQLException&) {
          Reset();
        }
      }
      if (committing && lost) {
        BOOST_LOG_TRIVIAL(error) << "connection lost during COMMIT (" << code
                                 << "): outcome unknown: " << e.what();
        throw DbError("connection lost during commit", true);
      }
      if ((IsRetryable(code) || lost) && attempt < kMaxAttempts) {
        BOOST_LOG_TRIVIAL(info) << "retrying transaction after MySQL error " << code << " (attempt "
                                << attempt << ")";
        // Jittered back-off so that the transactions that collided do not
        // collide again in lock step.
        std::this_thread::sleep_for(std::chrono::microseconds(
            (500 + std::rand() % 1500) * attempt));  // NOLINT(cert-msc30-c): jitter only
        continue;
      }
      BOOST_LOG_TRIVIAL(error) << "transaction failed, MySQL error " << code << ": " << e.what();
      throw DbError(std::string("database error: ") + e.what(), false);
    } catch (const DbError&) {
      throw;  // connect failed: nothing to roll back
    } catch (...) {
      try {
        Execute("ROLLBACK");
      } catch (const sql::SQLException&) {
        Reset();
      }
      throw;
    }
  }
}

void Db::Read(const std::function<void()>& body) {
  for (int attempt = 1;; ++attempt) {
    try {
      body();
      return;
    } catch (const sql::SQLException& e) {
      const int code = e.getErrorCode();
      if (IsConnectionLost(code)) {
        Reset();
        if (attempt < 2) continue;
      }
      BOOST_LOG_TRIVIAL(error) << "read failed, MySQL error " << code << ": " << e.what();
      throw DbError(std::string("database error: ") + e.what(), false);
    }
  }
}

bool Db::Ping() {
  try {
    Read([&] {
      sql::PreparedStatement& statement = Prepare("SELECT 1");
      std::unique_ptr<sql::ResultSet> rs(statement.executeQuery());
      rs->next();
    });
    return true;
  } catch (const DbError& e) {
    BOOST_LOG_TRIVIAL(warning) << "database ping failed: " << e.what();
    return false;
  }
}

std::optional<std::string> OptString(sql::ResultSet& rs, const char* column) {
  if (rs.isNull(column)) return std::nullopt;
  return std::string(rs.getString(column));
}

std::optional<double> OptDouble(sql::ResultSet& rs, const char* column) {
  if (rs.isNull(column)) return std::nullopt;
  return static_cast<double>(rs.getDouble(column));
}

std::optional<long long> OptInt64(sql::ResultSet& rs, const char* column) {
  if (rs.isNull(column)) return std::nullopt;
  return static_cast<long long>(rs.getInt64(column));
}

Money MoneyColumn(sql::ResultSet& rs, const char* column) {
  Money value;
  std::string error;
  if (!Money::Parse(std::string(rs.getString(column)), &value, &error)) {
    throw std::runtime_error(std::string("unreadable amount in column ") + column);
  }
  return value;
}

Json::Value JsonColumn(sql::ResultSet& rs, const char* column) {
  const std::optional<std::string> text = OptString(rs, column);
  if (!text) return Json::Value();
  Json::Value value;
  Json::CharReaderBuilder builder;
  std::string errors;
  const std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  if (!reader->parse(text->data(), text->data() + text->size(), &value, &errors)) {
    return Json::Value();
  }
  return value;
}

void BindOptString(sql::PreparedStatement& st, int index, const std::optional<std::string>& value) {
  if (value) {
    st.setString(index, *value);
  } else {
    st.setNull(index, 0);
  }
}

void BindOptDouble(sql::PreparedStatement& st, int index, const std::optional<double>& value) {
  if (value) {
    st.setDouble(index, *value);
  } else {
    st.setNull(index, 0);
  }
}

void BindOptInt64(sql::PreparedStatement& st, int index, const std::optional<long long>& value) {
  if (value) {
    st.setInt64(index, *value);
  } else {
    st.setNull(index, 0);
  }
}

std::string SqlTime(const std::string& iso) {
  const std::optional<Timestamp> ts = Timestamp::ParseIso(iso);
  if (!ts) throw std::runtime_error("not a timestamp: " + iso);
  return ts->ToSql();
}

std::optional<std::string> SqlTime(const std::optional<std::string>& iso) {
  if (!iso) return std::nullopt;
  return SqlTime(*iso);
}

std::string IsoColumn(const std::string& column) {
  return "DATE_FORMAT(" + column + ", '%Y-%m-%dT%H:%i:%s.%fZ') AS " +
         column.substr(column.find('.') == std::string::npos ? 0 : column.find('.') + 1);
}

}  // namespace payments
