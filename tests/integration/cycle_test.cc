// Integration suite "Cycle": the payment cycle (docs/payment-cycle.md) as
// real processes on loopback. Each test starts its own `payments-fcgi cycle`
// processes (1-second intervals) against the database payments_cycle, which
// the test stack's "cycle" pool (PAYMENTS_TEST_CYCLE_*) serves over HTTPS;
// orchestrators' health comes from a FakeHealthServer and payouts go to a
// FakeEthRpc, both in this process on 127.0.0.1.
#include <cppunit/extensions/HelperMacros.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "domain/money.h"
#include "tests/integration/client.h"
#include "tests/integration/cycle_fakes.h"

namespace payments::testing {
namespace {

constexpr char kIncrement[] = "0.001";
constexpr char kFromAddress[] = "0x1111111111111111111111111111111111111111";

std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

struct CycleStack {
  std::string url;
  std::string admin_token;
  std::string db_name;
  std::string data_dir;
  std::string secrets_key;
  std::string binary;
  std::string run_dir;
  std::string db_socket;
};

const CycleStack& Stack() {
  static const CycleStack stack = [] {
    CycleStack s{
        EnvOrEmpty("PAYMENTS_TEST_CYCLE_URL"),     EnvOrEmpty("PAYMENTS_TEST_CYCLE_ADMIN_TOKEN"),
        EnvOrEmpty("PAYMENTS_TEST_CYCLE_DB_NAME"), EnvOrEmpty("PAYMENTS_TEST_CYCLE_DATA_DIR"),
        EnvOrEmpty("PAYMENTS_TEST_SECRETS_KEY"),   EnvOrEmpty("PAYMENTS_TEST_BINARY"),
        EnvOrEmpty("PAYMENTS_TEST_RUN_DIR"),       EnvOrEmpty("PAYMENTS_TEST_DB_SOCKET")};
    if (s.url.empty() || s.db_name.empty() || s.binary.empty() || s.secrets_key.empty()) {
      throw std::runtime_error("PAYMENTS_TEST_CYCLE_* unset: run through scripts/dev.sh test");
    }
    return s;
  }();
  return stack;
}

RequestOptions Admin() {
  RequestOptions options;
  options.base_url = Stack().url;
  options.headers.push_back("X-Admin-Token: " + Stack().admin_token);
  return options;
}

RequestOptions Anonymous() {
  RequestOptions options;
  options.base_url = Stack().url;
  return options;
}

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// One value from the cycle database; names in `sql` use the {db} prefix.
std::string Sql(const std::string& sql) {
  std::string text = sql;
  for (std::size_t at = text.find("{db}"); at != std::string::npos; at = text.find("{db}")) {
    text.replace(at, 4, Stack().db_name);
  }
  return Trimmed(QueryDatabase(text));
}

int SqlInt(const std::string& sql) { return std::stoi(Sql(sql)); }

std::string Quoted(const std::string& text) { return "'" + text + "'"; }

Money ParseMoney(const std::string& text) {
  Money m;
  if (!Money::Parse(text, &m, nullptr)) throw std::runtime_error("not an amount: " + text);
  return m;
}

Money Times(const char* amount, int n) {
  Money one = ParseMoney(amount);
  return Money::FromUnits(one.units() * n);
}

// Registers an orchestrator on the cycle pool; returns its id.
std::string RegisterOrchestrator(const std::string& prefix, const std::string& health_url,
                                 const std::string& address = UniqueAddress(),
                                 Json::Value extra = Json::Value(Json::objectValue)) {
  const std::string id = UniqueId(prefix);
  Json::Value body = extra;
  body["orchestrator_id"] = id;
  body["address"] = address;
  if (!health_url.empty()) body["health_url"] = health_url;
  RequestOptions options = Anonymous();
  options.source_ip = NextIp();
  const HttpResult r = PostJson("/api/orchestrators/register", body, options);
  if (r.status != 200) throw std::runtime_error("register failed: " + r.Describe());
  return id;
}

Json::Value Orchestrator(const std::string& id) {
  const HttpResult r = Get("/api/orchestrators/" + id, Admin());
  if (r.status != 200) throw std::runtime_error("GET orchestrator: " + r.Describe());
  return r.json;
}

Money Balance(const std::string& id) {
  return ParseMoney(Orchestrator(id)["balance_eth"].asString());
}

int CreditCount(const std::string& id) {
  return SqlInt("SELECT COUNT(*) FROM {db}.ledger_events WHERE orchestrator_id = " + Quoted(id) +
                " AND event = 'credit' AND reason = 'cycle'");
}

int OutcomeCount(const std::string& id, const std::string& outcome) {
  return SqlInt("SELECT COUNT(*) FROM {db}.cycle_runs WHERE orchestrator_id = " + Quoted(id) +
                " AND outcome = " + Quoted(outcome));
}

// Journal events `payout` of `id`: one per confirmed payout.
int PayoutEvents(const std::string& id) {
  return SqlInt("SELECT COUNT(*) FROM {db}.ledger_events WHERE orchestrator_id = " + Quoted(id) +
                " AND event = 'payout'");
}

Json::Value Payouts(const std::string& id) {
  const HttpResult r = Get("/api/payouts?orchestrator_id=" + id, Admin());
  if (r.status != 200) throw std::runtime_error("GET payouts: " + r.Describe());
  return r.json["payouts"];
}

// Whether `id` has exactly one payout, in `status`.
bool SinglePayoutIs(const std::string& id, const std::string& status) {
  const Json::Value payouts = Payouts(id);
  return payouts.size() == 1 && payouts[0]["status"].asString() == status;
}

// The JSONL lines of the cycle pool's registry audit log.
std::vector<Json::Value> RegistryAudit() {
  std::ifstream in(Stack().data_dir + "/audit/registry.log");
  std::vector<Json::Value> out;
  std::string line;
  Json::CharReaderBuilder builder;
  while (std::getline(in, line)) {
    Json::Value value;
    std::istringstream text(line);
    std::string errors;
    if (Json::parseFromStream(builder, text, &value, &errors)) out.push_back(value);
  }
  return out;
}

std::vector<Json::Value> AuditFor(const std::string& event, const std::string& id) {
  std::vector<Json::Value> out;
  for (const Json::Value& line : RegistryAudit()) {
    if (line["event"].asString() == event && line["orchestrator_id"].asString() == id) {
      out.push_back(line);
    }
  }
  return out;
}

using Env = std::map<std::string, std::string>;

// A cycle process with the suite's defaults: 1-second intervals, an
// increment of 0.001 ETH, a payout threshold no test reaches unless it
// lowers it, two misses to a 3-second cooldown, dry run.
std::unique_ptr<ChildProcess> StartCycle(const Env& overrides, const std::string& name,
                                         const std::vector<std::string>& args = {}) {
  const CycleStack& s = Stack();
  Env env = {
      {"PAYMENTS_DB_SOCKET", s.db_socket},
      {"PAYMENTS_DB_USER", "root"},
      {"PAYMENTS_DB_PASSWORD", ""},
      {"PAYMENTS_DB_NAME", s.db_name},
      {"PAYMENTS_DATA_DIR", s.data_dir},
      {"PAYMENTS_SECRETS_KEY", s.secrets_key},
      {"PAYMENTS_LOG_LEVEL", "info"},
      {"PAYMENT_INTERVAL_SECONDS", "1"},
      {"PAYMENT_INCREMENT_ETH", kIncrement},
      {"PAYMENT_PAYOUT_THRESHOLD_ETH", "1000"},
      {"PAYMENTS_MISS_THRESHOLD", "2"},
      {"PAYMENTS_COOLDOWN_SECONDS", "3"},
      {"PAYMENTS_DEFAULT_HEALTH_TIMEOUT", "0.5"},
      {"PAYMENT_DRY_RUN", "true"},
      {"ETH_RPC_URL", ""},
      {"PAYMENT_FROM_ADDRESS", ""},
      {"ETH_CHAIN_ID", ""},
      {"PAYMENTS_BOOTSTRAP_ORCHESTRATORS", ""},
      {"PAYMENTS_BOOTSTRAP_ORCHESTRATORS_PATH", ""},
      {"PAYMENTS_SINGLE_ORCHESTRATOR_MODE", ""},
      {"PAYMENTS_TOP_ORCHESTRATORS", ""},
      {"PAYMENTS_TOP_ORCHESTRATORS_PATH", ""},
  };
  for (const auto& [key, value] : overrides) env[key] = value;
  std::vector<std::string> argv = {s.binary, "cycle"};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<ChildProcess>(argv, env, s.run_dir + "/logs/cycle-" + name + ".log");
}

Env LiveEnv(const FakeEthRpc& rpc, const std::string& threshold) {
  return {{"PAYMENT_DRY_RUN", "false"},           {"ETH_RPC_URL", rpc.Url()},
          {"PAYMENT_FROM_ADDRESS", kFromAddress}, {"ETH_CHAIN_ID", "31337"},
          {"PAYMENTS_ETH_RPC_TIMEOUT", "2"},      {"PAYMENT_PAYOUT_THRESHOLD_ETH", threshold}};
}

void AssertEventually(const std::string& what, const std::function<bool()>& cond, double seconds,
                      ChildProcess* process = nullptr) {
  if (WaitFor(cond, seconds)) return;
  CPPUNIT_FAIL("timed out waiting for " + what +
               (process != nullptr ? "\ncycle log:\n" + process->LogTail() : std::string()));
}

// Every credit of `id` belongs to a distinct interval and matches a
// `credited` evaluation; the balance is exactly credits x increment.
void AssertOneCreditPerInterval(const std::string& id) {
  const int credits = CreditCount(id);
  const int intervals = SqlInt(
      "SELECT COUNT(DISTINCT JSON_VALUE(metadata, '$.interval_start')) FROM {db}.ledger_events "
      "WHERE orchestrator_id = " +
      Quoted(id) + " AND event = 'credit' AND reason = 'cycle'");
  CPPUNIT_ASSERT_EQUAL_MESSAGE(id + ": one credit per interval", credits, intervals);
  CPPUNIT_ASSERT_EQUAL_MESSAGE(id + ": a credited evaluation per credit", credits,
                               OutcomeCount(id, "credited"));
  CPPUNIT_ASSERT_EQUAL_MESSAGE(id + ": balance", Times(kIncrement, credits).ToString(),
                               Balance(id).ToString());
}

}  // namespace

class CycleTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(CycleTest);
  CPPUNIT_TEST(testHealthyOrchestratorsEarnOneCreditPerInterval);
  CPPUNIT_TEST(testUnusableHealthIsNeitherCreditNorMiss);
  CPPUNIT_TEST(testPartialAndNotEligibleAreNotCredited);
  CPPUNIT_TEST(testMissesLeadToCooldownAndBack);
  CPPUNIT_TEST(testTwoCycleProcessesNeverDoubleCredit);
  CPPUNIT_TEST(testRestartMidIntervalDoesNotCreditAgain);
  CPPUNIT_TEST(testPushedHealthReports);
  CPPUNIT_TEST(testAdminCooldownRoutes);
  CPPUNIT_TEST(testPayoutListValidation);
  CPPUNIT_TEST(testDryRunRecordsSimulatedPayoutsOnly);
  CPPUNIT_TEST(testLivePayoutDebitsOnceOnConfirmation);
  CPPUNIT_TEST(testRejectedAndRevertedPayoutsDoNotDebit);
  CPPUNIT_TEST(testSendTimeoutIsUnknownAndNeverResent);
  CPPUNIT_TEST(testKill9BetweenSendAndConfirmPaysOnce);
  CPPUNIT_TEST(testKill9DuringSendDoesNotResend);
  CPPUNIT_TEST(testBootstrapAndSingleOrchestratorMode);
  CPPUNIT_TEST(testBadConfigurationExitsWithStatus2);
  CPPUNIT_TEST_SUITE_END();

 public:
  // Leftovers of earlier tests must not be evaluated or paid by this
  // test's cycle processes: no health source, no balance, no open payout.
  void setUp() override {
    Sql("UPDATE {db}.orchestrators SET health_url = NULL; DELETE FROM {db}.health_reports; "
        "UPDATE {db}.balances SET balance_eth = 0; "
        "UPDATE {db}.payouts SET open_orchestrator_id = NULL, status = 'failed' "
        "WHERE open_orchestrator_id IS NOT NULL");
  }

  void testHealthyOrchestratorsEarnOneCreditPerInterval() {
    FakeHealthServer health;
    const std::string a = RegisterOrchestrator("cyc-up", health.UrlFor("a"));
    const std::string b = RegisterOrchestrator("cyc-up3", health.UrlFor("b"));
    health.SetServices("b", 3);
    auto cycle = StartCycle({}, "credits");
    AssertEventually(
        "three credits each", [&] { return CreditCount(a) >= 3 && CreditCount(b) >= 3; }, 20,
        cycle.get());
    CPPUNIT_ASSERT_EQUAL(0, cycle->Terminate());

    AssertOneCreditPerInterval(a);
    AssertOneCreditPerInterval(b);
    const Json::Value record = Orchestrator(a);
    CPPUNIT_ASSERT(!record["last_healthy_at"].isNull());
    CPPUNIT_ASSERT(record["last_missed_all_services"].isNull());

    // The journal: event credit, reason cycle, the service counts.
    const HttpResult events = Get("/api/ledger/events?orchestrator_id=" + b, Admin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(events.Describe(), 200L, events.status);
    CPPUNIT_ASSERT(events.json["events"].size() >= 3);
    for (const Json::Value& e : events.json["events"]) {
      CPPUNIT_ASSERT_EQUAL(std::string("credit"), e["event"].asString());
      CPPUNIT_ASSERT_EQUAL(std::string("cycle"), e["reason"].asString());
      CPPUNIT_ASSERT_EQUAL(std::string(kIncrement), e["amount"].asString());
      CPPUNIT_ASSERT_EQUAL(3, e["metadata"]["services_up"].asInt());
      CPPUNIT_ASSERT_EQUAL(3, e["metadata"]["total_services"].asInt());
      CPPUNIT_ASSERT_EQUAL(std::string("url"), e["metadata"]["source"].asString());
    }
    // Mirrored to the JSONL journal with each event's id.
    std::ifstream journal(Stack().data_dir + "/audit/ledger-events.log");
    std::string line;
    int mirrored = 0;
    while (std::getline(journal, line)) {
      if (line.find("\"orchestrator_id\":\"" + b + "\"") != std::string::npos) ++mirrored;
    }
    CPPUNIT_ASSERT_EQUAL(CreditCount(b), mirrored);
  }

  void testUnusableHealthIsNeitherCreditNorMiss() {
    FakeHealthServer health;
    health.SetSlowSeconds(3);
    const std::string garbage = RegisterOrchestrator("cyc-garbage", health.UrlFor("g"));
    health.SetMode("g", FakeHealthServer::Mode::kGarbage);
    const std::string error = RegisterOrchestrator("cyc-500", health.UrlFor("e"));
    health.SetMode("e", FakeHealthServer::Mode::kHttp500);
    const std::string slow = RegisterOrchestrator("cyc-slow", health.UrlFor("s"));
    health.SetMode("s", FakeHealthServer::Mode::kSlow);
    // A loopback port nothing listens on.
    const std::string closed = RegisterOrchestrator("cyc-closed", "http://127.0.0.1:9/health");
    const std::string none = RegisterOrchestrator("cyc-none", "");
    auto cycle = StartCycle({}, "unusable");
    AssertEventually(
        "three evaluations of each",
        [&] {
          for (const std::string& id : {garbage, error, slow, closed, none}) {
            if (OutcomeCount(id, "unknown") < 3) return false;
          }
          return true;
        },
        30, cycle.get());
    CPPUNIT_ASSERT_EQUAL(0, cycle->Terminate());
    for (const std::string& id : {garbage, error, slow, closed, none}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(id, std::string("0"), Balance(id).ToString());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(id, 0,
                                   SqlInt("SELECT COUNT(*) FROM {db}.cycle_runs WHERE "
                                          "orchestrator_id = " +
                                          Quoted(id) + " AND outcome <> 'unknown'"));
      const Json::Value record = Orchestrator(id);
      CPPUNIT_ASSERT_MESSAGE(id, record["last_missed_all_services"].isNull());
      CPPUNIT_ASSERT_MESSAGE(id, record["cooldown_expires_at"].isNull());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(id, 0,
                                   SqlInt("SELECT consecutive_misses FROM {db}.orchestrators "
                                          "WHERE orchestrator_id = " +
                                          Quoted(id)));
    }
    // Each reason is recorded and logged.
    CPPUNIT_ASSERT(Sql("SELECT detail FROM {db}.cycle_runs WHERE orchestrator_id = " +
                       Quoted(garbage) + " LIMIT 1")
                       .find("malformed") != std::string::npos);
    CPPUNIT_ASSERT(Sql("SELECT detail FROM {db}.cycle_runs WHERE orchestrator_id = " +
                       Quoted(error) + " LIMIT 1")
                       .find("HTTP 500") != std::string::npos);
    CPPUNIT_ASSERT(Sql("SELECT detail FROM {db}.cycle_runs WHERE orchestrator_id = " +
                       Quoted(slow) + " LIMIT 1")
                       .find("timed out") != std::string::npos);
    CPPUNIT_ASSERT(Sql("SELECT detail FROM {db}.cycle_runs WHERE orchestrator_id = " +
                       Quoted(none) + " LIMIT 1")
                       .find("no health_url") != std::string::npos);
    CPPUNIT_ASSERT(cycle->LogTail(200000).find(garbage + ": neither credit nor miss") !=
                   std::string::npos);
  }

  void testPartialAndNotEligibleAreNotCredited() {
    FakeHealthServer health;
    const std::string partial = RegisterOrchestrator("cyc-partial", health.UrlFor("p"));
    health.SetMode("p", FakeHealthServer::Mode::kPartial);
    const std::string ineligible = RegisterOrchestrator("cyc-inelig", health.UrlFor("n"));
    health.SetMode("n", FakeHealthServer::Mode::kNotEligible);
    // Monitored services: only svc0 is watched, and it is up in partial mode.
    Json::Value extra(Json::objectValue);
    extra["monitored_services"].append("svc0");
    const std::string watched =
        RegisterOrchestrator("cyc-watched", health.UrlFor("w"), UniqueAddress(), extra);
    health.SetMode("w", FakeHealthServer::Mode::kPartial);
    auto cycle = StartCycle({}, "partial");
    AssertEventually(
        "three evaluations each",
        [&] {
          return OutcomeCount(partial, "partial") >= 3 &&
                 OutcomeCount(ineligible, "healthy") >= 3 && CreditCount(watched) >= 3;
        },
        20, cycle.get());
    CPPUNIT_ASSERT_EQUAL(0, cycle->Terminate());
    CPPUNIT_ASSERT_EQUAL(std::string("0"), Balance(partial).ToString());
    CPPUNIT_ASSERT_EQUAL(std::string("0"), Balance(ineligible).ToString());
    CPPUNIT_ASSERT(Orchestrator(partial)["last_healthy_at"].isNull());
    CPPUNIT_ASSERT(Orchestrator(partial)["last_missed_all_services"].isNull());
    CPPUNIT_ASSERT(!Orchestrator(ineligible)["last_healthy_at"].isNull());
    CPPUNIT_ASSERT(Sql("SELECT detail FROM {db}.cycle_runs WHERE orchestrator_id = " +
                       Quoted(ineligible) + " LIMIT 1")
                       .find("not eligible") != std::string::npos);
    AssertOneCreditPerInterval(watched);
    CPPUNIT_ASSERT_EQUAL(1, SqlInt("SELECT total_services FROM {db}.cycle_runs WHERE "
                                   "orchestrator_id = " +
                                   Quoted(watched) + " LIMIT 1"));
  }

  void testMissesLeadToCooldownAndBack() {
    FakeHealthServer health;
    const std::string id = RegisterOrchestrator("cyc-down", health.UrlFor("d"));
    health.SetMode("d", FakeHealthServer::Mode::kDown);
    auto cycle = StartCycle({}, "cooldown");
    AssertEventually(
        "a cooldown", [&] { return Orchestrator(id)["cooldown_active"].asBool(); }, 15,
        cycle.get());
    Json::Value record = Orchestrator(id);
    CPPUNIT_ASSERT(!record["last_missed_all_services"].isNull());
    CPPUNIT_ASSERT(!record["last_cooldown_started_at"].isNull());
    CPPUNIT_ASSERT(!record["eligible_for_payments"].asBool());
    CPPUNIT_ASSERT_EQUAL(2, OutcomeCount(id, "missed"));  // PAYMENTS_MISS_THRESHOLD=2
    const std::vector<Json::Value> started = AuditFor("cooldown_started", id);
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, started.size());
    CPPUNIT_ASSERT_EQUAL(std::string("cycle"), started[0]["actor"].asString());

    // Healthy again during the cooldown: last_healthy_at moves, no credit.
    health.SetMode("d", FakeHealthServer::Mode::kUp);
    AssertEventually(
        "the cooldown to clear by expiry",
        [&] { return !AuditFor("cooldown_cleared", id).empty(); }, 15, cycle.get());
    const Json::Value cleared = AuditFor("cooldown_cleared", id)[0];
    CPPUNIT_ASSERT_EQUAL(std::string("cycle"), cleared["actor"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("expired"), cleared["reason"].asString());
    CPPUNIT_ASSERT(OutcomeCount(id, "healthy") >= 1);  // up, but in cooldown
    AssertEventually(
        "credits after the cooldown", [&] { return CreditCount(id) >= 2; }, 15, cycle.get());
    CPPUNIT_ASSERT_EQUAL(0, cycle->Terminate());
    record = Orchestrator(id);
    CPPUNIT_ASSERT(record["cooldown_expires_at"].isNull());
    CPPUNIT_ASSERT(!record["last_cooldown_cleared_at"].isNull());
    CPPUNIT_ASSERT(record["eligible_for_payments"].asBool());
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, AuditFor("cooldown_started", id).size());
    AssertOneCreditPerInterval(id);
  }

  void testTwoCycleProcessesNeverDoubleCredit() {
    FakeHealthServer health;
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i) {
      ids.push_back(RegisterOrchestrator("cyc-pair", health.UrlFor("p" + std::to_string(i))));
    }
    auto first = StartCycle({}, "pair-1");
    auto second = StartCycle({}, "pair-2");
    AssertEventually(
        "five credits each",
        [&] {
          for (const std::string& id : ids) {
            if (CreditCount(id) < 5) return false;
          }
          return true;
        },
        30, first.get());
    CPPUNIT_ASSERT_EQUAL(0, first->Terminate());
    CPPUNIT_ASSERT_EQUAL(0, second->Terminate());
    for (const std::string& id : ids) AssertOneCreditPerInterval(id);
    // The two really overlapped: at least one of them found orchestrators
    // the other had already evaluated in the same interval.
    const std::regex skipped("[1-9][0-9]* already done");
    CPPUNIT_ASSERT(std::regex_search(first->LogTail(200000), skipped) ||
                   std::regex_search(second->LogTail(200000), skipped));
  }

  void testRestartMidIntervalDoesNotCreditAgain() {
    // Day-long intervals: every restart lands in the same interval (unless
    // the test straddles midnight UTC, when there may be two).
    FakeHealthServer health;
    const std::string id = RegisterOrchestrator("cyc-restart", health.UrlFor("r"));
    for (int i = 0; i < 3; ++i) {
      auto once = StartCycle({{"PAYMENT_INTERVAL_SECONDS", "86400"}}, "restart", {"--once"});
      AssertEventually(
          "the --once run to finish", [&] { return !once->Running(); }, 20, once.get());
    }
    auto killed = StartCycle({{"PAYMENT_INTERVAL_SECONDS", "86400"}}, "restart-9");
    AssertEventually(
        "the evaluation", [&] { return OutcomeCount(id, "credited") == 1; }, 10, killed.get());
    killed->Kill9();
    auto again = StartCycle({{"PAYMENT_INTERVAL_SECONDS", "86400"}}, "restart", {"--once"});
    AssertEventually(
        "the --once run to finish", [&] { return !again->Running(); }, 20, again.get());
    const int intervals =
        SqlInt("SELECT COUNT(*) FROM {db}.cycle_runs WHERE orchestrator_id = " + Quoted(id));
    CPPUNIT_ASSERT(intervals == 1 || intervals == 2);
    CPPUNIT_ASSERT_EQUAL(intervals, CreditCount(id));
    AssertOneCreditPerInterval(id);
  }

  void testPushedHealthReports() {
    const std::string id = RegisterOrchestrator("cyc-push", "");
    const std::string other = RegisterOrchestrator("cyc-push-other", "");
    HttpResult minted = Send("POST", "/api/licenses/orchestrators/" + id + "/tokens", "", Admin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(minted.Describe(), 200L, minted.status);
    const std::string token = minted.json["token"].asString();
    RequestOptions as_orchestrator = Anonymous();
    as_orchestrator.headers.push_back("Authorization: Bearer " + token);

    Json::Value report(Json::objectValue);
    report["summary"]["services_up"] = 2;
    report["summary"]["total_services"] = 2;
    report["summary"]["eligible_for_payment"] = true;
    report["summary"]["status_message"] = "fine";
    report["services"]["a"]["status"] = "up";
    report["services"]["b"]["status"] = "up";

    // Authentication and validation.
    CPPUNIT_ASSERT_EQUAL(
        401L, PostJson("/api/orchestrators/" + id + "/health", report, Anonymous()).status);
    const HttpResult wrong =
        PostJson("/api/orchestrators/" + other + "/health", report, as_orchestrator);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(wrong.Describe(), 403L, wrong.status);
    Json::Value bad = report;
    bad["summary"]["services_up"] = 3;  // more up than there are
    CPPUNIT_ASSERT_EQUAL(
        422L, PostJson("/api/orchestrators/" + id + "/health", bad, as_orchestrator).status);
    bad = report;
    bad["summary"]["total_services"] = "2";
    CPPUNIT_ASSERT_EQUAL(
        422L, PostJson("/api/orchestrators/" + id + "/health", bad, as_orchestrator).status);
    CPPUNIT_ASSERT_EQUAL(
        422L, Send("POST", "/api/orchestrators/" + id + "/health", "{\"summary\":", as_orchestrator)
                  .status);

    bad = report;
    for (int i = 0; i < 3000; ++i) bad["services"]["service-" + std::to_string(i)]["status"] = "up";
    CPPUNIT_ASSERT_EQUAL(
        422L,  // over 64 KiB
        PostJson("/api/orchestrators/" + id + "/health", bad, as_orchestrator).status);

    const HttpResult accepted =
        PostJson("/api/orchestrators/" + id + "/health", report, as_orchestrator);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(accepted.Describe(), 200L, accepted.status);
    CPPUNIT_ASSERT_EQUAL(2, accepted.json["services_up"].asInt());
    CPPUNIT_ASSERT(!accepted.json["received_at"].asString().empty());

    // Keep pushing for a while: each interval is credited from the push.
    auto cycle = StartCycle({}, "push");
    AssertEventually(
        "three credits from pushed reports",
        [&] {
          PostJson("/api/orchestrators/" + id + "/health", report, as_orchestrator);
          return CreditCount(id) >= 3;
        },
        20, cycle.get());
    CPPUNIT_ASSERT_EQUAL(std::string("push"),
                         Sql("SELECT JSON_VALUE(metadata, '$.source') FROM {db}.ledger_events "
                             "WHERE orchestrator_id = " +
                             Quoted(id) + " LIMIT 1"));
    // A pushed all-down report counts as a miss like a fetched one.
    report["summary"]["services_up"] = 0;
    report["services"]["a"]["status"] = "down";
    report["services"]["b"]["status"] = "down";
    AssertEventually(
        "a miss from a pushed report",
        [&] {
          PostJson("/api/orchestrators/" + id + "/health", report, as_orchestrator);
          return OutcomeCount(id, "missed") >= 1;
        },
        15, cycle.get());
    // Stop pushing: after two intervals the report is too old to use.
    const int unknown_before = OutcomeCount(id, "unknown");
    AssertEventually(
        "the stale report to be ignored",
        [&] { return OutcomeCount(id, "unknown") > unknown_before; }, 15, cycle.get());
    CPPUNIT_ASSERT_EQUAL(0, cycle->Terminate());
    AssertOneCreditPerInterval(id);
  }

  void testAdminCooldownRoutes() {
    const std::string id = RegisterOrchestrator("cyc-admin", "");
    const std::string path = "/api/orchestrators/" + id + "/cooldown";
    CPPUNIT_ASSERT_EQUAL(401L, Send("POST", path, "{\"seconds\":60}", Anonymous()).status);
    CPPUNIT_ASSERT_EQUAL(401L, Send("DELETE", path, "", Anonymous()).status);
    CPPUNIT_ASSERT_EQUAL(404L,
                         Send("POST", "/api/orchestrators/nobody-" + UniqueId("x") + "/cooldown",
                              "{\"seconds\":60}", Admin())
                             .status);
    for (const char* body : {"{\"seconds\":0}", "{\"seconds\":1.5}", "{\"seconds\":\"60\"}",
                             "{\"seconds\":99999999999}", "[1]", "{\"seconds\":60,\"x\":1"}) {
      const HttpResult r = Send("POST", path, body, Admin());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(body) + " -> " + r.Describe(), 422L, r.status);
    }
    CPPUNIT_ASSERT(AuditFor("cooldown_started", id).empty());

    HttpResult r = Send("POST", path, "{\"seconds\":120}", Admin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT(r.json["cooldown_active"].asBool());
    CPPUNIT_ASSERT(!r.json["eligible_for_payments"].asBool());
    CPPUNIT_ASSERT(!r.json["last_cooldown_started_at"].isNull());
    std::vector<Json::Value> started = AuditFor("cooldown_started", id);
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, started.size());
    CPPUNIT_ASSERT_EQUAL(std::string("admin"), started[0]["actor"].asString());
    CPPUNIT_ASSERT_EQUAL(120, started[0]["seconds"].asInt());

    // Registering during a cooldown says so (API.md).
    Json::Value again(Json::objectValue);
    again["orchestrator_id"] = id;
    again["address"] = Orchestrator(id)["address"];
    RequestOptions options = Anonymous();
    options.source_ip = NextIp();
    const HttpResult refreshed = PostJson("/api/orchestrators/register", again, options);
    CPPUNIT_ASSERT_EQUAL(std::string("Registration refreshed (cooldown active)"),
                         refreshed.json["message"].asString());

    r = Send("DELETE", path, "", Admin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT(!r.json["cooldown_active"].asBool());
    CPPUNIT_ASSERT(r.json["cooldown_expires_at"].isNull());
    CPPUNIT_ASSERT(!r.json["last_cooldown_cleared_at"].isNull());
    CPPUNIT_ASSERT(r.json["eligible_for_payments"].asBool());
    std::vector<Json::Value> cleared = AuditFor("cooldown_cleared", id);
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, cleared.size());
    CPPUNIT_ASSERT_EQUAL(std::string("admin"), cleared[0]["actor"].asString());
    // Clearing again: 200, nothing to clear, nothing audited.
    r = Send("DELETE", path, "", Admin());
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, AuditFor("cooldown_cleared", id).size());
    // An empty body means PAYMENTS_COOLDOWN_SECONDS (3600 on this pool).
    r = Send("POST", path, "", Admin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT(r.json["cooldown_active"].asBool());

    // An admin cooldown stops credits while the cycle runs.
    FakeHealthServer health;
    const std::string up = RegisterOrchestrator("cyc-admin-up", health.UrlFor("u"));
    CPPUNIT_ASSERT_EQUAL(
        200L, Send("POST", "/api/orchestrators/" + up + "/cooldown", "{\"seconds\":600}", Admin())
                  .status);
    auto cycle = StartCycle({}, "admin-cooldown");
    AssertEventually(
        "two evaluations", [&] { return OutcomeCount(up, "healthy") >= 2; }, 15, cycle.get());
    CPPUNIT_ASSERT_EQUAL(0, CreditCount(up));
    CPPUNIT_ASSERT_EQUAL(
        200L, Send("DELETE", "/api/orchestrators/" + up + "/cooldown", "", Admin()).status);
    AssertEventually(
        "a credit after clearing", [&] { return CreditCount(up) >= 1; }, 15, cycle.get());
    CPPUNIT_ASSERT_EQUAL(0, cycle->Terminate());
  }

  void testPayoutListValidation() {
    CPPUNIT_ASSERT_EQUAL(401L, Get("/api/payouts", Anonymous()).status);
    CPPUNIT_ASSERT_EQUAL(400L, Get("/api/payouts?status=bogus", Admin()).status);
    CPPUNIT_ASSERT_EQUAL(422L, Get("/api/payouts?limit=0", Admin()).status);
    CPPUNIT_ASSERT_EQUAL(422L, Get("/api/payouts?limit=1001", Admin()).status);
    const HttpResult r = Get("/api/payouts?status=confirmed&limit=5", Admin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT(r.json["payouts"].isArray());
    CPPUNIT_ASSERT(r.json["payouts"].size() <= 5);
    for (const Json::Value& p : r.json["payouts"]) {
      CPPUNIT_ASSERT_EQUAL(std::string("confirmed"), p["status"].asString());
    }
  }

  void testDryRunRecordsSimulatedPayoutsOnly() {
    FakeHealthServer health;
    const std::string id = RegisterOrchestrator("cyc-dry", health.UrlFor("d"));
    auto cycle = StartCycle({{"PAYMENT_PAYOUT_THRESHOLD_ETH", "0.002"}}, "dry-run");
    AssertEventually(
        "two simulated payouts", [&] { return Payouts(id).size() >= 2; }, 20, cycle.get());
    CPPUNIT_ASSERT_EQUAL(0, cycle->Terminate());
    const Json::Value payouts = Payouts(id);
    std::set<std::string> intervals;
    for (const Json::Value& p : payouts) {
      CPPUNIT_ASSERT_EQUAL(std::string("simulated"), p["status"].asString());
      CPPUNIT_ASSERT_EQUAL(std::string("dry_run"), p["mode"].asString());
      CPPUNIT_ASSERT(!p["finished_at"].isNull());
      CPPUNIT_ASSERT(p["tx_hash"].isNull());
      CPPUNIT_ASSERT(ParseMoney(p["amount_eth"].asString()) >= ParseMoney("0.002"));
      intervals.insert(p["interval_start"].asString());
    }
    CPPUNIT_ASSERT_EQUAL(payouts.size(), static_cast<Json::ArrayIndex>(intervals.size()));
    // Simulated like live payouts: each covers what the earlier ones did not,
    // so together they never exceed what was earned.
    Money simulated;
    for (const Json::Value& p : payouts) {
      CPPUNIT_ASSERT(simulated.CheckedAdd(ParseMoney(p["amount_eth"].asString()), &simulated));
    }
    CPPUNIT_ASSERT(simulated <= Balance(id));
    CPPUNIT_ASSERT(ParseMoney(payouts[payouts.size() - 1]["amount_eth"].asString()) <
                   ParseMoney("0.004"));  // the first one: about the threshold, not the balance
    // The balance is left alone: credits only.
    CPPUNIT_ASSERT_EQUAL(0, PayoutEvents(id));
    AssertOneCreditPerInterval(id);
  }

  void testLivePayoutDebitsOnceOnConfirmation() {
    FakeHealthServer health;
    FakeEthRpc rpc;
    const std::string address = UniqueAddress();
    const std::string id = RegisterOrchestrator("cyc-live", health.UrlFor("l"), address);
    auto cycle = StartCycle(LiveEnv(rpc, "0.003"), "live");
    AssertEventually(
        "a sent payout", [&] { return SinglePayoutIs(id, "sent"); }, 20, cycle.get());
    // No more credits from here on, so the balance only moves by the payout.
    health.SetMode("l", FakeHealthServer::Mode::kPartial);
    Json::Value payout = Payouts(id)[0];
    const Money amount = ParseMoney(payout["amount_eth"].asString());
    CPPUNIT_ASSERT(amount >= ParseMoney("0.003"));
    CPPUNIT_ASSERT_EQUAL(std::string("live"), payout["mode"].asString());
    CPPUNIT_ASSERT_EQUAL(31337, payout["chain_id"].asInt());
    const std::vector<FakeEthRpc::Sent> sends = rpc.SendsTo(address);
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, sends.size());
    CPPUNIT_ASSERT_EQUAL(payout["tx_hash"].asString(), sends[0].tx_hash);
    CPPUNIT_ASSERT_EQUAL(std::string(kFromAddress), sends[0].from);
    CPPUNIT_ASSERT_EQUAL(std::string("0x7a69"), sends[0].chain_id);  // 31337
    // The value is the amount in wei: 0.003 ETH = 3e15 wei = 0xaa87bee538000.
    std::ostringstream wei;
    wei << std::hex << static_cast<unsigned long long>(amount.units());
    CPPUNIT_ASSERT_EQUAL("0x" + wei.str(), sends[0].value);

    // Not mined yet: nothing is debited.
    WaitFor([&] { return rpc.ReceiptQueries() >= 2; }, 10);
    const Money before = Balance(id);
    CPPUNIT_ASSERT(before >= amount);
    rpc.SetReceiptMode(FakeEthRpc::ReceiptMode::kSuccess);
    AssertEventually(
        "confirmation", [&] { return Payouts(id)[0]["status"].asString() == "confirmed"; }, 15,
        cycle.get());
    std::this_thread::sleep_for(std::chrono::seconds(3));  // more intervals pass
    CPPUNIT_ASSERT_EQUAL(0, cycle->Terminate());

    payout = Payouts(id)[0];
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rpc.SendsTo(address).size());
    CPPUNIT_ASSERT_EQUAL(1u, Payouts(id).size());
    CPPUNIT_ASSERT(!payout["ledger_event_id"].isNull());
    CPPUNIT_ASSERT_EQUAL(1, PayoutEvents(id));
    CPPUNIT_ASSERT_EQUAL(amount.ToString(),
                         ParseMoney(Sql("SELECT CAST(amount AS CHAR) FROM {db}.ledger_events "
                                        "WHERE orchestrator_id = " +
                                        Quoted(id) + " AND event = 'payout'"))
                             .ToString());
    // Exactly the paid amount left the balance; credits earned meanwhile stay.
    Money expected;
    CPPUNIT_ASSERT(Times(kIncrement, CreditCount(id)).CheckedSub(amount, &expected));
    CPPUNIT_ASSERT_EQUAL(expected.ToString(), Balance(id).ToString());
  }

  void testRejectedAndRevertedPayoutsDoNotDebit() {
    FakeHealthServer health;
    FakeEthRpc rpc;
    rpc.SetSendMode(FakeEthRpc::SendMode::kReject);
    const std::string address = UniqueAddress();
    const std::string id = RegisterOrchestrator("cyc-reject", health.UrlFor("r"), address);
    auto cycle = StartCycle(LiveEnv(rpc, "0.002"), "reject");
    AssertEventually(
        "a failed payout",
        [&] {
          const Json::Value p = Payouts(id);
          return p.size() >= 1 && p[p.size() - 1]["status"].asString() == "failed";
        },
        20, cycle.get());
    const Json::Value refused = Payouts(id)[Payouts(id).size() - 1];
    CPPUNIT_ASSERT(refused["error"].asString().find("insufficient funds") != std::string::npos);
    CPPUNIT_ASSERT(refused["tx_hash"].isNull());

    // Now accepted but reverted on chain.
    rpc.SetSendMode(FakeEthRpc::SendMode::kAccept);
    rpc.SetReceiptMode(FakeEthRpc::ReceiptMode::kReverted);
    AssertEventually(
        "a reverted payout",
        [&] {
          for (const Json::Value& p : Payouts(id)) {
            if (p["status"].asString() == "failed" && !p["tx_hash"].isNull()) return true;
          }
          return false;
        },
        20, cycle.get());
    CPPUNIT_ASSERT_EQUAL(0, cycle->Terminate());
    CPPUNIT_ASSERT_EQUAL(0, PayoutEvents(id));
    AssertOneCreditPerInterval(id);
  }

  void testSendTimeoutIsUnknownAndNeverResent() {
    FakeHealthServer health;
    FakeEthRpc rpc;
    rpc.SetSendMode(FakeEthRpc::SendMode::kTimeout);
    rpc.SetHoldSeconds(5);
    const std::string address = UniqueAddress();
    const std::string id = RegisterOrchestrator("cyc-timeout", health.UrlFor("t"), address);
    const std::string other_address = UniqueAddress();
    const std::string other =
        RegisterOrchestrator("cyc-timeout-2", health.UrlFor("t2"), other_address);
    auto cycle = StartCycle(LiveEnv(rpc, "0.002"), "timeout");
    AssertEventually(
        "two unknown payouts",
        [&] { return SinglePayoutIs(id, "unknown") && SinglePayoutIs(other, "unknown"); }, 30,
        cycle.get());
    CPPUNIT_ASSERT(Payouts(id)[0]["error"].asString().find("/api/payouts/{id}/resolve") !=
                   std::string::npos);
    rpc.SetSendMode(FakeEthRpc::SendMode::kAccept);
    std::this_thread::sleep_for(std::chrono::seconds(4));  // more intervals pass
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rpc.SendsTo(address).size());
    CPPUNIT_ASSERT(SinglePayoutIs(id, "unknown"));
    CPPUNIT_ASSERT_EQUAL(0, PayoutEvents(id));

    // An admin resolves them after checking the chain.
    const std::string payout_id = Payouts(id)[0]["id"].asString();
    const std::string path = "/api/payouts/" + payout_id + "/resolve";
    const std::string hash = "0x" + std::string(64, 'a');
    CPPUNIT_ASSERT_EQUAL(401L, Send("POST", path, "{\"outcome\":\"failed\"}", Anonymous()).status);
    CPPUNIT_ASSERT_EQUAL(
        404L,
        Send("POST", "/api/payouts/999999999/resolve", "{\"outcome\":\"failed\"}", Admin()).status);
    CPPUNIT_ASSERT_EQUAL(
        404L, Send("POST", "/api/payouts/x1/resolve", "{\"outcome\":\"failed\"}", Admin()).status);
    for (const std::string& body : {std::string("{}"), std::string("{\"outcome\":\"maybe\"}"),
                                    std::string("{\"outcome\":\"sent\"}"),
                                    std::string("{\"outcome\":\"sent\",\"tx_hash\":\"0x12\"}")}) {
      const HttpResult r = Send("POST", path, body, Admin());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(body + " -> " + r.Describe(), 422L, r.status);
    }
    HttpResult r = Send(
        "POST", path,
        "{\"outcome\":\"sent\",\"tx_hash\":\"" + hash + "\",\"note\":\"found on the explorer\"}",
        Admin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("sent"), r.json["status"].asString());
    CPPUNIT_ASSERT_EQUAL(hash, r.json["tx_hash"].asString());
    r = Send("POST", path, "{\"outcome\":\"failed\"}", Admin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 409L, r.status);
    const std::string other_path =
        "/api/payouts/" + Payouts(other)[0]["id"].asString() + "/resolve";
    r = Send("POST", other_path, "{\"outcome\":\"failed\"}", Admin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("failed"), r.json["status"].asString());
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, AuditFor("payout_resolved", id).size());

    // The resolved-as-sent payout is confirmed and debited once (never
    // sent again); the other orchestrator's slot is free again. Credits
    // earned meanwhile may bring further payouts, each sent once.
    health.SetMode("t", FakeHealthServer::Mode::kPartial);  // no further credits
    rpc.SetReceiptMode(FakeEthRpc::ReceiptMode::kSuccess);
    const auto status_of = [&](const std::string& wanted_id) {
      for (const Json::Value& p : Payouts(id)) {
        if (p["id"].asString() == wanted_id) return p["status"].asString();
      }
      return std::string();
    };
    AssertEventually(
        "the resolved payout to confirm", [&] { return status_of(payout_id) == "confirmed"; }, 15,
        cycle.get());
    AssertEventually(
        "a new payout to the other", [&] { return rpc.SendsTo(other_address).size() == 2; }, 15,
        cycle.get());
    CPPUNIT_ASSERT_EQUAL(0, cycle->Terminate());
    CPPUNIT_ASSERT_EQUAL(1, SqlInt("SELECT COUNT(*) FROM {db}.ledger_events WHERE event = "
                                   "'payout' AND JSON_VALUE(metadata, '$.payout_id') = " +
                                   payout_id));
    const Json::Value all = Payouts(id);
    // The resolved payout's one (timed-out) send, plus one per later payout.
    CPPUNIT_ASSERT_EQUAL(static_cast<std::size_t>(all.size()), rpc.SendsTo(address).size());
    Money balance = Times(kIncrement, CreditCount(id));
    int confirmed = 0;
    for (const Json::Value& p : all) {
      if (p["status"].asString() != "confirmed") continue;
      ++confirmed;
      CPPUNIT_ASSERT(balance.CheckedSub(ParseMoney(p["amount_eth"].asString()), &balance));
    }
    CPPUNIT_ASSERT_EQUAL(confirmed, PayoutEvents(id));
    CPPUNIT_ASSERT_EQUAL(balance.ToString(), Balance(id).ToString());
  }

  void testKill9BetweenSendAndConfirmPaysOnce() {
    FakeHealthServer health;
    FakeEthRpc rpc;
    const std::string address = UniqueAddress();
    const std::string id = RegisterOrchestrator("cyc-kill", health.UrlFor("k"), address);
    auto cycle = StartCycle(LiveEnv(rpc, "0.002"), "kill-sent");
    AssertEventually(
        "a sent payout", [&] { return SinglePayoutIs(id, "sent"); }, 20, cycle.get());
    health.SetMode("k", FakeHealthServer::Mode::kDown);  // no further credits
    cycle->Kill9();
    const Money amount = ParseMoney(Payouts(id)[0]["amount_eth"].asString());
    rpc.SetReceiptMode(FakeEthRpc::ReceiptMode::kSuccess);

    auto restarted = StartCycle(LiveEnv(rpc, "0.002"), "kill-sent-2");
    AssertEventually(
        "confirmation after restart",
        [&] { return Payouts(id)[0]["status"].asString() == "confirmed"; }, 15, restarted.get());
    std::this_thread::sleep_for(std::chrono::seconds(2));
    CPPUNIT_ASSERT_EQUAL(0, restarted->Terminate());
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rpc.SendsTo(address).size());
    CPPUNIT_ASSERT_EQUAL(1, PayoutEvents(id));
    Money expected;
    CPPUNIT_ASSERT(Times(kIncrement, CreditCount(id)).CheckedSub(amount, &expected));
    CPPUNIT_ASSERT_EQUAL(expected.ToString(), Balance(id).ToString());
  }

  void testKill9DuringSendDoesNotResend() {
    FakeHealthServer health;
    FakeEthRpc rpc;
    rpc.SetSendMode(FakeEthRpc::SendMode::kTimeout);
    rpc.SetHoldSeconds(30);
    const std::string address = UniqueAddress();
    const std::string id = RegisterOrchestrator("cyc-kill-send", health.UrlFor("k"), address);
    Env env = LiveEnv(rpc, "0.002");
    env["PAYMENTS_ETH_RPC_TIMEOUT"] = "20";
    auto cycle = StartCycle(env, "kill-sending");
    AssertEventually(
        "a send in flight", [&] { return rpc.SendsTo(address).size() == 1; }, 20, cycle.get());
    cycle->Kill9();  // the signer may or may not have acted on it
    rpc.SetSendMode(FakeEthRpc::SendMode::kAccept);
    auto restarted = StartCycle(LiveEnv(rpc, "0.002"), "kill-sending-2");
    std::this_thread::sleep_for(std::chrono::seconds(4));  // several intervals
    CPPUNIT_ASSERT_EQUAL(0, restarted->Terminate());
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rpc.SendsTo(address).size());
    const Json::Value payouts = Payouts(id);
    CPPUNIT_ASSERT_EQUAL(1u, payouts.size());
    CPPUNIT_ASSERT_EQUAL(std::string("pending"), payouts[0]["status"].asString());
    // Not yet `unknown` (the claim is younger than the RPC timeout + 60 s):
    // nothing to resolve.
    CPPUNIT_ASSERT_EQUAL(409L,
                         Send("POST", "/api/payouts/" + payouts[0]["id"].asString() + "/resolve",
                              "{\"outcome\":\"failed\"}", Admin())
                             .status);
    CPPUNIT_ASSERT_EQUAL(0, PayoutEvents(id));
  }

  void testBootstrapAndSingleOrchestratorMode() {
    FakeHealthServer health;
    const std::string inline_id = UniqueId("cyc-boot");
    const std::string keyed_id = UniqueId("cyc-boot-key");
    const std::string file_id = UniqueId("cyc-boot-file");
    const std::string inline_address = UniqueAddress();
    // Object of objects: the key names the orchestrator; one bad entry.
    Json::Value inline_doc(Json::objectValue);
    inline_doc[keyed_id]["address"] = UniqueAddress();
    inline_doc[keyed_id]["health_url"] = health.UrlFor("boot");
    inline_doc["bad-entry"]["address"] = "not-an-address";
    Json::Value file_doc(Json::arrayValue);
    Json::Value entry(Json::objectValue);
    entry["orchestrator_id"] = file_id;
    entry["address"] = UniqueAddress();
    file_doc.append(entry);
    file_doc.append("not an object");
    const std::string path = Stack().run_dir + "/bootstrap-" + keyed_id + ".json";
    std::ofstream(path) << file_doc.toStyledString();
    // A top set that lists none of them: bootstrap skips the rank check.
    auto boot = StartCycle({{"PAYMENTS_BOOTSTRAP_ORCHESTRATORS", inline_doc.toStyledString()},
                            {"PAYMENTS_BOOTSTRAP_ORCHESTRATORS_PATH", path},
                            {"PAYMENTS_TOP_ORCHESTRATORS", UniqueAddress()}},
                           "bootstrap", {"--once"});
    AssertEventually(
        "the --once run", [&] { return !boot->Running(); }, 20, boot.get());
    CPPUNIT_ASSERT_EQUAL(0, boot->Terminate());
    CPPUNIT_ASSERT_EQUAL(200L, Get("/api/orchestrators/" + keyed_id, Admin()).status);
    CPPUNIT_ASSERT_EQUAL(200L, Get("/api/orchestrators/" + file_id, Admin()).status);
    CPPUNIT_ASSERT_EQUAL(404L, Get("/api/orchestrators/bad-entry", Admin()).status);
    CPPUNIT_ASSERT(Orchestrator(keyed_id)["is_top_100"].asBool());
    CPPUNIT_ASSERT_EQUAL(1, CreditCount(keyed_id));  // evaluated in the same run
    const std::string log = boot->LogTail(200000);
    CPPUNIT_ASSERT_MESSAGE(log,
                           log.find("bootstrap: 2 registered, 2 skipped") != std::string::npos);
    CPPUNIT_ASSERT(log.find("address: String should match pattern") != std::string::npos);

    // Single mode: that one orchestrator is registered and the only one evaluated.
    const std::string other = RegisterOrchestrator("cyc-single-other", health.UrlFor("o"));
    auto single = StartCycle({{"PAYMENTS_SINGLE_ORCHESTRATOR_MODE", "true"},
                              {"ORCHESTRATOR_ID", inline_id},
                              {"ORCHESTRATOR_ADDRESS", inline_address},
                              {"ORCHESTRATOR_HEALTH_URL", health.UrlFor("single")}},
                             "single");
    AssertEventually(
        "credits in single mode", [&] { return CreditCount(inline_id) >= 2; }, 20, single.get());
    CPPUNIT_ASSERT_EQUAL(0, single->Terminate());
    CPPUNIT_ASSERT_EQUAL(inline_address, Orchestrator(inline_id)["address"].asString());
    CPPUNIT_ASSERT_EQUAL(
        0, SqlInt("SELECT COUNT(*) FROM {db}.cycle_runs WHERE orchestrator_id = " + Quoted(other)));
    ::unlink(path.c_str());
  }

  void testBadConfigurationExitsWithStatus2() {
    const std::vector<Env> bad = {
        {{"PAYMENT_DRY_RUN", "false"}},                       // no signer
        {{"PAYMENT_INTERVAL_SECONDS", "0"}},                  // out of range
        {{"PAYMENT_INCREMENT_ETH", "-1"}},                    // not positive
        {{"PAYMENTS_SINGLE_ORCHESTRATOR_MODE", "true"}},      // no ORCHESTRATOR_ID
        {{"PAYMENTS_BOOTSTRAP_ORCHESTRATORS", "{not json"}},  // unreadable document
        {{"PAYMENTS_BOOTSTRAP_ORCHESTRATORS_PATH", "/nonexistent/bootstrap.json"}},
    };
    for (const Env& env : bad) {
      auto process = StartCycle(env, "bad-config");
      AssertEventually(
          "exit", [&] { return !process->Running(); }, 20, process.get());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(env.begin()->first + "\n" + process->LogTail(), 2,
                                   process->Terminate());
    }
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(CycleTest, "Cycle");

}  // namespace payments::testing
