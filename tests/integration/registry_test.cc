// Orchestrator registry over HTTPS through nginx: every rule of API.md's
// "Orchestrator registry" section, the roles in front of it, and the
// registration rate limits shared by all worker processes.
#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>

#include "tests/integration/client.h"

namespace payments::testing {
namespace {

Json::Value Registration(const std::string& id, const std::string& address) {
  Json::Value body(Json::objectValue);
  body["orchestrator_id"] = id;
  body["address"] = address;
  return body;
}

HttpResult Register(const Json::Value& body, const std::string& ip = "") {
  RequestOptions options;
  options.source_ip = ip.empty() ? NextIp() : ip;
  return PostJson("/api/orchestrators/register", body, options);
}

HttpResult ViewRecord(const std::string& id, const std::string& ip = "") {
  RequestOptions options = AsViewer();
  options.source_ip = ip;
  return Get("/api/orchestrators/" + id, options);
}

bool HasError(const HttpResult& r, const std::string& field, const std::string& type) {
  if (r.status != 422 || !r.json["detail"].isArray()) return false;
  for (const Json::Value& e : r.json["detail"]) {
    if (e["loc"].size() == 2 && e["loc"][0].asString() == "body" &&
        e["loc"][1].asString() == field && e["type"].asString() == type && e["msg"].isString() &&
        !e["msg"].asString().empty()) {
      return true;
    }
  }
  return false;
}

}  // namespace

class RegistryTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RegistryTest);
  CPPUNIT_TEST(testCreateThenRefresh);
  CPPUNIT_TEST(testOptionalFieldsMergeOnRefresh);
  CPPUNIT_TEST(testRecordShape);
  CPPUNIT_TEST(testValidationErrors);
  CPPUNIT_TEST(testContactEmailNormalised);
  CPPUNIT_TEST(testMonitoredServicesNormalised);
  CPPUNIT_TEST(testAddressConflicts);
  CPPUNIT_TEST(testRateLimitPerIp);
  CPPUNIT_TEST(testRateLimitPerOrchestratorId);
  CPPUNIT_TEST(testRateLimitHoldsAcrossWorkersUnderConcurrency);
  CPPUNIT_TEST(testParallelFirstRegistrationCreatesOnce);
  CPPUNIT_TEST(testParallelDistinctRegistrations);
  CPPUNIT_TEST(testDenylistFlagsExistingRecord);
  CPPUNIT_TEST(testTopOrchestratorSet);
  CPPUNIT_TEST(testViewRoutesNeedToken);
  CPPUNIT_TEST(testSecureDefaultsWithoutTokens);
  CPPUNIT_TEST(testRedactionOutsideManagerAllowlist);
  CPPUNIT_TEST(testForwardedForIsNotTrusted);
  CPPUNIT_TEST(testUnknownOrchestrator404);
  CPPUNIT_TEST(testAuditLines);
  CPPUNIT_TEST(testListIsSortedAndComplete);
  CPPUNIT_TEST(testHealth);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testCreateThenRefresh() {
    const std::string id = UniqueId("reg");
    const std::string address = UniqueAddress();
    const std::string ip = NextIp();
    HttpResult r = Register(Registration(id, address), ip);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("application/json"), r.headers["content-type"]);
    CPPUNIT_ASSERT_EQUAL(id, r.json["orchestrator_id"].asString());
    CPPUNIT_ASSERT_EQUAL(address, r.json["address"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("0"), r.json["balance_eth"].asString());
    CPPUNIT_ASSERT(r.json["eligible_for_payments"].asBool());
    CPPUNIT_ASSERT(r.json["is_top_100"].asBool());
    CPPUNIT_ASSERT(!r.json["denylisted"].asBool());
    CPPUNIT_ASSERT_EQUAL(1, r.json["registration_count"].asInt());
    CPPUNIT_ASSERT(r.json.isMember("cooldown_expires_at") &&
                   r.json["cooldown_expires_at"].isNull());
    CPPUNIT_ASSERT_EQUAL(std::string("Registered orchestrator"), r.json["message"].asString());

    r = Register(Registration(id, address), ip);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(2, r.json["registration_count"].asInt());
    CPPUNIT_ASSERT_EQUAL(std::string("Registration refreshed"), r.json["message"].asString());

    // Same address in another case is the same address.
    std::string upper = address;
    for (std::size_t i = 2; i < upper.size(); ++i)
      upper[i] = static_cast<char>(std::toupper(upper[i]));
    r = Register(Registration(id, upper), ip);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(3, r.json["registration_count"].asInt());

    const HttpResult record = ViewRecord(id);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(record.Describe(), 200L, record.status);
    CPPUNIT_ASSERT_EQUAL(ip, record.json["last_seen_ip"].asString());
    CPPUNIT_ASSERT(record.json["first_seen"].asString() < record.json["last_seen"].asString());
    CPPUNIT_ASSERT_EQUAL(std::size_t(27), record.json["first_seen"].asString().size());
    CPPUNIT_ASSERT_EQUAL('Z', record.json["first_seen"].asString().back());
  }

  void testOptionalFieldsMergeOnRefresh() {
    const std::string id = UniqueId("merge");
    const std::string address = UniqueAddress();
    Json::Value body = Registration(id, address);
    body["capability"] = "h100";
    body["host_name"] = "gpu-01";
    body["host_public_ip"] = "198.51.100.7";
    body["health_url"] = "http://198.51.100.7:8080/health";
    body["health_timeout"] = 2.5;
    body["min_service_uptime"] = 99.5;
    body["services_healthy"] = false;
    body["unknown_extra_field"] = "ignored";
    HttpResult r = Register(body);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    HttpResult record = ViewRecord(id, "127.0.0.1");
    CPPUNIT_ASSERT(record.json["last_healthy_at"].isNull());

    Json::Value refresh = Registration(id, address);
    refresh["capability"] = "a100";
    refresh["services_healthy"] = true;
    r = Register(refresh);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    record = ViewRecord(id, "127.0.0.1");
    CPPUNIT_ASSERT_EQUAL(std::string("a100"), record.json["capability"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("gpu-01"), record.json["host_name"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("198.51.100.7"), record.json["host_public_ip"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("http://198.51.100.7:8080/health"),
                         record.json["health_url"].asString());
    CPPUNIT_ASSERT_DOUBLES_EQUAL(2.5, record.json["health_timeout"].asDouble(), 1e-9);
    CPPUNIT_ASSERT_DOUBLES_EQUAL(99.5, record.json["min_service_uptime"].asDouble(), 1e-9);
    CPPUNIT_ASSERT(record.json["last_healthy_at"].isString());
    CPPUNIT_ASSERT(!record.json.isMember("unknown_extra_field"));
  }

  void testRecordShape() {
    const std::string id = UniqueId("shape");
    CPPUNIT_ASSERT_EQUAL(200L, Register(Registration(id, UniqueAddress())).status);
    const HttpResult record = ViewRecord(id);
    const char* keys[] = {"orchestrator_id",
                          "address",
                          "balance_eth",
                          "eligible_for_payments",
                          "is_top_100",
                          "denylisted",
                          "cooldown_expires_at",
                          "cooldown_active",
                          "first_seen",
                          "last_seen",
                          "registration_count",
                          "contact_email",
                          "capability",
                          "host_public_ip",
                          "host_name",
                          "last_seen_ip",
                          "last_missed_all_services",
                          "last_healthy_at",
                          "last_cooldown_started_at",
                          "last_cooldown_cleared_at",
                          "health_url",
                          "health_timeout",
                          "monitored_services",
                          "min_service_uptime"};
    for (const char* key : keys) {
      CPPUNIT_ASSERT_MESSAGE(std::string("missing ") + key, record.json.isMember(key));
    }
    CPPUNIT_ASSERT_EQUAL(std::size_t(24), record.json.getMemberNames().size());
    CPPUNIT_ASSERT(!record.json["cooldown_active"].asBool());
    CPPUNIT_ASSERT_EQUAL(std::string("0"), record.json["balance_eth"].asString());
  }

  void testValidationErrors() {
    HttpResult r = Register(Json::Value(Json::objectValue));
    CPPUNIT_ASSERT(HasError(r, "orchestrator_id", "missing"));
    CPPUNIT_ASSERT(HasError(r, "address", "missing"));

    Json::Value body = Registration(std::string(129, 'x'), "0x123");
    r = Register(body);
    CPPUNIT_ASSERT_MESSAGE(r.Describe(), HasError(r, "orchestrator_id", "string_too_long"));
    CPPUNIT_ASSERT(HasError(r, "address", "string_pattern_mismatch"));
    CPPUNIT_ASSERT_EQUAL(2u, r.json["detail"].size());

    // 128 characters (multi-byte ones count once) is the limit.
    std::string id128;
    for (int i = 0; i < 64; ++i) id128 += "\xc3\xa9";  // é
    id128 += std::string(64, 'a');
    r = Register(Registration(id128 + "", UniqueAddress()));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);

    body = Registration("", "0xZZ11111111111111111111111111111111111111");
    r = Register(body);
    CPPUNIT_ASSERT(HasError(r, "orchestrator_id", "string_too_short"));
    CPPUNIT_ASSERT(HasError(r, "address", "string_pattern_mismatch"));

    body = Registration(UniqueId("v"), UniqueAddress());
    body["health_timeout"] = 0.05;
    body["min_service_uptime"] = 100.5;
    body["services_healthy"] = "yes";
    body["capability"] = std::string(129, 'c');
    body["host_public_ip"] = std::string(65, '1');
    body["host_name"] = 7;
    body["health_url"] = std::string(513, 'u');
    r = Register(body);
    CPPUNIT_ASSERT(HasError(r, "health_timeout", "greater_than_equal"));
    CPPUNIT_ASSERT(HasError(r, "min_service_uptime", "less_than_equal"));
    CPPUNIT_ASSERT(HasError(r, "services_healthy", "bool_type"));
    CPPUNIT_ASSERT(HasError(r, "capability", "string_too_long"));
    CPPUNIT_ASSERT(HasError(r, "host_public_ip", "string_too_long"));
    CPPUNIT_ASSERT(HasError(r, "host_name", "string_type"));
    CPPUNIT_ASSERT(HasError(r, "health_url", "string_too_long"));

    body = Registration(UniqueId("v"), UniqueAddress());
    body["health_timeout"] = 61;
    body["min_service_uptime"] = -1;
    Json::Value services(Json::arrayValue);
    for (int i = 0; i < 26; ++i) services.append("svc" + std::to_string(i));
    body["monitored_services"] = services;
    r = Register(body);
    CPPUNIT_ASSERT(HasError(r, "health_timeout", "less_than_equal"));
    CPPUNIT_ASSERT(HasError(r, "min_service_uptime", "greater_than_equal"));
    CPPUNIT_ASSERT(HasError(r, "monitored_services", "too_long"));

    body = Registration(UniqueId("v"), UniqueAddress());
    body["monitored_services"] = "gpu";
    body["orchestrator_id"] = 12;
    r = Register(body);
    CPPUNIT_ASSERT(HasError(r, "monitored_services", "list_type"));
    CPPUNIT_ASSERT(HasError(r, "orchestrator_id", "string_type"));

    // Boundaries that must pass.
    body = Registration(UniqueId("v"), UniqueAddress());
    body["health_timeout"] = 0.1;
    body["min_service_uptime"] = 100;
    services = Json::Value(Json::arrayValue);
    for (int i = 0; i < 25; ++i) services.append("svc" + std::to_string(i));
    body["monitored_services"] = services;
    r = Register(body);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
  }

  void testContactEmailNormalised() {
    const std::string id = UniqueId("mail");
    const std::string address = UniqueAddress();
    Json::Value body = Registration(id, address);
    for (const char* bad : {"no-at-sign", "@example.com", "ops@"}) {
      body["contact_email"] = bad;
      const HttpResult r = Register(body);
      CPPUNIT_ASSERT_MESSAGE(std::string(bad) + ": " + r.Describe(),
                             HasError(r, "contact_email", "value_error"));
    }
    body["contact_email"] = std::string(250, 'a') + "@b.com";  // 256 chars
    CPPUNIT_ASSERT(HasError(Register(body), "contact_email", "string_too_long"));

    body["contact_email"] = "  ops@example.com \t";
    HttpResult r = Register(body);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("ops@example.com"),
                         ViewRecord(id).json["contact_email"].asString());
    // Blank means null: accepted, and the stored address stays.
    body["contact_email"] = "   ";
    r = Register(body);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("ops@example.com"),
                         ViewRecord(id).json["contact_email"].asString());

    const std::string blank_id = UniqueId("mail");
    body = Registration(blank_id, UniqueAddress());
    body["contact_email"] = "";
    CPPUNIT_ASSERT_EQUAL(200L, Register(body).status);
    CPPUNIT_ASSERT(ViewRecord(blank_id).json["contact_email"].isNull());
  }

  void testMonitoredServicesNormalised() {
    const std::string id = UniqueId("svc");
    Json::Value body = Registration(id, UniqueAddress());
    Json::Value services(Json::arrayValue);
    services.append("  transcoder ");
    services.append("");
    services.append("   ");
    services.append("ai-runner");
    body["monitored_services"] = services;
    CPPUNIT_ASSERT_EQUAL(200L, Register(body).status);
    Json::Value stored = ViewRecord(id).json["monitored_services"];
    CPPUNIT_ASSERT_EQUAL(2u, stored.size());
    CPPUNIT_ASSERT_EQUAL(std::string("transcoder"), stored[0].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("ai-runner"), stored[1].asString());

    const std::string empty_id = UniqueId("svc");
    body = Registration(empty_id, UniqueAddress());
    body["monitored_services"] = Json::Value(Json::arrayValue);
    CPPUNIT_ASSERT_EQUAL(200L, Register(body).status);
    CPPUNIT_ASSERT(ViewRecord(empty_id).json["monitored_services"].isNull());
  }

  void testAddressConflicts() {
    const std::string first = UniqueId("own");
    const std::string second = UniqueId("own");
    const std::string address = UniqueAddress();
    CPPUNIT_ASSERT_EQUAL(200L, Register(Registration(first, address)).status);
    std::string upper = address;
    for (std::size_t i = 2; i < upper.size(); ++i)
      upper[i] = static_cast<char>(std::toupper(upper[i]));
    HttpResult r = Register(Registration(second, upper));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 409L, r.status);
    CPPUNIT_ASSERT(r.json["detail"].isString());
    CPPUNIT_ASSERT_EQUAL(404L, ViewRecord(second).status);

    r = Register(Registration(first, UniqueAddress()));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 409L, r.status);
    CPPUNIT_ASSERT_EQUAL(address, ViewRecord(first).json["address"].asString());
  }

  void testRateLimitPerIp() {
    const std::string ip = NextIp();
    for (int i = 0; i < 5; ++i) {
      const HttpResult r = Register(Registration(UniqueId("ipl"), UniqueAddress()), ip);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    }
    const std::string id = UniqueId("ipl");
    const HttpResult r = Register(Registration(id, UniqueAddress()), ip);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 429L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Too many registration attempts; slow down"),
                         r.json["detail"].asString());
    CPPUNIT_ASSERT_EQUAL(404L, ViewRecord(id).status);
    // Another address is not affected.
    CPPUNIT_ASSERT_EQUAL(200L, Register(Registration(UniqueId("ipl"), UniqueAddress())).status);
  }

  void testRateLimitPerOrchestratorId() {
    const std::string id = UniqueId("idl");
    const std::string address = UniqueAddress();
    for (int i = 0; i < 5; ++i) {
      const HttpResult r = Register(Registration(id, address), NextIp());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    }
    const HttpResult r = Register(Registration(id, address), NextIp());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 429L, r.status);
    CPPUNIT_ASSERT_EQUAL(5, ViewRecord(id).json["registration_count"].asInt());
  }

  // 24 simultaneous registrations of one id from 24 addresses, spread over
  // both worker processes: the burst window (5 per 10 s) admits exactly 5.
  void testRateLimitHoldsAcrossWorkersUnderConcurrency() {
    const std::string id = UniqueId("race");
    const std::string address = UniqueAddress();
    std::atomic<int> ok{0};
    std::atomic<int> limited{0};
    std::atomic<int> other{0};
    RunParallel(24, 12, [&](int) {
      const HttpResult r = Register(Registration(id, address), NextIp());
      if (r.status == 200) {
        ++ok;
      } else if (r.status == 429) {
        ++limited;
      } else {
        ++other;
      }
    });
    CPPUNIT_ASSERT_EQUAL(0, other.load());
    CPPUNIT_ASSERT_EQUAL(5, ok.load());
    CPPUNIT_ASSERT_EQUAL(19, limited.load());
    CPPUNIT_ASSERT_EQUAL(5, ViewRecord(id).json["registration_count"].asInt());
  }

  // Five simultaneous first registrations of one new id: one creates, the
  // others refresh; nothing is lost or duplicated.
  void testParallelFirstRegistrationCreatesOnce() {
    const std::string id = UniqueId("first");
    const std::string address = UniqueAddress();
    std::atomic<int> created{0};
    std::atomic<int> refreshed{0};
    std::atomic<int> other{0};
    RunParallel(5, 5, [&](int) {
      const HttpResult r = Register(Registration(id, address), NextIp());
      if (r.status != 200) {
        ++other;
      } else if (r.json["message"].asString() == "Registered orchestrator") {
        ++created;
      } else {
        ++refreshed;
      }
    });
    CPPUNIT_ASSERT_EQUAL(0, other.load());
    CPPUNIT_ASSERT_EQUAL(1, created.load());
    CPPUNIT_ASSERT_EQUAL(4, refreshed.load());
    CPPUNIT_ASSERT_EQUAL(5, ViewRecord(id).json["registration_count"].asInt());
  }

  void testParallelDistinctRegistrations() {
    const int n = 48;
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) ids.push_back(UniqueId("par"));
    std::atomic<int> ok{0};
    RunParallel(n, 16, [&](int i) {
      if (Register(Registration(ids[static_cast<std::size_t>(i)], UniqueAddress())).status == 200) {
        ++ok;
      }
    });
    CPPUNIT_ASSERT_EQUAL(n, ok.load());
    const HttpResult list = Get("/api/orchestrators", AsViewer());
    std::set<std::string> listed;
    for (const Json::Value& r : list.json["orchestrators"]) {
      listed.insert(r["orchestrator_id"].asString());
    }
    for (const std::string& id : ids) CPPUNIT_ASSERT(listed.count(id) == 1);
  }

  void testDenylistFlagsExistingRecord() {
    // The test stack denylists 0x000000000000000000000000000000000000dEaD.
    // A record holding it (registered before it was denylisted) is planted
    // straight in the database.
    const std::string planted = UniqueId("planted");
    QueryDatabase(
        "INSERT INTO orchestrators (orchestrator_id, address, address_key, first_seen, last_seen,"
        " registration_count) VALUES ('" +
        planted +
        "', '0x000000000000000000000000000000000000dead',"
        " '0x000000000000000000000000000000000000dead', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 1);"
        " INSERT INTO balances (orchestrator_id, balance_eth, updated_at) VALUES ('" +
        planted + "', 0, UTC_TIMESTAMP(6))");
    const std::string id = UniqueId("deny");
    const HttpResult r = Register(Registration(id, "0x000000000000000000000000000000000000DEAD"));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 403L, r.status);
    CPPUNIT_ASSERT(r.json["detail"].asString().find("denylisted") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(404L, ViewRecord(id).status);
    const HttpResult flagged = ViewRecord(planted);
    CPPUNIT_ASSERT(flagged.json["denylisted"].asBool());
    CPPUNIT_ASSERT(!flagged.json["eligible_for_payments"].asBool());

    bool audited = false;
    for (const Json::Value& line : ReadAuditLines("registry.log")) {
      if (line["event"].asString() == "register_denied" &&
          line["orchestrator_id"].asString() == id) {
        audited = true;
        CPPUNIT_ASSERT(line["timestamp"].isString());
      }
    }
    CPPUNIT_ASSERT(audited);
  }

  void testTopOrchestratorSet() {
    const std::string path = TestEnv::Get().run_dir + "/top-orchestrators.txt";
    const std::string in_set = UniqueAddress();
    {
      std::ofstream out(path);
      out << "# current top orchestrators\n" << in_set << "\n";
    }
    const std::string id = UniqueId("top");
    HttpResult r = Register(Registration(id, in_set));
    std::remove(path.c_str());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT(r.json["is_top_100"].asBool());
    {
      std::ofstream out(path);
      out << in_set << "\n";
    }
    r = Register(Registration(UniqueId("top"), UniqueAddress()));
    std::remove(path.c_str());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 403L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Address is not part of the current top orchestrators"),
                         r.json["detail"].asString());
    // With the set gone every address passes again.
    r = Register(Registration(UniqueId("top"), UniqueAddress()));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
  }

  void testViewRoutesNeedToken() {
    HttpResult r = Get("/api/orchestrators");
    CPPUNIT_ASSERT_EQUAL(401L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Viewer token required"), r.json["detail"].asString());
    RequestOptions wrong;
    wrong.headers.push_back("X-Admin-Token: " + TestEnv::Get().viewer_token + "x");
    CPPUNIT_ASSERT_EQUAL(401L, Get("/api/orchestrators", wrong).status);
    CPPUNIT_ASSERT_EQUAL(200L, Get("/api/orchestrators", AsViewer()).status);
    CPPUNIT_ASSERT_EQUAL(200L, Get("/api/orchestrators", AsAdmin()).status);
    CPPUNIT_ASSERT_EQUAL(401L, Get("/api/orchestrators/anything").status);
  }

  void testSecureDefaultsWithoutTokens() {
    RequestOptions bare;
    bare.base_url = TestEnv::Get().bare_url;
    HttpResult r = Get("/api/orchestrators", bare);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 503L, r.status);
    bare.headers.push_back(AdminHeader());
    CPPUNIT_ASSERT_EQUAL(503L, Get("/api/orchestrators", bare).status);
    RequestOptions health;
    health.base_url = TestEnv::Get().bare_url;
    CPPUNIT_ASSERT_EQUAL(200L, Get("/api/health", health).status);
    health.source_ip = NextIp();
    r = PostJson("/api/orchestrators/register", Registration(UniqueId("bare"), UniqueAddress()),
                 health);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
  }

  void testRedactionOutsideManagerAllowlist() {
    const std::string id = UniqueId("redact");
    Json::Value body = Registration(id, UniqueAddress());
    body["host_public_ip"] = "203.0.113.9";
    body["health_url"] = "http://203.0.113.9/health";
    body["host_name"] = "visible";
    CPPUNIT_ASSERT_EQUAL(200L, Register(body).status);
    // The test stack's allowlist is 127.0.0.1.
    HttpResult r = ViewRecord(id, "127.0.0.1");
    CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.9"), r.json["host_public_ip"].asString());
    CPPUNIT_ASSERT(r.json["last_seen_ip"].isString());
    CPPUNIT_ASSERT(r.json["health_url"].isString());
    r = ViewRecord(id, NextIp());
    CPPUNIT_ASSERT(r.json["host_public_ip"].isNull());
    CPPUNIT_ASSERT(r.json["last_seen_ip"].isNull());
    CPPUNIT_ASSERT(r.json["health_url"].isNull());
    CPPUNIT_ASSERT_EQUAL(std::string("visible"), r.json["host_name"].asString());
    RequestOptions list = AsViewer();
    list.source_ip = NextIp();
    for (const Json::Value& rec : Get("/api/orchestrators", list).json["orchestrators"]) {
      CPPUNIT_ASSERT(rec["host_public_ip"].isNull() && rec["last_seen_ip"].isNull());
    }
  }

  void testForwardedForIsNotTrusted() {
    const std::string id = UniqueId("xff");
    const std::string ip = NextIp();
    RequestOptions options;
    options.source_ip = ip;
    options.headers.push_back("X-Forwarded-For: 10.9.8.7");
    options.headers.push_back("X-Real-IP: 10.9.8.7");
    const HttpResult r =
        PostJson("/api/orchestrators/register", Registration(id, UniqueAddress()), options);
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    CPPUNIT_ASSERT_EQUAL(ip, ViewRecord(id, "127.0.0.1").json["last_seen_ip"].asString());
  }

  void testUnknownOrchestrator404() {
    const HttpResult r = ViewRecord(UniqueId("ghost"));
    CPPUNIT_ASSERT_EQUAL(404L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Not found"), r.json["detail"].asString());
    // Percent-encoded ids round-trip.
    const std::string id = UniqueId("a b/c");
    CPPUNIT_ASSERT_EQUAL(200L, Register(Registration(id, UniqueAddress())).status);
    std::string encoded;
    for (char c : id) {
      if (c == ' ') {
        encoded += "%20";
      } else if (c == '/') {
        encoded += "%2F";
      } else {
        encoded += c;
      }
    }
    const HttpResult found = ViewRecord(encoded);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(found.Describe(), 200L, found.status);
    CPPUNIT_ASSERT_EQUAL(id, found.json["orchestrator_id"].asString());
  }

  void testAuditLines() {
    const std::string id = UniqueId("audit");
    const std::string ip = NextIp();
    CPPUNIT_ASSERT_EQUAL(200L, Register(Registration(id, UniqueAddress()), ip).status);
    int seen = 0;
    for (const Json::Value& line : ReadAuditLines("registry.log")) {
      if (line["orchestrator_id"].asString() != id) continue;
      ++seen;
      CPPUNIT_ASSERT_EQUAL(std::string("register"), line["event"].asString());
      CPPUNIT_ASSERT_EQUAL(ip, line["request_ip"].asString());
      CPPUNIT_ASSERT(line["timestamp"].isString());
    }
    CPPUNIT_ASSERT_EQUAL(1, seen);
  }

  void testListIsSortedAndComplete() {
    const HttpResult r = Get("/api/orchestrators", AsViewer());
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    const Json::Value& list = r.json["orchestrators"];
    CPPUNIT_ASSERT(list.isArray() && list.size() > 0);
    for (Json::ArrayIndex i = 1; i < list.size(); ++i) {
      CPPUNIT_ASSERT(list[i - 1]["orchestrator_id"].asString() <
                     list[i]["orchestrator_id"].asString());
    }
  }

  void testHealth() {
    const HttpResult r = Get("/api/health");
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), r.json["status"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), r.json["database"].asString());
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(RegistryTest, "Registry");

}  // namespace payments::testing
