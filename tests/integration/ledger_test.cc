// Workloads and the ledger over HTTPS: every route and error of API.md's
// "Workloads" and "Ledger" sections, the credit rule, exact sums under
// concurrency, and Idempotency-Key replays.
#include <cppunit/extensions/HelperMacros.h>
#include <json/writer.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "tests/integration/client.h"

namespace payments::testing {
namespace {

std::string NewOrchestrator() {
  Json::Value body(Json::objectValue);
  const std::string id = UniqueId("ledger");
  body["orchestrator_id"] = id;
  body["address"] = UniqueAddress();
  RequestOptions options;
  options.source_ip = NextIp();
  const HttpResult r = PostJson("/api/orchestrators/register", body, options);
  if (r.status != 200) throw std::runtime_error("register failed: " + r.Describe());
  return id;
}

HttpResult Adjust(const std::string& id, const Json::Value& amount,
                  const std::string& idempotency_key = "") {
  Json::Value body(Json::objectValue);
  body["orchestrator_id"] = id;
  body["amount_eth"] = amount;
  RequestOptions options = AsAdmin();
  if (!idempotency_key.empty()) options.headers.push_back("Idempotency-Key: " + idempotency_key);
  return PostJson("/api/ledger/adjustments", body, options);
}

std::string Balance(const std::string& id) {
  return Get("/api/orchestrators/" + id, AsViewer()).json["balance_eth"].asString();
}

Json::Value Workload(const std::string& workload_id, const std::string& orchestrator_id,
                     const std::string& payout) {
  Json::Value body(Json::objectValue);
  body["workload_id"] = workload_id;
  body["orchestrator_id"] = orchestrator_id;
  body["payout_amount_eth"] = payout;
  body["artifact_hash"] = "sha256:abc";
  return body;
}

HttpResult CreateWorkload(const Json::Value& body, const std::string& idempotency_key = "") {
  RequestOptions options = AsAdmin();
  if (!idempotency_key.empty()) options.headers.push_back("Idempotency-Key: " + idempotency_key);
  return PostJson("/api/workloads", body, options);
}

HttpResult Patch(const std::string& workload_id, const Json::Value& body) {
  Json::StreamWriterBuilder writer;
  writer["indentation"] = "";
  return Send("PATCH", "/api/workloads/" + workload_id, Json::writeString(writer, body), AsAdmin());
}

Json::Value Status(const std::string& status) {
  Json::Value body(Json::objectValue);
  body["status"] = status;
  return body;
}

std::vector<Json::Value> Events(const std::string& id) {
  const HttpResult r = Get("/api/ledger/events?orchestrator_id=" + id + "&limit=1000", AsViewer());
  std::vector<Json::Value> out;
  for (const Json::Value& e : r.json["events"]) out.push_back(e);
  return out;
}

bool HasError(const HttpResult& r, const std::string& field) {
  if (r.status != 422) return false;
  for (const Json::Value& e : r.json["detail"]) {
    if (e["loc"].size() >= 2 && e["loc"][1].asString() == field) return true;
  }
  return false;
}

}  // namespace

class LedgerTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(LedgerTest);
  CPPUNIT_TEST(testAdjustmentsAndJournal);
  CPPUNIT_TEST(testAdjustmentErrors);
  CPPUNIT_TEST(testAmountForms);
  CPPUNIT_TEST(testLedgerEventsListing);
  CPPUNIT_TEST(testJournalFileMirrorsEvents);
  CPPUNIT_TEST(testCreateWorkload);
  CPPUNIT_TEST(testCreateWorkloadErrors);
  CPPUNIT_TEST(testCreditRules);
  CPPUNIT_TEST(testRejectedNeverCredited);
  CPPUNIT_TEST(testPatchErrors);
  CPPUNIT_TEST(testListWorkloadsFilters);
  CPPUNIT_TEST(testSummary);
  CPPUNIT_TEST(testRolesOnMoneyRoutes);
  CPPUNIT_TEST(testIdempotentAdjustment);
  CPPUNIT_TEST(testIdempotentWorkloadCreate);
  CPPUNIT_TEST(testParallelIdempotentRetries);
  CPPUNIT_TEST(testConcurrentPatchesCreditOnce);
  CPPUNIT_TEST(testParallelTinyAdjustmentsSumExactly);
  CPPUNIT_TEST(testConcurrentDebitsNeverOverdraw);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testAdjustmentsAndJournal() {
    const std::string id = NewOrchestrator();
    Json::Value body(Json::objectValue);
    body["orchestrator_id"] = id;
    body["amount_eth"] = "1.5";
    body["reason"] = "bonus";
    body["reference_workload_id"] = "wl-9";
    body["notes"] = "thanks";
    HttpResult r = PostJson("/api/ledger/adjustments", body, AsAdmin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(id, r.json["orchestrator_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("1.5"), r.json["balance_eth"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("1.5"), r.json["delta_eth"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("bonus"), r.json["reason"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("wl-9"), r.json["reference_workload_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("thanks"), r.json["notes"].asString());

    r = Adjust(id, "-0.1");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("1.4"), r.json["balance_eth"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("-0.1"), r.json["delta_eth"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("adjustment"), r.json["reason"].asString());
    CPPUNIT_ASSERT(r.json["notes"].isNull());
    CPPUNIT_ASSERT_EQUAL(std::string("1.4"), Balance(id));

    const std::vector<Json::Value> events = Events(id);
    CPPUNIT_ASSERT_EQUAL(std::size_t(2), events.size());
    const Json::Value& latest = events[0];
    CPPUNIT_ASSERT_EQUAL(std::string("credit"), latest["event"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("-0.1"), latest["delta"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("1.4"), latest["balance"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("adjustment"), latest["reason"].asString());
    CPPUNIT_ASSERT_EQUAL(0u, latest["metadata"].size());
    const Json::Value& first = events[1];
    CPPUNIT_ASSERT_EQUAL(std::string("1.5"), first["amount"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("wl-9"),
                         first["metadata"]["reference_workload_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("thanks"), first["metadata"]["notes"].asString());
    CPPUNIT_ASSERT_EQUAL(2u, first["metadata"].size());
    for (const char* key : {"timestamp", "event", "orchestrator_id", "amount", "balance", "delta",
                            "reason", "metadata"}) {
      CPPUNIT_ASSERT_MESSAGE(key, first.isMember(key));
    }
  }

  void testAdjustmentErrors() {
    const std::string id = NewOrchestrator();
    HttpResult r = Adjust(id, "0");
    CPPUNIT_ASSERT_MESSAGE(r.Describe(), HasError(r, "amount_eth"));
    r = Adjust(id, 0);
    CPPUNIT_ASSERT(HasError(r, "amount_eth"));
    r = Adjust(UniqueId("ghost"), "1");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 404L, r.status);
    r = Adjust(id, "-0.000000000000000001");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 409L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Insufficient balance"), r.json["detail"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("0"), Balance(id));
    CPPUNIT_ASSERT(Events(id).empty());

    Json::Value body(Json::objectValue);
    body["orchestrator_id"] = id;
    body["amount_eth"] = "1";
    body["reason"] = std::string(257, 'r');
    body["notes"] = std::string(1025, 'n');
    body["reference_workload_id"] = std::string(257, 'w');
    r = PostJson("/api/ledger/adjustments", body, AsAdmin());
    CPPUNIT_ASSERT(HasError(r, "reason"));
    CPPUNIT_ASSERT(HasError(r, "notes"));
    CPPUNIT_ASSERT(HasError(r, "reference_workload_id"));
    r = PostJson("/api/ledger/adjustments", Json::Value(Json::objectValue), AsAdmin());
    CPPUNIT_ASSERT(HasError(r, "orchestrator_id"));
    CPPUNIT_ASSERT(HasError(r, "amount_eth"));
    CPPUNIT_ASSERT_EQUAL(std::string("0"), Balance(id));
  }

  void testAmountForms() {
    const std::string id = NewOrchestrator();
    struct Case {
      Json::Value amount;
      const char* balance;  // nullptr: refused with 422
    };
    const Case cases[] = {
        {Json::Value("1e-5"), "0.00001"},
        {Json::Value(1e-18), "0.000010000000000001"},
        {Json::Value("0.00001606079"), "0.000026060790000001"},
        {Json::Value(2), "2.000026060790000001"},
        {Json::Value("-2"), "0.000026060790000001"},
        {Json::Value("1e-19"), nullptr},
        {Json::Value("0.0000000000000000001"), nullptr},
        {Json::Value("NaN"), nullptr},
        {Json::Value("Infinity"), nullptr},
        {Json::Value("1e20"), nullptr},
        {Json::Value(0.30000000000000004), nullptr},
        {Json::Value("12abc"), nullptr},
        {Json::Value(true), nullptr},
        {Json::Value(Json::arrayValue), nullptr},
    };
    for (const Case& c : cases) {
      const HttpResult r = Adjust(id, c.amount);
      if (c.balance == nullptr) {
        CPPUNIT_ASSERT_MESSAGE(c.amount.toStyledString() + r.Describe(), HasError(r, "amount_eth"));
      } else {
        CPPUNIT_ASSERT_EQUAL_MESSAGE(c.amount.toStyledString() + r.Describe(), 200L, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string(c.balance), r.json["balance_eth"].asString());
      }
    }
    // A raw exponent-form JSON number.
    const HttpResult r =
        Send("POST", "/api/ledger/adjustments",
             "{\"orchestrator_id\":\"" + id + "\",\"amount_eth\":1e-18}", AsAdmin());
    CPPUNIT_ASSERT_EQUAL(std::string("0.000026060790000002"), r.json["balance_eth"].asString());
  }

  void testLedgerEventsListing() {
    const std::string id = NewOrchestrator();
    for (int i = 1; i <= 5; ++i) CPPUNIT_ASSERT_EQUAL(200L, Adjust(id, std::to_string(i)).status);
    HttpResult r = Get("/api/ledger/events?orchestrator_id=" + id + "&limit=3", AsViewer());
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    CPPUNIT_ASSERT_EQUAL(3u, r.json["events"].size());
    CPPUNIT_ASSERT_EQUAL(std::string("15"), r.json["events"][0]["balance"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("5"), r.json["events"][0]["delta"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("4"), r.json["events"][1]["delta"].asString());
    r = Get("/api/ledger/events?limit=1", AsViewer());
    CPPUNIT_ASSERT_EQUAL(1u, r.json["events"].size());
    for (const char* bad : {"0", "1001", "x", "-1"}) {
      r = Get(std::string("/api/ledger/events?limit=") + bad, AsViewer());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, 422L, r.status);
      CPPUNIT_ASSERT_EQUAL(std::string("query"), r.json["detail"][0]["loc"][0].asString());
    }
    CPPUNIT_ASSERT_EQUAL(200L, Get("/api/ledger/events?limit=1000", AsViewer()).status);
    r = Get("/api/ledger/events?orchestrator_id=" + UniqueId("nobody"), AsViewer());
    CPPUNIT_ASSERT_EQUAL(0u, r.json["events"].size());
  }

  void testJournalFileMirrorsEvents() {
    const std::string id = NewOrchestrator();
    CPPUNIT_ASSERT_EQUAL(200L, Adjust(id, "0.25").status);
    CPPUNIT_ASSERT_EQUAL(409L, Adjust(id, "-1").status);  // not journaled
    int lines = 0;
    for (const Json::Value& line : ReadAuditLines("ledger-events.log")) {
      if (line["orchestrator_id"].asString() != id) continue;
      ++lines;
      CPPUNIT_ASSERT_EQUAL(std::string("credit"), line["event"].asString());
      CPPUNIT_ASSERT_EQUAL(std::string("0.25"), line["delta"].asString());
      CPPUNIT_ASSERT_EQUAL(std::string("0.25"), line["balance"].asString());
      CPPUNIT_ASSERT(line["timestamp"].isString());
    }
    CPPUNIT_ASSERT_EQUAL(1, lines);
  }

  void testCreateWorkload() {
    const std::string orch = NewOrchestrator();
    const std::string wid = UniqueId("wl");
    Json::Value body = Workload(wid, orch, "0.125");
    body["plan_id"] = "plan-1";
    body["run_id"] = "run-1";
    body["artifact_uri"] = "s3://bucket/video.webm";
    body["notes"] = "first";
    const HttpResult r = CreateWorkload(body);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    const Json::Value& w = r.json;
    CPPUNIT_ASSERT_EQUAL(wid, w["workload_id"].asString());
    CPPUNIT_ASSERT_EQUAL(orch, w["orchestrator_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("plan-1"), w["plan_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("run-1"), w["run_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("sha256:abc"), w["artifact_hash"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("s3://bucket/video.webm"), w["artifact_uri"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("0.125"), w["payout_amount_eth"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("pending"), w["status"].asString());
    CPPUNIT_ASSERT_EQUAL('Z', w["submitted_at"].asString().back());
    CPPUNIT_ASSERT_EQUAL(std::string("first"), w["notes"].asString());
    CPPUNIT_ASSERT(w["tx_hash"].isNull());
    CPPUNIT_ASSERT(!w["credited"].asBool());
    CPPUNIT_ASSERT(w["credited_at"].isNull());
    CPPUNIT_ASSERT_EQUAL(13u, w.size());
    CPPUNIT_ASSERT_EQUAL(std::string("0"), Balance(orch));  // pending earns nothing yet
  }

  void testCreateWorkloadErrors() {
    const std::string orch = NewOrchestrator();
    const std::string wid = UniqueId("wl");
    CPPUNIT_ASSERT_EQUAL(200L, CreateWorkload(Workload(wid, orch, "1")).status);
    HttpResult r = CreateWorkload(Workload(wid, orch, "1"));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 409L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Workload already exists"), r.json["detail"].asString());
    r = CreateWorkload(Workload(UniqueId("wl"), UniqueId("ghost"), "1"));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 404L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Unknown orchestrator"), r.json["detail"].asString());

    Json::Value no_artifact = Workload(UniqueId("wl"), orch, "1");
    no_artifact.removeMember("artifact_hash");
    r = CreateWorkload(no_artifact);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 422L, r.status);
    for (const char* payout : {"0", "-1", "abc", "1e-19"}) {
      r = CreateWorkload(Workload(UniqueId("wl"), orch, payout));
      CPPUNIT_ASSERT_MESSAGE(payout, HasError(r, "payout_amount_eth"));
    }
    Json::Value body = Workload(std::string(256, 'w'), orch, "1");
    body["plan_id"] = std::string(129, 'p');
    body["run_id"] = std::string(257, 'r');
    body["artifact_hash"] = std::string(257, 'h');
    body["artifact_uri"] = std::string(513, 'u');
    body["notes"] = std::string(1025, 'n');
    r = CreateWorkload(body);
    for (const char* field :
         {"workload_id", "plan_id", "run_id", "artifact_hash", "artifact_uri", "notes"}) {
      CPPUNIT_ASSERT_MESSAGE(field, HasError(r, field));
    }
    body = Json::Value(Json::objectValue);
    r = CreateWorkload(body);
    CPPUNIT_ASSERT(HasError(r, "workload_id") && HasError(r, "orchestrator_id") &&
                   HasError(r, "payout_amount_eth"));
  }

  void testCreditRules() {
    const std::string orch = NewOrchestrator();
    // No artifact that counts: a non-.webm URI and an empty hash.
    const std::string mp4 = UniqueId("wl");
    Json::Value body = Workload(mp4, orch, "0.5");
    body.removeMember("artifact_hash");
    body["artifact_uri"] = "s3://bucket/video.mp4";
    CPPUNIT_ASSERT_EQUAL(200L, CreateWorkload(body).status);
    HttpResult r = Patch(mp4, Status("verified"));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT(!r.json["credited"].asBool());
    CPPUNIT_ASSERT_EQUAL(std::string("0"), Balance(orch));
    // Supplying a .WEBM URI later credits it, once.
    Json::Value uri(Json::objectValue);
    uri["artifact_uri"] = "s3://bucket/video.WEBM";
    uri["tx_hash"] = "0xabc";
    uri["notes"] = "fixed";
    r = Patch(mp4, uri);
    CPPUNIT_ASSERT(r.json["credited"].asBool());
    CPPUNIT_ASSERT(r.json["credited_at"].isString());
    CPPUNIT_ASSERT_EQUAL(std::string("0xabc"), r.json["tx_hash"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("fixed"), r.json["notes"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("0.5"), Balance(orch));
    const std::string credited_at = r.json["credited_at"].asString();

    // Later PATCHes (paid, more notes) never credit again.
    r = Patch(mp4, Status("paid"));
    CPPUNIT_ASSERT_EQUAL(std::string("paid"), r.json["status"].asString());
    CPPUNIT_ASSERT_EQUAL(credited_at, r.json["credited_at"].asString());
    r = Patch(mp4, Status("verified"));
    CPPUNIT_ASSERT_EQUAL(std::string("0.5"), Balance(orch));

    // Hash-only artifact, straight to paid.
    const std::string hashed = UniqueId("wl");
    body = Workload(hashed, orch, "0.25");
    body["plan_id"] = "p";
    body["run_id"] = "r";
    CPPUNIT_ASSERT_EQUAL(200L, CreateWorkload(body).status);
    r = Patch(hashed, Status("pending"));
    CPPUNIT_ASSERT(!r.json["credited"].asBool());
    r = Patch(hashed, Status("paid"));
    CPPUNIT_ASSERT(r.json["credited"].asBool());
    CPPUNIT_ASSERT_EQUAL(std::string("0.75"), Balance(orch));

    const std::vector<Json::Value> events = Events(orch);
    CPPUNIT_ASSERT_EQUAL(std::size_t(2), events.size());
    const Json::Value& e = events[0];
    CPPUNIT_ASSERT_EQUAL(std::string("credit"), e["event"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("workload"), e["reason"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("0.25"), e["delta"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("0.75"), e["balance"].asString());
    CPPUNIT_ASSERT_EQUAL(hashed, e["metadata"]["workload_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("p"), e["metadata"]["plan_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("r"), e["metadata"]["run_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("paid"), e["metadata"]["status"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("sha256:abc"), e["metadata"]["artifact_hash"].asString());
    CPPUNIT_ASSERT(e["metadata"].isMember("artifact_uri"));
    CPPUNIT_ASSERT_EQUAL(std::string("s3://bucket/video.WEBM"),
                         events[1]["metadata"]["artifact_uri"].asString());
  }

  void testRejectedNeverCredited() {
    const std::string orch = NewOrchestrator();
    const std::string wid = UniqueId("wl");
    CPPUNIT_ASSERT_EQUAL(200L, CreateWorkload(Workload(wid, orch, "3")).status);
    HttpResult r = Patch(wid, Status("rejected"));
    CPPUNIT_ASSERT_EQUAL(std::string("rejected"), r.json["status"].asString());
    CPPUNIT_ASSERT(!r.json["credited"].asBool());
    Json::Value notes(Json::objectValue);
    notes["notes"] = "still rejected";
    r = Patch(wid, notes);
    CPPUNIT_ASSERT(!r.json["credited"].asBool());
    CPPUNIT_ASSERT_EQUAL(std::string("0"), Balance(orch));
    CPPUNIT_ASSERT(Events(orch).empty());
  }

  void testPatchErrors() {
    HttpResult r = Patch(UniqueId("ghost"), Status("verified"));
    CPPUNIT_ASSERT_EQUAL(404L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Workload not found"), r.json["detail"].asString());
    const std::string orch = NewOrchestrator();
    const std::string wid = UniqueId("wl");
    CPPUNIT_ASSERT_EQUAL(200L, CreateWorkload(Workload(wid, orch, "1")).status);
    r = Patch(wid, Status("approved"));
    CPPUNIT_ASSERT(HasError(r, "status"));
    Json::Value body(Json::objectValue);
    body["tx_hash"] = std::string(129, 't');
    body["notes"] = std::string(1025, 'n');
    r = Patch(wid, body);
    CPPUNIT_ASSERT(HasError(r, "tx_hash") && HasError(r, "notes"));
    r = Patch(wid, Json::Value(Json::objectValue));
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("pending"), r.json["status"].asString());
    CPPUNIT_ASSERT_EQUAL(405L, Get("/api/workloads/" + wid, AsAdmin()).status);
  }

  void testListWorkloadsFilters() {
    const std::string orch = NewOrchestrator();
    std::vector<std::string> ids;
    for (int i = 0; i < 4; ++i) {
      ids.push_back(UniqueId("wl"));
      CPPUNIT_ASSERT_EQUAL(200L, CreateWorkload(Workload(ids.back(), orch, "1")).status);
    }
    CPPUNIT_ASSERT_EQUAL(200L, Patch(ids[1], Status("verified")).status);
    HttpResult r = Get("/api/workloads?orchestrator_id=" + orch, AsViewer());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    const Json::Value all = r.json["workloads"];  // a copy: r is reused below
    CPPUNIT_ASSERT_EQUAL(4u, all.size());
    CPPUNIT_ASSERT_EQUAL(ids[3], all[0]["workload_id"].asString());  // newest first
    CPPUNIT_ASSERT_EQUAL(ids[0], all[3]["workload_id"].asString());

    r = Get("/api/workloads?orchestrator_id=" + orch + "&status=verified", AsViewer());
    CPPUNIT_ASSERT_EQUAL(1u, r.json["workloads"].size());
    CPPUNIT_ASSERT_EQUAL(ids[1], r.json["workloads"][0]["workload_id"].asString());
    r = Get("/api/workloads?orchestrator_id=" + orch + "&limit=2", AsViewer());
    CPPUNIT_ASSERT_EQUAL(2u, r.json["workloads"].size());

    const std::string middle = all[1]["submitted_at"].asString();
    r = Get("/api/workloads?orchestrator_id=" + orch + "&since=" + middle, AsViewer());
    CPPUNIT_ASSERT_EQUAL(2u, r.json["workloads"].size());
    r = Get("/api/workloads?orchestrator_id=" + orch + "&until=" + middle, AsViewer());
    CPPUNIT_ASSERT_EQUAL(3u, r.json["workloads"].size());
    // Offsets and a missing Z are accepted.
    std::string no_z = middle.substr(0, middle.size() - 1);
    r = Get("/api/workloads?orchestrator_id=" + orch + "&until=" + no_z, AsViewer());
    CPPUNIT_ASSERT_EQUAL(3u, r.json["workloads"].size());
    r = Get("/api/workloads?orchestrator_id=" + orch + "&since=" + no_z + "%2B01:00", AsViewer());
    CPPUNIT_ASSERT_EQUAL(4u, r.json["workloads"].size());

    r = Get("/api/workloads?status=done", AsViewer());
    CPPUNIT_ASSERT_EQUAL(400L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Invalid status filter"), r.json["detail"].asString());
    for (const char* bad : {"since=yesterday", "until=2026-13-01", "since=2026-02-30T00:00:00"}) {
      r = Get(std::string("/api/workloads?") + bad, AsViewer());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, 400L, r.status);
      CPPUNIT_ASSERT_EQUAL(std::string("Invalid timestamp filter"), r.json["detail"].asString());
    }
    for (const char* bad : {"0", "501", "ten"}) {
      r = Get(std::string("/api/workloads?limit=") + bad, AsViewer());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, 422L, r.status);
    }
    CPPUNIT_ASSERT_EQUAL(200L, Get("/api/workloads?limit=500", AsViewer()).status);
  }

  void testSummary() {
    const std::string a = NewOrchestrator();
    const std::string b = NewOrchestrator();
    const std::string first = UniqueId("wl");
    CPPUNIT_ASSERT_EQUAL(200L, CreateWorkload(Workload(first, a, "1")).status);
    const std::string since = Get("/api/workloads?orchestrator_id=" + a, AsViewer())
                                  .json["workloads"][0]["submitted_at"]
                                  .asString();
    const std::string w2 = UniqueId("wl");
    const std::string w3 = UniqueId("wl");
    const std::string w4 = UniqueId("wl");
    CPPUNIT_ASSERT_EQUAL(200L, CreateWorkload(Workload(w2, a, "0.5")).status);
    CPPUNIT_ASSERT_EQUAL(200L, CreateWorkload(Workload(w3, a, "0.25")).status);
    CPPUNIT_ASSERT_EQUAL(200L, CreateWorkload(Workload(w4, b, "2")).status);
    CPPUNIT_ASSERT_EQUAL(200L, Patch(w2, Status("paid")).status);
    CPPUNIT_ASSERT_EQUAL(200L, Patch(w3, Status("rejected")).status);

    HttpResult r = Get("/api/workloads/summary?since=" + since, AsViewer());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(since, r.json["range_start"].asString());
    CPPUNIT_ASSERT(r.json["range_end"].isNull());
    std::map<std::string, Json::Value> rows;
    std::string previous;
    for (const Json::Value& row : r.json["orchestrators"]) {
      CPPUNIT_ASSERT(previous < row["orchestrator_id"].asString());
      previous = row["orchestrator_id"].asString();
      rows[previous] = row;
    }
    CPPUNIT_ASSERT_EQUAL(3, rows[a]["workloads"].asInt());
    CPPUNIT_ASSERT_EQUAL(std::string("1.5"), rows[a]["earned_eth"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("1"), rows[a]["pending_eth"].asString());
    CPPUNIT_ASSERT_EQUAL(1, rows[b]["workloads"].asInt());
    CPPUNIT_ASSERT_EQUAL(std::string("2"), rows[b]["pending_eth"].asString());

    r = Get("/api/workloads/summary?since=2000-01-01&until=2000-01-02", AsViewer());
    CPPUNIT_ASSERT_EQUAL(0u, r.json["orchestrators"].size());
    CPPUNIT_ASSERT_EQUAL(std::string("2000-01-01"), r.json["range_start"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("2000-01-02"), r.json["range_end"].asString());
    CPPUNIT_ASSERT_EQUAL(400L, Get("/api/workloads/summary?until=nope", AsViewer()).status);
  }

  void testRolesOnMoneyRoutes() {
    const std::string orch = NewOrchestrator();
    Json::Value adj(Json::objectValue);
    adj["orchestrator_id"] = orch;
    adj["amount_eth"] = "1";
    HttpResult r = PostJson("/api/ledger/adjustments", adj, AsViewer());
    CPPUNIT_ASSERT_EQUAL(401L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Admin token required"), r.json["detail"].asString());
    CPPUNIT_ASSERT_EQUAL(401L, PostJson("/api/ledger/adjustments", adj).status);
    CPPUNIT_ASSERT_EQUAL(401L,
                         PostJson("/api/workloads", Workload("x", orch, "1"), AsViewer()).status);
    CPPUNIT_ASSERT_EQUAL(401L, Send("PATCH", "/api/workloads/x", "{}", AsViewer()).status);
    CPPUNIT_ASSERT_EQUAL(401L, Get("/api/workloads").status);
    CPPUNIT_ASSERT_EQUAL(401L, Get("/api/workloads/summary").status);
    CPPUNIT_ASSERT_EQUAL(401L, Get("/api/ledger/events").status);
    CPPUNIT_ASSERT_EQUAL(std::string("0"), Balance(orch));
    RequestOptions bare;
    bare.base_url = TestEnv::Get().bare_url;
    bare.headers.push_back(AdminHeader());
    r = PostJson("/api/ledger/adjustments", adj, bare);
    CPPUNIT_ASSERT_EQUAL(503L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Admin API disabled: set PAYMENTS_API_ADMIN_TOKEN"),
                         r.json["detail"].asString());
  }

  void testIdempotentAdjustment() {
    const std::string orch = NewOrchestrator();
    const std::string key = UniqueId("key");
    HttpResult first = Adjust(orch, "0.3", key);
    CPPUNIT_ASSERT_EQUAL(200L, first.status);
    HttpResult again = Adjust(orch, "0.3", key);
    CPPUNIT_ASSERT_EQUAL(200L, again.status);
    CPPUNIT_ASSERT_EQUAL(first.body, again.body);
    CPPUNIT_ASSERT_EQUAL(std::string("true"), again.headers["idempotent-replayed"]);
    CPPUNIT_ASSERT_EQUAL(std::string("0.3"), Balance(orch));
    CPPUNIT_ASSERT_EQUAL(std::size_t(1), Events(orch).size());

    HttpResult other = Adjust(orch, "0.4", key);
    CPPUNIT_ASSERT_EQUAL(422L, other.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Idempotency-Key reused with a different request"),
                         other.json["detail"].asString());
    // Errors are replayed too: a 409 stays a 409 for its key.
    const std::string overdraw = UniqueId("key");
    CPPUNIT_ASSERT_EQUAL(409L, Adjust(orch, "-5", overdraw).status);
    CPPUNIT_ASSERT_EQUAL(200L, Adjust(orch, "10").status);
    CPPUNIT_ASSERT_EQUAL(409L, Adjust(orch, "-5", overdraw).status);
    CPPUNIT_ASSERT_EQUAL(std::string("10.3"), Balance(orch));
    // A key is bound to its route.
    CPPUNIT_ASSERT_EQUAL(422L, CreateWorkload(Workload(UniqueId("wl"), orch, "1"), key).status);
    CPPUNIT_ASSERT_EQUAL(422L, Adjust(orch, "1", std::string(256, 'k')).status);
  }

  void testIdempotentWorkloadCreate() {
    const std::string orch = NewOrchestrator();
    const std::string wid = UniqueId("wl");
    const std::string key = UniqueId("key");
    const HttpResult first = CreateWorkload(Workload(wid, orch, "1"), key);
    CPPUNIT_ASSERT_EQUAL(200L, first.status);
    const HttpResult again = CreateWorkload(Workload(wid, orch, "1"), key);
    CPPUNIT_ASSERT_EQUAL(200L, again.status);  // not 409: the first answer again
    CPPUNIT_ASSERT_EQUAL(first.body, again.body);
    CPPUNIT_ASSERT_EQUAL(409L, CreateWorkload(Workload(wid, orch, "1")).status);
  }

  // The same key sent 24 times at once: applied once, every answer the same.
  void testParallelIdempotentRetries() {
    const std::string orch = NewOrchestrator();
    const std::string key = UniqueId("key");
    std::mutex mutex;
    std::set<std::string> bodies;
    std::atomic<int> ok{0};
    RunParallel(24, 12, [&](int) {
      const HttpResult r = Adjust(orch, "0.7", key);
      if (r.status == 200) ++ok;
      std::lock_guard<std::mutex> lock(mutex);
      bodies.insert(r.body);
    });
    CPPUNIT_ASSERT_EQUAL(24, ok.load());
    CPPUNIT_ASSERT_EQUAL(std::size_t(1), bodies.size());
    CPPUNIT_ASSERT_EQUAL(std::string("0.7"), Balance(orch));
    CPPUNIT_ASSERT_EQUAL(std::size_t(1), Events(orch).size());
  }

  // 16 clients PATCH the same workloads 80 times in total: each workload is
  // credited exactly once.
  void testConcurrentPatchesCreditOnce() {
    const std::string orch = NewOrchestrator();
    std::vector<std::string> wids;
    for (int i = 0; i < 4; ++i) {
      wids.push_back(UniqueId("wl"));
      CPPUNIT_ASSERT_EQUAL(200L, CreateWorkload(Workload(wids.back(), orch, "0.1")).status);
    }
    std::atomic<int> failures{0};
    std::atomic<int> credited_answers{0};
    RunParallel(80, 16, [&](int i) {
      const HttpResult r = Patch(wids[static_cast<std::size_t>(i) % wids.size()],
                                 Status(i % 2 ? "paid" : "verified"));
      if (r.status != 200) ++failures;
      if (r.json["credited"].asBool()) ++credited_answers;
    });
    CPPUNIT_ASSERT_EQUAL(0, failures.load());
    CPPUNIT_ASSERT_EQUAL(80, credited_answers.load());
    CPPUNIT_ASSERT_EQUAL(std::string("0.4"), Balance(orch));
    const std::vector<Json::Value> events = Events(orch);
    CPPUNIT_ASSERT_EQUAL(std::size_t(4), events.size());
    std::set<std::string> credited;
    for (const Json::Value& e : events) credited.insert(e["metadata"]["workload_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::size_t(4), credited.size());
  }

  // 200 parallel adjustments of 1e-18 sum exactly, and the journal's
  // running balances are a gap-free sequence.
  void testParallelTinyAdjustmentsSumExactly() {
    const std::string orch = NewOrchestrator();
    std::atomic<int> failures{0};
    RunParallel(200, 16, [&](int) {
      if (Adjust(orch, "1e-18").status != 200) ++failures;
    });
    CPPUNIT_ASSERT_EQUAL(0, failures.load());
    CPPUNIT_ASSERT_EQUAL(std::string("0.0000000000000002"), Balance(orch));
    const std::vector<Json::Value> events = Events(orch);
    CPPUNIT_ASSERT_EQUAL(std::size_t(200), events.size());
    std::set<std::string> balances;
    for (const Json::Value& e : events) balances.insert(e["balance"].asString());
    CPPUNIT_ASSERT_EQUAL(std::size_t(200), balances.size());
  }

  // Debits racing for the same funds: exactly as many succeed as the
  // balance covers, the rest get 409, and the balance ends at zero.
  void testConcurrentDebitsNeverOverdraw() {
    const std::string orch = NewOrchestrator();
    CPPUNIT_ASSERT_EQUAL(200L, Adjust(orch, "1").status);
    std::atomic<int> ok{0};
    std::atomic<int> refused{0};
    RunParallel(40, 16, [&](int) {
      const HttpResult r = Adjust(orch, "-0.1");
      if (r.status == 200) ++ok;
      if (r.status == 409) ++refused;
    });
    CPPUNIT_ASSERT_EQUAL(10, ok.load());
    CPPUNIT_ASSERT_EQUAL(30, refused.load());
    CPPUNIT_ASSERT_EQUAL(std::string("0"), Balance(orch));
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(LedgerTest, "Ledger");

}  // namespace payments::testing
