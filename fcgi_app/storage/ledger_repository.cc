#include "storage/ledger_repository.h"

#include <memory>
#include <stdexcept>

#include "http/json.h"

namespace payments {

std::optional<Money> LedgerRepository::LockBalance(const std::string& orchestrator_id) {
  sql::PreparedStatement& st = db_.Prepare(
      "SELECT CAST(balance_eth AS CHAR) AS balance_eth FROM balances WHERE orchestrator_id = ? "
      "FOR UPDATE");
  st.setString(1, orchestrator_id);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  if (!rs->next()) return std::nullopt;
  return MoneyColumn(*rs, "balance_eth");
}

void LedgerRepository::SetBalance(const std::string& orchestrator_id, Money balance,
                                  Timestamp now) {
  sql::PreparedStatement& st =
      db_.Prepare("UPDATE balances SET balance_eth = ?, updated_at = ? WHERE orchestrator_id = ?");
  st.setString(1, balance.ToString());
  st.setString(2, now.ToSql());
  st.setString(3, orchestrator_id);
  if (st.executeUpdate() != 1) {
    throw std::runtime_error("balance row of " + orchestrator_id + " missing");
  }
}

long long LedgerRepository::Append(LedgerEvent* event, Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(
      "INSERT INTO ledger_events (orchestrator_id, event, amount, balance, delta, reason, "
      "metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  st.setString(1, event->orchestrator_id);
  st.setString(2, event->event);
  st.setString(3, event->amount.ToString());
  st.setString(4, event->balance.ToString());
  st.setString(5, event->delta.ToString());
  BindOptString(st, 6, event->reason);
  if (event->metadata.isNull()) {
    st.setNull(7, 0);
  } else {
    st.setString(7, ToJson(event->metadata));
  }
  st.setString(8, now.ToSql());
  st.executeUpdate();
  std::unique_ptr<sql::ResultSet> rs(db_.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
  rs->next();
  event->id = rs->getInt64(1);
  event->timestamp = now.ToIso();
  return event->id;
}

std::vector<LedgerEvent> LedgerRepository::List(const std::string& orchestrator_id, int limit) {
  const std::string columns =
      "SELECT id, " + IsoColumn("created_at") +
      ", event, orchestrator_id, CAST(amount AS CHAR) AS amount, "
      "CAST(balance AS CHAR) AS balance, CAST(delta AS CHAR) AS delta, reason, "
      "CAST(metadata AS CHAR) AS metadata FROM ledger_events ";
  sql::PreparedStatement& st =
      orchestrator_id.empty()
          ? db_.Prepare(columns + "ORDER BY id DESC LIMIT ?")
          : db_.Prepare(columns + "WHERE orchestrator_id = ? ORDER BY id DESC LIMIT ?");
  int i = 1;
  if (!orchestrator_id.empty()) st.setString(i++, orchestrator_id);
  st.setInt(i, limit);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::vector<LedgerEvent> out;
  while (rs->next()) {
    LedgerEvent e;
    e.id = rs->getInt64("id");
    e.timestamp = rs->getString("created_at");
    e.event = rs->getString("event");
    e.orchestrator_id = rs->getString("orchestrator_id");
    e.amount = MoneyColumn(*rs, "amount");
    e.balance = MoneyColumn(*rs, "balance");
    e.delta = MoneyColumn(*rs, "delta");
    e.reason = OptString(*rs, "reason");
    e.metadata = JsonColumn(*rs, "metadata");
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<IdempotencyRepository::Stored> IdempotencyRepository::FindForUpdate(
    const std::string& scope, const std::string& key) {
  sql::PreparedStatement& st = db_.Prepare(
      "SELECT request_hash, status, response_body FROM idempotency_keys "
      "WHERE scope = ? AND idempotency_key = ? FOR UPDATE");
  st.setString(1, scope);
  st.setString(2, key);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  if (!rs->next()) return std::nullopt;
  return Stored{rs->getString(1), rs->getInt(2), rs->getString(3)};
}

void IdempotencyRepository::Reserve(const std::string& scope, const std::string& key,
                                    const std::string& request_hash, Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(
      "INSERT INTO idempotency_keys (scope, idempotency_key, request_hash, status, "
      "response_body, created_at) VALUES (?, ?, ?, 0, '', ?)");
  st.setString(1, scope);
  st.setString(2, key);
  st.setString(3, request_hash);
  st.setString(4, now.ToSql());
  st.executeUpdate();
}

void IdempotencyRepository::Complete(const std::string& scope, const std::string& key, int status,
                                     const std::string& body) {
  sql::PreparedStatement& st = db_.Prepare(
      "UPDATE idempotency_keys SET status = ?, response_body = ? "
      "WHERE scope = ? AND idempotency_key = ?");
  st.setInt(1, status);
  st.setString(2, body);
  st.setString(3, scope);
  st.setString(4, key);
  if (st.executeUpdate() != 1) throw std::runtime_error("idempotency key vanished");
}

void IdempotencyRepository::Purge(Timestamp cutoff, int batch) {
  sql::PreparedStatement& st =
      db_.Prepare("DELETE FROM idempotency_keys WHERE created_at < ? LIMIT ?");
  st.setString(1, cutoff.ToSql());
  st.setInt(2, batch);
  st.executeUpdate();
}

}  // namespace payments
