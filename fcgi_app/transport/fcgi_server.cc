#include "transport/fcgi_server.h"

#include <cppconn/driver.h>
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/log/trivial.hpp>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http/query.h"
#include "storage/db.h"

namespace payments {
namespace {

std::atomic<bool> g_stopping{false};
std::atomic<unsigned long long> g_request_counter{0};

const char* StatusText(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "Payload Too Large";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

void WriteResponse(FCGX_Request& fcgi, const Response& response, const std::string& request_id) {
  std::string head =
      "Status: " + std::to_string(response.status) + " " + StatusText(response.status) +
      "\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
      "Content-Length: " +
      std::to_string(response.body.size()) + "\r\nX-Request-Id: " + request_id + "\r\n";
  for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
  head += "\r\n";
  FCGX_PutStr(head.data(), static_cast<int>(head.size()), fcgi.out);
  FCGX_PutStr(response.body.data(), static_cast<int>(response.body.size()), fcgi.out);
}

// Per-thread state the shutdown thread needs to interrupt an idle accept.
struct ThreadSlot {
  pthread_t thread{};
  std::atomic<bool> in_accept{false};
  std::atomic<bool> done{false};
};

void NoopHandler(int /*signal*/) {}

void ServeLoop(int listen_fd, const Config& config, const Router& router, const Services& services,
               ThreadSlot* slot) {
  sql::Driver* driver = get_driver_instance();
  driver->threadInit();
  {
    Db db(driver, config.db);
    FCGX_Request fcgi;
    FCGX_InitRequest(&fcgi, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
    while (!g_stopping.load()) {
      slot->in_accept.store(true);
      if (g_stopping.load()) break;
      const int accepted = FCGX_Accept_r(&fcgi);
      slot->in_accept.store(false);
      if (accepted < 0) {
        if (g_stopping.load()) break;
        if (errno == EINTR) continue;
        BOOST_LOG_TRIVIAL(error) << "FCGX_Accept_r failed: " << std::strerror(errno);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      const auto started = std::chrono::steady_clock::now();
      Request request = BuildRequest(fcgi.envp);
      if (request.request_id.empty()) {
        request.request_id = std::to_string(::getpid()) + "-" + std::to_string(++g_request_counter);
      }
      Response response;
      const char* length_text = FCGX_GetParam("CONTENT_LENGTH", fcgi.envp);
      const long long length =
          length_text != nullptr && *length_text != 0 ? std::strtoll(length_text, nullptr, 10) : 0;
      if (length < 0 || static_cast<unsigned long long>(length) > config.max_body_bytes) {
        response = ErrorResponse(413, "Request body too large");
      } else {
        request.body.resize(static_cast<std::size_t>(length));
        int got = 0;
        while (got < length) {
          const int n =
              FCGX_GetStr(request.body.data() + got, static_cast<int>(length - got), fcgi.in);
          if (n <= 0) break;
          got += n;
        }
        request.body.resize(static_cast<std::size_t>(got));
        response = router.Dispatch(request, db, services);
      }
      WriteResponse(fcgi, response, request.request_id);
      FCGX_Finish_r(&fcgi);
      const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
      BOOST_LOG_TRIVIAL(info) << "rid=" << request.request_id << " method=" << request.method
                              << " path=" << request.path << " status=" << response.status
                              << " us=" << micros << " ip=" << request.remote_addr;
    }
    FCGX_Free(&fcgi, 0);
  }
  driver->threadEnd();
  slot->done.store(true);
}

std::string HeaderName(const std::string& cgi_name) {
  std::string out;
  for (char c : cgi_name) {
    out.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

Request BuildRequest(char** envp) {
  Request request;
  for (char** p = envp; p != nullptr && *p != nullptr; ++p) {
    const char* entry = *p;
    const char* eq = std::strchr(entry, '=');
    if (eq == nullptr) continue;
    const std::string name(entry, static_cast<std::size_t>(eq - entry));
    const std::string value(eq + 1);
    if (name.rfind("HTTP_", 0) == 0) {
      request.headers[HeaderName(name.substr(5))] = value;
    } else if (name == "CONTENT_TYPE") {
      request.headers["content-type"] = value;
    } else if (name == "REQUEST_METHOD") {
      request.method = value;
    } else if (name == "REQUEST_URI") {
      const auto q = value.find('?');
      request.path = value.substr(0, q);
      if (q != std::string::npos) request.query = ParseQueryString(value.substr(q + 1));
    } else if (name == "REMOTE_ADDR") {
      request.remote_addr = value;
    } else if (name == "REQUEST_ID") {
      request.request_id = value;
    }
  }
  return request;
}

int OpenListenSocket(const std::string& listen) {
  const bool is_path = listen.find('/') != std::string::npos;
  if (is_path) ::unlink(listen.c_str());
  const int fd = FCGX_OpenSocket(listen.c_str(), 1024);
  if (fd < 0) throw std::runtime_error("cannot listen on " + listen);
  if (is_path) ::chmod(listen.c_str(), 0666);
  return fd;
}

int RunWorkerProcess(int listen_fd, const Config& config, const Router& router,
                     const Services& services) {
  // The signal thread alone receives SIGTERM/SIGINT; SIGUSR1 interrupts an
  // idle accept() (no SA_RESTART), SIGPIPE is ignored (nginx may hang up).
  struct sigaction action {};
  action.sa_handler = NoopHandler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGUSR1, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  FCGX_Init();
  get_driver_instance();  // not thread-safe on first call

  std::vector<std::unique_ptr<ThreadSlot>> slots;
  std::vector<std::thread> threads;
  for (int i = 0; i < config.threads; ++i) {
    slots.push_back(std::make_unique<ThreadSlot>());
    ThreadSlot* slot = slots.back().get();
    threads.emplace_back([&, slot] { ServeLoop(listen_fd, config, router, services, slot); });
    slot->thread = threads.back().native_handle();
  }
  BOOST_LOG_TRIVIAL(info) << "worker ready with " << config.threads << " threads";

  int received = 0;
  sigwait(&stop_signals, &received);
  BOOST_LOG_TRIVIAL(info) << "worker stopping on signal " << received
                          << "; finishing requests in flight";
  g_stopping.store(true);
  FCGX_ShutdownPending();
  // Wake threads blocked in accept() until all have left their loops.
  for (;;) {
    bool all_done = true;
    for (auto& slot : slots) {
      if (slot->done.load()) continue;
      all_done = false;
      if (slot->in_accept.load()) pthread_kill(slot->thread, SIGUSR1);
    }
    if (all_done) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (std::thread& t : threads) t.join();
  BOOST_LOG_TRIVIAL(info) << "worker stopped";
  return 0;
}

int RunSupervisor(const Config& config, int (*worker)(int, const Config&), int listen_fd) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  struct Child {
    pid_t pid = -1;
    std::chrono::steady_clock::time_point started;
    int quick_deaths = 0;
  };
  std::vector<Child> children(static_cast<std::size_t>(config.workers));

  auto spawn = [&](Child& child) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      BOOST_LOG_TRIVIAL(error) << "fork failed: " << std::strerror(errno);
      return;
    }
    if (pid == 0) {
      sigset_t none;
      sigemptyset(&none);
      pthread_sigmask(SIG_SETMASK, &none, nullptr);
      ::_exit(worker(listen_fd, config));
    }
    child.pid = pid;
    child.started = std::chrono::steady_clock::now();
  };

  for (Child& child : children) spawn(child);
  BOOST_LOG_TRIVIAL(info) << "supervisor started " << config.workers << " workers";

  bool stopping = false;
  while (true) {
    timespec timeout{1, 0};
    siginfo_t info{};
    const int sig = sigtimedwait(&stop_signals, &info, &timeout);
    if (sig == SIGTERM || sig == SIGINT) {
      if (!stopping) {
        BOOST_LOG_TRIVIAL(info) << "supervisor stopping workers";
        stopping = true;
        for (Child& child : children) {
          if (child.pid > 0) ::kill(child.pid, SIGTERM);
        }
      }
    }
    // Reap every child that exited, whatever woke us.
    int status = 0;
    pid_t pid = 0;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      for (Child& child : children) {
        if (child.pid != pid) continue;
        child.pid = -1;
        if (stopping) break;
        const auto lived = std::chrono::steady_clock::now() - child.started;
        child.quick_deaths = lived < std::chrono::seconds(5) ? child.quick_deaths + 1 : 0;
        BOOST_LOG_TRIVIAL(warning)
            << "worker " << pid << " exited ("
            << (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                    : "status " + std::to_string(WEXITSTATUS(status)))
            << "); restarting";
        if (child.quick_deaths > 3) {
          std::this_thread::sleep_for(std::chrono::seconds(std::min(child.quick_deaths, 10)));
        }
        spawn(child);
      }
    }
    if (stopping) {
      bool any = false;
      for (const Child& child : children) any = any || child.pid > 0;
      if (!any) break;
    }
  }
  BOOST_LOG_TRIVIAL(info) << "supervisor stopped";
  return 0;
}

}  // namespace payments
