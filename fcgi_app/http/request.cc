#include "http/request.h"

#include "http/json.h"

namespace payments {

std::string Request::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::optional<std::string> Request::QueryParam(const std::string& name) const {
  auto it = query.lower_bound(name);  // the first of repeated parameters
  if (it == query.end() || it->first != name) return std::nullopt;
  return it->second;
}

Response JsonResponse(int status, const Json::Value& body) {
  Response response;
  response.status = status;
  response.body = ToJson(body);
  return response;
}

Response ErrorResponse(int status, const Json::Value& detail) {
  Json::Value body(Json::objectValue);
  body["detail"] = detail;
  return JsonResponse(status, body);
}

}  // namespace payments
