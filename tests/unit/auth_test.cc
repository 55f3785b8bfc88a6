// Unit tests for AuthorizeRole (fcgi_app/app/auth.h): API.md's "Who may
// call what" for the public, viewer and admin roles under each configuration.

#include "app/auth.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <stdlib.h>

#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "app/services.h"
#include "config/config.h"
#include "http/errors.h"
#include "http/request.h"
#include "http/router.h"
#include "storage/db.h"
#include "tests/unit/temp_dir.h"

namespace payments {
namespace {

constexpr char kAdminDisabled[] = "Admin API disabled: set PAYMENTS_API_ADMIN_TOKEN";
constexpr char kAdminRequired[] = "Admin token required";
constexpr char kViewerRequired[] = "Viewer token required";

const std::string kAdmin = "admin-token-ABCDEFGHIJKLMNOP";
const std::string kViewer1 = "viewer-one-0123456789";
const std::string kViewer2 = "viewer-two-9876543210";

using testing::TempDir;

// One configuration with its Services and a driverless Db, as the router
// would hand them to the role filter.
class Setup {
 public:
  Setup(const std::string& admin, const std::string& viewers) {
    std::map<std::string, std::string> env = {{"PAYMENTS_DATA_DIR", dir_.path()}};
    if (!admin.empty()) env["PAYMENTS_API_ADMIN_TOKEN"] = admin;
    if (!viewers.empty()) env["PAYMENTS_VIEWER_TOKENS"] = viewers;
    config_ = Config::Load([&env](const char* name) -> const char* {
      const auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    });
    services_ = std::make_unique<Services>(config_);
    db_ = std::make_unique<Db>(nullptr, config_.db);
  }

  // Runs AuthorizeRole; returns nullopt when admitted, else the ApiError's
  // status and detail as "503 detail".
  std::optional<std::string> Check(Role role, const std::optional<std::string>& token) {
    Request request;
    request.method = "GET";
    request.path = "/api/x";
    if (token) request.headers["x-admin-token"] = *token;
    RequestContext context{request, *db_, *services_, {}, {}};
    try {
      AuthorizeRole(role, context);
    } catch (const ApiError& e) {
      return std::to_string(e.status()) + " " + e.detail().asString();
    }
    return std::nullopt;
  }

 private:
  TempDir dir_;
  Config config_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<Db> db_;
};

void AssertAdmitted(Setup& setup, Role role, const std::optional<std::string>& token,
                    const std::string& what) {
  const std::optional<std::string> refusal = setup.Check(role, token);
  CPPUNIT_ASSERT_MESSAGE(what + " refused: " + refusal.value_or(""), !refusal.has_value());
}

void AssertRefused(Setup& setup, Role role, const std::optional<std::string>& token, int status,
                   const std::string& detail, const std::string& what) {
  const std::optional<std::string> refusal = setup.Check(role, token);
  CPPUNIT_ASSERT_MESSAGE(what + " admitted", refusal.has_value());
  CPPUNIT_ASSERT_EQUAL_MESSAGE(what, std::to_string(status) + " " + detail, *refusal);
}

// Near misses of a token: each must be refused.
std::vector<std::string> NearMisses(const std::string& token) {
  std::string upper = token;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string last_changed = token;
  last_changed.back() = last_changed.back() == 'x' ? 'y' : 'x';
  std::string first_changed = token;
  first_changed.front() = first_changed.front() == 'x' ? 'y' : 'x';
  return {token.substr(0, token.size() - 1),
          token + "x",
          " " + token,
          token + " ",
          upper,
          last_changed,
          first_changed,
          token + "\n",
          std::string(token.size(), 'a'),
          "x"};
}

}  // namespace

class AuthTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AuthTest);
  CPPUNIT_TEST(testPublicAlwaysAdmitted);
  CPPUNIT_TEST(testAdminDisabled);
  CPPUNIT_TEST(testAdminToken);
  CPPUNIT_TEST(testAdminRefusesViewerTokens);
  CPPUNIT_TEST(testViewDisabledWithoutAnyToken);
  CPPUNIT_TEST(testViewWithViewerTokensOnly);
  CPPUNIT_TEST(testViewWithAdminTokenOnly);
  CPPUNIT_TEST(testViewWithBoth);
  CPPUNIT_TEST(testEmptyConfiguredTokenNeverMatches);
  CPPUNIT_TEST(testOrchestratorRoleWithoutCredential);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testPublicAlwaysAdmitted() {
    const std::pair<std::string, std::string> kConfigs[] = {
        {"", ""}, {kAdmin, ""}, {"", kViewer1}, {kAdmin, kViewer1}};
    for (const auto& [admin, viewers] : kConfigs) {
      Setup setup(admin, viewers);
      AssertAdmitted(setup, Role::kPublic, std::nullopt, "public without token");
      AssertAdmitted(setup, Role::kPublic, std::string("garbage"), "public with a wrong token");
      AssertAdmitted(setup, Role::kPublic, std::string(""), "public with an empty token");
    }
  }

  void testAdminDisabled() {
    // No admin token: 503 whatever is presented, even a valid viewer token.
    for (const std::string& viewers : {std::string(""), kViewer1 + "," + kViewer2}) {
      Setup setup("", viewers);
      AssertRefused(setup, Role::kAdmin, std::nullopt, 503, kAdminDisabled, "no token");
      AssertRefused(setup, Role::kAdmin, std::string(""), 503, kAdminDisabled, "empty token");
      AssertRefused(setup, Role::kAdmin, kViewer1, 503, kAdminDisabled, "viewer token");
      AssertRefused(setup, Role::kAdmin, kAdmin, 503, kAdminDisabled, "some admin-like token");
    }
  }

  void testAdminToken() {
    Setup setup(kAdmin, "");
    AssertAdmitted(setup, Role::kAdmin, kAdmin, "admin token");
    AssertRefused(setup, Role::kAdmin, std::nullopt, 401, kAdminRequired, "missing header");
    AssertRefused(setup, Role::kAdmin, std::string(""), 401, kAdminRequired, "empty header");
    for (const std::string& miss : NearMisses(kAdmin)) {
      AssertRefused(setup, Role::kAdmin, miss, 401, kAdminRequired, "near miss '" + miss + "'");
    }
    // The header name is matched lower-case (BuildRequest lower-cases names);
    // a differently spelled header is simply not the admin token header.
    Request request;
    request.headers["X-Admin-Token"] = kAdmin;
    CPPUNIT_ASSERT(request.Header("x-admin-token").empty());
  }

  void testAdminRefusesViewerTokens() {
    Setup setup(kAdmin, kViewer1 + "," + kViewer2);
    AssertAdmitted(setup, Role::kAdmin, kAdmin, "admin token");
    AssertRefused(setup, Role::kAdmin, kViewer1, 401, kAdminRequired, "viewer token 1");
    AssertRefused(setup, Role::kAdmin, kViewer2, 401, kAdminRequired, "viewer token 2");
  }

  void testViewDisabledWithoutAnyToken() {
    Setup setup("", "");
    for (const std::optional<std::string>& token :
         {std::optional<std::string>(), std::optional<std::string>(""),
          std::optional<std::string>(kAdmin), std::optional<std::string>(kViewer1)}) {
      const std::optional<std::string> refusal = setup.Check(Role::kViewer, token);
      CPPUNIT_ASSERT(refusal.has_value());
      CPPUNIT_ASSERT_EQUAL(std::string("503 "), refusal->substr(0, 4));
    }
  }

  void testViewWithViewerTokensOnly() {
    // No admin token: view routes accept only viewer tokens.
    Setup setup("", kViewer1 + " " + kViewer2);
    AssertAdmitted(setup, Role::kViewer, kViewer1, "viewer token 1");
    AssertAdmitted(setup, Role::kViewer, kViewer2, "viewer token 2");
    AssertRefused(setup, Role::kViewer, std::nullopt, 401, kViewerRequired, "missing header");
    AssertRefused(setup, Role::kViewer, std::string(""), 401, kViewerRequired, "empty header");
    AssertRefused(setup, Role::kViewer, kAdmin, 401, kViewerRequired, "unconfigured admin token");
    AssertRefused(setup, Role::kViewer, kViewer1 + "," + kViewer2, 401, kViewerRequired,
                  "the whole list");
    for (const std::string& miss : NearMisses(kViewer2)) {
      AssertRefused(setup, Role::kViewer, miss, 401, kViewerRequired, "near miss '" + miss + "'");
    }
  }

  void testViewWithAdminTokenOnly() {
    Setup setup(kAdmin, "");
    AssertAdmitted(setup, Role::kViewer, kAdmin, "admin token on a view route");
    AssertRefused(setup, Role::kViewer, std::nullopt, 401, kViewerRequired, "missing header");
    AssertRefused(setup, Role::kViewer, kViewer1, 401, kViewerRequired, "unconfigured viewer");
    for (const std::string& miss : NearMisses(kAdmin)) {
      AssertRefused(setup, Role::kViewer, miss, 401, kViewerRequired, "near miss '" + miss + "'");
    }
  }

  void testViewWithBoth() {
    Setup setup(kAdmin, kViewer1 + "," + kViewer2);
    AssertAdmitted(setup, Role::kViewer, kAdmin, "admin token");
    AssertAdmitted(setup, Role::kViewer, kViewer1, "viewer token 1");
    AssertAdmitted(setup, Role::kViewer, kViewer2, "viewer token 2");
    AssertRefused(setup, Role::kViewer, std::nullopt, 401, kViewerRequired, "missing header");
    AssertRefused(setup, Role::kViewer, std::string("wrong-token-0123456789"), 401, kViewerRequired,
                  "wrong token");
    // Viewer tokens stay view-only.
    AssertRefused(setup, Role::kAdmin, kViewer1, 401, kAdminRequired, "viewer on admin route");
  }

  // Config::Load never yields an empty token, but the filter must not rely
  // on that: an empty header is never a credential.
  void testEmptyConfiguredTokenNeverMatches() {
    const TempDir dir;
    Config config;
    config.audit_log_path = dir.path() + "/a.log";
    config.ledger_journal_path = dir.path() + "/l.log";
    config.license_audit_log_path = dir.path() + "/c.log";
    config.viewer_tokens = {""};
    const Services services(config);
    Db db(nullptr, config.db);
    for (const std::optional<std::string>& token :
         {std::optional<std::string>(), std::optional<std::string>("")}) {
      Request request;
      if (token) request.headers["x-admin-token"] = *token;
      RequestContext context{request, db, services, {}, {}};
      try {
        AuthorizeRole(Role::kViewer, context);
        CPPUNIT_FAIL("empty token admitted");
      } catch (const ApiError& e) {
        CPPUNIT_ASSERT_EQUAL(401, e.status());
      }
    }
  }

  // Orchestrator tokens are looked up in the database; only the case that
  // is decided before any lookup (no credential at all) is a unit test.
  void testOrchestratorRoleWithoutCredential() {
    Setup setup(kAdmin, kViewer1);
    AssertRefused(setup, Role::kOrchestrator, std::nullopt, 401, "Orchestrator token required",
                  "no token");
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuthTest);

}  // namespace payments
