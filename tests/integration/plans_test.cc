// Query plans: the statements behind the hot and the listing routes must be
// served by an index, never by a scan of the whole table. The test seeds
// enough rows (through MariaDB's sequence engine) that the optimizer's
// choice is the one production would get, then reads EXPLAIN.
#include <cppunit/extensions/HelperMacros.h>

#include <sstream>

#include "tests/integration/client.h"

namespace payments::testing {
namespace {

// EXPLAIN's rows as tab-separated fields: id, select_type, table, type,
// possible_keys, key, key_len, ref, rows, Extra.
std::vector<std::vector<std::string>> Explain(const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(QueryDatabase("EXPLAIN " + sql));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, '\t')) fields.push_back(cell);
    if (fields.size() >= 6) rows.push_back(fields);
  }
  return rows;
}

void AssertIndexed(const std::string& what, const std::string& sql, bool ordered = false) {
  const auto rows = Explain(sql);
  CPPUNIT_ASSERT_MESSAGE(what + ": no plan", !rows.empty());
  for (const auto& row : rows) {
    std::string plan;
    for (const std::string& f : row) plan += f + " ";
    // A unique-key lookup that found nothing is resolved from the index
    // before the plan is made.
    if (plan.find("no matching row in const table") != std::string::npos ||
        plan.find("Impossible WHERE noticed after reading const tables") != std::string::npos) {
      continue;
    }
    CPPUNIT_ASSERT_MESSAGE(what + " scans the whole table: " + plan, row[3] != "ALL");
    CPPUNIT_ASSERT_MESSAGE(what + " uses no index: " + plan, row[5] != "NULL");
    if (ordered) {
      CPPUNIT_ASSERT_MESSAGE(what + " sorts instead of reading in index order: " + plan,
                             plan.find("filesort") == std::string::npos);
    }
  }
}

}  // namespace

class PlansTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PlansTest);
  CPPUNIT_TEST(testHotStatementsUseIndexes);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    const std::string orch = UniqueId("plans");
    QueryDatabase(
        "INSERT INTO orchestrators (orchestrator_id, address, address_key, first_seen, last_seen)"
        " SELECT CONCAT('" +
        orch +
        "-', seq), CONCAT('0xee', LPAD(seq, 38, '0')),"
        " CONCAT('0xee', LPAD(seq, 38, '0')), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)"
        " FROM seq_1_to_200;"
        " INSERT INTO balances (orchestrator_id, balance_eth, updated_at)"
        " SELECT CONCAT('" +
        orch +
        "-', seq), 0, UTC_TIMESTAMP(6) FROM seq_1_to_200;"
        " INSERT INTO workloads (workload_id, orchestrator_id, payout_amount_eth, status,"
        " submitted_at, artifact_hash)"
        " SELECT CONCAT('" +
        orch + "-wl-', seq), CONCAT('" + orch +
        "-', 1 + seq % 200), 0.001,"
        " ELT(1 + seq % 4, 'pending', 'verified', 'paid', 'rejected'),"
        " UTC_TIMESTAMP(6) - INTERVAL seq MINUTE, 'h' FROM seq_1_to_20000;"
        " INSERT INTO ledger_events (orchestrator_id, event, amount, balance, delta, created_at)"
        " SELECT CONCAT('" +
        orch +
        "-', 1 + seq % 200), 'credit', 1, 1, 1, UTC_TIMESTAMP(6)"
        " FROM seq_1_to_5000;"
        " INSERT INTO payouts (orchestrator_id, to_address, amount_eth, mode, status,"
        " interval_start, created_at, updated_at)"
        " SELECT CONCAT('" +
        orch +
        "-', 1 + seq % 200), '0x00', 1, 'dry_run',"
        " ELT(1 + seq % 3, 'simulated', 'confirmed', 'failed'),"
        " UTC_TIMESTAMP(6) - INTERVAL seq MINUTE, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)"
        " FROM seq_1_to_5000;"
        " INSERT INTO cycle_runs (orchestrator_id, interval_start, outcome, created_at)"
        " SELECT CONCAT('" +
        orch +
        "-', 1 + seq % 200), '2026-01-01' + INTERVAL (seq DIV 200) MINUTE, 'credited',"
        " UTC_TIMESTAMP(6) FROM seq_0_to_19999;"
        " INSERT INTO health_reports (orchestrator_id, report, reported_at)"
        " SELECT CONCAT('" +
        orch +
        "-', seq), '{}', UTC_TIMESTAMP(6) - INTERVAL seq HOUR FROM seq_1_to_200;"
        " ANALYZE TABLE orchestrators, balances, workloads, ledger_events, payouts, cycle_runs,"
        " health_reports");
    orch_ = orch + "-7";
  }

  void testHotStatementsUseIndexes() {
    const std::string id = "'" + orch_ + "'";
    AssertIndexed("orchestrator by id",
                  "SELECT * FROM orchestrators o LEFT JOIN balances b"
                  " ON b.orchestrator_id = o.orchestrator_id WHERE o.orchestrator_id = " +
                      id);
    AssertIndexed("orchestrator by address",
                  "SELECT orchestrator_id FROM orchestrators WHERE address_key = '0xabc'");
    AssertIndexed("balance lock", "SELECT balance_eth FROM balances WHERE orchestrator_id = " + id);
    // The repositories select DATE_FORMAT(submitted_at, ...) AS submitted_at,
    // so their ORDER BY names the column with its table.
    const std::string listing =
        "SELECT workload_id, DATE_FORMAT(submitted_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS submitted_at"
        " FROM workloads ";
    const std::string newest =
        " ORDER BY workloads.submitted_at DESC, workloads.workload_id DESC"
        " LIMIT 50";
    AssertIndexed("workloads by orchestrator", listing + "WHERE orchestrator_id = " + id + newest,
                  true);
    AssertIndexed("workloads by status", listing + "WHERE status = 'paid'" + newest, true);
    AssertIndexed("workloads newest first", listing + newest, true);
    AssertIndexed("workloads by orchestrator and status",
                  "SELECT * FROM workloads WHERE orchestrator_id = " + id +
                      " AND status = 'paid' ORDER BY submitted_at DESC, workload_id DESC LIMIT 50");
    AssertIndexed("workloads by status",
                  "SELECT * FROM workloads WHERE status = 'paid'"
                  " ORDER BY submitted_at DESC, workload_id DESC LIMIT 50");
    AssertIndexed("workloads newest first",
                  "SELECT * FROM workloads ORDER BY submitted_at DESC, workload_id DESC LIMIT 50");
    AssertIndexed("workloads in a time range",
                  "SELECT * FROM workloads WHERE submitted_at >= UTC_TIMESTAMP() - INTERVAL 1 HOUR"
                  " AND submitted_at <= UTC_TIMESTAMP()"
                  " ORDER BY submitted_at DESC, workload_id DESC LIMIT 50");
    AssertIndexed("workload by id", "SELECT * FROM workloads WHERE workload_id = 'x' FOR UPDATE");
    AssertIndexed("summary over a range",
                  "SELECT orchestrator_id, COUNT(*), SUM(payout_amount_eth) FROM workloads"
                  " WHERE submitted_at >= UTC_TIMESTAMP() - INTERVAL 1 HOUR"
                  " GROUP BY orchestrator_id ORDER BY orchestrator_id");
    AssertIndexed("summary, all time",
                  "SELECT orchestrator_id, COUNT(*), SUM(payout_amount_eth) FROM workloads"
                  " GROUP BY orchestrator_id ORDER BY orchestrator_id");
    AssertIndexed("ledger events of one orchestrator",
                  "SELECT * FROM ledger_events WHERE orchestrator_id = " + id +
                      " ORDER BY id DESC LIMIT 200");
    AssertIndexed("ledger events, newest",
                  "SELECT * FROM ledger_events ORDER BY id DESC LIMIT 200");
    AssertIndexed("rate-limit window",
                  "SELECT COUNT(*) FROM rate_limit_hits WHERE bucket = 'ip:127.0.0.1'"
                  " AND hit_at > UTC_TIMESTAMP() - INTERVAL 60 SECOND");
    // The payment cycle (storage/cycle_repository.cc).
    const std::string payouts = "SELECT * FROM payouts ";
    const std::string payouts_newest = " ORDER BY payouts.id DESC LIMIT 100";
    AssertIndexed("payouts by orchestrator",
                  payouts + "WHERE orchestrator_id = " + id + payouts_newest, true);
    AssertIndexed("payouts by status", payouts + "WHERE status = 'failed'" + payouts_newest, true);
    AssertIndexed(
        "payouts by orchestrator and status",
        // A few rows of one orchestrator: an index merge and a small sort.
        payouts + "WHERE orchestrator_id = " + id + " AND status = 'failed'" + payouts_newest);
    AssertIndexed("payouts newest first", payouts + payouts_newest, true);
    AssertIndexed("payouts to carry on with",
                  payouts + "WHERE status = 'sent' ORDER BY payouts.id LIMIT 1000", true);
    AssertIndexed("open payout", "SELECT 1 FROM payouts WHERE open_orchestrator_id = " + id);
    AssertIndexed("evaluated in an interval",
                  "SELECT orchestrator_id FROM cycle_runs WHERE interval_start = '2026-01-01'");
    AssertIndexed("evaluation exists", "SELECT 1 FROM cycle_runs WHERE orchestrator_id = " + id +
                                           " AND interval_start = '2026-01-01'");
    AssertIndexed("prune history",
                  "SELECT * FROM cycle_runs WHERE interval_start < '2026-01-01 00:10:00'");
    AssertIndexed("recent health reports",
                  "SELECT * FROM health_reports WHERE health_reports.reported_at >= "
                  "UTC_TIMESTAMP(6) - INTERVAL 2 HOUR");
    AssertIndexed("expired cooldowns",
                  "SELECT orchestrator_id FROM orchestrators WHERE cooldown_expires_at <= "
                  "UTC_TIMESTAMP(6) ORDER BY orchestrator_id");
    AssertIndexed("idempotency key",
                  "SELECT * FROM idempotency_keys WHERE scope = 'admin' AND idempotency_key = 'k'");
  }

 private:
  std::string orch_;
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(PlansTest, "Plans");

}  // namespace payments::testing
