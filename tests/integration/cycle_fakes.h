// Stand-ins for the world around the payment cycle (`payments-fcgi cycle`),
// for the integration suite that runs the cycle as a separate process:
//
//   FakeHealthServer  the orchestrators' health URLs, one path per name,
//                     each answering in a mode the test picks;
//   FakeEthRpc        the signer's JSON-RPC 2.0 endpoint, recording every
//                     eth_sendTransaction it receives;
//   ChildProcess      the cycle process itself (posix_spawn), its output
//                     appended to a log file.
//
// The servers listen on 127.0.0.1 and a port the kernel picks (port 0), each
// with one acceptor thread and one short-lived thread per connection. They
// speak just enough HTTP/1.1 for libcurl and `curl`: a request line, headers,
// a Content-Length body; every answer carries `Connection: close`.
// Constructors start listening and throw std::system_error when they cannot.
// Destructors stop accepting, wake every connection thread (including those
// sleeping in kSlow or kTimeout) and join them all before returning.
//
// Thread-safety: every method of FakeHealthServer and FakeEthRpc may be
// called from any thread while requests are being served. ChildProcess is
// not thread-safe; use it from one thread.
#pragma once

#include <json/value.h>
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace payments::testing {

// The HTTP plumbing the fakes share (cycle_fakes.cc).
class LoopbackHttpServer;
struct LoopbackRequest;
struct LoopbackReply;

// A health endpoint the test controls. Each orchestrator gets its own path
// "/h/<name>"; mode and service count are per path, and a path nobody
// configured answers kUp with 2 services. Only GET is served (others 405);
// paths outside /h/<name> answer 404.
class FakeHealthServer {
 public:
  enum class Mode {
    kUp,           // 200, every service up, eligible_for_payment true
    kDown,         // 200, every service down
    kPartial,      // 200, svc0 up and the rest down (needs >= 2 services)
    kSlow,         // sleeps SetSlowSeconds(), then answers like kUp
    kGarbage,      // 200 with the body `not json {`
    kNotEligible,  // like kUp, but eligible_for_payment false
    kHttp500,      // 500 with {"detail":"boom"}
  };

  FakeHealthServer();
  ~FakeHealthServer();
  FakeHealthServer(const FakeHealthServer&) = delete;
  FakeHealthServer& operator=(const FakeHealthServer&) = delete;

  // "http://127.0.0.1:PORT/h/<name>". `name` must be URL-safe (letters,
  // digits, '-', '_', '.', '~'), as UniqueId() returns; throws
  // std::invalid_argument otherwise. The same rule applies to every method
  // taking a name.
  std::string UrlFor(const std::string& name) const;
  // Throws std::invalid_argument for kPartial while the path reports fewer
  // than 2 services.
  void SetMode(const std::string& name, Mode mode);
  // Number of services the path reports (default 2); throws
  // std::invalid_argument when negative, or below 2 while the path is in
  // kPartial.
  void SetServices(const std::string& name, int total);
  // Requests received on that path, counted on arrival (before a kSlow
  // delay), whatever the mode; 0 for a path never requested.
  int Hits(const std::string& name) const;
  // How long kSlow sleeps before answering (default 10 s). If the server is
  // destroyed meanwhile, the request is closed without an answer.
  void SetSlowSeconds(double s);

 private:
  struct PathState {
    Mode mode = Mode::kUp;
    int total_services = 2;
    int hits = 0;
  };

  // Runs on a connection thread.
  LoopbackReply Handle(const LoopbackRequest& request, LoopbackHttpServer& server);

  mutable std::mutex mutex_;
  std::map<std::string, PathState> paths_;
  double slow_seconds_ = 10.0;
  // Last: built after, and destroyed (joining its threads) before, the state
  // its handler reads.
  std::unique_ptr<LoopbackHttpServer> server_;
};

// A JSON-RPC 2.0 endpoint standing in for the signer, at POST "/".
// eth_sendTransaction answers per SendMode, eth_getTransactionReceipt per
// ReceiptMode (whatever the hash); any other method gets error -32601, a body
// that is not JSON -32700, a request that is not an object -32600.
class FakeEthRpc {
 public:
  enum class SendMode {
    kAccept,   // result: a fresh "0x" + 64 hex hash, unique per send
    kReject,   // error -32000 "insufficient funds for transfer"
    kTimeout,  // holds the request SetHoldSeconds(), then closes, no answer
    kHttp502,  // HTTP 502 with an HTML body, as a proxy in front would
  };
  enum class ReceiptMode {
    kPending,   // result null
    kSuccess,   // {"transactionHash":h,"status":"0x1","blockNumber":"0x10"}
    kReverted,  // as kSuccess with status "0x0"
  };

  // One eth_sendTransaction as received: the fields of params[0] ("from",
  // "to", "value", "chainId"; strings as sent, numbers as JSON text, absent
  // ones empty) and, for kAccept only, the hash answered.
  struct Sent {
    std::string from, to, value, chain_id, tx_hash;
  };

  FakeEthRpc();
  ~FakeEthRpc();
  FakeEthRpc(const FakeEthRpc&) = delete;
  FakeEthRpc& operator=(const FakeEthRpc&) = delete;

  std::string Url() const;  // "http://127.0.0.1:PORT/"
  void SetSendMode(SendMode m);
  void SetReceiptMode(ReceiptMode m);
  // How long kTimeout holds a send (default 30 s); cut short when the server
  // is destroyed.
  void SetHoldSeconds(double s);

  // Every eth_sendTransaction received, in arrival order, whatever the mode:
  // a send is recorded before its mode applies, so a held (kTimeout) or
  // rejected send is counted too.
  std::vector<Sent> Sends() const;
  // The sends whose "to" equals `to_address`, ignoring case.
  std::vector<Sent> SendsTo(const std::string& to_address) const;
  // eth_getTransactionReceipt requests received.
  int ReceiptQueries() const;

 private:
  // Run on connection threads.
  LoopbackReply Handle(const LoopbackRequest& request, LoopbackHttpServer& server);
  LoopbackReply SendTransaction(const Json::Value& id, const Json::Value& params,
                                LoopbackHttpServer& server);
  LoopbackReply TransactionReceipt(const Json::Value& id, const Json::Value& params);
  std::string NewTxHash();  // requires mutex_

  mutable std::mutex mutex_;
  SendMode send_mode_ = SendMode::kAccept;
  ReceiptMode receipt_mode_ = ReceiptMode::kPending;
  double hold_seconds_ = 30.0;
  std::vector<Sent> sends_;
  int receipt_queries_ = 0;
  std::mt19937_64 random_;
  unsigned long long hash_counter_ = 0;
  // Last, as in FakeHealthServer.
  std::unique_ptr<LoopbackHttpServer> server_;
};

// A child process (in practice `payments-fcgi cycle`) started with
// posix_spawn; stdin is /dev/null, stdout and stderr are appended to
// `log_path` (created if missing). Its environment is this process's plus
// `env`, where an empty value unsets the variable. Signal mask and the
// dispositions of the usual signals are reset to defaults in the child.
class ChildProcess {
 public:
  // argv[0] is the program's path (no PATH search). Throws
  // std::invalid_argument for an empty argv, std::system_error when the log
  // cannot be opened or the program cannot be started.
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& log_path);
  // SIGTERM, up to 5 s to exit, then SIGKILL; always reaps.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // SIGKILL and reap. No-op if already reaped.
  void Kill9();
  // SIGTERM, then up to `wait_seconds` for it to exit. Returns its exit code,
  // 128 + the signal number if a signal ended it, or -1 if it had to be
  // SIGKILLed after the wait. If it had already exited (and been reaped by
  // Running() or Kill9()), returns that earlier status without signalling.
  int Terminate(double wait_seconds = 10);
  // Whether it has not exited yet (waitpid WNOHANG; reaps it if it has).
  bool Running();
  // The last `bytes` of the log, for assertion messages ("" if unreadable).
  std::string LogTail(std::size_t bytes = 4000) const;

 private:
  // Waits up to `seconds` for the child to exit; returns whether it did.
  bool WaitExit(double seconds);
  void KillAndReap();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = -1;  // as Terminate() returns it, once reaped
  std::string log_path_;
};

// Polls `cond` every 100 ms until it returns true or `timeout_seconds` pass
// (checking once more at the deadline); returns whether it became true.
bool WaitFor(const std::function<bool()>& cond, double timeout_seconds);

}  // namespace payments::testing
