#include "tests/integration/cycle_fakes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <json/reader.h>
#include <json/value.h>
#include <json/writer.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <list>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX leaves it undeclared

namespace payments::testing {

// ---------------------------------------------------------------------------
// LoopbackHttpServer: the HTTP/1.1 plumbing both fakes share.

struct LoopbackRequest {
  std::string method;
  std::string path;                            // the target without its query string
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

struct LoopbackReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  bool answer = true;  // false: close the connection without answering
};

// Listens on 127.0.0.1:<kernel-chosen port> and hands each request to
// `handler` on the connection's own thread, together with the server itself
// (for SleepUnlessStopped()). The handler runs without any server lock held;
// an exception from it becomes a 500.
class LoopbackHttpServer {
 public:
  using Handler = std::function<LoopbackReply(const LoopbackRequest&, LoopbackHttpServer&)>;

  explicit LoopbackHttpServer(Handler handler);
  ~LoopbackHttpServer() { Stop(); }
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  [[nodiscard]] std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Waits `seconds`, or less if Stop() begins; returns false if stopping.
  bool SleepUnlessStopped(double seconds);

  // Stops accepting, shuts down every open connection, wakes sleeping
  // handlers and joins all threads. Idempotent; called by the owner only.
  void Stop();

 private:
  struct Connection {
    std::thread thread;
    int fd = -1;  // -1 once the connection thread has closed it
    bool done = false;
  };

  void AcceptLoop();
  void Serve(Connection* connection);
  void JoinFinished();  // joins connection threads that have returned

  const Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::list<Connection> connections_;  // guarded by mutex_; stable addresses
  std::thread acceptor_;
};

namespace {

constexpr std::size_t kMaxHeaderBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxBodyBytes = std::size_t{1024} * 1024;
constexpr int kSocketTimeoutSeconds = 10;  // a stuck peer never holds a thread longer

[[noreturn]] void ThrowErrno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

std::chrono::steady_clock::duration Seconds(double seconds) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(std::max(seconds, 0.0)));
}

const char* Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    default:
      return "Status";
  }
}

std::string Compact(const Json::Value& value) {
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "";
  return Json::writeString(builder, value);
}

LoopbackReply JsonReply(int status, const Json::Value& body) {
  LoopbackReply reply;
  reply.status = status;
  reply.body = Compact(body);
  return reply;
}

LoopbackReply NoAnswer() {
  LoopbackReply reply;
  reply.answer = false;
  return reply;
}

LoopbackReply Text(int status, const std::string& content_type, const std::string& body) {
  LoopbackReply reply;
  reply.status = status;
  reply.content_type = content_type;
  reply.body = body;
  return reply;
}

LoopbackReply Detail(int status, const std::string& detail) {
  Json::Value body;
  body["detail"] = detail;
  return JsonReply(status, body);
}

bool SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

void WriteReply(int fd, const LoopbackReply& reply) {
  std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " + Reason(reply.status) +
                     "\r\nContent-Type: " + reply.content_type +
                     "\r\nContent-Length: " + std::to_string(reply.body.size()) +
                     "\r\nConnection: close\r\n\r\n";
  SendAll(fd, head + reply.body);
}

// Appends what the peer sends to `buffer`; false on EOF, error or timeout.
bool ReceiveMore(int fd, std::string& buffer) {
  char chunk[8192];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

// Reads one request into `request`. On failure returns false, with `error`
// set to the reply to send, or unset when the peer went away or timed out.
bool ReadRequest(int fd, LoopbackRequest& request, std::optional<LoopbackReply>& error) {
  std::string buffer;
  std::size_t header_end = std::string::npos;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > kMaxHeaderBytes) {
      error = Detail(400, "headers too large");
      return false;
    }
    if (!ReceiveMore(fd, buffer)) return false;
  }

  std::istringstream head(buffer.substr(0, header_end));
  std::string line;
  std::getline(head, line);
  std::istringstream request_line(Trim(line));
  std::string target;
  std::string version;
  if (!(request_line >> request.method >> target >> version) || version.rfind("HTTP/1.", 0) != 0 ||
      target.empty() || target[0] != '/') {
    error = Detail(400, "bad request line");
    return false;
  }
  request.path = target.substr(0, target.find('?'));
  while (std::getline(head, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) {
      error = Detail(400, "bad header line");
      return false;
    }
    request.headers[Lower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
  }

  if (request.headers.contains("transfer-encoding")) {
    error = Detail(501, "only Content-Length bodies are supported");
    return false;
  }
  std::size_t length = 0;
  if (const auto it = request.headers.find("content-length"); it != request.headers.end()) {
    const std::string& text = it->second;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (ec != std::errc() || end != text.data() + text.size()) {
      error = Detail(400, "bad Content-Length");
      return false;
    }
    if (length > kMaxBodyBytes) {
      error = Detail(413, "body too large");
      return false;
    }
  }
  if (const auto it = request.headers.find("expect"); it != request.headers.end() &&
                                                      Lower(it->second) == "100-continue" &&
                                                      buffer.size() - (header_end + 4) < length) {
    SendAll(fd, "HTTP/1.1 100 Continue\r\n\r\n");
  }

  request.body = buffer.substr(header_end + 4);
  while (request.body.size() < length) {
    if (!ReceiveMore(fd, request.body)) return false;
  }
  request.body.resize(length);
  return true;
}

// After answering: half-close, then give the peer a moment to close its end,
// so unread input does not turn our close into a reset that loses the reply.
void LingerUntilPeerCloses(int fd) {
  ::shutdown(fd, SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  char sink[1024];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) < 0 && errno != EINTR) return;
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    const ssize_t n = ::recv(fd, sink, sizeof sink, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return;
  }
}

}  // namespace

LoopbackHttpServer::LoopbackHttpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) ThrowErrno("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof address;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    const int error = errno;
    ::close(listen_fd_);
    throw std::system_error(error, std::generic_category(), "listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread(&LoopbackHttpServer::AcceptLoop, this);
}

bool LoopbackHttpServer::SleepUnlessStopped(double seconds) {
  std::unique_lock lock(mutex_);
  return !stop_cv_.wait_for(lock, Seconds(seconds), [this] { return stopping_; });
}

void LoopbackHttpServer::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  // On Linux this wakes the acceptor's accept() with EINVAL.
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  {
    // Connection threads close their own fds (under the lock), so an fd
    // still listed here is open and still theirs.
    std::lock_guard lock(mutex_);
    for (Connection& connection : connections_) {
      if (connection.fd >= 0) ::shutdown(connection.fd, SHUT_RDWR);
    }
  }
  // The acceptor is gone: nobody else touches the list any more.
  for (Connection& connection : connections_) connection.thread.join();
  connections_.clear();
  ::close(listen_fd_);
  listen_fd_ = -1;
}

void LoopbackHttpServer::AcceptLoop() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      return;  // the listen socket is unusable; Stop() still cleans up
    }
    const timeval timeout{kSocketTimeoutSeconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);

    JoinFinished();
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    Connection& connection = connections_.emplace_back();
    connection.fd = fd;
    try {
      // The new thread blocks on mutex_ before it touches `done`, so the
      // assignment below completes first.
      connection.thread = std::thread(&LoopbackHttpServer::Serve, this, &connection);
    } catch (const std::system_error&) {
      ::close(fd);
      connections_.pop_back();
    }
  }
}

void LoopbackHttpServer::JoinFinished() {
  std::list<Connection> finished;
  {
    std::lock_guard lock(mutex_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      const auto next = std::next(it);
      if (it->done) finished.splice(finished.end(), connections_, it);
      it = next;
    }
  }
  for (Connection& connection : finished) connection.thread.join();
}

void LoopbackHttpServer::Serve(Connection* connection) {
  const int fd = connection->fd;
  LoopbackRequest request;
  std::optional<LoopbackReply> error;
  if (ReadRequest(fd, request, error)) {
    LoopbackReply reply;
    try {
      reply = handler_(request, *this);
    } catch (const std::exception& e) {
      reply = Detail(500, std::string("fake server handler threw: ") + e.what());
    }
    if (reply.answer) {
      WriteReply(fd, reply);
      LingerUntilPeerCloses(fd);
    }
  } else if (error) {
    WriteReply(fd, *error);
    LingerUntilPeerCloses(fd);
  }
  std::lock_guard lock(mutex_);
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  connection->fd = -1;
  connection->done = true;
}

// ---------------------------------------------------------------------------
// FakeHealthServer

namespace {

constexpr char kHealthPrefix[] = "/h/";

void CheckName(const std::string& name) {
  const bool safe = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
           c == '~';
  });
  if (!safe) throw std::invalid_argument("health path name is not URL-safe: \"" + name + "\"");
}

Json::Value HealthBody(int services_up, int total, bool eligible, const std::string& message) {
  Json::Value body;
  Json::Value& summary = body["summary"];
  summary["services_up"] = services_up;
  summary["total_services"] = total;
  summary["eligible_for_payment"] = eligible;
  summary["status_message"] = message;
  Json::Value& services = body["services"];
  services = Json::Value(Json::objectValue);
  for (int i = 0; i < total; ++i) {
    services["svc" + std::to_string(i)]["status"] = i < services_up ? "up" : "down";
  }
  return body;
}

}  // namespace

FakeHealthServer::FakeHealthServer()
    : server_(std::make_unique<LoopbackHttpServer>(
          [this](const LoopbackRequest& request, LoopbackHttpServer& server) {
            return Handle(request, server);
          })) {}

LoopbackReply FakeHealthServer::Handle(const LoopbackRequest& request, LoopbackHttpServer& server) {
  const std::string prefix = kHealthPrefix;
  const std::string name =
      request.path.rfind(prefix, 0) == 0 ? request.path.substr(prefix.size()) : "";
  if (name.empty() || name.find('/') != std::string::npos) {
    return Detail(404, "not found");
  }
  if (request.method != "GET") return Detail(405, "method not allowed");

  PathState state;
  double slow_seconds = 0;
  {
    std::lock_guard lock(mutex_);
    PathState& stored = paths_[name];
    ++stored.hits;
    state = stored;
    slow_seconds = slow_seconds_;
  }
  const int total = state.total_services;
  switch (state.mode) {
    case Mode::kUp:
      return JsonReply(200, HealthBody(total, total, true, "all up"));
    case Mode::kDown:
      return JsonReply(200, HealthBody(0, total, true, "all down"));
    case Mode::kPartial:
      return JsonReply(200, HealthBody(1, total, true, "partially up"));
    case Mode::kNotEligible:
      return JsonReply(200, HealthBody(total, total, false, "not eligible"));
    case Mode::kSlow:
      if (!server.SleepUnlessStopped(slow_seconds)) return NoAnswer();
      return JsonReply(200, HealthBody(total, total, true, "all up"));
    case Mode::kGarbage:
      return Text(200, "text/plain", "not json {");
    case Mode::kHttp500:
      return Detail(500, "boom");
  }
  return Detail(500, "unknown mode");
}

FakeHealthServer::~FakeHealthServer() { server_.reset(); }

std::string FakeHealthServer::UrlFor(const std::string& name) const {
  CheckName(name);
  return server_->BaseUrl() + kHealthPrefix + name;
}

void FakeHealthServer::SetMode(const std::string& name, Mode mode) {
  CheckName(name);
  std::lock_guard lock(mutex_);
  PathState& state = paths_[name];
  if (mode == Mode::kPartial && state.total_services < 2) {
    throw std::invalid_argument("kPartial needs at least 2 services on " + name);
  }
  state.mode = mode;
}

void FakeHealthServer::SetServices(const std::string& name, int total) {
  CheckName(name);
  std::lock_guard lock(mutex_);
  PathState& state = paths_[name];
  if (total < 0 || (state.mode == Mode::kPartial && total < 2)) {
    throw std::invalid_argument("bad service count " + std::to_string(total) + " for " + name);
  }
  state.total_services = total;
}

int FakeHealthServer::Hits(const std::string& name) const {
  CheckName(name);
  std::lock_guard lock(mutex_);
  const auto it = paths_.find(name);
  return it == paths_.end() ? 0 : it->second.hits;
}

void FakeHealthServer::SetSlowSeconds(double s) {
  std::lock_guard lock(mutex_);
  slow_seconds_ = s;
}

// ---------------------------------------------------------------------------
// FakeEthRpc

namespace {

Json::Value RpcResult(const Json::Value& id, const Json::Value& result) {
  Json::Value body;
  body["jsonrpc"] = "2.0";
  body["id"] = id;
  body["result"] = result;
  return body;
}

Json::Value RpcError(const Json::Value& id, int code, const std::string& message) {
  Json::Value body;
  body["jsonrpc"] = "2.0";
  body["id"] = id;
  body["error"]["code"] = code;
  body["error"]["message"] = message;
  return body;
}

// A transaction field as text: strings as sent, anything else as JSON.
std::string FieldText(const Json::Value& params, const char* name) {
  if (!params.isArray() || params.empty() || !params[0].isObject()) return "";
  const Json::Value& field = params[0][name];
  if (field.isNull()) return "";
  return field.isString() ? field.asString() : Compact(field);
}

}  // namespace

FakeEthRpc::FakeEthRpc()
    : random_(std::random_device{}()),
      server_(std::make_unique<LoopbackHttpServer>(
          [this](const LoopbackRequest& request, LoopbackHttpServer& server) {
            return Handle(request, server);
          })) {}

LoopbackReply FakeEthRpc::Handle(const LoopbackRequest& request, LoopbackHttpServer& server) {
  if (request.path != "/") return Detail(404, "not found");
  if (request.method != "POST") return Detail(405, "method not allowed");

  Json::Value call;
  Json::CharReaderBuilder builder;
  std::string errors;
  std::istringstream body(request.body);
  if (!Json::parseFromStream(builder, body, &call, &errors)) {
    return JsonReply(200, RpcError(Json::nullValue, -32700, "parse error"));
  }
  if (!call.isObject() || !call["method"].isString()) {
    return JsonReply(200, RpcError(Json::nullValue, -32600, "invalid request"));
  }
  const Json::Value id = call["id"];
  const std::string method = call["method"].asString();
  const Json::Value& params = call["params"];

  if (method == "eth_sendTransaction") return SendTransaction(id, params, server);
  if (method == "eth_getTransactionReceipt") return TransactionReceipt(id, params);
  return JsonReply(200, RpcError(id, -32601, "method not found: " + method));
}

LoopbackReply FakeEthRpc::SendTransaction(const Json::Value& id, const Json::Value& params,
                                          LoopbackHttpServer& server) {
  Sent sent;
  sent.from = FieldText(params, "from");
  sent.to = FieldText(params, "to");
  sent.value = FieldText(params, "value");
  sent.chain_id = FieldText(params, "chainId");
  SendMode mode = SendMode::kAccept;
  double hold_seconds = 0;
  {
    std::lock_guard lock(mutex_);
    mode = send_mode_;
    hold_seconds = hold_seconds_;
    if (mode == SendMode::kAccept) sent.tx_hash = NewTxHash();
    sends_.push_back(sent);
  }
  switch (mode) {
    case SendMode::kAccept:
      return JsonReply(200, RpcResult(id, sent.tx_hash));
    case SendMode::kReject:
      return JsonReply(200, RpcError(id, -32000, "insufficient funds for transfer"));
    case SendMode::kTimeout:
      server.SleepUnlessStopped(hold_seconds);
      return NoAnswer();
    case SendMode::kHttp502:
      return Text(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>");
  }
  return Detail(500, "unknown send mode");
}

LoopbackReply FakeEthRpc::TransactionReceipt(const Json::Value& id, const Json::Value& params) {
  ReceiptMode mode = ReceiptMode::kPending;
  {
    std::lock_guard lock(mutex_);
    ++receipt_queries_;
    mode = receipt_mode_;
  }
  if (mode == ReceiptMode::kPending) return JsonReply(200, RpcResult(id, Json::nullValue));
  Json::Value receipt;
  receipt["transactionHash"] = params.isArray() && !params.empty() ? params[0] : Json::Value();
  receipt["status"] = mode == ReceiptMode::kSuccess ? "0x1" : "0x0";
  receipt["blockNumber"] = "0x10";
  return JsonReply(200, RpcResult(id, receipt));
}

FakeEthRpc::~FakeEthRpc() { server_.reset(); }

std::string FakeEthRpc::Url() const { return server_->BaseUrl() + "/"; }

void FakeEthRpc::SetSendMode(SendMode m) {
  std::lock_guard lock(mutex_);
  send_mode_ = m;
}

void FakeEthRpc::SetReceiptMode(ReceiptMode m) {
  std::lock_guard lock(mutex_);
  receipt_mode_ = m;
}

void FakeEthRpc::SetHoldSeconds(double s) {
  std::lock_guard lock(mutex_);
  hold_seconds_ = s;
}

std::vector<FakeEthRpc::Sent> FakeEthRpc::Sends() const {
  std::lock_guard lock(mutex_);
  return sends_;
}

std::vector<FakeEthRpc::Sent> FakeEthRpc::SendsTo(const std::string& to_address) const {
  const std::string wanted = Lower(to_address);
  std::vector<Sent> matching;
  std::lock_guard lock(mutex_);
  std::copy_if(sends_.begin(), sends_.end(), std::back_inserter(matching),
               [&wanted](const Sent& sent) { return Lower(sent.to) == wanted; });
  return matching;
}

int FakeEthRpc::ReceiptQueries() const {
  std::lock_guard lock(mutex_);
  return receipt_queries_;
}

std::string FakeEthRpc::NewTxHash() {
  // 48 random hex digits, then a 16-digit counter: unique per server even if
  // the generator repeats.
  char hash[2 + 64 + 1];
  std::snprintf(hash, sizeof hash, "0x%016llx%016llx%016llx%016llx",
                static_cast<unsigned long long>(random_()),
                static_cast<unsigned long long>(random_()),
                static_cast<unsigned long long>(random_()), ++hash_counter_);
  return hash;
}

// ---------------------------------------------------------------------------
// ChildProcess

namespace {

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// RAII for the posix_spawn attribute objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::map<std::string, std::string>& env,
                           const std::string& log_path)
    : log_path_(log_path) {
  if (argv.empty()) throw std::invalid_argument("ChildProcess needs a program");

  // Everything the child needs is built here, before it exists.
  std::map<std::string, std::string> merged;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const auto equals = text.find('=');
    if (equals != std::string::npos) merged[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : env) {
    if (value.empty()) {
      merged.erase(name);
    } else {
      merged[name] = value;
    }
  }
  std::vector<std::string> env_strings;
  env_strings.reserve(merged.size());
  for (const auto& [name, value] : merged) env_strings.push_back(name + '=' + value);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  argp.reserve(args.size() + 1);
  for (std::string& arg : args) argp.push_back(arg.data());
  argp.push_back(nullptr);

  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) ThrowErrno("open " + log_path);

  SpawnSetup setup;
  // dup2 clears close-on-exec on the copies; every other descriptor this
  // process opened with O_CLOEXEC/SOCK_CLOEXEC stays out of the child.
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, log_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, log_fd, STDERR_FILENO);
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int signal : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD}) {
    sigaddset(&defaults, signal);
  }
  posix_spawnattr_setsigmask(&setup.attributes, &empty);
  posix_spawnattr_setsigdefault(&setup.attributes, &defaults);
  posix_spawnattr_setflags(&setup.attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  const int error =
      ::posix_spawn(&pid_, argp[0], &setup.actions, &setup.attributes, argp.data(), envp.data());
  ::close(log_fd);
  if (error != 0) {
    pid_ = -1;
    reaped_ = true;
    throw std::system_error(error, std::generic_category(), "spawn " + argv[0]);
  }
}

ChildProcess::~ChildProcess() {
  if (reaped_) return;
  ::kill(pid_, SIGTERM);
  if (!WaitExit(5.0)) KillAndReap();
}

void ChildProcess::Kill9() {
  if (!reaped_) KillAndReap();
}

int ChildProcess::Terminate(double wait_seconds) {
  if (reaped_) return status_;
  ::kill(pid_, SIGTERM);
  if (WaitExit(wait_seconds)) return status_;
  KillAndReap();
  status_ = -1;
  return status_;
}

bool ChildProcess::Running() {
  if (reaped_) return false;
  int status = 0;
  pid_t result = 0;
  do {
    result = ::waitpid(pid_, &status, WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result == 0) return true;
  // Exited (result == pid_), or not our child any more (ECHILD): either way gone.
  reaped_ = true;
  status_ = result == pid_ ? DecodeStatus(status) : -1;
  return false;
}

bool ChildProcess::WaitExit(double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + Seconds(seconds);
  while (Running()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

void ChildProcess::KillAndReap() {
  ::kill(pid_, SIGKILL);
  int status = 0;
  pid_t result = 0;
  do {
    result = ::waitpid(pid_, &status, 0);
  } while (result < 0 && errno == EINTR);
  reaped_ = true;
  status_ = result == pid_ ? DecodeStatus(status) : -1;
}

std::string ChildProcess::LogTail(std::size_t bytes) const {
  std::ifstream log(log_path_, std::ios::binary | std::ios::ate);
  if (!log) return "";
  const std::streamoff size = log.tellg();
  const std::streamoff start =
      std::max<std::streamoff>(0, size - static_cast<std::streamoff>(bytes));
  log.seekg(start);
  return {std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>()};
}

// ---------------------------------------------------------------------------

bool WaitFor(const std::function<bool()>& cond, double timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + Seconds(timeout_seconds);
  for (;;) {
    if (cond()) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(100), deadline - now));
  }
}

}  // namespace payments::testing
