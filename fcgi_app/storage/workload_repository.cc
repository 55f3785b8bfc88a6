#include "storage/workload_repository.h"

#include <memory>
#include <stdexcept>

namespace payments {
namespace {

const std::string& Columns() {
  static const std::string kColumns =
      "SELECT workload_id, orchestrator_id, plan_id, run_id, artifact_hash, artifact_uri, "
      "CAST(payout_amount_eth AS CHAR) AS payout_amount_eth, status, " +
      IsoColumn("submitted_at") + ", notes, tx_hash, credited, " + IsoColumn("credited_at") +
      " FROM workloads ";
  return kColumns;
}

WorkloadRecord ReadRecord(sql::ResultSet& rs) {
  WorkloadRecord r;
  r.workload_id = rs.getString("workload_id");
  r.orchestrator_id = rs.getString("orchestrator_id");
  r.plan_id = OptString(rs, "plan_id");
  r.run_id = OptString(rs, "run_id");
  r.artifact_hash = OptString(rs, "artifact_hash");
  r.artifact_uri = OptString(rs, "artifact_uri");
  r.payout_amount_eth = MoneyColumn(rs, "payout_amount_eth");
  r.status = rs.getString("status");
  r.submitted_at = rs.getString("submitted_at");
  r.notes = OptString(rs, "notes");
  r.tx_hash = OptString(rs, "tx_hash");
  r.credited = rs.getBoolean("credited");
  r.credited_at = OptString(rs, "credited_at");
  return r;
}

}  // namespace

std::optional<WorkloadRecord> WorkloadRepository::FindForUpdate(const std::string& workload_id) {
  sql::PreparedStatement& st = db_.Prepare(Columns() + "WHERE workload_id = ? FOR UPDATE");
  st.setString(1, workload_id);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  if (!rs->next()) return std::nullopt;
  return ReadRecord(*rs);
}

void WorkloadRepository::Insert(const WorkloadRecord& r) {
  sql::PreparedStatement& st = db_.Prepare(
      "INSERT INTO workloads (workload_id, orchestrator_id, plan_id, run_id, artifact_hash, "
      "artifact_uri, payout_amount_eth, status, submitted_at, notes, tx_hash, credited, "
      "credited_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.setString(1, r.workload_id);
  st.setString(2, r.orchestrator_id);
  BindOptString(st, 3, r.plan_id);
  BindOptString(st, 4, r.run_id);
  BindOptString(st, 5, r.artifact_hash);
  BindOptString(st, 6, r.artifact_uri);
  st.setString(7, r.payout_amount_eth.ToString());
  st.setString(8, r.status);
  st.setString(9, SqlTime(r.submitted_at));
  BindOptString(st, 10, r.notes);
  BindOptString(st, 11, r.tx_hash);
  st.setBoolean(12, r.credited);
  BindOptString(st, 13, SqlTime(r.credited_at));
  st.executeUpdate();
}

void WorkloadRepository::Update(const WorkloadRecord& r) {
  sql::PreparedStatement& st = db_.Prepare(
      "UPDATE workloads SET status = ?, notes = ?, tx_hash = ?, artifact_uri = ?, "
      "artifact_hash = ?, credited = ?, credited_at = ? WHERE workload_id = ?");
  st.setString(1, r.status);
  BindOptString(st, 2, r.notes);
  BindOptString(st, 3, r.tx_hash);
  BindOptString(st, 4, r.artifact_uri);
  BindOptString(st, 5, r.artifact_hash);
  st.setBoolean(6, r.credited);
  BindOptString(st, 7, SqlTime(r.credited_at));
  st.setString(8, r.workload_id);
  if (st.executeUpdate() != 1) throw std::runtime_error("workload " + r.workload_id + " vanished");
}

std::vector<WorkloadRecord> WorkloadRepository::List(const WorkloadFilter& f) {
  // A fixed set of statement shapes (each parameter bound), so that each
  // is prepared once per connection and each has an index to use.
  std::string where;
  auto add = [&](const char* condition) {
    where += where.empty() ? "WHERE " : " AND ";
    where += condition;
  };
  if (f.orchestrator_id) add("orchestrator_id = ?");
  if (f.status) add("status = ?");
  if (f.since) add("submitted_at >= ?");
  if (f.until) add("submitted_at <= ?");
  sql::PreparedStatement& st =
      db_.Prepare(Columns() + where +
                  " ORDER BY workloads.submitted_at DESC, workloads.workload_id DESC LIMIT ?");
  int i = 1;
  if (f.orchestrator_id) st.setString(i++, *f.orchestrator_id);
  if (f.status) st.setString(i++, *f.status);
  if (f.since) st.setString(i++, f.since->ToSql());
  if (f.until) st.setString(i++, f.until->ToSql());
  st.setInt(i, f.limit);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::vector<WorkloadRecord> out;
  while (rs->next()) out.push_back(ReadRecord(*rs));
  return out;
}

std::vector<WorkloadSummaryRow> WorkloadRepository::Summary(const std::optional<Timestamp>& since,
                                                            const std::optional<Timestamp>& until) {
  std::string where;
  if (since) where += "WHERE submitted_at >= ?";
  if (until) where += where.empty() ? "WHERE submitted_at <= ?" : " AND submitted_at <= ?";
  sql::PreparedStatement& st = db_.Prepare(
      "SELECT orchestrator_id, COUNT(*) AS workloads, "
      "CAST(COALESCE(SUM(CASE WHEN status <> 'rejected' THEN payout_amount_eth END), 0) AS CHAR) "
      "AS earned_eth, "
      "CAST(COALESCE(SUM(CASE WHEN status NOT IN ('paid', 'rejected') THEN payout_amount_eth "
      "END), 0) AS CHAR) AS pending_eth "
      "FROM workloads " +
      where + " GROUP BY orchestrator_id ORDER BY orchestrator_id");
  int i = 1;
  if (since) st.setString(i++, since->ToSql());
  if (until) st.setString(i++, until->ToSql());
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::vector<WorkloadSummaryRow> out;
  while (rs->next()) {
    WorkloadSummaryRow row;
    row.orchestrator_id = rs->getString("orchestrator_id");
    row.workloads = rs->getInt64("workloads");
    row.earned_eth = MoneyColumn(*rs, "earned_eth");
    row.pending_eth = MoneyColumn(*rs, "pending_eth");
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace payments
