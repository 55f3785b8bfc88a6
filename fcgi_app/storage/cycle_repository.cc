#include "storage/cycle_repository.h"

#include <memory>
#include <stdexcept>

namespace payments {
namespace {

const std::string& PayoutColumns() {
  static const std::string kColumns =
      "SELECT id, orchestrator_id, to_address, CAST(amount_eth AS CHAR) AS amount_eth, mode, "
      "status, " +
      IsoColumn("interval_start") + ", from_address, chain_id, tx_hash, error, " +
      IsoColumn("send_started_at") + ", " + IsoColumn("sent_at") + ", " + IsoColumn("finished_at") +
      ", ledger_event_id, " + IsoColumn("created_at") + ", " + IsoColumn("updated_at") +
      " FROM payouts ";
  return kColumns;
}

PayoutRecord ReadPayout(sql::ResultSet& rs) {
  PayoutRecord p;
  p.id = rs.getInt64("id");
  p.orchestrator_id = rs.getString("orchestrator_id");
  p.to_address = rs.getString("to_address");
  p.amount = MoneyColumn(rs, "amount_eth");
  p.mode = rs.getString("mode");
  p.status = rs.getString("status");
  const auto interval = Timestamp::ParseIso(std::string(rs.getString("interval_start")));
  if (!interval) throw std::runtime_error("payout with an unreadable interval_start");
  p.interval_start = *interval;
  p.from_address = OptString(rs, "from_address");
  p.chain_id = OptInt64(rs, "chain_id");
  p.tx_hash = OptString(rs, "tx_hash");
  p.error = OptString(rs, "error");
  p.send_started_at = OptString(rs, "send_started_at");
  p.sent_at = OptString(rs, "sent_at");
  p.finished_at = OptString(rs, "finished_at");
  p.ledger_event_id = OptInt64(rs, "ledger_event_id");
  p.created_at = rs.getString("created_at");
  p.updated_at = rs.getString("updated_at");
  return p;
}

}  // namespace

bool CycleRunRepository::Exists(const std::string& orchestrator_id, Timestamp interval_start) {
  sql::PreparedStatement& st =
      db_.Prepare("SELECT 1 FROM cycle_runs WHERE orchestrator_id = ? AND interval_start = ?");
  st.setString(1, orchestrator_id);
  st.setString(2, interval_start.ToSql());
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  return rs->next();
}

std::set<std::string> CycleRunRepository::EvaluatedIn(Timestamp interval_start) {
  sql::PreparedStatement& st =
      db_.Prepare("SELECT orchestrator_id FROM cycle_runs WHERE interval_start = ?");
  st.setString(1, interval_start.ToSql());
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::set<std::string> out;
  while (rs->next()) out.insert(rs->getString(1));
  return out;
}

void CycleRunRepository::Insert(const CycleRun& run, Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(
      "INSERT INTO cycle_runs (orchestrator_id, interval_start, outcome, source, services_up, "
      "total_services, ledger_event_id, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.setString(1, run.orchestrator_id);
  st.setString(2, run.interval_start.ToSql());
  st.setString(3, run.outcome);
  BindOptString(st, 4, run.source);
  BindOptInt64(st, 5, run.services_up);
  BindOptInt64(st, 6, run.total_services);
  BindOptInt64(st, 7, run.ledger_event_id);
  BindOptString(st, 8, run.detail);
  st.setString(9, now.ToSql());
  st.executeUpdate();
}

int CycleRunRepository::Prune(Timestamp before, int limit) {
  sql::PreparedStatement& st =
      db_.Prepare("DELETE FROM cycle_runs WHERE interval_start < ? LIMIT ?");
  st.setString(1, before.ToSql());
  st.setInt(2, limit);
  return st.executeUpdate();
}

void HealthReportRepository::Upsert(const std::string& orchestrator_id, const std::string& body,
                                    Timestamp now, const std::string& ip) {
  sql::PreparedStatement& st = db_.Prepare(
      "INSERT INTO health_reports (orchestrator_id, report, reported_at, reported_ip) "
      "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE report = VALUES(report), "
      "reported_at = VALUES(reported_at), reported_ip = VALUES(reported_ip)");
  st.setString(1, orchestrator_id);
  st.setString(2, body);
  st.setString(3, now.ToSql());
  st.setString(4, ip);
  st.executeUpdate();
}

std::unordered_map<std::string, StoredHealthReport> HealthReportRepository::ReceivedSince(
    Timestamp since) {
  sql::PreparedStatement& st =
      db_.Prepare("SELECT orchestrator_id, report, " + IsoColumn("reported_at") +
                  " FROM health_reports WHERE health_reports.reported_at >= ?");
  st.setString(1, since.ToSql());
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::unordered_map<std::string, StoredHealthReport> out;
  while (rs->next()) {
    const auto at = Timestamp::ParseIso(std::string(rs->getString("reported_at")));
    if (!at) continue;
    out[rs->getString("orchestrator_id")] = {rs->getString("report"), *at};
  }
  return out;
}

long long PayoutRepository::Insert(const PayoutRecord& p, Timestamp now) {
  // IGNORE: a duplicate of either unique key (this interval, or an open
  // payout) means another cycle already acted; nothing is written.
  sql::PreparedStatement& st = db_.Prepare(
      "INSERT IGNORE INTO payouts (orchestrator_id, to_address, amount_eth, mode, status, "
      "interval_start, open_orchestrator_id, from_address, chain_id, finished_at, created_at, "
      "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.setString(1, p.orchestrator_id);
  st.setString(2, p.to_address);
  st.setString(3, p.amount.ToString());
  st.setString(4, p.mode);
  st.setString(5, p.status);
  st.setString(6, p.interval_start.ToSql());
  BindOptString(st, 7, p.IsOpen() ? std::optional<std::string>(p.orchestrator_id) : std::nullopt);
  BindOptString(st, 8, p.from_address);
  BindOptInt64(st, 9, p.chain_id);
  BindOptString(st, 10, SqlTime(p.finished_at));
  st.setString(11, now.ToSql());
  st.setString(12, now.ToSql());
  if (st.executeUpdate() != 1) return 0;
  std::unique_ptr<sql::ResultSet> rs(db_.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
  rs->next();
  return rs->getInt64(1);
}

std::optional<PayoutRecord> PayoutRepository::FindForUpdate(long long id) {
  sql::PreparedStatement& st = db_.Prepare(PayoutColumns() + "WHERE id = ? FOR UPDATE");
  st.setInt64(1, id);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  if (!rs->next()) return std::nullopt;
  return ReadPayout(*rs);
}

void PayoutRepository::Update(const PayoutRecord& p, Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(
      "UPDATE payouts SET status = ?, open_orchestrator_id = ?, tx_hash = ?, error = ?, "
      "send_started_at = ?, sent_at = ?, finished_at = ?, ledger_event_id = ?, updated_at = ? "
      "WHERE id = ?");
  st.setString(1, p.status);
  BindOptString(st, 2, p.IsOpen() ? std::optional<std::string>(p.orchestrator_id) : std::nullopt);
  BindOptString(st, 3, p.tx_hash);
  BindOptString(st, 4, p.error);
  BindOptString(st, 5, SqlTime(p.send_started_at));
  BindOptString(st, 6, SqlTime(p.sent_at));
  BindOptString(st, 7, SqlTime(p.finished_at));
  BindOptInt64(st, 8, p.ledger_event_id);
  st.setString(9, now.ToSql());
  st.setInt64(10, p.id);
  if (st.executeUpdate() != 1) {
    throw std::runtime_error("payout " + std::to_string(p.id) + " vanished during update");
  }
}

bool PayoutRepository::ClaimForSend(long long id, Timestamp now) {
  sql::PreparedStatement& st = db_.Prepare(
      "UPDATE payouts SET send_started_at = ?, updated_at = ? "
      "WHERE id = ? AND status = 'pending' AND send_started_at IS NULL");
  st.setString(1, now.ToSql());
  st.setString(2, now.ToSql());
  st.setInt64(3, id);
  return st.executeUpdate() == 1;
}

bool PayoutRepository::HasOpen(const std::string& orchestrator_id) {
  sql::PreparedStatement& st = db_.Prepare("SELECT 1 FROM payouts WHERE open_orchestrator_id = ?");
  st.setString(1, orchestrator_id);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  return rs->next();
}

std::vector<PayoutRecord> PayoutRepository::List(const PayoutFilter& f) {
  std::string where;
  if (f.orchestrator_id) where += "WHERE orchestrator_id = ?";
  if (f.status) where += where.empty() ? "WHERE status = ?" : " AND status = ?";
  sql::PreparedStatement& st =
      db_.Prepare(PayoutColumns() + where + " ORDER BY payouts.id DESC LIMIT ?");
  int i = 1;
  if (f.orchestrator_id) st.setString(i++, *f.orchestrator_id);
  if (f.status) st.setString(i++, *f.status);
  st.setInt(i, f.limit);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::vector<PayoutRecord> out;
  while (rs->next()) out.push_back(ReadPayout(*rs));
  return out;
}

std::vector<std::string> PayoutRepository::DueForPayout(Money threshold, bool net_of_simulated,
                                                        int limit) {
  // Dry run: what earlier simulated payouts "paid" is not due again.
  const std::string due =
      net_of_simulated
          ? "b.balance_eth - COALESCE((SELECT SUM(s.amount_eth) FROM payouts s "
            "WHERE s.orchestrator_id = b.orchestrator_id AND s.status = 'simulated'), 0) >= ?"
          : "b.balance_eth >= ?";
  sql::PreparedStatement& st = db_.Prepare(
      "SELECT b.orchestrator_id FROM balances b WHERE " + due +
      " AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.open_orchestrator_id = b.orchestrator_id) "
      "ORDER BY b.orchestrator_id LIMIT ?");
  st.setString(1, threshold.ToString());
  st.setInt(2, limit);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::vector<std::string> out;
  while (rs->next()) out.push_back(rs->getString(1));
  return out;
}

Money PayoutRepository::SimulatedTotal(const std::string& orchestrator_id) {
  sql::PreparedStatement& st = db_.Prepare(
      "SELECT CAST(COALESCE(SUM(amount_eth), 0) AS CHAR) AS total FROM payouts "
      "WHERE orchestrator_id = ? AND status = 'simulated'");
  st.setString(1, orchestrator_id);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  rs->next();
  return MoneyColumn(*rs, "total");
}

std::vector<PayoutRecord> PayoutRepository::ListByStatus(const std::string& status, int limit) {
  sql::PreparedStatement& st =
      db_.Prepare(PayoutColumns() + "WHERE status = ? ORDER BY payouts.id LIMIT ?");
  st.setString(1, status);
  st.setInt(2, limit);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::vector<PayoutRecord> out;
  while (rs->next()) out.push_back(ReadPayout(*rs));
  return out;
}

}  // namespace payments
