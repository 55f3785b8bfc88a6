#include "http/errors.h"

namespace payments {

Json::Value ValidationEntry(const std::string& where, const std::string& field,
                            const std::string& msg, const std::string& type) {
  Json::Value entry(Json::objectValue);
  Json::Value loc(Json::arrayValue);
  loc.append(where);
  if (!field.empty()) loc.append(field);
  entry["loc"] = loc;
  entry["msg"] = msg;
  entry["type"] = type;
  return entry;
}

void ThrowValidation(const std::string& where, const std::string& field, const std::string& msg,
                     const std::string& type) {
  Json::Value detail(Json::arrayValue);
  detail.append(ValidationEntry(where, field, msg, type));
  throw ApiError(ErrorKind::kUnprocessable, detail);
}

}  // namespace payments
