// Hostile and malformed input through nginx: every one answered with a 4xx
// in API.md's JSON shape, never a 5xx, and the service healthy afterwards.
#include <cppunit/extensions/HelperMacros.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "tests/integration/client.h"

namespace payments::testing {
namespace {

HttpResult PostRaw(const std::string& path, const std::string& body,
                   std::vector<std::string> headers = {}) {
  RequestOptions options;
  options.headers = std::move(headers);
  options.source_ip = NextIp();
  return Send("POST", path, body, options);
}

void AssertBodyError(const HttpResult& r) {
  CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 422L, r.status);
  const Json::Value& detail = r.json["detail"];
  CPPUNIT_ASSERT_MESSAGE(r.Describe(), detail.isArray() && detail.size() == 1);
  CPPUNIT_ASSERT_EQUAL(1u, detail[0]["loc"].size());
  CPPUNIT_ASSERT_EQUAL(std::string("body"), detail[0]["loc"][0].asString());
  CPPUNIT_ASSERT(detail[0]["msg"].isString());
  CPPUNIT_ASSERT(detail[0]["type"].isString());
}

void AssertHealthy() {
  const HttpResult r = Get("/api/health");
  CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
}

}  // namespace

class RobustnessTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RobustnessTest);
  CPPUNIT_TEST(testMalformedJson);
  CPPUNIT_TEST(testNonObjectBodies);
  CPPUNIT_TEST(testInvalidUtf8);
  CPPUNIT_TEST(testDeepNesting);
  CPPUNIT_TEST(testHugeBodyIs413);
  CPPUNIT_TEST(testUnknownRoutesAndMethods);
  CPPUNIT_TEST(testWrongTypesEverywhere);
  CPPUNIT_TEST(testOddButValidStrings);
  CPPUNIT_TEST(testNginxRateLimitAnswersJson);
  CPPUNIT_TEST(testNoServerVersionLeak);
  CPPUNIT_TEST(testBurstOfGarbageKeepsWorkersAlive);
  CPPUNIT_TEST(testSupervisorReplacesAKilledWorker);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testMalformedJson() {
    const char* bodies[] = {"{",
                            "{\"orchestrator_id\": }",
                            "{'a': 1}",
                            "{\"a\":1,}",
                            "{\"a\":1} trailing",
                            "nul",
                            "{\"a\":1}{\"b\":2}",
                            "",
                            "{\"a\": NaN}",
                            "{\"a\": Infinity}",
                            "{\"a\": 1e999999}",
                            "{\"a\":1,\"a\":2}",
                            "/* c */ {}"};
    for (const char* body : bodies) {
      const HttpResult r = PostRaw("/api/orchestrators/register", body);
      CPPUNIT_ASSERT_MESSAGE(std::string("body: ") + body + " -> " + r.Describe(), r.status == 422);
      AssertBodyError(r);
    }
    AssertHealthy();
  }

  void testNonObjectBodies() {
    for (const char* body : {"[]", "[1,2]", "\"text\"", "42", "null", "true"}) {
      AssertBodyError(PostRaw("/api/orchestrators/register", body));
    }
  }

  void testInvalidUtf8() {
    const std::string bodies[] = {
        std::string("{\"orchestrator_id\":\"a\xff\",\"address\":\"0x1\"}"),
        std::string("{\"orchestrator_id\":\"\xc0\xaf\"}"),      // overlong '/'
        std::string("{\"orchestrator_id\":\"\xed\xa0\x80\"}"),  // encoded surrogate
        std::string("{\"orchestrator_id\":\"\xe2\x82\"}"),      // truncated
        std::string("{\"orchestrator_id\":\"\\ud800\"}"),       // lone high surrogate
        std::string("{\"orchestrator_id\":\"\\udc00x\"}"),      // lone low surrogate
        std::string("{\"k\xfe\":1}"),                           // bad key
    };
    for (const std::string& body : bodies)
      AssertBodyError(PostRaw("/api/orchestrators/register", body));
    AssertHealthy();
  }

  void testDeepNesting() {
    const std::string deep_array = std::string(5000, '[') + std::string(5000, ']');
    AssertBodyError(PostRaw("/api/orchestrators/register", deep_array));
    std::string deep_object;
    for (int i = 0; i < 5000; ++i) deep_object += "{\"a\":";
    deep_object += "1" + std::string(5000, '}');
    AssertBodyError(PostRaw("/api/orchestrators/register", deep_object));
    AssertHealthy();
  }

  void testHugeBodyIs413() {
    const std::string body = "{\"orchestrator_id\":\"" + std::string(2 * 1024 * 1024, 'a') + "\"}";
    const HttpResult r = PostRaw("/api/orchestrators/register", body);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(r.status), 413L, r.status);
    CPPUNIT_ASSERT(r.json["detail"].isString());
    AssertHealthy();
  }

  void testUnknownRoutesAndMethods() {
    HttpResult r = Get("/api/does-not-exist");
    CPPUNIT_ASSERT_EQUAL(404L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Not Found"), r.json["detail"].asString());
    r = Get("/api/orchestrators/a/b/c", AsViewer());
    CPPUNIT_ASSERT_EQUAL(404L, r.status);
    r = Get("/api/orchestrators/", AsViewer());
    CPPUNIT_ASSERT_EQUAL(404L, r.status);
    r = Get("/not-api");
    CPPUNIT_ASSERT_EQUAL(404L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Not Found"), r.json["detail"].asString());
    r = Send("DELETE", "/api/health", "");
    CPPUNIT_ASSERT_EQUAL(405L, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Method Not Allowed"), r.json["detail"].asString());
    r = Get("/api/orchestrators/register");  // GET on a POST route: the {id} route matches
    CPPUNIT_ASSERT(r.status == 401);
    r = Send("PUT", "/api/orchestrators/register", "{}");
    CPPUNIT_ASSERT_EQUAL(405L, r.status);
    r = Send("PATCH", "/api/orchestrators", "{}");
    CPPUNIT_ASSERT_EQUAL(405L, r.status);
    // nginx refuses a malformed escape itself, still in JSON.
    r = Get("/api/orchestrators/%zz", AsViewer());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 400L, r.status);
    CPPUNIT_ASSERT(r.json["detail"].isString());
    AssertHealthy();
  }

  void testWrongTypesEverywhere() {
    const Json::Value values[] = {Json::Value(1), Json::Value(true), Json::Value(Json::arrayValue),
                                  Json::Value(Json::objectValue), Json::Value(1.5)};
    const char* fields[] = {"orchestrator_id", "address",   "capability", "contact_email",
                            "host_public_ip",  "host_name", "health_url"};
    for (const char* field : fields) {
      for (const Json::Value& value : values) {
        Json::Value body(Json::objectValue);
        body["orchestrator_id"] = UniqueId("types");
        body["address"] = UniqueAddress();
        body[field] = value;
        RequestOptions options;
        options.source_ip = NextIp();
        const HttpResult r = PostJson("/api/orchestrators/register", body, options);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(field) + ": " + r.Describe(), 422L, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string(field), r.json["detail"][0]["loc"][1].asString());
      }
    }
    Json::Value body(Json::objectValue);
    body["orchestrator_id"] = UniqueId("types");
    body["address"] = UniqueAddress();
    body["health_timeout"] = "2";
    body["min_service_uptime"] = Json::Value(Json::objectValue);
    body["services_healthy"] = 1;
    Json::Value services(Json::arrayValue);
    services.append(1);
    body["monitored_services"] = services;
    RequestOptions options;
    options.source_ip = NextIp();
    const HttpResult r = PostJson("/api/orchestrators/register", body, options);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 422L, r.status);
    CPPUNIT_ASSERT_EQUAL(4u, r.json["detail"].size());
  }

  void testOddButValidStrings() {
    // NUL bytes, emoji and quotes are data, not errors.
    Json::Value body(Json::objectValue);
    const std::string id = UniqueId("odd\xf0\x9f\x9a\x80'\"");
    body["orchestrator_id"] = id;
    body["address"] = UniqueAddress();
    body["host_name"] = std::string("nul\0byte", 8);
    body["capability"] = "'; DROP TABLE orchestrators; --";
    RequestOptions options;
    options.source_ip = NextIp();
    const HttpResult r = PostJson("/api/orchestrators/register", body, options);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(id, r.json["orchestrator_id"].asString());
    AssertHealthy();
  }

  // nginx's own per-IP limit on the register route answers 429 in JSON.
  void testNginxRateLimitAnswersJson() {
    const std::string ip = NextIp();
    std::atomic<int> limited{0};
    std::atomic<int> bad{0};
    RunParallel(80, 8, [&](int) {
      RequestOptions options;
      options.source_ip = ip;
      const HttpResult r = Send("POST", "/api/orchestrators/register", "{}", options);
      if (r.status == 429) {
        if (!r.json["detail"].isString()) ++bad;
        ++limited;
      } else if (r.status != 422) {
        ++bad;
      }
    });
    CPPUNIT_ASSERT_EQUAL(0, bad.load());
    CPPUNIT_ASSERT(limited.load() > 0);
  }

  void testNoServerVersionLeak() {
    HttpResult r = Get("/api/health");
    const std::string server = r.headers["server"];
    CPPUNIT_ASSERT_MESSAGE(server, server.find('/') == std::string::npos);
    CPPUNIT_ASSERT(!r.headers["x-request-id"].empty());
  }

  void testBurstOfGarbageKeepsWorkersAlive() {
    std::atomic<int> server_errors{0};
    RunParallel(200, 16, [&](int i) {
      std::string body;
      switch (i % 5) {
        case 0:
          body = std::string(1000, '[');
          break;
        case 1:
          body = "{\"orchestrator_id\":\"\xff\xfe\"}";
          break;
        case 2:
          body = "{\"orchestrator_id\":" + std::string(100, '9') + "}";
          break;
        case 3:
          body = std::string(64 * 1024, 'x');
          break;
        default:
          body = "{\"address\":null,\"orchestrator_id\":null}";
          break;
      }
      RequestOptions options;
      options.source_ip = NextIp();
      const HttpResult r = Send("POST", "/api/orchestrators/register", body, options);
      if (r.status >= 500) ++server_errors;
    });
    CPPUNIT_ASSERT_EQUAL(0, server_errors.load());
    AssertHealthy();
  }

  // kill -9 of one worker process: the other keeps serving, and the
  // supervisor forks a replacement.
  void testSupervisorReplacesAKilledWorker() {
    std::ifstream pid_file(TestEnv::Get().run_dir + "/app.pid");
    int supervisor = 0;
    pid_file >> supervisor;
    CPPUNIT_ASSERT(supervisor > 0);
    const std::vector<int> before = Children(supervisor);
    CPPUNIT_ASSERT_MESSAGE("expected 2 workers", before.size() == 2);
    CPPUNIT_ASSERT_EQUAL(0, ::kill(before[0], SIGKILL));
    std::atomic<int> failures{0};
    RunParallel(40, 4, [&](int) {
      if (Get("/api/health").status != 200) ++failures;
    });
    CPPUNIT_ASSERT_EQUAL(0, failures.load());
    std::vector<int> after;
    for (int i = 0; i < 100; ++i) {
      after = Children(supervisor);
      if (after.size() == 2 && std::find(after.begin(), after.end(), before[0]) == after.end()) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CPPUNIT_ASSERT_EQUAL(std::size_t(2), after.size());
    CPPUNIT_ASSERT(std::find(after.begin(), after.end(), before[0]) == after.end());
    AssertHealthy();
  }

 private:
  static std::vector<int> Children(int parent) {
    std::vector<int> out;
    std::ifstream in("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) +
                     "/children");
    int pid = 0;
    while (in >> pid) out.push_back(pid);
    return out;
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(RobustnessTest, "Robustness");

}  // namespace payments::testing
