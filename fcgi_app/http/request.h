// Request and Response: the HTTP exchange as the router and handlers see it,
// independent of FastCGI. Plain values; one per request, owned by the thread
// that serves it.
#pragma once

#include <json/value.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace payments {

struct Request {
  std::string method;                             // "GET", "POST", ...
  std::string path;                               // raw path, without the query
  std::multimap<std::string, std::string> query;  // decoded name -> value
  std::map<std::string, std::string> headers;     // lower-case name -> value
  std::string body;
  std::string remote_addr;
  std::string request_id;

  // Header value or empty.
  std::string Header(const std::string& lower_name) const;
  // First value of a query parameter, if present.
  std::optional<std::string> QueryParam(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A JSON response with the given status.
Response JsonResponse(int status, const Json::Value& body);
// {"detail": detail} with the given status.
Response ErrorResponse(int status, const Json::Value& detail);

}  // namespace payments
