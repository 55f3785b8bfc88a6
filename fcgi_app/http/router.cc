#include "http/router.h"

#include <cppconn/exception.h>

#include <boost/log/trivial.hpp>

#include "http/errors.h"
#include "http/query.h"
#include "storage/db.h"

namespace payments {
namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;  // both start with '/'
  while (true) {
    const std::size_t slash = path.find('/', start);
    out.push_back(
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

}  // namespace

Router::Router(std::vector<Route> routes, RoleFilter filter)
    : routes_(std::move(routes)), filter_(std::move(filter)) {}

bool Router::Match(const std::string& pattern, const std::string& path,
                   std::map<std::string, std::string>* params) {
  if (path.empty() || path[0] != '/') return false;
  const std::vector<std::string> want = Split(pattern);
  const std::vector<std::string> got = Split(path);
  if (want.size() != got.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const std::string& w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      auto decoded = PercentDecode(got[i], false);
      if (!decoded || decoded->empty()) return false;
      found[w.substr(1, w.size() - 2)] = *decoded;
    } else if (w != got[i]) {
      return false;
    }
  }
  if (params != nullptr) *params = std::move(found);
  return true;
}

Response Router::Dispatch(const Request& request, Db& db, const Services& services) const {
  const Route* chosen = nullptr;
  bool path_matched = false;
  std::map<std::string, std::string> params;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> candidate;
    if (!Match(route.pattern, request.path, &candidate)) continue;
    path_matched = true;
    if (route.method == request.method) {
      chosen = &route;
      params = std::move(candidate);
      break;
    }
  }
  if (chosen == nullptr) {
    return path_matched ? ErrorResponse(405, "Method Not Allowed")
                        : ErrorResponse(404, "Not Found");
  }
  RequestContext context{request, db, services, std::move(params), {}};
  try {
    filter_(chosen->role, context);
    return chosen->handler(context);
  } catch (const ApiError& e) {
    return ErrorResponse(e.status(), e.detail());
  } catch (const DbError& e) {
    BOOST_LOG_TRIVIAL(error) << "rid=" << request.request_id << " database failure: " << e.what();
    if (e.commit_unknown()) {
      return ErrorResponse(503,
                           "Database connection lost during commit; the outcome is unknown, "
                           "check the resource before retrying");
    }
    return ErrorResponse(503, "Database unavailable");
  } catch (const sql::SQLException& e) {
    BOOST_LOG_TRIVIAL(error) << "rid=" << request.request_id << " MySQL error " << e.getErrorCode()
                             << ": " << e.what();
    db.Reset();
    return ErrorResponse(503, "Database unavailable");
  } catch (const std::exception& e) {
    BOOST_LOG_TRIVIAL(error) << "rid=" << request.request_id << " unhandled error: " << e.what();
    return ErrorResponse(500, "Internal Server Error");
  }
}

}  // namespace payments
