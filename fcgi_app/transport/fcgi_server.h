// FastCGI transport on libfcgi.
//
// WorkerProcess: `threads` threads, each looping on FCGX_Accept_r over the
// shared listen socket with its own Db connection; it turns FastCGI params
// and stdin into a Request, asks the Router, and writes the Response with
// one log line per request. SIGTERM/SIGINT stop accepting; requests in
// flight finish before the process exits.
//
// Supervisor: opens the listen socket once, pre-forks `workers` worker
// processes on it, restarts any that die (with a back-off when they die
// young), and on SIGTERM/SIGINT forwards the signal and waits for them.
#pragma once

#include <string>

#include "app/services.h"
#include "http/router.h"

namespace payments {

// Opens PAYMENTS_FCGI_LISTEN: a unix socket path (mode 0666, in a private
// directory) or host:port. Returns the descriptor or throws.
int OpenListenSocket(const std::string& listen);

// Serves requests on `listen_fd` until SIGTERM/SIGINT. Returns the exit code.
int RunWorkerProcess(int listen_fd, const Config& config, const Router& router,
                     const Services& services);

// Forks `config.workers` processes, each running `worker()` (which returns
// the child's exit code). Returns when all children have stopped after a
// signal.
int RunSupervisor(const Config& config, int (*worker)(int listen_fd, const Config&), int listen_fd);

// Builds a Request from FastCGI parameters (exposed for tests). `envp` is
// the NULL-terminated "NAME=value" array libfcgi provides.
struct Request BuildRequest(char** envp);

}  // namespace payments
