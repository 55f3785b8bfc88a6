// The integration tests' HTTP client: real HTTPS requests through nginx to
// the stack that scripts/dev.sh test starts (libcurl, verifying the stack's
// self-signed certificate). Each request may come from its own loopback
// address (127.0.0.0/8), which nginx then reports to the workers as
// REMOTE_ADDR — how the tests exercise per-IP rules without trusting any
// forwarded header.
#pragma once

#include <json/value.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace payments::testing {

struct TestEnv {
  std::string url;       // https://127.0.0.1:PORT
  std::string bare_url;  // a stack with no tokens configured
  std::string ca;        // certificate to trust
  std::string admin_token;
  std::string viewer_token;
  std::string run_dir;
  std::string data_dir;  // audit files under data_dir/audit
  std::string db_socket;

  // Read once from PAYMENTS_TEST_*; throws if the stack is not described.
  static const TestEnv& Get();
};

struct HttpResult {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  Json::Value json;                            // null unless the body parsed

  std::string Describe() const;  // "422 {...}" for assertion messages
};

struct RequestOptions {
  std::vector<std::string> headers;  // "Name: value"
  std::string source_ip;             // e.g. "127.0.3.7"; empty = default
  std::string base_url;              // empty = TestEnv::url
};

HttpResult Send(const std::string& method, const std::string& path, const std::string& body,
                const RequestOptions& options = {});
HttpResult Get(const std::string& path, const RequestOptions& options = {});
HttpResult PostJson(const std::string& path, const Json::Value& body,
                    const RequestOptions& options = {});

// Header helpers.
std::string AdminHeader();
std::string ViewerHeader();
RequestOptions AsAdmin();
RequestOptions AsViewer();

// A fresh loopback address per call (127.1.x.y), never 127.0.0.1.
std::string NextIp();
// A unique id with the given prefix, unique across runs.
std::string UniqueId(const std::string& prefix);
// A unique, valid 0x address.
std::string UniqueAddress();

// Parallel helper: runs fn(i) for i in [0, n) on `threads` threads.
void RunParallel(int n, int threads, const std::function<void(int)>& fn);

// Lines of an audit file under data_dir/audit.
std::vector<Json::Value> ReadAuditLines(const std::string& file_name);

// Query the test database directly (mariadb client over the private
// socket), for checks the API cannot show (ciphertext at rest, EXPLAIN).
std::string QueryDatabase(const std::string& sql);

}  // namespace payments::testing
