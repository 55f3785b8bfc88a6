// Unit tests for fcgi_app/cycle/http_client.h and fcgi_app/cycle/eth_rpc.h,
// run against a tiny HTTP server on 127.0.0.1 (an ephemeral port, one thread
// per connection, canned answers): outcome kinds, the body cap, FetchAll's
// ordering and concurrency limit, the JSON-RPC requests sent and how every
// kind of reply is classified. Only loopback addresses are used.

#include "cycle/eth_rpc.h"

#include <arpa/inet.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <json/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cycle/http_client.h"
#include "domain/money.h"
#include "http/json.h"
#include "tests/unit/scoped_env.h"

namespace payments {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// What the server answers to one request.
struct Canned {
  int status = 200;
  std::string body;
  std::string extra_headers;  // each ending in "\r\n"
  milliseconds delay{0};      // wait before answering
  std::string raw;            // when set, sent as is instead of the above
  bool hang_up = false;       // close the connection without answering
};

// The parts of one received request.
struct Received {
  std::string head;  // request line and headers
  std::string body;
};

// The request head and body, read until Content-Length is satisfied.
std::optional<Received> ReadRequest(int fd) {
  std::string data;
  char buffer[8192];
  std::size_t head_end = std::string::npos;
  std::size_t length = 0;
  while (true) {
    if (head_end == std::string::npos) {
      head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::string lower;
        for (const char c : data.substr(0, head_end)) {
          lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        }
        const std::size_t cl = lower.find("\r\ncontent-length:");
        if (cl != std::string::npos) {
          length = std::strtoul(lower.c_str() + cl + 17, nullptr, 10);
        }
      }
    }
    if (head_end != std::string::npos && data.size() >= head_end + 4 + length) {
      return Received{data.substr(0, head_end + 2), data.substr(head_end + 4, length)};
    }
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return std::nullopt;
    data.append(buffer, static_cast<std::size_t>(n));
  }
}

void SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the client went away (e.g. it hit its body cap)
    sent += static_cast<std::size_t>(n);
  }
}

// An HTTP/1.1 server on 127.0.0.1 with an ephemeral port. Every connection
// gets its own thread: it reads one request, asks the handler for the
// answer, waits the answer's delay (cut short when the server stops), writes
// it and closes. Stops and joins everything on destruction.
class LoopbackServer {
 public:
  using Handler = std::function<Canned(const Received& request)>;

  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(listen_fd_);
      throw std::runtime_error("bind/listen failed");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~LoopbackServer() {
    {
      const std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    acceptor_.join();
    std::vector<std::thread> workers;
    {
      const std::lock_guard<std::mutex> lock(mu_);
      workers.swap(workers_);
    }
    for (std::thread& t : workers) t.join();
    ::close(listen_fd_);
  }

  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::string Url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }

  std::vector<Received> Requests() const {
    const std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // Most requests read but not yet answered at any one time.
  int MaxConcurrent() const {
    const std::lock_guard<std::mutex> lock(mu_);
    return max_in_progress_;
  }

 private:
  void AcceptLoop() {
    while (true) {
      {
        const std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
      }
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      const std::lock_guard<std::mutex> lock(mu_);
      workers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    const std::optional<Received> request = ReadRequest(fd);
    if (!request) {
      ::close(fd);
      return;
    }
    {
      const std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(*request);
      max_in_progress_ = std::max(max_in_progress_, ++in_progress_);
    }
    const Canned canned = handler_(*request);
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, canned.delay, [this] { return stopping_; });
      --in_progress_;  // before answering, so the client's next request never overlaps
    }
    if (canned.hang_up) {
      // nothing
    } else if (!canned.raw.empty()) {
      SendAll(fd, canned.raw);
    } else {
      SendAll(fd, "HTTP/1.1 " + std::to_string(canned.status) + " Canned\r\n" +
                      "Content-Type: application/json\r\n" +
                      "Content-Length: " + std::to_string(canned.body.size()) + "\r\n" +
                      canned.extra_headers + "Connection: close\r\n\r\n" + canned.body);
    }
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::vector<Received> requests_;
  int in_progress_ = 0;
  int max_in_progress_ = 0;
};

// A loopback port that refuses connections: bound but not listening, so no
// one else can take it while the test runs.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot reserve a loopback port");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { ::close(fd_); }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;

  std::string Url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

using testing::ScopedEnv;

Canned Ok(std::string body) {
  Canned c;
  c.body = std::move(body);
  return c;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string KindName(HttpOutcome::Kind kind) {
  switch (kind) {
    case HttpOutcome::Kind::kOk:
      return "kOk";
    case HttpOutcome::Kind::kNotConnected:
      return "kNotConnected";
    case HttpOutcome::Kind::kTimedOut:
      return "kTimedOut";
    case HttpOutcome::Kind::kFailed:
      return "kFailed";
  }
  return "?";
}

void AssertKind(HttpOutcome::Kind expected, const HttpOutcome& got, const std::string& what) {
  CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " (error: " + got.error + ")", KindName(expected),
                               KindName(got.kind));
}

long ElapsedMs(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<milliseconds>(Clock::now() - start).count());
}

// ---- JSON-RPC helpers ----

const std::string kFrom = "0x1111111111111111111111111111111111111111";
const std::string kTo = "0xAbCdEf0123456789abcdef0123456789ABCDEF01";
const std::string kHash = "0x" + std::string(64, 'a');
const std::string kMixedHash = "0xABCDEF" + std::string(58, '0');

Json::Value RequestJson(const Received& request) { return ParseJsonObject(request.body); }

// {"jsonrpc":"2.0","id":<the request's id>,<member>:<value>}
Canned RpcAnswer(const Received& request, const char* member, const Json::Value& value,
                 int status = 200) {
  Json::Value reply(Json::objectValue);
  reply["jsonrpc"] = "2.0";
  reply["id"] = RequestJson(request)["id"];
  reply[member] = value;
  Canned c = Ok(ToJson(reply));
  c.status = status;
  return c;
}

Canned RpcResult(const Received& request, const Json::Value& result) {
  return RpcAnswer(request, "result", result);
}

Canned RpcError(const Received& request, int code, const std::string& message, int status = 200) {
  Json::Value error(Json::objectValue);
  error["code"] = code;
  error["message"] = message;
  return RpcAnswer(request, "error", error, status);
}

Json::Value Receipt(const Json::Value& status, const Json::Value& block) {
  Json::Value receipt(Json::objectValue);
  receipt["transactionHash"] = kHash;
  receipt["status"] = status;
  receipt["blockNumber"] = block;
  return receipt;
}

const char* SendKindName(SendResult::Kind kind) {
  switch (kind) {
    case SendResult::Kind::kSent:
      return "kSent";
    case SendResult::Kind::kRejected:
      return "kRejected";
    case SendResult::Kind::kNotSent:
      return "kNotSent";
    case SendResult::Kind::kUnknown:
      return "kUnknown";
  }
  return "?";
}

const char* ReceiptKindName(ReceiptResult::Kind kind) {
  switch (kind) {
    case ReceiptResult::Kind::kPending:
      return "kPending";
    case ReceiptResult::Kind::kSuccess:
      return "kSuccess";
    case ReceiptResult::Kind::kReverted:
      return "kReverted";
    case ReceiptResult::Kind::kError:
      return "kError";
  }
  return "?";
}

void AssertSend(SendResult::Kind expected, const SendResult& got, const std::string& what) {
  CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " (error: " + got.error + ")",
                               std::string(SendKindName(expected)),
                               std::string(SendKindName(got.kind)));
}

void AssertReceipt(ReceiptResult::Kind expected, const ReceiptResult& got,
                   const std::string& what) {
  CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " (error: " + got.error + ")",
                               std::string(ReceiptKindName(expected)),
                               std::string(ReceiptKindName(got.kind)));
}

Money Eth(const char* text) {
  Money m;
  std::string error;
  if (!Money::Parse(text, &m, &error)) throw std::runtime_error(error);
  return m;
}

SendResult SendOneEth(EthRpc& rpc) { return rpc.SendTransaction(kFrom, kTo, Eth("1"), 1); }

// Sends one transaction to a server answering with `canned`.
SendResult SendAgainst(const Canned& canned) {
  LoopbackServer server([&](const Received&) { return canned; });
  EthRpc rpc(server.Url(), 2.0);
  return SendOneEth(rpc);
}

}  // namespace

class HttpClientTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HttpClientTest);
  CPPUNIT_TEST(testGetOkWithBody);
  CPPUNIT_TEST(testErrorStatusIsOk);
  CPPUNIT_TEST(testRedirectNotFollowed);
  CPPUNIT_TEST(testRefusedIsNotConnected);
  CPPUNIT_TEST(testErrorHidesQueryAndCredentials);
  CPPUNIT_TEST(testBadSchemeOrUrlIsNotConnected);
  CPPUNIT_TEST(testInvalidTimeoutIsNotConnected);
  CPPUNIT_TEST(testTimeoutAfterConnect);
  CPPUNIT_TEST(testBodyCap);
  CPPUNIT_TEST(testServerHangsUpIsFailed);
  CPPUNIT_TEST(testPostJson);
  CPPUNIT_TEST(testProxyEnvironmentIgnored);
  CPPUNIT_TEST(testFetchAllOrderAndConcurrency);
  CPPUNIT_TEST(testFetchAllMixedOutcomes);
  CPPUNIT_TEST(testFetchAllBodyCapAndEmpty);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testGetOkWithBody() {
    LoopbackServer server([](const Received&) { return Ok(R"({"hello":"world"})"); });
    const HttpOutcome out = HttpGet(server.Url("/health?probe=1"), 2.0);
    AssertKind(HttpOutcome::Kind::kOk, out, "GET");
    CPPUNIT_ASSERT_EQUAL(200L, out.status);
    CPPUNIT_ASSERT_EQUAL(std::string(R"({"hello":"world"})"), out.body);
    CPPUNIT_ASSERT(out.error.empty());
    const std::vector<Received> requests = server.Requests();
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, requests.size());
    CPPUNIT_ASSERT_MESSAGE(requests[0].head,
                           requests[0].head.rfind("GET /health?probe=1 HTTP/1.1\r\n", 0) == 0);
    CPPUNIT_ASSERT(Contains(requests[0].head, "\r\nUser-Agent: payments-cycle/1\r\n"));
    CPPUNIT_ASSERT(!Contains(requests[0].head, "Accept-Encoding"));
  }

  void testErrorStatusIsOk() {
    LoopbackServer server([](const Received&) {
      Canned c = Ok("maintenance");
      c.status = 503;
      return c;
    });
    const HttpOutcome out = HttpGet(server.Url(), 2.0);
    AssertKind(HttpOutcome::Kind::kOk, out, "503");
    CPPUNIT_ASSERT_EQUAL(503L, out.status);
    CPPUNIT_ASSERT_EQUAL(std::string("maintenance"), out.body);
  }

  void testRedirectNotFollowed() {
    LoopbackServer server([](const Received&) { return Canned{}; });
    LoopbackServer redirector([&server](const Received&) {
      Canned c;
      c.status = 302;
      c.extra_headers = "Location: " + server.Url("/elsewhere") + "\r\n";
      return c;
    });
    const HttpOutcome out = HttpGet(redirector.Url(), 2.0);
    AssertKind(HttpOutcome::Kind::kOk, out, "redirect");
    CPPUNIT_ASSERT_EQUAL(302L, out.status);
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, redirector.Requests().size());
    CPPUNIT_ASSERT(server.Requests().empty());
  }

  void testRefusedIsNotConnected() {
    const ClosedPort closed;
    const HttpOutcome out = HttpGet(closed.Url(), 2.0);
    AssertKind(HttpOutcome::Kind::kNotConnected, out, "refused");
    CPPUNIT_ASSERT_EQUAL(0L, out.status);
    CPPUNIT_ASSERT(!out.error.empty());
    const HttpOutcome post = HttpPostJson(closed.Url(), "{}", 2.0);
    AssertKind(HttpOutcome::Kind::kNotConnected, post, "refused POST");
  }

  void testErrorHidesQueryAndCredentials() {
    const ClosedPort closed;
    const std::string url = closed.Url("/x?token=topsecretquery");
    const std::string with_user = "http://alice:hunter2pass@" + url.substr(7);
    for (const std::string& u : {url, with_user}) {
      const HttpOutcome out = HttpGet(u, 2.0);
      AssertKind(HttpOutcome::Kind::kNotConnected, out, "refused");
      CPPUNIT_ASSERT_MESSAGE(out.error, !Contains(out.error, "topsecretquery"));
      CPPUNIT_ASSERT_MESSAGE(out.error, !Contains(out.error, "hunter2pass"));
    }
  }

  void testBadSchemeOrUrlIsNotConnected() {
    LoopbackServer server([](const Received&) { return Ok("x"); });
    const std::string authority = server.Url().substr(7);  // "127.0.0.1:port/"
    for (const std::string& url :
         {"ftp://" + authority, std::string("file:///etc/hostname"), "gopher://" + authority,
          "dict://" + authority, std::string("http://"), std::string("not a url"),
          std::string("")}) {
      AssertKind(HttpOutcome::Kind::kNotConnected, HttpGet(url, 1.0), "url '" + url + "'");
    }
    CPPUNIT_ASSERT(server.Requests().empty());
  }

  void testInvalidTimeoutIsNotConnected() {
    LoopbackServer server([](const Received&) { return Ok("x"); });
    for (const double timeout : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(),
                                 std::numeric_limits<double>::infinity()}) {
      AssertKind(HttpOutcome::Kind::kNotConnected, HttpGet(server.Url(), timeout),
                 "timeout " + std::to_string(timeout));
    }
    CPPUNIT_ASSERT(server.Requests().empty());
  }

  void testTimeoutAfterConnect() {
    LoopbackServer server([](const Received&) {
      Canned c = Ok("late");
      c.delay = milliseconds(1500);
      return c;
    });
    const Clock::time_point start = Clock::now();
    const HttpOutcome out = HttpGet(server.Url(), 0.3);
    const long elapsed = ElapsedMs(start);
    AssertKind(HttpOutcome::Kind::kTimedOut, out, "slow server");
    CPPUNIT_ASSERT(!out.error.empty());
    CPPUNIT_ASSERT_MESSAGE(std::to_string(elapsed), elapsed >= 250 && elapsed < 1200);
    AssertKind(HttpOutcome::Kind::kTimedOut, HttpPostJson(server.Url(), "{}", 0.3), "slow POST");
  }

  void testBodyCap() {
    LoopbackServer server([](const Received& r) {
      return Ok(std::string(Contains(r.head, "GET /big") ? 100000 : 65536, 'b'));
    });
    const HttpOutcome big = HttpGet(server.Url("/big"), 2.0);
    AssertKind(HttpOutcome::Kind::kFailed, big, "over cap");
    CPPUNIT_ASSERT(big.body.empty());
    CPPUNIT_ASSERT_MESSAGE(big.error, Contains(big.error, "exceeds 65536 bytes"));

    const HttpOutcome exact = HttpGet(server.Url("/exact"), 2.0);
    AssertKind(HttpOutcome::Kind::kOk, exact, "at cap");
    CPPUNIT_ASSERT_EQUAL(std::size_t{65536}, exact.body.size());

    AssertKind(HttpOutcome::Kind::kFailed, HttpGet(server.Url("/exact"), 2.0, 100), "cap 100");
    AssertKind(HttpOutcome::Kind::kFailed, HttpPostJson(server.Url("/exact"), "{}", 2.0, 1000),
               "POST cap 1000");
    AssertKind(HttpOutcome::Kind::kOk, HttpPostJson(server.Url("/big"), "{}", 2.0),
               "POST default cap 1 MiB");
  }

  void testServerHangsUpIsFailed() {
    // The server promises ten bytes of body, sends three and hangs up.
    LoopbackServer server([](const Received&) {
      Canned c;
      c.raw = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
      return c;
    });
    AssertKind(HttpOutcome::Kind::kFailed, HttpGet(server.Url(), 2.0), "short body");
    // Or answers something that is not HTTP (curl calls that an unsupported
    // protocol, but the request did reach the server).
    LoopbackServer silent([](const Received&) {
      Canned c;
      c.raw = " ";  // not HTTP
      return c;
    });
    AssertKind(HttpOutcome::Kind::kFailed, HttpGet(silent.Url(), 2.0), "garbage answer");
    AssertKind(HttpOutcome::Kind::kFailed, HttpPostJson(silent.Url(), "{}", 2.0), "garbage POST");
    LoopbackServer hang_up([](const Received&) {
      Canned c;
      c.hang_up = true;
      return c;
    });
    AssertKind(HttpOutcome::Kind::kFailed, HttpPostJson(hang_up.Url(), "{}", 2.0), "no answer");
  }

  void testPostJson() {
    LoopbackServer server([](const Received& r) { return Ok("echo:" + r.body); });
    const std::string body = R"({"jsonrpc":"2.0","id":1})";
    const HttpOutcome out = HttpPostJson(server.Url("/rpc"), body, 2.0);
    AssertKind(HttpOutcome::Kind::kOk, out, "POST");
    CPPUNIT_ASSERT_EQUAL("echo:" + body, out.body);
    const Received request = server.Requests().at(0);
    CPPUNIT_ASSERT(request.head.rfind("POST /rpc HTTP/1.1\r\n", 0) == 0);
    CPPUNIT_ASSERT(Contains(request.head, "\r\nContent-Type: application/json\r\n"));
    CPPUNIT_ASSERT(Contains(request.head, "\r\nUser-Agent: payments-cycle/1\r\n"));
    CPPUNIT_ASSERT(!Contains(request.head, "100-continue"));
    CPPUNIT_ASSERT_EQUAL(body, request.body);
  }

  void testProxyEnvironmentIgnored() {
    const ClosedPort proxy;
    const ScopedEnv http_proxy("http_proxy", proxy.Url().c_str());
    const ScopedEnv all_proxy("ALL_PROXY", proxy.Url().c_str());
    const ScopedEnv all_proxy_lower("all_proxy", proxy.Url().c_str());
    const ScopedEnv no_proxy("no_proxy", nullptr);
    const ScopedEnv no_proxy_upper("NO_PROXY", nullptr);
    LoopbackServer server([](const Received&) { return Ok("direct"); });
    const HttpOutcome out = HttpGet(server.Url(), 2.0);
    AssertKind(HttpOutcome::Kind::kOk, out, "with proxy variables set");
    CPPUNIT_ASSERT_EQUAL(std::string("direct"), out.body);
  }

  void testFetchAllOrderAndConcurrency() {
    // The first fetch is the slowest, so completion order differs from input
    // order.
    LoopbackServer server([](const Received& r) {
      const std::string path = r.head.substr(4, r.head.find(' ', 4) - 4);
      Canned c = Ok(path);
      c.delay = milliseconds(path == "/0" ? 200 : 40);
      return c;
    });
    std::vector<HttpFetch> fetches;
    fetches.reserve(6);
    for (int i = 0; i < 6; ++i) fetches.push_back({server.Url("/" + std::to_string(i)), 2.0});
    const Clock::time_point start = Clock::now();
    const std::vector<HttpOutcome> outs = FetchAll(fetches, 2);
    const long elapsed = ElapsedMs(start);
    CPPUNIT_ASSERT_EQUAL(std::size_t{6}, outs.size());
    for (int i = 0; i < 6; ++i) {
      AssertKind(HttpOutcome::Kind::kOk, outs[i], "fetch " + std::to_string(i));
      CPPUNIT_ASSERT_EQUAL("/" + std::to_string(i), outs[i].body);
    }
    CPPUNIT_ASSERT_EQUAL(2, server.MaxConcurrent());
    // Sequentially this would take 400 ms; two lanes take about 200 ms (the
    // bound is loose: the concurrency check above is the real one).
    CPPUNIT_ASSERT_MESSAGE(std::to_string(elapsed), elapsed < 1000);
  }

  void testFetchAllMixedOutcomes() {
    LoopbackServer server([](const Received& r) {
      Canned c = Ok("fine");
      if (Contains(r.head, "GET /slow")) c.delay = milliseconds(1500);
      return c;
    });
    const ClosedPort closed;
    const std::vector<HttpFetch> fetches = {{server.Url("/slow"), 0.3},
                                            {closed.Url(), 1.0},
                                            {"ftp://127.0.0.1/", 1.0},
                                            {server.Url("/a"), 1.0},
                                            {server.Url("/b"), -1.0}};
    for (const int concurrency : {0, 3, 10}) {
      const std::vector<HttpOutcome> outs = FetchAll(fetches, concurrency);
      const std::string what = "concurrency " + std::to_string(concurrency) + ", fetch ";
      CPPUNIT_ASSERT_EQUAL(fetches.size(), outs.size());
      AssertKind(HttpOutcome::Kind::kTimedOut, outs[0], what + "0");
      AssertKind(HttpOutcome::Kind::kNotConnected, outs[1], what + "1");
      AssertKind(HttpOutcome::Kind::kNotConnected, outs[2], what + "2");
      AssertKind(HttpOutcome::Kind::kOk, outs[3], what + "3");
      CPPUNIT_ASSERT_EQUAL(std::string("fine"), outs[3].body);
      AssertKind(HttpOutcome::Kind::kNotConnected, outs[4], what + "4");
    }
  }

  void testFetchAllBodyCapAndEmpty() {
    CPPUNIT_ASSERT(FetchAll({}, 4).empty());
    LoopbackServer server([](const Received&) { return Ok(std::string(2000, 'z')); });
    const std::vector<HttpOutcome> outs =
        FetchAll({{server.Url(), 2.0}, {server.Url(), 2.0}}, 2, 1000);
    AssertKind(HttpOutcome::Kind::kFailed, outs[0], "capped 0");
    AssertKind(HttpOutcome::Kind::kFailed, outs[1], "capped 1");
    AssertKind(HttpOutcome::Kind::kOk, FetchAll({{server.Url(), 2.0}}, 1)[0], "default cap");
  }
};

class EthRpcTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(EthRpcTest);
  CPPUNIT_TEST(testWeiHex);
  CPPUNIT_TEST(testWeiHexRefusesZeroAndNegative);
  CPPUNIT_TEST(testSendSentAndRequestShape);
  CPPUNIT_TEST(testSendIdsIncrement);
  CPPUNIT_TEST(testSendRejected);
  CPPUNIT_TEST(testSendRejectedErrorIsBoundedAndHidesUrl);
  CPPUNIT_TEST(testSendUnknownMalformedResult);
  CPPUNIT_TEST(testSendUnknownHttpStatus);
  CPPUNIT_TEST(testSendUnknownMalformedReply);
  CPPUNIT_TEST(testSendUnknownTimeout);
  CPPUNIT_TEST(testSendNotSent);
  CPPUNIT_TEST(testSendInvalidArgumentsSendNothing);
  CPPUNIT_TEST(testReceiptRequestAndPending);
  CPPUNIT_TEST(testReceiptSuccessAndReverted);
  CPPUNIT_TEST(testReceiptErrors);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testWeiHex() {
    CPPUNIT_ASSERT_EQUAL(std::string("0x1"), WeiHex(Money::FromUnits(1)));
    CPPUNIT_ASSERT_EQUAL(std::string("0xff"), WeiHex(Eth("0.000000000000000255")));
    CPPUNIT_ASSERT_EQUAL(std::string("0xde0b6b3a7640000"), WeiHex(Eth("1")));
    CPPUNIT_ASSERT_EQUAL(std::string("0x6f05b59d3b20000"), WeiHex(Eth("0.5")));
    CPPUNIT_ASSERT_EQUAL(std::string("0x4b3b4ca85a86c47a098a223fffffffff"),
                         WeiHex(Eth("99999999999999999999.999999999999999999")));
    CPPUNIT_ASSERT_EQUAL(std::string("0x4b3b4ca85a86c47a098a223fffffffff"),
                         WeiHex(Money::FromUnits(Money::kMaxUnits)));
  }

  void testWeiHexRefusesZeroAndNegative() {
    CPPUNIT_ASSERT_THROW(WeiHex(Money()), std::invalid_argument);
    CPPUNIT_ASSERT_THROW(WeiHex(Money::FromUnits(-1)), std::invalid_argument);
    CPPUNIT_ASSERT_THROW(WeiHex(Money::FromUnits(Money::kMaxUnits).Negated()),
                         std::invalid_argument);
  }

  void testSendSentAndRequestShape() {
    LoopbackServer server([](const Received& r) { return RpcResult(r, kMixedHash); });
    EthRpc rpc(server.Url("/rpc"), 2.0);
    const SendResult sent = rpc.SendTransaction(kFrom, kTo, Eth("1.5"), 11155111);
    AssertSend(SendResult::Kind::kSent, sent, "send");
    CPPUNIT_ASSERT_EQUAL("0xabcdef" + std::string(58, '0'), sent.tx_hash);

    const Received request = server.Requests().at(0);
    CPPUNIT_ASSERT(request.head.rfind("POST /rpc HTTP/1.1\r\n", 0) == 0);
    CPPUNIT_ASSERT(Contains(request.head, "\r\nContent-Type: application/json\r\n"));
    const Json::Value body = RequestJson(request);
    CPPUNIT_ASSERT_EQUAL(std::string("2.0"), body["jsonrpc"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("eth_sendTransaction"), body["method"].asString());
    CPPUNIT_ASSERT(body["id"].isIntegral());
    CPPUNIT_ASSERT_EQUAL(4U, body.size());
    const Json::Value& params = body["params"];
    CPPUNIT_ASSERT(params.isArray());
    CPPUNIT_ASSERT_EQUAL(1U, params.size());
    Json::Value tx(Json::objectValue);
    tx["from"] = kFrom;
    tx["to"] = kTo;
    tx["value"] = "0x14d1120d7b160000";  // 1.5 ETH in wei
    tx["chainId"] = "0xaa36a7";          // 11155111 (Sepolia)
    CPPUNIT_ASSERT_EQUAL(ToJson(tx), ToJson(params[0]));
  }

  void testSendIdsIncrement() {
    LoopbackServer server([](const Received& r) { return RpcResult(r, kHash); });
    EthRpc rpc(server.Url(), 2.0);
    AssertSend(SendResult::Kind::kSent, SendOneEth(rpc), "first");
    AssertSend(SendResult::Kind::kSent, rpc.SendTransaction(kFrom, kTo, Eth("1"), 1), "second");
    const std::vector<Received> requests = server.Requests();
    CPPUNIT_ASSERT_EQUAL(std::size_t{2}, requests.size());
    const Json::Int64 first = RequestJson(requests[0])["id"].asInt64();
    CPPUNIT_ASSERT_EQUAL(first + 1, RequestJson(requests[1])["id"].asInt64());
    CPPUNIT_ASSERT_EQUAL(std::string("0x1"),
                         RequestJson(requests[1])["params"][0]["chainId"].asString());
  }

  void testSendRejected() {
    LoopbackServer server(
        [](const Received& r) { return RpcError(r, -32000, "insufficient funds for transfer"); });
    EthRpc rpc(server.Url(), 2.0);
    const SendResult out = SendOneEth(rpc);
    AssertSend(SendResult::Kind::kRejected, out, "rpc error");
    CPPUNIT_ASSERT_EQUAL(std::string("JSON-RPC error -32000: insufficient funds for transfer"),
                         out.error);
    CPPUNIT_ASSERT(out.tx_hash.empty());

    // An error object is a rejection whatever the HTTP status.
    LoopbackServer status_500(
        [](const Received& r) { return RpcError(r, -32603, "internal error", 500); });
    EthRpc rpc500(status_500.Url(), 2.0);
    AssertSend(SendResult::Kind::kRejected, SendOneEth(rpc500), "rpc error with HTTP 500");

    // A parse error answer carries a null id.
    AssertSend(SendResult::Kind::kRejected,
               SendAgainst(Ok(R"({"jsonrpc":"2.0","id":null,)"
                              R"("error":{"code":-32700,"message":"Parse error"}})")),
               "null id");
  }

  void testSendRejectedErrorIsBoundedAndHidesUrl() {
    LoopbackServer* self = nullptr;
    LoopbackServer server([&self](const Received& r) {
      return RpcError(r, -32000, "upstream " + self->Url() + "\n failed " + std::string(1000, 'x'));
    });
    self = &server;
    EthRpc rpc(server.Url(), 2.0);
    const SendResult out = SendOneEth(rpc);
    AssertSend(SendResult::Kind::kRejected, out, "long error");
    CPPUNIT_ASSERT(out.error.size() <= 300);
    CPPUNIT_ASSERT_MESSAGE(out.error, !Contains(out.error, std::to_string(server.port())));
    CPPUNIT_ASSERT(!Contains(out.error, "\n"));
    CPPUNIT_ASSERT(out.error.rfind("JSON-RPC error -32000: upstream <signer>", 0) == 0);

    // Truncation never splits a UTF-8 character.
    LoopbackServer accented([](const Received& r) {
      std::string message = "x";
      for (int i = 0; i < 400; ++i) message += "\u00e9";
      return RpcError(r, 3, message);
    });
    EthRpc rpc2(accented.Url(), 2.0);
    const SendResult out2 = SendOneEth(rpc2);
    AssertSend(SendResult::Kind::kRejected, out2, "accented error");
    CPPUNIT_ASSERT(out2.error.size() <= 300 && out2.error.size() >= 298);
    CPPUNIT_ASSERT(IsValidUtf8(out2.error));
  }

  void testSendUnknownMalformedResult() {
    for (const Json::Value& result :
         {Json::Value("0x1234"), Json::Value(kHash.substr(2) + "00"),
          Json::Value("0x" + std::string(63, 'a') + "g"), Json::Value(kHash + "0"), Json::Value(),
          Json::Value(42), Json::Value(Json::objectValue)}) {
      LoopbackServer server([&result](const Received& r) { return RpcResult(r, result); });
      EthRpc rpc(server.Url(), 2.0);
      AssertSend(SendResult::Kind::kUnknown, SendOneEth(rpc), "result " + ToJson(result));
    }
  }

  void testSendUnknownHttpStatus() {
    Canned bad_gateway = Ok("<html>Bad Gateway</html>");
    bad_gateway.status = 502;
    const SendResult out = SendAgainst(bad_gateway);
    AssertSend(SendResult::Kind::kUnknown, out, "502");
    CPPUNIT_ASSERT_EQUAL(std::string("signer answered HTTP 502"), out.error);

    // A result with a non-2xx status is not trusted either.
    LoopbackServer server([](const Received& r) { return RpcAnswer(r, "result", kHash, 503); });
    EthRpc rpc(server.Url(), 2.0);
    AssertSend(SendResult::Kind::kUnknown, SendOneEth(rpc), "result with 503");
  }

  void testSendUnknownMalformedReply() {
    AssertSend(SendResult::Kind::kUnknown, SendAgainst(Ok("not json")), "not json");
    Canned not_http;
    not_http.raw = "garbage";
    AssertSend(SendResult::Kind::kUnknown, SendAgainst(not_http), "not HTTP");
    Canned hang_up;
    hang_up.hang_up = true;
    AssertSend(SendResult::Kind::kUnknown, SendAgainst(hang_up), "no answer");
    AssertSend(SendResult::Kind::kUnknown, SendAgainst(Ok("")), "empty");
    AssertSend(SendResult::Kind::kUnknown, SendAgainst(Ok("[]")), "array");
    AssertSend(SendResult::Kind::kUnknown, SendAgainst(Ok(R"({"jsonrpc":"2.0"})")),
               "neither result nor error");
    AssertSend(SendResult::Kind::kUnknown,
               SendAgainst(Ok(R"({"jsonrpc":"2.0","id":999999,"result":")" + kHash + "\"}")),
               "wrong id");
    AssertSend(SendResult::Kind::kUnknown,
               SendAgainst(Ok(R"({"jsonrpc":"2.0","id":null,"error":"boom"})")),
               "error not an object");
    AssertSend(SendResult::Kind::kUnknown,
               SendAgainst(Ok(R"({"jsonrpc":"2.0","id":null,"error":{"message":"no code"}})")),
               "error without code");
    LoopbackServer both([](const Received& r) {
      Canned c = RpcError(r, -1, "x");
      Json::Value reply = ParseJsonObject(c.body);
      reply["result"] = kHash;
      return Ok(ToJson(reply));
    });
    EthRpc rpc(both.Url(), 2.0);
    AssertSend(SendResult::Kind::kUnknown, SendOneEth(rpc), "both result and error");
  }

  void testSendUnknownTimeout() {
    LoopbackServer server([](const Received& r) {
      Canned c = RpcResult(r, kHash);
      c.delay = milliseconds(1500);
      return c;
    });
    EthRpc rpc(server.Url(), 0.3);
    const SendResult out = SendOneEth(rpc);
    AssertSend(SendResult::Kind::kUnknown, out, "timeout");
    CPPUNIT_ASSERT(out.error.rfind("signer timed out", 0) == 0);
  }

  void testSendNotSent() {
    const ClosedPort closed;
    EthRpc rpc(closed.Url("/rpc?key=abc123secret"), 2.0);
    const SendResult out = SendOneEth(rpc);
    AssertSend(SendResult::Kind::kNotSent, out, "refused");
    CPPUNIT_ASSERT(out.error.rfind("signer not reachable", 0) == 0);
    CPPUNIT_ASSERT_MESSAGE(out.error, !Contains(out.error, "abc123secret"));
    CPPUNIT_ASSERT_MESSAGE(out.error, !Contains(out.error, "/rpc"));
  }

  void testSendInvalidArgumentsSendNothing() {
    LoopbackServer server([](const Received& r) { return RpcResult(r, kHash); });
    EthRpc rpc(server.Url(), 2.0);
    const auto assert_refused = [&rpc](const std::string& from, const std::string& to, Money value,
                                       std::int64_t chain_id, const std::string& expected) {
      const SendResult out = rpc.SendTransaction(from, to, value, chain_id);
      AssertSend(SendResult::Kind::kRejected, out, expected);
      CPPUNIT_ASSERT_EQUAL(expected, out.error);
    };
    assert_refused(kFrom, kTo, Money(), 1, "value must be positive");
    assert_refused(kFrom, kTo, Eth("-1"), 1, "value must be positive");
    assert_refused(kFrom, kTo, Eth("1"), 0, "chain id must be positive");
    assert_refused(kFrom, kTo, Eth("1"), -5, "chain id must be positive");
    assert_refused("0x1234", kTo, Eth("1"), 1, "from address must be 0x followed by 40 hex digits");
    assert_refused(kFrom, kTo.substr(2) + "00", Eth("1"), 1,
                   "to address must be 0x followed by 40 hex digits");
    assert_refused(kFrom, "0x" + std::string(40, 'z'), Eth("1"), 1,
                   "to address must be 0x followed by 40 hex digits");
    assert_refused(kFrom, "", Eth("1"), 1, "to address must be 0x followed by 40 hex digits");
    CPPUNIT_ASSERT(server.Requests().empty());
  }

  void testReceiptRequestAndPending() {
    LoopbackServer server([](const Received& r) { return RpcResult(r, Json::Value()); });
    EthRpc rpc(server.Url(), 2.0);
    const ReceiptResult out = rpc.GetTransactionReceipt(kHash);
    AssertReceipt(ReceiptResult::Kind::kPending, out, "null result");
    CPPUNIT_ASSERT(out.block_number.empty());
    const Json::Value body = RequestJson(server.Requests().at(0));
    CPPUNIT_ASSERT_EQUAL(std::string("eth_getTransactionReceipt"), body["method"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("2.0"), body["jsonrpc"].asString());
    Json::Value params(Json::arrayValue);
    params.append(kHash);
    CPPUNIT_ASSERT_EQUAL(ToJson(params), ToJson(body["params"]));

    // A receipt without a block yet is still pending.
    LoopbackServer unmined(
        [](const Received& r) { return RpcResult(r, Receipt(Json::Value(), Json::Value())); });
    EthRpc rpc2(unmined.Url(), 2.0);
    AssertReceipt(ReceiptResult::Kind::kPending, rpc2.GetTransactionReceipt(kHash), "no block");
  }

  void testReceiptSuccessAndReverted() {
    const auto against = [](const Json::Value& receipt) {
      LoopbackServer server([&receipt](const Received& r) { return RpcResult(r, receipt); });
      EthRpc rpc(server.Url(), 2.0);
      return rpc.GetTransactionReceipt(kHash);
    };
    const ReceiptResult ok = against(Receipt("0x1", "0x5bAD55"));
    AssertReceipt(ReceiptResult::Kind::kSuccess, ok, "status 0x1");
    CPPUNIT_ASSERT_EQUAL(std::string("0x5bad55"), ok.block_number);
    const ReceiptResult reverted = against(Receipt("0x0", "0x10"));
    AssertReceipt(ReceiptResult::Kind::kReverted, reverted, "status 0x0");
    CPPUNIT_ASSERT_EQUAL(std::string("0x10"), reverted.block_number);
    AssertReceipt(ReceiptResult::Kind::kSuccess, against(Receipt("0x01", "0x10")), "0x01");

    Json::Value upper_hash = Receipt("0x1", "0x10");
    upper_hash["transactionHash"] = "0x" + std::string(64, 'A');
    AssertReceipt(ReceiptResult::Kind::kSuccess, against(upper_hash), "hash case differs");
  }

  void testReceiptErrors() {
    const auto against = [](const Canned& canned) {
      LoopbackServer server([&canned](const Received&) { return canned; });
      EthRpc rpc(server.Url(), 2.0);
      return rpc.GetTransactionReceipt(kHash);
    };
    const auto with_receipt = [](const Json::Value& receipt) {
      LoopbackServer server([&receipt](const Received& r) { return RpcResult(r, receipt); });
      EthRpc rpc(server.Url(), 2.0);
      return rpc.GetTransactionReceipt(kHash);
    };
    AssertReceipt(ReceiptResult::Kind::kError, with_receipt(Receipt("0x2", "0x10")), "status 2");
    AssertReceipt(ReceiptResult::Kind::kError, with_receipt(Receipt(Json::Value(), "0x10")),
                  "no status");
    AssertReceipt(ReceiptResult::Kind::kError, with_receipt(Receipt(1, "0x10")), "numeric status");
    AssertReceipt(ReceiptResult::Kind::kError, with_receipt(Receipt("0x1", 16)), "numeric block");
    AssertReceipt(ReceiptResult::Kind::kError, with_receipt(Json::Value("0x1")), "not an object");
    Json::Value other = Receipt("0x1", "0x10");
    other["transactionHash"] = "0x" + std::string(64, 'b');
    AssertReceipt(ReceiptResult::Kind::kError, with_receipt(other), "another transaction");

    LoopbackServer rpc_error(
        [](const Received& r) { return RpcError(r, -32601, "method not found"); });
    EthRpc rpc(rpc_error.Url(), 2.0);
    const ReceiptResult err = rpc.GetTransactionReceipt(kHash);
    AssertReceipt(ReceiptResult::Kind::kError, err, "rpc error");
    CPPUNIT_ASSERT_EQUAL(std::string("JSON-RPC error -32601: method not found"), err.error);

    Canned bad_gateway = Ok("");
    bad_gateway.status = 502;
    AssertReceipt(ReceiptResult::Kind::kError, against(bad_gateway), "502");
    AssertReceipt(ReceiptResult::Kind::kError, against(Ok("{")), "not json");

    const ClosedPort closed;
    EthRpc unreachable(closed.Url(), 2.0);
    AssertReceipt(ReceiptResult::Kind::kError, unreachable.GetTransactionReceipt(kHash), "refused");

    // A malformed hash is refused before any request.
    LoopbackServer server([](const Received& r) { return RpcResult(r, Json::Value()); });
    EthRpc local(server.Url(), 2.0);
    AssertReceipt(ReceiptResult::Kind::kError, local.GetTransactionReceipt("0x1234"), "short");
    AssertReceipt(ReceiptResult::Kind::kError, local.GetTransactionReceipt(kHash.substr(2) + "00"),
                  "no 0x");
    CPPUNIT_ASSERT(server.Requests().empty());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpClientTest);
CPPUNIT_TEST_SUITE_REGISTRATION(EthRpcTest);

}  // namespace payments
