// Unit tests for payments::Router (fcgi_app/http/router.h): pattern matching
// and Dispatch's 404/405 decisions, filter and error mapping. Dispatch runs
// with a Db that has no driver: no handler used here touches it.

#include "http/router.h"

#include <cppconn/exception.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <stdlib.h>

#include <boost/log/core.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/auth.h"
#include "app/routes.h"
#include "app/services.h"
#include "config/config.h"
#include "http/errors.h"
#include "http/json.h"
#include "storage/db.h"
#include "tests/unit/temp_dir.h"

namespace payments {
namespace {

using Params = std::map<std::string, std::string>;

// A fresh directory under $TMPDIR, removed with everything in it.
using testing::TempDir;

Config LoadConfig(const std::map<std::string, std::string>& env) {
  return Config::Load([&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

bool MatchOk(const std::string& pattern, const std::string& path, Params* params = nullptr) {
  return Router::Match(pattern, path, params);
}

// Handlers for a synthetic route table. Each answers with its own name and
// the params it saw.
std::vector<std::string> g_calls;

Response Answer(const char* name, RequestContext& context) {
  g_calls.push_back(name);
  Json::Value body(Json::objectValue);
  body["handler"] = name;
  body["params"] = Json::Value(Json::objectValue);
  for (const auto& [key, value] : context.params) body["params"][key] = value;
  return JsonResponse(200, body);
}
Response ListThings(RequestContext& c) { return Answer("list", c); }
Response CreateThing(RequestContext& c) { return Answer("create", c); }
Response ThingSummary(RequestContext& c) { return Answer("summary", c); }
Response GetThing(RequestContext& c) { return Answer("get", c); }
Response PatchThing(RequestContext& c) { return Answer("patch", c); }
Response GetPart(RequestContext& c) { return Answer("part", c); }
Response ViewThing(RequestContext& c) { return Answer("view", c); }
Response AdminThing(RequestContext& c) { return Answer("admin", c); }

Response ThrowValidationError(RequestContext&) {
  ThrowValidation("body", "amount", "Too many decimal places (max 18)", "decimal_places");
}
Response ThrowConflict(RequestContext&) { throw ApiError(ErrorKind::kConflict, "Already taken"); }
Response ThrowDbError(RequestContext&) { throw DbError("SELECT secret FROM t failed", false); }
Response ThrowDbCommitUnknown(RequestContext&) { throw DbError("lost during COMMIT", true); }
Response ThrowSqlException(RequestContext&) {
  throw sql::SQLException("Table 'secret_table' doesn't exist", "42S02", 1146);
}
Response ThrowRuntime(RequestContext&) {
  throw std::runtime_error("internal detail: /etc/secret at line 42");
}
Response ThrowOutOfRange(RequestContext& c) { return Answer(c.Param("no_such_param").c_str(), c); }

std::vector<Route> ThingRoutes() {
  return {
      {"GET", "/api/things", Role::kPublic, ListThings},
      {"POST", "/api/things", Role::kPublic, CreateThing},
      {"GET", "/api/things/summary", Role::kPublic, ThingSummary},
      {"GET", "/api/things/{thing_id}", Role::kPublic, GetThing},
      {"PATCH", "/api/things/{thing_id}", Role::kPublic, PatchThing},
      {"GET", "/api/things/{thing_id}/parts/{part_id}", Role::kPublic, GetPart},
      {"GET", "/api/view", Role::kViewer, ViewThing},
      {"POST", "/api/admin", Role::kAdmin, AdminThing},
      {"GET", "/api/errors/validation", Role::kPublic, ThrowValidationError},
      {"GET", "/api/errors/conflict", Role::kPublic, ThrowConflict},
      {"GET", "/api/errors/db", Role::kPublic, ThrowDbError},
      {"GET", "/api/errors/commit", Role::kPublic, ThrowDbCommitUnknown},
      {"GET", "/api/errors/sql", Role::kPublic, ThrowSqlException},
      {"GET", "/api/errors/runtime", Role::kPublic, ThrowRuntime},
      {"GET", "/api/errors/param", Role::kPublic, ThrowOutOfRange},
  };
}

Request MakeRequest(const std::string& method, const std::string& path,
                    const std::string& admin_token = "") {
  Request request;
  request.method = method;
  request.path = path;
  request.remote_addr = "127.0.0.1";
  request.request_id = "test-rid";
  if (!admin_token.empty()) request.headers["x-admin-token"] = admin_token;
  return request;
}

Json::Value BodyOf(const Response& response) { return ParseJsonObject(response.body); }

void AssertError(const Response& response, int status, const std::string& detail,
                 const std::string& what) {
  CPPUNIT_ASSERT_EQUAL_MESSAGE("status for " + what + " (body " + response.body + ")", status,
                               response.status);
  CPPUNIT_ASSERT_EQUAL_MESSAGE("body for " + what,
                               "{\"detail\":" + ToJson(Json::Value(detail)) + "}", response.body);
}

const std::string kAdmin = "admin-token-0123456789";
const std::string kViewer = "viewer-token-0123456789";

}  // namespace

class RouterTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RouterTest);
  CPPUNIT_TEST(testMatchLiteral);
  CPPUNIT_TEST(testMatchParam);
  CPPUNIT_TEST(testMatchPercentDecodedParam);
  CPPUNIT_TEST(testMatchEmptyAndExtraSegments);
  CPPUNIT_TEST(testMatchRejectsRelativeAndEmptyPaths);
  CPPUNIT_TEST(testMatchLeavesParamsOnFailure);
  CPPUNIT_TEST(testDispatchFindsHandler);
  CPPUNIT_TEST(testDispatchLiteralBeforeParam);
  CPPUNIT_TEST(testDispatch404);
  CPPUNIT_TEST(testDispatch405);
  CPPUNIT_TEST(testDispatchFilterRunsFirst);
  CPPUNIT_TEST(testDispatchErrorMapping);
  CPPUNIT_TEST(testDispatchWithAuthFilter);
  CPPUNIT_TEST(testApiRoutes404And405);
  CPPUNIT_TEST(testApiRoutesAuthBeforeHandlers);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    boost::log::core::get()->set_logging_enabled(false);
    g_calls.clear();
    dir_ = std::make_unique<TempDir>();
    config_ = std::make_unique<Config>(LoadConfig({{"PAYMENTS_DATA_DIR", dir_->path()},
                                                   {"PAYMENTS_API_ADMIN_TOKEN", kAdmin},
                                                   {"PAYMENTS_VIEWER_TOKENS", kViewer}}));
    services_ = std::make_unique<Services>(*config_);
    db_ = std::make_unique<Db>(nullptr, config_->db);
  }

  void tearDown() override {
    db_.reset();
    services_.reset();
    config_.reset();
    dir_.reset();
    boost::log::core::get()->set_logging_enabled(true);
  }

  void testMatchLiteral() {
    Params params;
    CPPUNIT_ASSERT(MatchOk("/api/health", "/api/health", &params));
    CPPUNIT_ASSERT(params.empty());
    CPPUNIT_ASSERT(MatchOk("/api/health", "/api/health"));  // params may be null
    CPPUNIT_ASSERT(!MatchOk("/api/health", "/api/healthz"));
    CPPUNIT_ASSERT(!MatchOk("/api/health", "/api/healt"));
    CPPUNIT_ASSERT(!MatchOk("/api/health", "/api/Health"));
    CPPUNIT_ASSERT(!MatchOk("/api/health", "/API/health"));
    CPPUNIT_ASSERT(!MatchOk("/api/health", "/api"));
    CPPUNIT_ASSERT(!MatchOk("/api/health", "/health"));
    // Literal segments are compared as sent, not decoded.
    CPPUNIT_ASSERT(!MatchOk("/api/health", "/api/%68ealth"));
    // The query is not part of the path (BuildRequest strips it).
    CPPUNIT_ASSERT(!MatchOk("/api/health", "/api/health?x=1"));
  }

  void testMatchParam() {
    Params params;
    CPPUNIT_ASSERT(
        MatchOk("/api/orchestrators/{orchestrator_id}", "/api/orchestrators/orch-1", &params));
    CPPUNIT_ASSERT(Params({{"orchestrator_id", "orch-1"}}) == params);
    // A {param} segment does not match a literal sibling's text specially.
    CPPUNIT_ASSERT(MatchOk("/api/orchestrators/{id}", "/api/orchestrators/register", &params));
    CPPUNIT_ASSERT(Params({{"id", "register"}}) == params);
    CPPUNIT_ASSERT(MatchOk("/a/{x}/b/{y}", "/a/1/b/2", &params));
    CPPUNIT_ASSERT(Params({{"x", "1"}, {"y", "2"}}) == params);
    CPPUNIT_ASSERT(!MatchOk("/a/{x}/b/{y}", "/a/1/c/2", &params));
    CPPUNIT_ASSERT(MatchOk("/{x}", "/anything", &params));
    CPPUNIT_ASSERT(Params({{"x", "anything"}}) == params);
    // Literal parts around a parameter must still match exactly.
    CPPUNIT_ASSERT(!MatchOk("/api/orchestrators/{id}", "/api/orchestrator/x"));
    CPPUNIT_ASSERT(!MatchOk("/api/orchestrators/{id}", "/apx/orchestrators/x"));
  }

  void testMatchPercentDecodedParam() {
    Params params;
    CPPUNIT_ASSERT(MatchOk("/o/{id}", "/o/a%20b", &params));
    CPPUNIT_ASSERT_EQUAL(std::string("a b"), params["id"]);
    // '+' is a plus in a path, not a space.
    CPPUNIT_ASSERT(MatchOk("/o/{id}", "/o/a+b", &params));
    CPPUNIT_ASSERT_EQUAL(std::string("a+b"), params["id"]);
    // An encoded slash is part of the value, not a separator.
    CPPUNIT_ASSERT(MatchOk("/o/{id}", "/o/a%2Fb", &params));
    CPPUNIT_ASSERT_EQUAL(std::string("a/b"), params["id"]);
    CPPUNIT_ASSERT(MatchOk("/o/{id}", "/o/%E2%82%AC", &params));
    CPPUNIT_ASSERT_EQUAL(std::string("\xe2\x82\xac"), params["id"]);
    CPPUNIT_ASSERT(MatchOk("/o/{id}", "/o/%2541", &params));
    CPPUNIT_ASSERT_EQUAL(std::string("%41"), params["id"]);  // decoded once only
    // Malformed escapes do not match at all.
    for (const char* bad : {"/o/%", "/o/%2", "/o/%zz", "/o/abc%", "/o/%g0"}) {
      CPPUNIT_ASSERT_MESSAGE(bad, !MatchOk("/o/{id}", bad));
    }
  }

  void testMatchEmptyAndExtraSegments() {
    // An empty parameter never matches, whether literal or encoded...
    CPPUNIT_ASSERT(!MatchOk("/o/{id}", "/o/"));
    CPPUNIT_ASSERT(!MatchOk("/o/{id}/parts", "/o//parts"));
    // ...trailing slashes and extra segments are different paths...
    CPPUNIT_ASSERT(!MatchOk("/o/{id}", "/o/x/"));
    CPPUNIT_ASSERT(!MatchOk("/o/{id}", "/o/x/y"));
    CPPUNIT_ASSERT(!MatchOk("/o", "/o/"));
    CPPUNIT_ASSERT(!MatchOk("/o/{id}", "/o"));
    // ...and so are doubled slashes.
    CPPUNIT_ASSERT(!MatchOk("/api/health", "//api/health"));
    CPPUNIT_ASSERT(!MatchOk("/api/health", "/api//health"));
    // The root is a path with one empty segment.
    CPPUNIT_ASSERT(MatchOk("/", "/"));
    CPPUNIT_ASSERT(!MatchOk("/", "/x"));
  }

  void testMatchRejectsRelativeAndEmptyPaths() {
    CPPUNIT_ASSERT(!MatchOk("/api/health", ""));
    CPPUNIT_ASSERT(!MatchOk("/api/health", "api/health"));
    CPPUNIT_ASSERT(!MatchOk("/api/health", "*"));
    CPPUNIT_ASSERT(!MatchOk("/{x}", "x"));
  }

  void testMatchLeavesParamsOnFailure() {
    Params params = {{"keep", "me"}};
    CPPUNIT_ASSERT(!MatchOk("/a/{x}/b", "/a/1/c", &params));
    CPPUNIT_ASSERT(Params({{"keep", "me"}}) == params);
    CPPUNIT_ASSERT(!MatchOk("/a/{x}", "/a/%zz", &params));
    CPPUNIT_ASSERT(Params({{"keep", "me"}}) == params);
    // On success the map is replaced, not merged.
    CPPUNIT_ASSERT(MatchOk("/a/{x}", "/a/1", &params));
    CPPUNIT_ASSERT(Params({{"x", "1"}}) == params);
  }

  void testDispatchFindsHandler() {
    const Router router(ThingRoutes(), [](Role, RequestContext&) {});
    Response r = Dispatch(router, MakeRequest("GET", "/api/things"));
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("list"), BodyOf(r)["handler"].asString());
    r = Dispatch(router, MakeRequest("POST", "/api/things"));
    CPPUNIT_ASSERT_EQUAL(std::string("create"), BodyOf(r)["handler"].asString());
    r = Dispatch(router, MakeRequest("PATCH", "/api/things/t%2042"));
    CPPUNIT_ASSERT_EQUAL(std::string("patch"), BodyOf(r)["handler"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("t 42"), BodyOf(r)["params"]["thing_id"].asString());
    r = Dispatch(router, MakeRequest("GET", "/api/things/7/parts/x%2Fy"));
    CPPUNIT_ASSERT_EQUAL(std::string("part"), BodyOf(r)["handler"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("7"), BodyOf(r)["params"]["thing_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("x/y"), BodyOf(r)["params"]["part_id"].asString());
    CPPUNIT_ASSERT(std::vector<std::string>({"list", "create", "patch", "part"}) == g_calls);
  }

  void testDispatchLiteralBeforeParam() {
    const Router router(ThingRoutes(), [](Role, RequestContext&) {});
    Response r = Dispatch(router, MakeRequest("GET", "/api/things/summary"));
    CPPUNIT_ASSERT_EQUAL(std::string("summary"), BodyOf(r)["handler"].asString());
    CPPUNIT_ASSERT(BodyOf(r)["params"].empty());
    r = Dispatch(router, MakeRequest("GET", "/api/things/summary2"));
    CPPUNIT_ASSERT_EQUAL(std::string("get"), BodyOf(r)["handler"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("summary2"), BodyOf(r)["params"]["thing_id"].asString());
    // The literal route has no PATCH, so PATCH falls through to the {param} route.
    r = Dispatch(router, MakeRequest("PATCH", "/api/things/summary"));
    CPPUNIT_ASSERT_EQUAL(std::string("patch"), BodyOf(r)["handler"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("summary"), BodyOf(r)["params"]["thing_id"].asString());
  }

  void testDispatch404() {
    const Router router(ThingRoutes(), [](Role, RequestContext&) {
      CPPUNIT_FAIL("filter must not run for an unknown path");
    });
    for (const char* path :
         {"/api/nothing", "/api/things/", "/api/things/7/", "/api/things//parts/1", "/api", "/", "",
          "api/things", "/api/things/%zz", "/api/things/7/parts", "/API/things",
          "/api/things/7/parts/1/x"}) {
      AssertError(Dispatch(router, MakeRequest("GET", path)), 404, "Not Found", path);
      AssertError(Dispatch(router, MakeRequest("DELETE", path)), 404, "Not Found", path);
    }
    CPPUNIT_ASSERT(g_calls.empty());
  }

  void testDispatch405() {
    const Router router(ThingRoutes(), [](Role, RequestContext&) {
      CPPUNIT_FAIL("filter must not run for a wrong method");
    });
    const struct {
      const char* method;
      const char* path;
    } kCases[] = {
        {"DELETE", "/api/things"},
        {"PUT", "/api/things"},
        {"PATCH", "/api/things"},
        {"POST", "/api/things/summary"},
        {"PUT", "/api/things/7"},
        {"DELETE", "/api/things/summary"},
        {"POST", "/api/things/7/parts/8"},
        {"get", "/api/things"},  // methods are case-sensitive
        {"", "/api/things"},
        {"HEAD", "/api/things/7"},
        {"GET", "/api/admin"},
        {"POST", "/api/view"},
    };
    for (const auto& c : kCases) {
      AssertError(Dispatch(router, MakeRequest(c.method, c.path)), 405, "Method Not Allowed",
                  std::string(c.method) + " " + c.path);
    }
    CPPUNIT_ASSERT(g_calls.empty());
  }

  void testDispatchFilterRunsFirst() {
    std::vector<Role> seen;
    const Router router(ThingRoutes(), [&seen](Role role, RequestContext& context) {
      seen.push_back(role);
      if (context.request.Header("x-admin-token") != "letmein") {
        throw ApiError(ErrorKind::kUnauthorized, "Admin token required");
      }
    });
    AssertError(Dispatch(router, MakeRequest("POST", "/api/admin")), 401, "Admin token required",
                "refused by the filter");
    CPPUNIT_ASSERT(g_calls.empty());  // the handler never ran
    const Response r = Dispatch(router, MakeRequest("POST", "/api/admin", "letmein"));
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT(std::vector<std::string>({"admin"}) == g_calls);
    Dispatch(router, MakeRequest("GET", "/api/view", "letmein"));
    Dispatch(router, MakeRequest("GET", "/api/things", "letmein"));
    CPPUNIT_ASSERT(std::vector<Role>({Role::kAdmin, Role::kAdmin, Role::kViewer, Role::kPublic}) ==
                   seen);
  }

  void testDispatchErrorMapping() {
    const Router router(ThingRoutes(), [](Role, RequestContext&) {});

    Response r = Dispatch(router, MakeRequest("GET", "/api/errors/validation"));
    CPPUNIT_ASSERT_EQUAL(422, r.status);
    const Json::Value detail = BodyOf(r)["detail"];
    CPPUNIT_ASSERT(detail.isArray() && detail.size() == 1);
    CPPUNIT_ASSERT_EQUAL(std::string("body"), detail[0]["loc"][0].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("amount"), detail[0]["loc"][1].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("decimal_places"), detail[0]["type"].asString());

    AssertError(Dispatch(router, MakeRequest("GET", "/api/errors/conflict")), 409, "Already taken",
                "ApiError");
    AssertError(Dispatch(router, MakeRequest("GET", "/api/errors/db")), 503, "Database unavailable",
                "DbError");
    r = Dispatch(router, MakeRequest("GET", "/api/errors/commit"));
    CPPUNIT_ASSERT_EQUAL(503, r.status);
    CPPUNIT_ASSERT(BodyOf(r)["detail"].asString().find("outcome is unknown") != std::string::npos);
    AssertError(Dispatch(router, MakeRequest("GET", "/api/errors/sql")), 503,
                "Database unavailable", "sql::SQLException");
    AssertError(Dispatch(router, MakeRequest("GET", "/api/errors/runtime")), 500,
                "Internal Server Error", "std::runtime_error");
    AssertError(Dispatch(router, MakeRequest("GET", "/api/errors/param")), 500,
                "Internal Server Error", "std::out_of_range");
    // No internals leak into any of those bodies.
    for (const char* path :
         {"/api/errors/db", "/api/errors/commit", "/api/errors/sql", "/api/errors/runtime"}) {
      const std::string body = Dispatch(router, MakeRequest("GET", path)).body;
      CPPUNIT_ASSERT_MESSAGE(body, body.find("secret") == std::string::npos);
      CPPUNIT_ASSERT_MESSAGE(body, body.find("SELECT") == std::string::npos);
      CPPUNIT_ASSERT_MESSAGE(body, body.find("COMMIT") == std::string::npos);
    }
    // The router keeps working after every kind of failure.
    CPPUNIT_ASSERT_EQUAL(200, Dispatch(router, MakeRequest("GET", "/api/things")).status);
  }

  void testDispatchWithAuthFilter() {
    const Router router(ThingRoutes(), AuthorizeRole);
    AssertError(Dispatch(router, MakeRequest("GET", "/api/view")), 401, "Viewer token required",
                "view without token");
    AssertError(Dispatch(router, MakeRequest("GET", "/api/view", "wrong-token-0123456789")), 401,
                "Viewer token required", "view with a wrong token");
    CPPUNIT_ASSERT_EQUAL(200, Dispatch(router, MakeRequest("GET", "/api/view", kViewer)).status);
    CPPUNIT_ASSERT_EQUAL(200, Dispatch(router, MakeRequest("GET", "/api/view", kAdmin)).status);
    AssertError(Dispatch(router, MakeRequest("POST", "/api/admin", kViewer)), 401,
                "Admin token required", "admin with the viewer token");
    CPPUNIT_ASSERT_EQUAL(200, Dispatch(router, MakeRequest("POST", "/api/admin", kAdmin)).status);
    CPPUNIT_ASSERT_EQUAL(200, Dispatch(router, MakeRequest("GET", "/api/things")).status);
    CPPUNIT_ASSERT(std::vector<std::string>({"view", "view", "admin", "list"}) == g_calls);
  }

  // The production table: unknown paths and wrong methods are decided before
  // any handler (or the database) is involved.
  void testApiRoutes404And405() {
    const Router router(ApiRoutes(), AuthorizeRole);
    for (const char* path :
         {"/api/unknown", "/", "/api", "/api/", "/api/health/", "/api/orchestrators/",
          "/api/orchestrators/x/y", "/api/orchestrators/%zz", "/api/Health",
          "/api/orchestrators/register/"}) {
      AssertError(Dispatch(router, MakeRequest("GET", path)), 404, "Not Found", path);
    }
    const struct {
      const char* method;
      const char* path;
    } k405[] = {
        {"POST", "/api/health"},
        {"DELETE", "/api/health"},
        {"POST", "/api/orchestrators"},
        {"DELETE", "/api/orchestrators"},
        {"PUT", "/api/orchestrators/register"},
        {"DELETE", "/api/orchestrators/orch-1"},
        {"PATCH", "/api/orchestrators/orch-1"},
        {"POST", "/api/orchestrators/orch-1"},
        {"DELETE", "/api/workloads/summary"},
        {"POST", "/api/workloads/summary"},
        {"PUT", "/api/workloads"},
        {"GET", "/api/ledger/adjustments"},
        {"PUT", "/api/ledger/events"},
    };
    for (const auto& c : k405) {
      AssertError(Dispatch(router, MakeRequest(c.method, c.path)), 405, "Method Not Allowed",
                  std::string(c.method) + " " + c.path);
    }
  }

  void testApiRoutesAuthBeforeHandlers() {
    const Router router(ApiRoutes(), AuthorizeRole);
    AssertError(Dispatch(router, MakeRequest("GET", "/api/orchestrators")), 401,
                "Viewer token required", "list without token");
    // GET on the register path is the {orchestrator_id} view route.
    AssertError(Dispatch(router, MakeRequest("GET", "/api/orchestrators/register")), 401,
                "Viewer token required", "GET register");
    AssertError(Dispatch(router, MakeRequest("GET", "/api/orchestrators/a%2Fb", "nope")), 401,
                "Viewer token required", "encoded id");
    // Literal before {param}: GET summary is the view route, PATCH summary
    // the admin {workload_id} route.
    AssertError(Dispatch(router, MakeRequest("GET", "/api/workloads/summary", "nope")), 401,
                "Viewer token required", "GET workloads/summary");
    AssertError(Dispatch(router, MakeRequest("PATCH", "/api/workloads/summary", kViewer)), 401,
                "Admin token required", "PATCH workloads/summary");
    AssertError(Dispatch(router, MakeRequest("POST", "/api/ledger/adjustments", kViewer)), 401,
                "Admin token required", "viewer on an admin route");

    // With no tokens configured at all, view routes are disabled.
    const TempDir dir;
    const Config bare = LoadConfig({{"PAYMENTS_DATA_DIR", dir.path()}});
    const Services services(bare);
    const Response r =
        router.Dispatch(MakeRequest("GET", "/api/orchestrators", kAdmin), *db_, services);
    CPPUNIT_ASSERT_EQUAL(503, r.status);
  }

 private:
  Response Dispatch(const Router& router, const Request& request) {
    return router.Dispatch(request, *db_, *services_);
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Config> config_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<Db> db_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RouterTest);

}  // namespace payments
