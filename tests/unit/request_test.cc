// Unit tests for BuildRequest (fcgi_app/transport/fcgi_server.h): turning
// FastCGI parameters into a Request, plus the Request/Response helpers.

#include "http/request.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "http/json.h"
#include "transport/fcgi_server.h"

namespace payments {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Holds "NAME=value" strings and the NULL-terminated char* array libfcgi
// would pass.
class Envp {
 public:
  explicit Envp(std::vector<std::string> entries) : entries_(std::move(entries)) {
    for (std::string& entry : entries_) pointers_.push_back(entry.data());
    pointers_.push_back(nullptr);
  }
  char** get() { return pointers_.data(); }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
};

Request Build(std::vector<std::string> entries) {
  Envp envp(std::move(entries));
  return BuildRequest(envp.get());
}

Pairs Flatten(const std::multimap<std::string, std::string>& m) {
  return Pairs(m.begin(), m.end());
}

}  // namespace

class RequestTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RequestTest);
  CPPUNIT_TEST(testNullAndEmpty);
  CPPUNIT_TEST(testTypicalNginxParams);
  CPPUNIT_TEST(testHeaderNames);
  CPPUNIT_TEST(testPathIsRawAndQueryIsDecoded);
  CPPUNIT_TEST(testQueryEdgeCases);
  CPPUNIT_TEST(testValuesWithEquals);
  CPPUNIT_TEST(testMalformedEntries);
  CPPUNIT_TEST(testClientAddressIsRemoteAddr);
  CPPUNIT_TEST(testRepeatedParams);
  CPPUNIT_TEST(testResponses);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testNullAndEmpty() {
    const Request from_null = BuildRequest(nullptr);
    CPPUNIT_ASSERT(from_null.method.empty() && from_null.path.empty());
    CPPUNIT_ASSERT(from_null.headers.empty() && from_null.query.empty());
    CPPUNIT_ASSERT(from_null.remote_addr.empty() && from_null.request_id.empty());
    CPPUNIT_ASSERT(from_null.body.empty());
    const Request from_empty = Build({});
    CPPUNIT_ASSERT(from_empty.method.empty() && from_empty.path.empty());
    CPPUNIT_ASSERT(from_empty.headers.empty() && from_empty.query.empty());
  }

  void testTypicalNginxParams() {
    const Request r =
        Build({"QUERY_STRING=limit=5&x=a+b", "REQUEST_METHOD=POST",
               "CONTENT_TYPE=application/json; charset=utf-8", "CONTENT_LENGTH=17",
               "SCRIPT_NAME=/api/orchestrators/register",
               "REQUEST_URI=/api/orchestrators/register?limit=5&x=a+b",
               "DOCUMENT_URI=/api/orchestrators/register", "SERVER_PROTOCOL=HTTP/1.1",
               "REQUEST_SCHEME=https", "HTTPS=on", "REMOTE_ADDR=203.0.113.9", "REMOTE_PORT=51234",
               "SERVER_ADDR=127.0.0.1", "SERVER_PORT=8443", "REQUEST_ID=9f86d081884c7d65",
               "HTTP_HOST=localhost:8443", "HTTP_USER_AGENT=curl/8.5.0",
               "HTTP_X_ADMIN_TOKEN=secret-token-value", "HTTP_CONTENT_TYPE=text/plain"});
    CPPUNIT_ASSERT_EQUAL(std::string("POST"), r.method);
    CPPUNIT_ASSERT_EQUAL(std::string("/api/orchestrators/register"), r.path);
    CPPUNIT_ASSERT(Pairs({{"limit", "5"}, {"x", "a b"}}) == Flatten(r.query));
    CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.9"), r.remote_addr);
    CPPUNIT_ASSERT_EQUAL(std::string("9f86d081884c7d65"), r.request_id);
    CPPUNIT_ASSERT_EQUAL(std::string("localhost:8443"), r.Header("host"));
    CPPUNIT_ASSERT_EQUAL(std::string("curl/8.5.0"), r.Header("user-agent"));
    CPPUNIT_ASSERT_EQUAL(std::string("secret-token-value"), r.Header("x-admin-token"));
    CPPUNIT_ASSERT(!r.Header("content-type").empty());
    // Non-HTTP_ parameters other than the ones above are not headers.
    for (const char* name : {"script-name", "server-port", "remote-port", "https", "query-string",
                             "request-uri", "content-length", "SCRIPT_NAME", "remote-addr"}) {
      CPPUNIT_ASSERT_MESSAGE(name, r.headers.count(name) == 0);
    }
    CPPUNIT_ASSERT(r.body.empty());  // the body is read separately
  }

  void testHeaderNames() {
    const Request r =
        Build({"HTTP_X_ADMIN_TOKEN=t", "HTTP_AUTHORIZATION=Bearer abc",
               "HTTP_X_ORCHESTRATOR_TOKEN=o", "HTTP_ACCEPT=*/*", "CONTENT_TYPE=application/json"});
    CPPUNIT_ASSERT_EQUAL(std::string("t"), r.Header("x-admin-token"));
    CPPUNIT_ASSERT_EQUAL(std::string("Bearer abc"), r.Header("authorization"));
    CPPUNIT_ASSERT_EQUAL(std::string("o"), r.Header("x-orchestrator-token"));
    CPPUNIT_ASSERT_EQUAL(std::string("*/*"), r.Header("accept"));
    CPPUNIT_ASSERT_EQUAL(std::string("application/json"), r.Header("content-type"));
    // Names are stored lower-case with '-'; other spellings are not found.
    CPPUNIT_ASSERT(r.Header("X-Admin-Token").empty());
    CPPUNIT_ASSERT(r.Header("x_admin_token").empty());
    CPPUNIT_ASSERT(r.Header("missing").empty());
    CPPUNIT_ASSERT_EQUAL(std::size_t{5}, r.headers.size());
    // Header values are kept exactly, spaces included.
    CPPUNIT_ASSERT_EQUAL(std::string("  padded  "), Build({"HTTP_X_A=  padded  "}).Header("x-a"));
    CPPUNIT_ASSERT(Build({"HTTP_X_EMPTY="}).headers.count("x-empty") == 1);
  }

  void testPathIsRawAndQueryIsDecoded() {
    Request r = Build({"REQUEST_URI=/api/orchestrators/a%2Fb%20c?q=a%2Fb%20c&r=%zz"});
    // The path stays encoded: Router::Match decodes {param} segments itself.
    CPPUNIT_ASSERT_EQUAL(std::string("/api/orchestrators/a%2Fb%20c"), r.path);
    CPPUNIT_ASSERT(Pairs({{"q", "a/b c"}, {"r", "%zz"}}) == Flatten(r.query));
    // The query comes from REQUEST_URI, not QUERY_STRING.
    r = Build({"QUERY_STRING=from=qs", "REQUEST_URI=/x?from=uri"});
    CPPUNIT_ASSERT(Pairs({{"from", "uri"}}) == Flatten(r.query));
    r = Build({"REQUEST_URI=/x", "QUERY_STRING=from=qs"});
    CPPUNIT_ASSERT(r.query.empty());
    CPPUNIT_ASSERT_EQUAL(std::string("/x"), r.path);
  }

  void testQueryEdgeCases() {
    Request r = Build({"REQUEST_URI=/api/health?"});
    CPPUNIT_ASSERT_EQUAL(std::string("/api/health"), r.path);
    CPPUNIT_ASSERT(r.query.empty());
    r = Build({"REQUEST_URI=/a?b=1?2&c"});
    CPPUNIT_ASSERT_EQUAL(std::string("/a"), r.path);
    CPPUNIT_ASSERT(Pairs({{"b", "1?2"}, {"c", ""}}) == Flatten(r.query));
    r = Build({"REQUEST_URI=?a=1"});
    CPPUNIT_ASSERT(r.path.empty());
    CPPUNIT_ASSERT(Pairs({{"a", "1"}}) == Flatten(r.query));
    r = Build({"REQUEST_URI=/a/b/"});
    CPPUNIT_ASSERT_EQUAL(std::string("/a/b/"), r.path);
  }

  void testValuesWithEquals() {
    const Request r = Build({"HTTP_COOKIE=a=b; c=d==", "REQUEST_ID=x=y", "REQUEST_METHOD=GET"});
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; c=d=="), r.Header("cookie"));
    CPPUNIT_ASSERT_EQUAL(std::string("x=y"), r.request_id);
    CPPUNIT_ASSERT_EQUAL(std::string("GET"), r.method);
  }

  void testMalformedEntries() {
    // Entries without '=' are skipped; the rest still count.
    const Request r = Build({"GARBAGE", "", "REQUEST_METHOD", "REQUEST_METHOD=PATCH",
                             "=value-without-name", "HTTP_X_OK=1"});
    CPPUNIT_ASSERT_EQUAL(std::string("PATCH"), r.method);
    CPPUNIT_ASSERT_EQUAL(std::string("1"), r.Header("x-ok"));
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, r.headers.size());
    // Names are case-sensitive CGI names.
    const Request lower =
        Build({"request_method=GET", "http_x_admin_token=t", "Remote_Addr=1.2.3.4"});
    CPPUNIT_ASSERT(lower.method.empty());
    CPPUNIT_ASSERT(lower.headers.empty());
    CPPUNIT_ASSERT(lower.remote_addr.empty());
    // Empty values are values.
    const Request empty = Build({"REQUEST_METHOD=", "REQUEST_URI=", "REMOTE_ADDR="});
    CPPUNIT_ASSERT(empty.method.empty() && empty.path.empty() && empty.remote_addr.empty());
  }

  void testClientAddressIsRemoteAddr() {
    // A client-sent X-Forwarded-For / X-Real-IP is a header, never the address.
    const Request r = Build({"HTTP_X_FORWARDED_FOR=10.0.0.1, 192.0.2.1", "HTTP_X_REAL_IP=10.0.0.2",
                             "REMOTE_ADDR=198.51.100.7", "HTTP_FORWARDED=for=10.0.0.3"});
    CPPUNIT_ASSERT_EQUAL(std::string("198.51.100.7"), r.remote_addr);
    CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.1, 192.0.2.1"), r.Header("x-forwarded-for"));
    const Request only_xff = Build({"HTTP_X_FORWARDED_FOR=10.0.0.1"});
    CPPUNIT_ASSERT(only_xff.remote_addr.empty());
    const Request v6 = Build({"REMOTE_ADDR=2001:db8::1"});
    CPPUNIT_ASSERT_EQUAL(std::string("2001:db8::1"), v6.remote_addr);
  }

  void testRepeatedParams() {
    // A later duplicate replaces an earlier one.
    const Request r = Build({"REQUEST_METHOD=GET", "REQUEST_METHOD=DELETE", "HTTP_X_A=1",
                             "HTTP_X_A=2", "REQUEST_URI=/first?a=1", "REQUEST_URI=/second?b=2"});
    CPPUNIT_ASSERT_EQUAL(std::string("DELETE"), r.method);
    CPPUNIT_ASSERT_EQUAL(std::string("2"), r.Header("x-a"));
    CPPUNIT_ASSERT_EQUAL(std::string("/second"), r.path);
    CPPUNIT_ASSERT(Pairs({{"b", "2"}}) == Flatten(r.query));
    // CONTENT_TYPE and HTTP_CONTENT_TYPE land in the same header: last wins.
    CPPUNIT_ASSERT_EQUAL(std::string("b"),
                         Build({"CONTENT_TYPE=a", "HTTP_CONTENT_TYPE=b"}).Header("content-type"));
    CPPUNIT_ASSERT_EQUAL(std::string("a"),
                         Build({"HTTP_CONTENT_TYPE=b", "CONTENT_TYPE=a"}).Header("content-type"));
  }

  void testResponses() {
    Json::Value body(Json::objectValue);
    body["ok"] = true;
    const Response json = JsonResponse(201, body);
    CPPUNIT_ASSERT_EQUAL(201, json.status);
    CPPUNIT_ASSERT_EQUAL(std::string("{\"ok\":true}"), json.body);
    CPPUNIT_ASSERT(json.headers.empty());

    const Response error = ErrorResponse(404, "Not Found");
    CPPUNIT_ASSERT_EQUAL(404, error.status);
    CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Not Found\"}"), error.body);

    Json::Value list(Json::arrayValue);
    list.append("x");
    CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":[\"x\"]}"), ErrorResponse(422, list).body);

    CPPUNIT_ASSERT_EQUAL(200, Response().status);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RequestTest);

}  // namespace payments
