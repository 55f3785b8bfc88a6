// Image licensing over HTTPS through nginx (API.md, "Image licensing"): the
// admin flow (tokens, images, grants), the orchestrator flow (lease,
// heartbeat), every refusal of the table, revocation cascades, rotation,
// expiry on the short-lease pool, concurrency, what lands in the database
// (ciphertext, hashes, index use), the audit file, the key-rotation command,
// and — last — that no token, hash or secret minted here reached a log.
//
// Needs the stack of `scripts/dev.sh test`, including its "short" pool
// (PAYMENTS_TEST_SHORT_*: 2-second leases on database payments_short) and
// PAYMENTS_TEST_BINARY (the payments-fcgi that runs it).
#include <cppunit/extensions/HelperMacros.h>
#include <json/writer.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "crypto/crypto.h"
#include "storage/license_repository.h"
#include "tests/integration/client.h"

namespace payments::testing {
namespace {

constexpr char kOrchestratorRequired[] = "Orchestrator token required";

std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// One pool of the test stack: its URL and admin token.
struct Stack {
  std::string url;
  std::string admin_token;
  std::string data_dir;
  std::string db_name;

  RequestOptions Admin() const {
    RequestOptions options;
    options.base_url = url;
    options.headers.push_back("X-Admin-Token: " + admin_token);
    return options;
  }
  RequestOptions Anonymous() const {
    RequestOptions options;
    options.base_url = url;
    return options;
  }
};

const Stack& Main() {
  static const Stack stack{TestEnv::Get().url, TestEnv::Get().admin_token, TestEnv::Get().data_dir,
                           "payments"};
  return stack;
}

// The 2-second-lease pool on its own database and secrets key.
const Stack& Short() {
  static const Stack stack = [] {
    Stack s{EnvOrEmpty("PAYMENTS_TEST_SHORT_URL"), EnvOrEmpty("PAYMENTS_TEST_SHORT_ADMIN_TOKEN"),
            EnvOrEmpty("PAYMENTS_TEST_SHORT_DATA_DIR"), EnvOrEmpty("PAYMENTS_TEST_SHORT_DB_NAME")};
    if (s.url.empty() || s.admin_token.empty() || s.db_name.empty()) {
      throw std::runtime_error("PAYMENTS_TEST_SHORT_* unset: run through scripts/dev.sh test");
    }
    return s;
  }();
  return stack;
}

// Every token and secret handed out in this process, for the leak check.
std::mutex g_minted_mutex;
std::vector<std::string> g_minted;

void Remember(const std::string& value) {
  std::lock_guard<std::mutex> lock(g_minted_mutex);
  g_minted.push_back(value);
}

std::string ToJsonText(const Json::Value& value) {
  Json::StreamWriterBuilder writer;
  writer["indentation"] = "";
  return Json::writeString(writer, value);
}

std::set<std::string> Keys(const Json::Value& object) {
  const std::vector<std::string> names = object.getMemberNames();
  return std::set<std::string>(names.begin(), names.end());
}

bool IsHex32(const std::string& text) {
  return text.size() == 32 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string Decode(const std::string& b64) {
  std::string out;
  if (!crypto::Base64Decode(b64, &out)) throw std::runtime_error("not base64: " + b64);
  return out;
}

std::string RegisterOrchestrator(const Stack& stack = Main()) {
  const std::string id = UniqueId("lic");
  Json::Value body(Json::objectValue);
  body["orchestrator_id"] = id;
  body["address"] = UniqueAddress();
  RequestOptions options = stack.Anonymous();
  options.source_ip = NextIp();
  const HttpResult r = PostJson("/api/orchestrators/register", body, options);
  if (r.status != 200) throw std::runtime_error("register failed: " + r.Describe());
  return id;
}

HttpResult MintToken(const std::string& orchestrator_id, const Stack& stack = Main()) {
  HttpResult r =
      Send("POST", "/api/licenses/orchestrators/" + orchestrator_id + "/tokens", "", stack.Admin());
  if (r.status == 200) Remember(r.json["token"].asString());
  return r;
}

std::string NewToken(const std::string& orchestrator_id, const Stack& stack = Main()) {
  const HttpResult r = MintToken(orchestrator_id, stack);
  if (r.status != 200) throw std::runtime_error("mint failed: " + r.Describe());
  return r.json["token"].asString();
}

std::string UniqueImage() { return "registry.example.com/licensed/" + UniqueId("img") + ":1.0"; }

HttpResult PutImage(const std::string& image_ref, const std::optional<std::string>& secret_b64,
                    const Stack& stack = Main()) {
  Json::Value body(Json::objectValue);
  body["image_ref"] = image_ref;
  if (secret_b64) body["secret_b64"] = *secret_b64;
  HttpResult r = Send("PUT", "/api/licenses/images", ToJsonText(body), stack.Admin());
  if (r.status == 200) Remember(r.json["secret_b64"].asString());
  return r;
}

// A fresh random secret, as an admin would generate it.
std::string NewSecretB64(std::size_t bytes = 48) {
  const std::string b64 = crypto::Base64Encode(crypto::RandomBytes(bytes));
  Remember(b64);
  return b64;
}

HttpResult PostAdmin(const std::string& path, const Json::Value& body,
                     const Stack& stack = Main()) {
  return PostJson(path, body, stack.Admin());
}

Json::Value Pair(const std::string& orchestrator_id, const std::string& image_ref) {
  Json::Value body(Json::objectValue);
  body["orchestrator_id"] = orchestrator_id;
  body["image_ref"] = image_ref;
  return body;
}

HttpResult Grant(const std::string& orchestrator_id, const std::string& image_ref,
                 const Stack& stack = Main()) {
  return PostAdmin("/api/licenses/access/grant", Pair(orchestrator_id, image_ref), stack);
}

HttpResult RevokeAccess(const std::string& orchestrator_id, const std::string& image_ref,
                        const Stack& stack = Main()) {
  return PostAdmin("/api/licenses/access/revoke", Pair(orchestrator_id, image_ref), stack);
}

HttpResult RevokeImage(const std::string& image_ref, const Stack& stack = Main()) {
  Json::Value body(Json::objectValue);
  body["image_ref"] = image_ref;
  return PostAdmin("/api/licenses/images/revoke", body, stack);
}

enum class Style { kBearer, kHeader };

RequestOptions AsOrchestrator(const std::string& token, Style style, const Stack& stack = Main(),
                              const std::string& ip = "") {
  RequestOptions options = stack.Anonymous();
  options.headers.push_back(style == Style::kBearer ? "Authorization: Bearer " + token
                                                    : "X-Orchestrator-Token: " + token);
  options.source_ip = ip;
  return options;
}

HttpResult Lease(const RequestOptions& options, const std::string& image_ref) {
  Json::Value body(Json::objectValue);
  body["image_ref"] = image_ref;
  HttpResult r = PostJson("/api/licenses/lease", body, options);
  if (r.status == 200) Remember(r.json["secret_b64"].asString());
  return r;
}

HttpResult Heartbeat(const RequestOptions& options, const std::string& lease_id) {
  return Send("POST", "/api/licenses/lease/" + lease_id + "/heartbeat", "", options);
}

HttpResult ListLeases(const std::string& query, const Stack& stack = Main()) {
  return Get("/api/licenses/leases" + query, stack.Admin());
}

// The lease record as the view route shows it (any state), or null.
Json::Value FindLease(const std::string& lease_id, const std::string& orchestrator_id,
                      const Stack& stack = Main()) {
  const HttpResult r =
      ListLeases("?active_only=false&limit=2000&orchestrator_id=" + orchestrator_id, stack);
  for (const Json::Value& lease : r.json["leases"]) {
    if (lease["lease_id"].asString() == lease_id) return lease;
  }
  return Json::Value();
}

// An orchestrator with a token, an image with a known secret, and a grant.
struct Licensed {
  std::string orchestrator_id;
  std::string token;
  std::string image_ref;
  std::string secret_b64;
};

Licensed NewLicensed(const Stack& stack = Main()) {
  Licensed l;
  l.orchestrator_id = RegisterOrchestrator(stack);
  l.token = NewToken(l.orchestrator_id, stack);
  l.image_ref = UniqueImage();
  l.secret_b64 = NewSecretB64();
  HttpResult r = PutImage(l.image_ref, l.secret_b64, stack);
  if (r.status != 200) throw std::runtime_error("put image failed: " + r.Describe());
  r = Grant(l.orchestrator_id, l.image_ref, stack);
  if (r.status != 200) throw std::runtime_error("grant failed: " + r.Describe());
  return l;
}

void AssertDetail(const HttpResult& r, long status, const std::string& detail) {
  CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), status, r.status);
  CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), detail, r.json["detail"].asString());
}

bool HasError(const HttpResult& r, const std::string& where, const std::string& field,
              const std::string& type) {
  if (r.status != 422 || !r.json["detail"].isArray()) return false;
  for (const Json::Value& e : r.json["detail"]) {
    if (e["loc"].size() == 2 && e["loc"][0].asString() == where &&
        e["loc"][1].asString() == field && e["type"].asString() == type) {
      return true;
    }
  }
  return false;
}

// Runs the payments-fcgi binary with exactly `env` (plus PATH); returns the
// exit status and fills *output with stdout and stderr.
int RunBinary(const std::string& command, const std::vector<std::string>& env,
              std::string* output) {
  const std::string binary = EnvOrEmpty("PAYMENTS_TEST_BINARY");
  if (binary.empty()) throw std::runtime_error("PAYMENTS_TEST_BINARY unset");
  std::string line = "env -i PATH=/usr/bin:/bin";
  for (const std::string& e : env) line += " '" + e + "'";
  line += " '" + binary + "' " + command + " 2>&1";
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  output->clear();
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) output->append(buf.data(), n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs rotate-secrets-key against the short pool's database.
int RotateShortKey(const std::string& old_key, const std::string& new_key, std::string* output) {
  return RunBinary("rotate-secrets-key",
                   {"PAYMENTS_DB_SOCKET=" + TestEnv::Get().db_socket, "PAYMENTS_DB_USER=root",
                    "PAYMENTS_DB_NAME=" + Short().db_name, "PAYMENTS_SECRETS_KEY=" + old_key,
                    "PAYMENTS_NEW_SECRETS_KEY=" + new_key, "PAYMENTS_LOG_LEVEL=warning"},
                   output);
}

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// The stored blob of an image, hex-encoded by MariaDB.
std::string StoredBlobHex(const std::string& db_name, const std::string& image_ref) {
  return Trimmed(QueryDatabase("SELECT LOWER(HEX(secret_ciphertext)) FROM " + db_name +
                               ".license_images WHERE image_ref = '" + image_ref + "'"));
}

std::string FromHex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Substitutes the `?` placeholders of a prepared statement with literals.
std::string Bind(std::string sql_text, const std::vector<std::string>& literals) {
  std::size_t at = 0;
  for (const std::string& literal : literals) {
    at = sql_text.find('?', at);
    if (at == std::string::npos) throw std::runtime_error("too many literals");
    sql_text.replace(at, 1, literal);
    at += literal.size();
  }
  if (sql_text.find('?', at) != std::string::npos) throw std::runtime_error("unbound ?");
  return sql_text;
}

// EXPLAIN rows as (table, type, key) — no full scans allowed.
std::vector<std::array<std::string, 3>> Explain(const std::string& statement) {
  std::vector<std::array<std::string, 3>> rows;
  std::istringstream in(QueryDatabase("EXPLAIN " + statement));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::size_t start = 0;
    while (true) {
      const std::size_t tab = line.find('\t', start);
      cols.push_back(
          line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    // id, select_type, table, type, possible_keys, key, ...
    if (cols.size() >= 6) rows.push_back({cols[2], cols[3], cols[5]});
  }
  return rows;
}

std::string DescribeExplain(const std::vector<std::array<std::string, 3>>& rows) {
  std::string out;
  for (const auto& r : rows) out += "[" + r[0] + " " + r[1] + " " + r[2] + "] ";
  return out;
}

}  // namespace

class LicensingTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(LicensingTest);
  CPPUNIT_TEST(testTokenLifecycle);
  CPPUNIT_TEST(testTokenAdminErrors);
  CPPUNIT_TEST(testImageUpsertAndList);
  CPPUNIT_TEST(testImageValidation);
  CPPUNIT_TEST(testRotationKeepsCreatedAtAndServesNewSecret);
  CPPUNIT_TEST(testAccessMap);
  CPPUNIT_TEST(testAccessErrors);
  CPPUNIT_TEST(testOrchestratorFlow);
  CPPUNIT_TEST(testOrchestratorAuthFailures);
  CPPUNIT_TEST(testLeaseDenials);
  CPPUNIT_TEST(testHeartbeatDenials);
  CPPUNIT_TEST(testGrantRevokedCascade);
  CPPUNIT_TEST(testImageRevokedCascade);
  CPPUNIT_TEST(testTokenRevokedCascade);
  CPPUNIT_TEST(testLeaseListFiltersAndValidation);
  CPPUNIT_TEST(testRolesInFrontOfLicensing);
  CPPUNIT_TEST(testExpiryOnShortLeases);
  CPPUNIT_TEST(testParallelHeartbeatsOnOneLease);
  CPPUNIT_TEST(testParallelLeaseIssuance);
  CPPUNIT_TEST(testCiphertextAndHashesAtRest);
  CPPUNIT_TEST(testHotStatementsUseIndexes);
  CPPUNIT_TEST(testAuditLines);
  CPPUNIT_TEST(testMissingSecretsKeyStopsTheProcess);
  CPPUNIT_TEST(testKeyRotationCommand);
  CPPUNIT_TEST(testNoTokenHashOrSecretInAnyLog);
  CPPUNIT_TEST_SUITE_END();

 public:
  // ------------------------------------------------------------ tokens --

  void testTokenLifecycle() {
    const std::string id = RegisterOrchestrator();
    HttpResult first = MintToken(id);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(first.Describe(), 200L, first.status);
    CPPUNIT_ASSERT_EQUAL(std::size_t{2}, first.json.getMemberNames().size());
    CPPUNIT_ASSERT(IsHex32(first.json["token_id"].asString()));
    const std::string token = first.json["token"].asString();
    // >= 32 random bytes, URL-safe base64 without padding.
    CPPUNIT_ASSERT(token.size() >= 43);
    CPPUNIT_ASSERT(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789-_") == std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("no-store"), first.headers["cache-control"]);
    const HttpResult second = MintToken(id);
    CPPUNIT_ASSERT_EQUAL(200L, second.status);
    CPPUNIT_ASSERT(second.json["token"].asString() != token);

    HttpResult list = Get("/api/licenses/orchestrators/" + id + "/tokens", AsAdmin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(list.Describe(), 200L, list.status);
    const Json::Value& tokens = list.json["tokens"];
    CPPUNIT_ASSERT_EQUAL(2u, tokens.size());
    // Newest first; never the token or its hash.
    CPPUNIT_ASSERT_EQUAL(second.json["token_id"].asString(), tokens[0]["token_id"].asString());
    CPPUNIT_ASSERT_EQUAL(first.json["token_id"].asString(), tokens[1]["token_id"].asString());
    for (const Json::Value& t : tokens) {
      const std::set<std::string> keys = Keys(t);
      const std::set<std::string> expected = {"token_id", "orchestrator_id", "created_at",
                                              "revoked_at", "last_seen_at"};
      CPPUNIT_ASSERT(expected == keys);
      CPPUNIT_ASSERT_EQUAL(id, t["orchestrator_id"].asString());
      CPPUNIT_ASSERT(t["revoked_at"].isNull());
      CPPUNIT_ASSERT(t["last_seen_at"].isNull());
      CPPUNIT_ASSERT_EQUAL(std::size_t{27}, t["created_at"].asString().size());
    }
    CPPUNIT_ASSERT(list.body.find(token) == std::string::npos);
    CPPUNIT_ASSERT(list.body.find(crypto::Sha256Hex(token)) == std::string::npos);

    // Revoke is idempotent.
    const std::string path =
        "/api/licenses/orchestrators/" + id + "/tokens/" + first.json["token_id"].asString();
    HttpResult r = Send("DELETE", path, "", AsAdmin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT(r.json["ok"].asBool());
    r = Send("DELETE", path, "", AsAdmin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT(r.json["ok"].asBool());
    list = Get("/api/licenses/orchestrators/" + id + "/tokens", AsAdmin());
    CPPUNIT_ASSERT(list.json["tokens"][1]["revoked_at"].isString());
    CPPUNIT_ASSERT(list.json["tokens"][0]["revoked_at"].isNull());
  }

  void testTokenAdminErrors() {
    const std::string ghost = UniqueId("ghost");
    AssertDetail(MintToken(ghost), 404, "Unknown orchestrator");
    AssertDetail(Get("/api/licenses/orchestrators/" + ghost + "/tokens", AsAdmin()), 404,
                 "Unknown orchestrator");

    const std::string a = RegisterOrchestrator();
    const std::string b = RegisterOrchestrator();
    const HttpResult minted = MintToken(a);
    const std::string token_id = minted.json["token_id"].asString();
    // Unknown token, and a's token addressed through b: both "Token not found".
    AssertDetail(
        Send("DELETE", "/api/licenses/orchestrators/" + a + "/tokens/" + std::string(32, '0'), "",
             AsAdmin()),
        404, "Token not found");
    AssertDetail(
        Send("DELETE", "/api/licenses/orchestrators/" + b + "/tokens/" + token_id, "", AsAdmin()),
        404, "Token not found");
    AssertDetail(Send("DELETE", "/api/licenses/orchestrators/" + ghost + "/tokens/" + token_id, "",
                      AsAdmin()),
                 404, "Token not found");
    // ... and a's token still works.
    const Licensed other = NewLicensed();
    CPPUNIT_ASSERT_EQUAL(
        403L,
        Lease(AsOrchestrator(minted.json["token"].asString(), Style::kBearer), other.image_ref)
            .status);
    // Unknown method on a known path.
    const HttpResult r =
        Send("PATCH", "/api/licenses/orchestrators/" + a + "/tokens", "{}", AsAdmin());
    AssertDetail(r, 405, "Method Not Allowed");
  }

  // ------------------------------------------------------------ images --

  void testImageUpsertAndList() {
    const std::string generated_ref = UniqueImage();
    HttpResult r = PutImage(generated_ref, std::nullopt);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(generated_ref, r.json["image_ref"].asString());
    CPPUNIT_ASSERT_EQUAL(std::size_t{64}, Decode(r.json["secret_b64"].asString()).size());
    CPPUNIT_ASSERT_EQUAL(std::size_t{27}, r.json["created_at"].asString().size());
    CPPUNIT_ASSERT(r.json.isMember("rotated_at") && r.json["rotated_at"].isNull());
    CPPUNIT_ASSERT(r.json.isMember("revoked_at") && r.json["revoked_at"].isNull());
    CPPUNIT_ASSERT_EQUAL(std::string("no-store"), r.headers["cache-control"]);
    // Two generated secrets differ.
    const std::string other_ref = UniqueImage();
    const HttpResult other = PutImage(other_ref, std::nullopt);
    CPPUNIT_ASSERT(other.json["secret_b64"].asString() != r.json["secret_b64"].asString());

    // A supplied secret comes back as given (canonical padded base64).
    const std::string supplied_ref = UniqueImage();
    const std::string secret = NewSecretB64(32);
    r = PutImage(supplied_ref, secret);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(secret, r.json["secret_b64"].asString());

    const HttpResult list = Get("/api/licenses/images", AsAdmin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(list.Describe(), 200L, list.status);
    const Json::Value& images = list.json["images"];
    std::vector<std::string> order;
    for (Json::ArrayIndex i = 0; i < images.size(); ++i) {
      const std::set<std::string> keys = Keys(images[i]);
      const std::set<std::string> expected = {"image_ref", "created_at", "rotated_at",
                                              "revoked_at"};
      CPPUNIT_ASSERT(expected == keys);
      if (i > 0) {
        CPPUNIT_ASSERT(images[i - 1]["created_at"].asString() >=
                       images[i]["created_at"].asString());
      }
      order.push_back(images[i]["image_ref"].asString());
    }
    // Newest first: the three images of this test in reverse order.
    const auto pos = [&](const std::string& ref) {
      return std::find(order.begin(), order.end(), ref) - order.begin();
    };
    CPPUNIT_ASSERT(pos(supplied_ref) < pos(other_ref));
    CPPUNIT_ASSERT(pos(other_ref) < pos(generated_ref));
    CPPUNIT_ASSERT(pos(generated_ref) < static_cast<long>(order.size()));
    CPPUNIT_ASSERT(list.body.find(secret) == std::string::npos);
    CPPUNIT_ASSERT(list.body.find("secret") == std::string::npos);
  }

  void testImageValidation() {
    HttpResult r = Send("PUT", "/api/licenses/images", "{}", AsAdmin());
    CPPUNIT_ASSERT_MESSAGE(r.Describe(), HasError(r, "body", "image_ref", "missing"));
    Json::Value body(Json::objectValue);
    body["image_ref"] = std::string(513, 'i');
    r = Send("PUT", "/api/licenses/images", ToJsonText(body), AsAdmin());
    CPPUNIT_ASSERT_MESSAGE(r.Describe(), HasError(r, "body", "image_ref", "string_too_long"));
    body["image_ref"] = "";
    body["secret_b64"] = 12;
    r = Send("PUT", "/api/licenses/images", ToJsonText(body), AsAdmin());
    CPPUNIT_ASSERT_MESSAGE(r.Describe(), HasError(r, "body", "image_ref", "string_too_short"));
    CPPUNIT_ASSERT_MESSAGE(r.Describe(), HasError(r, "body", "secret_b64", "string_type"));
    body["image_ref"] = UniqueImage();
    body["secret_b64"] = std::string(2052, 'A');
    r = Send("PUT", "/api/licenses/images", ToJsonText(body), AsAdmin());
    CPPUNIT_ASSERT_MESSAGE(r.Describe(), HasError(r, "body", "secret_b64", "string_too_long"));
    // 512 characters (multi-byte count once) is fine.
    std::string ref512;
    for (int i = 0; i < 256; ++i) ref512 += "\xc3\xa9";
    ref512 += std::string(256, 'r');
    CPPUNIT_ASSERT_EQUAL(200L, PutImage(ref512 + "", std::nullopt).status);
    r = Send("PUT", "/api/licenses/images", "{\"image_ref\": ", AsAdmin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 422L, r.status);
    r = Send("PUT", "/api/licenses/images", "[]", AsAdmin());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 422L, r.status);

    // 400: not base64, or fewer than 32 bytes. Nothing is stored.
    const std::string ref = UniqueImage();
    for (const std::string& bad :
         {std::string("not base64!"), std::string("a"),
          crypto::Base64Encode(std::string(32, 's')) + "\n",
          std::string("-_-_") + crypto::Base64Encode(std::string(32, 's'))}) {
      r = PutImage(ref, bad);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 400L, r.status);
      CPPUNIT_ASSERT(r.json["detail"].asString().find("base64") != std::string::npos);
    }
    for (std::size_t n : {0, 1, 16, 31}) {
      r = PutImage(ref, crypto::Base64Encode(std::string(n, 's')));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 400L, r.status);
      CPPUNIT_ASSERT(r.json["detail"].asString().find("32 bytes") != std::string::npos);
    }
    AssertDetail(RevokeImage(ref), 404, "Image not found");
    r = PutImage(ref, NewSecretB64(1536));  // 2048 base64 chars: the limit
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);

    r = PostAdmin("/api/licenses/images/revoke", Json::Value(Json::objectValue));
    CPPUNIT_ASSERT_MESSAGE(r.Describe(), HasError(r, "body", "image_ref", "missing"));
  }

  void testRotationKeepsCreatedAtAndServesNewSecret() {
    const Licensed l = NewLicensed();
    const RequestOptions as = AsOrchestrator(l.token, Style::kBearer);
    HttpResult lease = Lease(as, l.image_ref);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(lease.Describe(), 200L, lease.status);
    CPPUNIT_ASSERT_EQUAL(l.secret_b64, lease.json["secret_b64"].asString());
    const std::string created_at =
        PutImage(l.image_ref, l.secret_b64).json["created_at"].asString();

    const std::string rotated = NewSecretB64(64);
    HttpResult r = PutImage(l.image_ref, rotated);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(created_at, r.json["created_at"].asString());
    CPPUNIT_ASSERT(r.json["rotated_at"].isString());
    CPPUNIT_ASSERT(r.json["rotated_at"].asString() > created_at);
    CPPUNIT_ASSERT(r.json["revoked_at"].isNull());
    lease = Lease(as, l.image_ref);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(lease.Describe(), 200L, lease.status);
    CPPUNIT_ASSERT_EQUAL(rotated, lease.json["secret_b64"].asString());

    // Rotation by generation, and rotation of a revoked image clears revoked_at.
    CPPUNIT_ASSERT_EQUAL(200L, RevokeImage(l.image_ref).status);
    r = PutImage(l.image_ref, std::nullopt);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(created_at, r.json["created_at"].asString());
    CPPUNIT_ASSERT(r.json["revoked_at"].isNull());
    lease = Lease(as, l.image_ref);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(lease.Describe(), 200L, lease.status);
    CPPUNIT_ASSERT_EQUAL(r.json["secret_b64"].asString(), lease.json["secret_b64"].asString());

    bool listed = false;
    const HttpResult images = Get("/api/licenses/images", AsAdmin());
    for (const Json::Value& image : images.json["images"]) {
      if (image["image_ref"].asString() != l.image_ref) continue;
      listed = true;
      CPPUNIT_ASSERT_EQUAL(created_at, image["created_at"].asString());
      CPPUNIT_ASSERT_EQUAL(r.json["rotated_at"].asString(), image["rotated_at"].asString());
    }
    CPPUNIT_ASSERT(listed);
  }

  // ------------------------------------------------------------ access --

  void testAccessMap() {
    const std::string a = RegisterOrchestrator();
    const std::string b = RegisterOrchestrator();
    const std::string img_z = UniqueImage() + "-z";
    const std::string img_a = UniqueImage() + "-a";
    CPPUNIT_ASSERT_EQUAL(200L, PutImage(img_z, std::nullopt).status);
    CPPUNIT_ASSERT_EQUAL(200L, PutImage(img_a, std::nullopt).status);
    CPPUNIT_ASSERT_EQUAL(200L, Grant(a, img_z).status);
    HttpResult r = Grant(a, img_a);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    // Granting twice changes nothing.
    r = Grant(a, img_a);
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    r = Grant(b, img_z);
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    const Json::Value& map = r.json["access"];
    CPPUNIT_ASSERT(map.isObject());
    CPPUNIT_ASSERT_EQUAL(2u, map[a].size());
    // Sorted image refs.
    const std::vector<std::string> expected_a = {std::min(img_a, img_z), std::max(img_a, img_z)};
    CPPUNIT_ASSERT_EQUAL(expected_a[0], map[a][0].asString());
    CPPUNIT_ASSERT_EQUAL(expected_a[1], map[a][1].asString());
    CPPUNIT_ASSERT_EQUAL(1u, map[b].size());
    for (const std::string& id : map.getMemberNames()) {
      for (Json::ArrayIndex i = 1; i < map[id].size(); ++i) {
        CPPUNIT_ASSERT(map[id][i - 1].asString() < map[id][i].asString());
      }
    }
    HttpResult view = Get("/api/licenses/access", AsAdmin());
    CPPUNIT_ASSERT_EQUAL(200L, view.status);
    CPPUNIT_ASSERT(view.json["access"][a] == map[a]);
    // In the raw JSON, orchestrators appear in sorted order too.
    CPPUNIT_ASSERT(view.body.find("\"" + std::min(a, b) + "\":") <
                   view.body.find("\"" + std::max(a, b) + "\":"));

    r = RevokeAccess(a, img_z);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(1u, r.json["access"][a].size());
    CPPUNIT_ASSERT_EQUAL(img_a, r.json["access"][a][0].asString());
    // Revoking what is not granted, or an unknown image: still the map.
    r = RevokeAccess(a, img_z);
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    r = RevokeAccess(a, UniqueImage());
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    r = RevokeAccess(b, img_z);
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    CPPUNIT_ASSERT(!r.json["access"].isMember(b));
  }

  void testAccessErrors() {
    const std::string id = RegisterOrchestrator();
    const std::string image = UniqueImage();
    CPPUNIT_ASSERT_EQUAL(200L, PutImage(image, std::nullopt).status);
    AssertDetail(Grant(UniqueId("ghost"), image), 404, "Unknown orchestrator");
    AssertDetail(Grant(id, UniqueImage()), 404, "Image not found");
    AssertDetail(Grant(UniqueId("ghost"), UniqueImage()), 404, "Unknown orchestrator");
    AssertDetail(RevokeAccess(UniqueId("ghost"), image), 404, "Unknown orchestrator");
    HttpResult r = PostAdmin("/api/licenses/access/grant", Json::Value(Json::objectValue));
    CPPUNIT_ASSERT(HasError(r, "body", "orchestrator_id", "missing"));
    CPPUNIT_ASSERT(HasError(r, "body", "image_ref", "missing"));
    r = PostAdmin("/api/licenses/access/revoke",
                  Pair(std::string(129, 'o'), std::string(513, 'i')));
    CPPUNIT_ASSERT(HasError(r, "body", "orchestrator_id", "string_too_long"));
    CPPUNIT_ASSERT(HasError(r, "body", "image_ref", "string_too_long"));
  }

  // ------------------------------------------------------------ leases --

  void testOrchestratorFlow() {
    const Licensed l = NewLicensed();
    const std::string ip = NextIp();
    const auto before = std::chrono::system_clock::now();
    HttpResult lease = Lease(AsOrchestrator(l.token, Style::kBearer, Main(), ip), l.image_ref);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(lease.Describe(), 200L, lease.status);
    const std::set<std::string> keys = Keys(lease.json);
    const std::set<std::string> expected = {"lease_id",   "orchestrator_id", "image_ref",
                                            "expires_at", "lease_seconds",   "secret_b64"};
    CPPUNIT_ASSERT(expected == keys);
    const std::string lease_id = lease.json["lease_id"].asString();
    CPPUNIT_ASSERT(IsHex32(lease_id));
    CPPUNIT_ASSERT_EQUAL(l.orchestrator_id, lease.json["orchestrator_id"].asString());
    CPPUNIT_ASSERT_EQUAL(l.image_ref, lease.json["image_ref"].asString());
    CPPUNIT_ASSERT_EQUAL(900, lease.json["lease_seconds"].asInt());
    CPPUNIT_ASSERT_EQUAL(l.secret_b64, lease.json["secret_b64"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("no-store"), lease.headers["cache-control"]);
    const std::string expires = lease.json["expires_at"].asString();
    CPPUNIT_ASSERT_EQUAL(std::size_t{27}, expires.size());
    // expires_at is about now + 900 s.
    const std::time_t soon =
        std::chrono::system_clock::to_time_t(before + std::chrono::seconds(899));
    char soon_iso[32];
    std::strftime(soon_iso, sizeof soon_iso, "%Y-%m-%dT%H:%M:%S", std::gmtime(&soon));
    CPPUNIT_ASSERT_MESSAGE(expires, expires > std::string(soon_iso));

    // Heartbeat with the other header style, from another address.
    const std::string ip2 = NextIp();
    HttpResult beat = Heartbeat(AsOrchestrator(l.token, Style::kHeader, Main(), ip2), lease_id);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(beat.Describe(), 200L, beat.status);
    CPPUNIT_ASSERT_EQUAL(3u, beat.json.size());
    CPPUNIT_ASSERT_EQUAL(lease_id, beat.json["lease_id"].asString());
    CPPUNIT_ASSERT_EQUAL(900, beat.json["lease_seconds"].asInt());
    CPPUNIT_ASSERT(beat.json["expires_at"].asString() > expires);

    const Json::Value record = FindLease(lease_id, l.orchestrator_id);
    CPPUNIT_ASSERT(record.isObject());
    CPPUNIT_ASSERT_EQUAL(9u, record.size());
    CPPUNIT_ASSERT_EQUAL(l.image_ref, record["image_ref"].asString());
    CPPUNIT_ASSERT(record["active"].asBool());
    CPPUNIT_ASSERT(record["revoked_at"].isNull());
    CPPUNIT_ASSERT_EQUAL(ip2, record["last_seen_ip"].asString());
    CPPUNIT_ASSERT_EQUAL(beat.json["expires_at"].asString(), record["expires_at"].asString());
    CPPUNIT_ASSERT(record["last_seen_at"].asString() > record["issued_at"].asString());

    // The token's last_seen_at moved.
    const HttpResult tokens =
        Get("/api/licenses/orchestrators/" + l.orchestrator_id + "/tokens", AsAdmin());
    CPPUNIT_ASSERT(tokens.json["tokens"][0]["last_seen_at"].isString());
    CPPUNIT_ASSERT(tokens.json["tokens"][0]["last_seen_at"].asString() >
                   record["issued_at"].asString());
  }

  void testOrchestratorAuthFailures() {
    const Licensed l = NewLicensed();
    const HttpResult lease = Lease(AsOrchestrator(l.token, Style::kBearer), l.image_ref);
    CPPUNIT_ASSERT_EQUAL(200L, lease.status);
    const std::string lease_id = lease.json["lease_id"].asString();

    std::vector<RequestOptions> refused;
    refused.push_back(Main().Anonymous());
    for (Style style : {Style::kBearer, Style::kHeader}) {
      refused.push_back(AsOrchestrator(l.token + "x", style));
      refused.push_back(AsOrchestrator(l.token.substr(1), style));
      refused.push_back(AsOrchestrator(crypto::NewToken(), style));
      refused.push_back(AsOrchestrator(TestEnv::Get().admin_token, style));
      refused.push_back(AsOrchestrator(crypto::Sha256Hex(l.token), style));
      refused.push_back(AsOrchestrator(std::string(600, 'a'), style));
    }
    RequestOptions basic = Main().Anonymous();
    basic.headers.push_back("Authorization: Basic " + l.token);
    refused.push_back(basic);
    RequestOptions admin_header = Main().Anonymous();
    admin_header.headers.push_back("X-Admin-Token: " + l.token);
    refused.push_back(admin_header);
    for (const RequestOptions& options : refused) {
      AssertDetail(Lease(options, l.image_ref), 401, kOrchestratorRequired);
      AssertDetail(Heartbeat(options, lease_id), 401, kOrchestratorRequired);
    }
    // Revoked: 401 for both header styles.
    const HttpResult tokens =
        Get("/api/licenses/orchestrators/" + l.orchestrator_id + "/tokens", AsAdmin());
    const std::string token_id = tokens.json["tokens"][0]["token_id"].asString();
    CPPUNIT_ASSERT_EQUAL(
        200L,
        Send("DELETE", "/api/licenses/orchestrators/" + l.orchestrator_id + "/tokens/" + token_id,
             "", AsAdmin())
            .status);
    for (Style style : {Style::kBearer, Style::kHeader}) {
      AssertDetail(Lease(AsOrchestrator(l.token, style), l.image_ref), 401, kOrchestratorRequired);
      AssertDetail(Heartbeat(AsOrchestrator(l.token, style), lease_id), 401, kOrchestratorRequired);
    }
    // Authentication comes before validation: no 422 leaks without a token.
    AssertDetail(Send("POST", "/api/licenses/lease", "not json", Main().Anonymous()), 401,
                 kOrchestratorRequired);
  }

  void testLeaseDenials() {
    const Licensed l = NewLicensed();
    const RequestOptions as = AsOrchestrator(l.token, Style::kHeader);
    AssertDetail(Lease(as, UniqueImage()), 404, "Image not found");
    const std::string ungranted = UniqueImage();
    CPPUNIT_ASSERT_EQUAL(200L, PutImage(ungranted, std::nullopt).status);
    AssertDetail(Lease(as, ungranted), 403, "Image access denied");
    CPPUNIT_ASSERT_EQUAL(200L, RevokeImage(ungranted).status);
    AssertDetail(Lease(as, ungranted), 403, "Image access revoked");
    CPPUNIT_ASSERT_EQUAL(200L, RevokeImage(l.image_ref).status);
    CPPUNIT_ASSERT_EQUAL(200L, RevokeImage(l.image_ref).status);  // idempotent
    AssertDetail(Lease(as, l.image_ref), 403, "Image access revoked");
    // Another orchestrator's grant does not help.
    const Licensed other = NewLicensed();
    AssertDetail(Lease(as, other.image_ref), 403, "Image access denied");
    HttpResult r = PostJson("/api/licenses/lease", Json::Value(Json::objectValue), as);
    CPPUNIT_ASSERT_MESSAGE(r.Describe(), HasError(r, "body", "image_ref", "missing"));
    r = Send("POST", "/api/licenses/lease", "{", as);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 422L, r.status);
    r = Send("GET", "/api/licenses/lease", "", as);
    AssertDetail(r, 405, "Method Not Allowed");
  }

  void testHeartbeatDenials() {
    const Licensed mine = NewLicensed();
    const Licensed theirs = NewLicensed();
    const RequestOptions as = AsOrchestrator(mine.token, Style::kBearer);
    AssertDetail(Heartbeat(as, std::string(32, 'f')), 404, "Lease not found");
    AssertDetail(Heartbeat(as, "not-a-lease"), 404, "Lease not found");
    const HttpResult their_lease =
        Lease(AsOrchestrator(theirs.token, Style::kBearer), theirs.image_ref);
    CPPUNIT_ASSERT_EQUAL(200L, their_lease.status);
    const std::string their_id = their_lease.json["lease_id"].asString();
    AssertDetail(Heartbeat(as, their_id), 403, "Lease not found");
    // ... which leaves their lease alone.
    CPPUNIT_ASSERT(FindLease(their_id, theirs.orchestrator_id)["active"].asBool());
    CPPUNIT_ASSERT_EQUAL(200L,
                         Heartbeat(AsOrchestrator(theirs.token, Style::kHeader), their_id).status);
    AssertDetail(Send("GET", "/api/licenses/lease/" + their_id + "/heartbeat", "", as), 405,
                 "Method Not Allowed");
  }

  // ---------------------------------------------------------- cascades --

  void testGrantRevokedCascade() {
    const Licensed l = NewLicensed();
    const RequestOptions as = AsOrchestrator(l.token, Style::kBearer);
    const HttpResult lease = Lease(as, l.image_ref);
    CPPUNIT_ASSERT_EQUAL(200L, lease.status);
    const std::string lease_id = lease.json["lease_id"].asString();
    CPPUNIT_ASSERT_EQUAL(200L, Heartbeat(as, lease_id).status);
    CPPUNIT_ASSERT_EQUAL(200L, RevokeAccess(l.orchestrator_id, l.image_ref).status);
    // Until the next heartbeat the lease is still shown active ...
    CPPUNIT_ASSERT(FindLease(lease_id, l.orchestrator_id)["active"].asBool());
    // ... which refuses and revokes it.
    AssertDetail(Heartbeat(as, lease_id), 403, "Image access denied");
    const Json::Value record = FindLease(lease_id, l.orchestrator_id);
    CPPUNIT_ASSERT(record["revoked_at"].isString());
    CPPUNIT_ASSERT(!record["active"].asBool());
    const HttpResult active = ListLeases("?orchestrator_id=" + l.orchestrator_id);
    for (const Json::Value& lease_record : active.json["leases"]) {
      CPPUNIT_ASSERT(lease_record["lease_id"].asString() != lease_id);
    }
    AssertDetail(Heartbeat(as, lease_id), 403, "Lease revoked");
    AssertDetail(Lease(as, l.image_ref), 403, "Image access denied");
    // A new grant allows new leases; the revoked lease stays revoked.
    CPPUNIT_ASSERT_EQUAL(200L, Grant(l.orchestrator_id, l.image_ref).status);
    const HttpResult again = Lease(as, l.image_ref);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(again.Describe(), 200L, again.status);
    CPPUNIT_ASSERT_EQUAL(200L, Heartbeat(as, again.json["lease_id"].asString()).status);
    AssertDetail(Heartbeat(as, lease_id), 403, "Lease revoked");
  }

  void testImageRevokedCascade() {
    const Licensed l = NewLicensed();
    const RequestOptions as = AsOrchestrator(l.token, Style::kHeader);
    const HttpResult lease = Lease(as, l.image_ref);
    CPPUNIT_ASSERT_EQUAL(200L, lease.status);
    const std::string lease_id = lease.json["lease_id"].asString();
    CPPUNIT_ASSERT_EQUAL(200L, RevokeImage(l.image_ref).status);
    const HttpResult images = Get("/api/licenses/images", AsAdmin());
    for (const Json::Value& image : images.json["images"]) {
      if (image["image_ref"].asString() == l.image_ref) {
        CPPUNIT_ASSERT(image["revoked_at"].isString());
      }
    }
    AssertDetail(Heartbeat(as, lease_id), 403, "Image access revoked");
    AssertDetail(Lease(as, l.image_ref), 403, "Image access revoked");
    const Json::Value record = FindLease(lease_id, l.orchestrator_id);
    CPPUNIT_ASSERT(record["revoked_at"].isString());
    CPPUNIT_ASSERT(!record["active"].asBool());
    AssertDetail(Heartbeat(as, lease_id), 403, "Lease revoked");
    // The grant survives an image revocation: re-registering the image
    // (a rotation) re-enables leases.
    CPPUNIT_ASSERT_EQUAL(200L, PutImage(l.image_ref, l.secret_b64).status);
    CPPUNIT_ASSERT_EQUAL(200L, Lease(as, l.image_ref).status);
  }

  void testTokenRevokedCascade() {
    const Licensed l = NewLicensed();
    const HttpResult lease = Lease(AsOrchestrator(l.token, Style::kBearer), l.image_ref);
    const std::string lease_id = lease.json["lease_id"].asString();
    const std::string token_id =
        Get("/api/licenses/orchestrators/" + l.orchestrator_id + "/tokens", AsAdmin())
            .json["tokens"][0]["token_id"]
            .asString();
    CPPUNIT_ASSERT_EQUAL(
        200L,
        Send("DELETE", "/api/licenses/orchestrators/" + l.orchestrator_id + "/tokens/" + token_id,
             "", AsAdmin())
            .status);
    AssertDetail(Heartbeat(AsOrchestrator(l.token, Style::kBearer), lease_id), 401,
                 kOrchestratorRequired);
    AssertDetail(Lease(AsOrchestrator(l.token, Style::kHeader), l.image_ref), 401,
                 kOrchestratorRequired);
    // Leases belong to the orchestrator, not to a token: a new token renews.
    const std::string fresh = NewToken(l.orchestrator_id);
    CPPUNIT_ASSERT_EQUAL(200L, Heartbeat(AsOrchestrator(fresh, Style::kBearer), lease_id).status);
  }

  // -------------------------------------------------------- the listing --

  void testLeaseListFiltersAndValidation() {
    const Licensed a = NewLicensed();
    const Licensed b = NewLicensed();
    CPPUNIT_ASSERT_EQUAL(200L, Grant(a.orchestrator_id, b.image_ref).status);
    const RequestOptions as_a = AsOrchestrator(a.token, Style::kBearer);
    std::vector<std::string> ids;
    for (const std::string& image : {a.image_ref, b.image_ref, a.image_ref}) {
      const HttpResult r = Lease(as_a, image);
      CPPUNIT_ASSERT_EQUAL(200L, r.status);
      ids.push_back(r.json["lease_id"].asString());
    }
    CPPUNIT_ASSERT_EQUAL(200L, Lease(AsOrchestrator(b.token, Style::kBearer), b.image_ref).status);

    HttpResult r = Get("/api/licenses/leases?orchestrator_id=" + a.orchestrator_id, AsViewer());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.Describe(), 200L, r.status);
    CPPUNIT_ASSERT_EQUAL(3u, r.json["leases"].size());
    // Newest issued first.
    CPPUNIT_ASSERT_EQUAL(ids[2], r.json["leases"][0]["lease_id"].asString());
    CPPUNIT_ASSERT_EQUAL(ids[1], r.json["leases"][1]["lease_id"].asString());
    CPPUNIT_ASSERT_EQUAL(ids[0], r.json["leases"][2]["lease_id"].asString());
    r = ListLeases("?orchestrator_id=" + a.orchestrator_id + "&image_ref=" + a.image_ref);
    CPPUNIT_ASSERT_EQUAL(2u, r.json["leases"].size());
    r = ListLeases("?image_ref=" + b.image_ref);
    CPPUNIT_ASSERT_EQUAL(2u, r.json["leases"].size());
    r = ListLeases("?orchestrator_id=" + a.orchestrator_id + "&limit=1");
    CPPUNIT_ASSERT_EQUAL(1u, r.json["leases"].size());
    CPPUNIT_ASSERT_EQUAL(ids[2], r.json["leases"][0]["lease_id"].asString());
    r = ListLeases("?limit=2000");
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    CPPUNIT_ASSERT(r.json["leases"].size() <= 2000u);
    for (Json::ArrayIndex i = 1; i < r.json["leases"].size(); ++i) {
      CPPUNIT_ASSERT(r.json["leases"][i - 1]["issued_at"].asString() >=
                     r.json["leases"][i]["issued_at"].asString());
      CPPUNIT_ASSERT(r.json["leases"][i]["active"].asBool());
    }
    r = ListLeases("");
    CPPUNIT_ASSERT(r.json["leases"].size() <= 200u);

    // active_only=false shows revoked ones too.
    CPPUNIT_ASSERT_EQUAL(200L, RevokeAccess(a.orchestrator_id, b.image_ref).status);
    CPPUNIT_ASSERT_EQUAL(403L, Heartbeat(as_a, ids[1]).status);
    r = ListLeases("?orchestrator_id=" + a.orchestrator_id);
    CPPUNIT_ASSERT_EQUAL(2u, r.json["leases"].size());
    for (const char* flag : {"false", "0", "no", "off", "FALSE"}) {
      r = ListLeases("?active_only=" + std::string(flag) + "&orchestrator_id=" + a.orchestrator_id);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(flag, 3u, r.json["leases"].size());
    }
    r = ListLeases("?active_only=true&orchestrator_id=" + a.orchestrator_id);
    CPPUNIT_ASSERT_EQUAL(2u, r.json["leases"].size());
    r = ListLeases("?orchestrator_id=" + UniqueId("nobody"));
    CPPUNIT_ASSERT_EQUAL(200L, r.status);
    CPPUNIT_ASSERT_EQUAL(0u, r.json["leases"].size());

    for (const char* bad : {"0", "2001", "-1", "x", "1.5", ""}) {
      r = ListLeases(std::string("?limit=") + bad);
      CPPUNIT_ASSERT_MESSAGE(
          std::string(bad) + ": " + r.Describe(),
          r.status == 422 && r.json["detail"][0]["loc"][1].asString() == "limit");
    }
    r = ListLeases("?active_only=maybe");
    CPPUNIT_ASSERT_MESSAGE(r.Describe(), HasError(r, "query", "active_only", "bool_parsing"));
  }

  void testRolesInFrontOfLicensing() {
    const std::string id = RegisterOrchestrator();
    const std::string image = UniqueImage();
    struct Call {
      const char* method;
      std::string path;
      std::string body;
    };
    const std::vector<Call> admin_calls = {
        {"POST", "/api/licenses/orchestrators/" + id + "/tokens", ""},
        {"GET", "/api/licenses/orchestrators/" + id + "/tokens", ""},
        {"DELETE", "/api/licenses/orchestrators/" + id + "/tokens/" + std::string(32, 'a'), ""},
        {"PUT", "/api/licenses/images", "{\"image_ref\":\"" + image + "\"}"},
        {"GET", "/api/licenses/images", ""},
        {"POST", "/api/licenses/images/revoke", "{\"image_ref\":\"" + image + "\"}"},
        {"GET", "/api/licenses/access", ""},
        {"POST", "/api/licenses/access/grant", ToJsonText(Pair(id, image))},
        {"POST", "/api/licenses/access/revoke", ToJsonText(Pair(id, image))},
    };
    for (const Call& call : admin_calls) {
      const std::string what = std::string(call.method) + " " + call.path;
      HttpResult r = Send(call.method, call.path, call.body, Main().Anonymous());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(what, 401L, r.status);
      CPPUNIT_ASSERT_EQUAL(std::string("Admin token required"), r.json["detail"].asString());
      // The viewer token is not enough.
      r = Send(call.method, call.path, call.body, AsViewer());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(what, 401L, r.status);
      // With no admin token configured: 503.
      RequestOptions bare;
      bare.base_url = TestEnv::Get().bare_url;
      bare.headers.push_back(AdminHeader());
      r = Send(call.method, call.path, call.body, bare);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(what, 503L, r.status);
      CPPUNIT_ASSERT_EQUAL(std::string("Admin API disabled: set PAYMENTS_API_ADMIN_TOKEN"),
                           r.json["detail"].asString());
    }
    // Nothing of the above took effect.
    CPPUNIT_ASSERT_EQUAL(
        0u, Get("/api/licenses/orchestrators/" + id + "/tokens", AsAdmin()).json["tokens"].size());
    // The leases view: viewer or admin.
    HttpResult r = Get("/api/licenses/leases", Main().Anonymous());
    AssertDetail(r, 401, "Viewer token required");
    CPPUNIT_ASSERT_EQUAL(200L, Get("/api/licenses/leases", AsViewer()).status);
    CPPUNIT_ASSERT_EQUAL(200L, Get("/api/licenses/leases", AsAdmin()).status);
    // Admin and viewer tokens are not orchestrator tokens.
    AssertDetail(Lease(AsOrchestrator(TestEnv::Get().viewer_token, Style::kBearer), image), 401,
                 kOrchestratorRequired);
  }

  // ------------------------------------------------------------- expiry --

  void testExpiryOnShortLeases() {
    const Licensed l = NewLicensed(Short());
    const RequestOptions as = AsOrchestrator(l.token, Style::kBearer, Short());
    const HttpResult lease = Lease(as, l.image_ref);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(lease.Describe(), 200L, lease.status);
    CPPUNIT_ASSERT_EQUAL(2, lease.json["lease_seconds"].asInt());
    const std::string lease_id = lease.json["lease_id"].asString();
    // Renewing keeps it alive past its first expiry.
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(900));
      const HttpResult beat = Heartbeat(as, lease_id);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(beat.Describe(), 200L, beat.status);
      CPPUNIT_ASSERT_EQUAL(2, beat.json["lease_seconds"].asInt());
    }
    CPPUNIT_ASSERT(FindLease(lease_id, l.orchestrator_id, Short())["active"].asBool());
    std::this_thread::sleep_for(std::chrono::milliseconds(2300));
    AssertDetail(Heartbeat(as, lease_id), 410, "Lease expired");
    AssertDetail(Heartbeat(as, lease_id), 410, "Lease expired");
    const Json::Value record = FindLease(lease_id, l.orchestrator_id, Short());
    CPPUNIT_ASSERT(!record["active"].asBool());
    CPPUNIT_ASSERT(record["revoked_at"].isNull());  // expired, not revoked
    const HttpResult active = ListLeases("?orchestrator_id=" + l.orchestrator_id, Short());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(active.Describe(), 0u, active.json["leases"].size());
    // Expiry outranks a later revocation of the grant: still 410, not revoked.
    CPPUNIT_ASSERT_EQUAL(200L, RevokeAccess(l.orchestrator_id, l.image_ref, Short()).status);
    AssertDetail(Heartbeat(as, lease_id), 410, "Lease expired");
    CPPUNIT_ASSERT(FindLease(lease_id, l.orchestrator_id, Short())["revoked_at"].isNull());
    // An expired lease is simply replaced by a new one.
    CPPUNIT_ASSERT_EQUAL(200L, Grant(l.orchestrator_id, l.image_ref, Short()).status);
    CPPUNIT_ASSERT_EQUAL(200L, Lease(as, l.image_ref).status);
  }

  // -------------------------------------------------------- concurrency --

  void testParallelHeartbeatsOnOneLease() {
    const Licensed l = NewLicensed();
    const HttpResult lease = Lease(AsOrchestrator(l.token, Style::kBearer), l.image_ref);
    const std::string lease_id = lease.json["lease_id"].asString();
    constexpr int kBeats = 60;
    std::mutex mutex;
    std::vector<std::string> expiries;
    std::vector<std::string> failures;
    // The heartbeats also race admin changes that lock the image and grant
    // rows without ending access: a rotation and a repeated grant.
    const std::string rotated = NewSecretB64();
    RunParallel(kBeats + 2, 12, [&](int i) {
      if (i == kBeats / 3 || i == 2 * kBeats / 3) {
        const HttpResult r = i == kBeats / 3 ? PutImage(l.image_ref, rotated)
                                             : Grant(l.orchestrator_id, l.image_ref);
        if (r.status != 200) {
          std::lock_guard<std::mutex> lock(mutex);
          failures.push_back(r.Describe());
        }
        return;
      }
      const HttpResult r = Heartbeat(
          AsOrchestrator(l.token, i % 2 == 0 ? Style::kBearer : Style::kHeader), lease_id);
      std::lock_guard<std::mutex> lock(mutex);
      if (r.status == 200) {
        expiries.push_back(r.json["expires_at"].asString());
      } else {
        failures.push_back(r.Describe());
      }
    });
    CPPUNIT_ASSERT_MESSAGE(failures.empty() ? "" : failures[0], failures.empty());
    CPPUNIT_ASSERT_EQUAL(std::size_t{kBeats}, expiries.size());
    // Consistent afterwards: live, unrevoked, and expires_at is the latest
    // any heartbeat granted (it never moves backwards).
    const Json::Value record = FindLease(lease_id, l.orchestrator_id);
    CPPUNIT_ASSERT(record["active"].asBool());
    CPPUNIT_ASSERT(record["revoked_at"].isNull());
    CPPUNIT_ASSERT_EQUAL(*std::max_element(expiries.begin(), expiries.end()),
                         record["expires_at"].asString());
    int audited = 0;
    for (const Json::Value& line : ReadAuditLines("license.log")) {
      if (line["event"].asString() == "lease_heartbeat" &&
          line["lease_id"].asString() == lease_id) {
        ++audited;
      }
    }
    CPPUNIT_ASSERT_EQUAL(kBeats, audited);
    CPPUNIT_ASSERT_EQUAL(1u, ListLeases("?image_ref=" + l.image_ref).json["leases"].size());
  }

  void testParallelLeaseIssuance() {
    const Licensed l = NewLicensed();
    const std::string second_token = NewToken(l.orchestrator_id);
    constexpr int kLeases = 40;
    std::mutex mutex;
    std::set<std::string> ids;
    std::vector<std::string> failures;
    // Leases race a rotation of the image's secret: each lease hands out
    // either the old or the new secret, never anything else.
    const std::string rotated = NewSecretB64();
    RunParallel(kLeases + 1, 10, [&](int i) {
      if (i == kLeases / 2) {
        const HttpResult r = PutImage(l.image_ref, rotated);
        if (r.status != 200) {
          std::lock_guard<std::mutex> lock(mutex);
          failures.push_back(r.Describe());
        }
        return;
      }
      const HttpResult r =
          Lease(AsOrchestrator(i % 2 == 0 ? l.token : second_token, Style::kBearer), l.image_ref);
      std::lock_guard<std::mutex> lock(mutex);
      if (r.status != 200) {
        failures.push_back(r.Describe());
      } else if (r.json["secret_b64"].asString() != l.secret_b64 &&
                 r.json["secret_b64"].asString() != rotated) {
        failures.push_back("unexpected secret");
      } else {
        ids.insert(r.json["lease_id"].asString());
      }
    });
    CPPUNIT_ASSERT_MESSAGE(failures.empty() ? "" : failures[0], failures.empty());
    CPPUNIT_ASSERT_EQUAL(std::size_t{kLeases}, ids.size());
    const HttpResult list = ListLeases("?limit=2000&orchestrator_id=" + l.orchestrator_id);
    CPPUNIT_ASSERT_EQUAL(static_cast<unsigned>(kLeases), list.json["leases"].size());
    for (const Json::Value& lease : list.json["leases"]) {
      CPPUNIT_ASSERT(ids.count(lease["lease_id"].asString()) == 1);
    }
  }

  // ---------------------------------------------------------- at rest --

  void testCiphertextAndHashesAtRest() {
    const std::string ref = UniqueImage();
    const std::string secret_b64 = NewSecretB64(48);
    const std::string secret = Decode(secret_b64);
    CPPUNIT_ASSERT_EQUAL(200L, PutImage(ref, secret_b64).status);
    const std::string blob_hex = StoredBlobHex("payments", ref);
    // version byte || 12-byte nonce || ciphertext || 16-byte tag
    CPPUNIT_ASSERT_EQUAL_MESSAGE(blob_hex, (secret.size() + 29) * 2, blob_hex.size());
    CPPUNIT_ASSERT_EQUAL(std::string("01"), blob_hex.substr(0, 2));
    const std::string secret_hex = crypto::HexEncode(secret);
    CPPUNIT_ASSERT(blob_hex.find(secret_hex) == std::string::npos);
    CPPUNIT_ASSERT(blob_hex.find(secret_hex.substr(0, 16)) == std::string::npos);
    // No column of any licensing table holds the secret in any encoding.
    const std::string dump = QueryDatabase(
        "SELECT image_ref, HEX(secret_ciphertext), secret_ciphertext FROM license_images "
        "WHERE image_ref = '" +
        ref + "'");
    CPPUNIT_ASSERT(dump.find(secret_b64) == std::string::npos);
    CPPUNIT_ASSERT(dump.find(secret_hex) == std::string::npos);
    // The same secret sealed again gets a fresh nonce.
    CPPUNIT_ASSERT_EQUAL(200L, PutImage(ref, secret_b64).status);
    const std::string resealed_hex = StoredBlobHex("payments", ref);
    CPPUNIT_ASSERT(resealed_hex != blob_hex);
    CPPUNIT_ASSERT(resealed_hex.substr(2, 24) != blob_hex.substr(2, 24));

    // On the short pool, whose key the test knows: the blob is AES-256-GCM
    // under PAYMENTS_SECRETS_KEY with the image_ref bound.
    const std::string short_ref = UniqueImage();
    CPPUNIT_ASSERT_EQUAL(200L, PutImage(short_ref, secret_b64, Short()).status);
    const std::string short_blob = FromHex(StoredBlobHex(Short().db_name, short_ref));
    crypto::SecretBox box;
    CPPUNIT_ASSERT(crypto::SecretBox::FromBase64Key(EnvOrEmpty("PAYMENTS_TEST_SHORT_SECRETS_KEY"),
                                                    &box, nullptr));
    std::string opened;
    CPPUNIT_ASSERT(box.Open(short_blob, short_ref, &opened));
    CPPUNIT_ASSERT(secret == opened);
    CPPUNIT_ASSERT(!box.Open(short_blob, ref, &opened));

    // Tokens: only their SHA-256 is stored.
    const std::string id = RegisterOrchestrator();
    const HttpResult minted = MintToken(id);
    const std::string token = minted.json["token"].asString();
    const std::string row = QueryDatabase(
        "SELECT token_id, orchestrator_id, token_hash FROM orchestrator_tokens WHERE "
        "orchestrator_id = '" +
        id + "'");
    CPPUNIT_ASSERT(row.find(crypto::Sha256Hex(token)) != std::string::npos);
    CPPUNIT_ASSERT(row.find(token) == std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("1"),
                         Trimmed(QueryDatabase("SELECT COUNT(*) FROM information_schema.statistics "
                                               "WHERE table_schema = 'payments' AND table_name = "
                                               "'orchestrator_tokens' AND column_name = "
                                               "'token_hash' AND non_unique = 0")));
  }

  void testHotStatementsUseIndexes() {
    const Licensed l = NewLicensed();
    const HttpResult lease = Lease(AsOrchestrator(l.token, Style::kBearer), l.image_ref);
    const std::string lease_id = "'" + lease.json["lease_id"].asString() + "'";
    const std::string hash = "'" + crypto::Sha256Hex(l.token) + "'";
    // A "now" before the lease's expiry, so that the optimizer cannot
    // answer from the constant rows alone ("Impossible WHERE").
    const std::string now = "'2001-01-01 00:00:00.000000'";
    const std::string id = "'" + l.orchestrator_id + "'";
    const std::string token_id =
        "'" +
        Get("/api/licenses/orchestrators/" + l.orchestrator_id + "/tokens", AsAdmin())
            .json["tokens"][0]["token_id"]
            .asString() +
        "'";
    const std::vector<std::pair<std::string, std::string>> statements = {
        {"auth lookup", Bind(kTokenByHashSql, {hash})},
        {"auth touch", Bind(kTokenTouchSql, {now, now, token_id})},
        {"heartbeat read", Bind(kLeaseStateSql, {now, lease_id})},
        {"heartbeat renew",
         Bind(kLeaseRenewIfLiveSql, {now, now, "'127.0.0.1'", lease_id, id, now})},
    };
    for (const auto& [what, statement] : statements) {
      const auto rows = Explain(statement);
      CPPUNIT_ASSERT_MESSAGE(what, !rows.empty());
      for (const auto& row : rows) {
        // One row through PRIMARY or the unique hash index (const/eq_ref;
        // a single-table UPDATE reports its key lookup as "range"); never a
        // scan ("ALL", "index") or an unindexed access.
        CPPUNIT_ASSERT_MESSAGE(
            what + ": " + DescribeExplain(rows),
            row[1] == "const" || row[1] == "eq_ref" || row[1] == "system" || row[1] == "range");
        CPPUNIT_ASSERT_MESSAGE(what + ": " + DescribeExplain(rows),
                               row[2] == "PRIMARY" || row[2] == "uq_orchestrator_tokens_hash");
      }
    }
  }

  // -------------------------------------------------------------- audit --

  void testAuditLines() {
    const std::string ip = NextIp();
    const Licensed l = NewLicensed();
    const RequestOptions as = AsOrchestrator(l.token, Style::kBearer, Main(), ip);
    const HttpResult lease = Lease(as, l.image_ref);
    const std::string lease_id = lease.json["lease_id"].asString();
    CPPUNIT_ASSERT_EQUAL(200L, Heartbeat(as, lease_id).status);
    CPPUNIT_ASSERT_EQUAL(200L, RevokeAccess(l.orchestrator_id, l.image_ref).status);
    CPPUNIT_ASSERT_EQUAL(403L, Heartbeat(as, lease_id).status);
    CPPUNIT_ASSERT_EQUAL(200L, RevokeImage(l.image_ref).status);
    const std::string token_id =
        Get("/api/licenses/orchestrators/" + l.orchestrator_id + "/tokens", AsAdmin())
            .json["tokens"][0]["token_id"]
            .asString();
    CPPUNIT_ASSERT_EQUAL(
        200L,
        Send("DELETE", "/api/licenses/orchestrators/" + l.orchestrator_id + "/tokens/" + token_id,
             "", AsAdmin())
            .status);

    std::map<std::string, std::vector<Json::Value>> seen;
    for (const Json::Value& line : ReadAuditLines("license.log")) {
      CPPUNIT_ASSERT(line["timestamp"].isString());
      CPPUNIT_ASSERT(line["event"].isString());
      if (line["orchestrator_id"].asString() == l.orchestrator_id ||
          line["image_ref"].asString() == l.image_ref) {
        seen[line["event"].asString()].push_back(line);
      }
    }
    for (const char* event :
         {"token_minted", "token_revoked", "image_upserted", "image_revoked", "access_granted",
          "access_revoked", "lease_issued", "lease_heartbeat", "lease_denied"}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(event, std::size_t{1}, seen[event].size());
    }
    CPPUNIT_ASSERT_EQUAL(token_id, seen["token_minted"][0]["token_id"].asString());
    CPPUNIT_ASSERT_EQUAL(token_id, seen["token_revoked"][0]["token_id"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("supplied"),
                         seen["image_upserted"][0]["secret_source"].asString());
    CPPUNIT_ASSERT_EQUAL(l.orchestrator_id,
                         seen["access_granted"][0]["orchestrator_id"].asString());
    CPPUNIT_ASSERT_EQUAL(l.image_ref, seen["access_revoked"][0]["image_ref"].asString());
    for (const char* event : {"lease_issued", "lease_heartbeat", "lease_denied"}) {
      const Json::Value& line = seen[event][0];
      CPPUNIT_ASSERT_EQUAL_MESSAGE(event, lease_id, line["lease_id"].asString());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(event, ip, line["request_ip"].asString());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(event, l.orchestrator_id, line["orchestrator_id"].asString());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(event, l.image_ref, line["image_ref"].asString());
    }
    CPPUNIT_ASSERT_EQUAL(lease.json["expires_at"].asString(),
                         seen["lease_issued"][0]["expires_at"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("access_denied"),
                         seen["lease_denied"][0]["reason"].asString());
    CPPUNIT_ASSERT(seen["lease_denied"][0]["lease_revoked"].asBool());
  }

  // ------------------------------------------- the binary and its key --

  void testMissingSecretsKeyStopsTheProcess() {
    std::string output;
    int status = RunBinary("check-config", {"PAYMENTS_DATA_DIR=/tmp"}, &output);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 2, status);
    CPPUNIT_ASSERT_MESSAGE(output,
                           output.find("PAYMENTS_SECRETS_KEY: required") != std::string::npos);
    const std::string bad_key = crypto::Base64Encode(std::string(16, 'k'));
    status = RunBinary("check-config", {"PAYMENTS_SECRETS_KEY=" + bad_key}, &output);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 2, status);
    CPPUNIT_ASSERT_MESSAGE(
        output, output.find("PAYMENTS_SECRETS_KEY: must decode to 32 bytes") != std::string::npos);
    CPPUNIT_ASSERT(output.find(bad_key) == std::string::npos);
    status =
        RunBinary("check-config",
                  {"PAYMENTS_SECRETS_KEY=" + crypto::Base64Encode(std::string(32, 'k'))}, &output);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 0, status);
  }

  void testKeyRotationCommand() {
    const std::string old_key = EnvOrEmpty("PAYMENTS_TEST_SHORT_SECRETS_KEY");
    const std::string new_key = crypto::Base64Encode(crypto::RandomBytes(32));
    Remember(new_key);
    const Licensed l = NewLicensed(Short());
    const RequestOptions as = AsOrchestrator(l.token, Style::kBearer, Short());
    const HttpResult lease = Lease(as, l.image_ref);
    CPPUNIT_ASSERT_EQUAL(200L, lease.status);
    const std::string before = StoredBlobHex(Short().db_name, l.image_ref);

    std::string output;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(
        output, 2, RunBinary("rotate-secrets-key", {"PAYMENTS_SECRETS_KEY=" + old_key}, &output));
    CPPUNIT_ASSERT(output.find("PAYMENTS_NEW_SECRETS_KEY") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 2, RotateShortKey(old_key, old_key, &output));
    // A wrong "old" key: refused, nothing changed.
    const std::string stranger = crypto::Base64Encode(crypto::RandomBytes(32));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 1, RotateShortKey(stranger, new_key, &output));
    CPPUNIT_ASSERT_EQUAL(before, StoredBlobHex(Short().db_name, l.image_ref));

    CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 0, RotateShortKey(old_key, new_key, &output));
    CPPUNIT_ASSERT_MESSAGE(output, output.find("re-encrypted ") != std::string::npos);
    const std::string after = StoredBlobHex(Short().db_name, l.image_ref);
    CPPUNIT_ASSERT(after != before);
    crypto::SecretBox new_box;
    CPPUNIT_ASSERT(crypto::SecretBox::FromBase64Key(new_key, &new_box, nullptr));
    std::string opened;
    CPPUNIT_ASSERT(new_box.Open(FromHex(after), l.image_ref, &opened));
    CPPUNIT_ASSERT(Decode(l.secret_b64) == opened);
    // Workers still on the old key cannot hand out the secret (503), but
    // heartbeats need no secret and keep working.
    AssertDetail(Lease(as, l.image_ref), 503, "Image secret unavailable");
    CPPUNIT_ASSERT_EQUAL(200L, Heartbeat(as, lease.json["lease_id"].asString()).status);
    // A rerun finds everything under the new key already.
    CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 0, RotateShortKey(old_key, new_key, &output));
    CPPUNIT_ASSERT_MESSAGE(output, output.find("re-encrypted 0,") != std::string::npos);

    // And back, so the short pool's workers can read the secrets again.
    CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 0, RotateShortKey(new_key, old_key, &output));
    const HttpResult again = Lease(as, l.image_ref);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(again.Describe(), 200L, again.status);
    CPPUNIT_ASSERT_EQUAL(l.secret_b64, again.json["secret_b64"].asString());
  }

  // Last: nothing minted above reached a log or audit file.
  void testNoTokenHashOrSecretInAnyLog() {
    std::vector<std::string> needles;
    {
      std::lock_guard<std::mutex> lock(g_minted_mutex);
      for (const std::string& value : g_minted) {
        if (value.empty()) continue;
        needles.push_back(value);
        std::string raw;
        if (crypto::Base64Decode(value, &raw)) needles.push_back(crypto::HexEncode(raw));
        // Tokens are URL-safe base64: their hashes must not appear either.
        needles.push_back(crypto::Sha256Hex(value));
      }
    }
    CPPUNIT_ASSERT(needles.size() > 30);
    const std::string run_dir = TestEnv::Get().run_dir;
    std::vector<std::filesystem::path> files;
    for (const std::string& dir : {run_dir + "/logs", run_dir + "/data", run_dir + "/data-bare",
                                   run_dir + "/data-short", TestEnv::Get().data_dir}) {
      std::error_code ec;
      if (!std::filesystem::exists(dir, ec)) continue;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    }
    bool saw_license_log = false;
    for (const auto& file : files) {
      if (file.filename() == "license.log") saw_license_log = true;
      std::ifstream in(file, std::ios::binary);
      const std::string content((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
      for (const std::string& needle : needles) {
        CPPUNIT_ASSERT_MESSAGE("a token, hash or secret is in " + file.string(),
                               content.find(needle) == std::string::npos);
      }
    }
    CPPUNIT_ASSERT(saw_license_log);
  }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(LicensingTest, "Licensing");

}  // namespace payments::testing
