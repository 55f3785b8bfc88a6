// Router: the route table (method, path pattern, role, handler) and the
// dispatch that runs the role filter, the handler, and maps every failure to
// API.md's JSON error shapes. Immutable after construction; Dispatch is
// thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "http/request.h"

namespace payments {

class Db;
struct Services;

// Who may call a route (API.md, "Who may call what").
enum class Role { kPublic, kViewer, kAdmin, kOrchestrator };

// What a handler sees: the request, its path parameters, the caller's
// identity after the role filter, and the thread's database connection.
struct RequestContext {
  const Request& request;
  Db& db;
  const Services& services;
  std::map<std::string, std::string> params;  // decoded {name} segments
  std::string orchestrator_id;                // set for kOrchestrator routes

  const std::string& Param(const std::string& name) const { return params.at(name); }
};

using Handler = Response (*)(RequestContext&);

struct Route {
  std::string method;
  std::string pattern;  // "/api/orchestrators/{orchestrator_id}"
  Role role;
  Handler handler;
};

// Checks the caller against `role`; throws ApiError (401/403/503) to refuse.
using RoleFilter = std::function<void(Role, RequestContext&)>;

class Router {
 public:
  Router(std::vector<Route> routes, RoleFilter filter);

  // Finds the first route whose pattern and method match. No pattern: 404
  // {"detail":"Not Found"}; pattern but no method: 405. Runs the filter
  // then the handler. ApiError becomes its status and detail; DbError a 503;
  // anything else a logged 500 without internals.
  Response Dispatch(const Request& request, Db& db, const Services& services) const;

  // Exposed for tests: whether `pattern` matches `path`, filling params.
  static bool Match(const std::string& pattern, const std::string& path,
                    std::map<std::string, std::string>* params);

 private:
  std::vector<Route> routes_;
  RoleFilter filter_;
};

}  // namespace payments
