// ApiError: a failure a client can be told about. Handlers and domain code
// throw it; Router::Dispatch is the one place that maps it to an HTTP status
// and the `{"detail": ...}` body of API.md. The detail is always written for
// the client; anything meant for operators (SQL text, errno) goes to the log.
#pragma once

#include <json/value.h>

#include <stdexcept>
#include <string>

namespace payments {

enum class ErrorKind {
  kBadRequest = 400,
  kUnauthorized = 401,
  kForbidden = 403,
  kNotFound = 404,
  kMethodNotAllowed = 405,
  kConflict = 409,
  kGone = 410,
  kPayloadTooLarge = 413,
  kUnprocessable = 422,
  kTooManyRequests = 429,
  kInternal = 500,
  kUnavailable = 503,
};

class ApiError : public std::runtime_error {
 public:
  ApiError(ErrorKind kind, const std::string& detail)
      : std::runtime_error(detail), kind_(kind), detail_(detail) {}
  ApiError(ErrorKind kind, const char* detail) : ApiError(kind, std::string(detail)) {}
  // For 422 validation errors: detail is the list of {loc, msg, type}.
  ApiError(ErrorKind kind, Json::Value detail)
      : std::runtime_error("validation error"), kind_(kind), detail_(std::move(detail)) {}

  ErrorKind kind() const { return kind_; }
  int status() const { return static_cast<int>(kind_); }
  const Json::Value& detail() const { return detail_; }

 private:
  ErrorKind kind_;
  Json::Value detail_;
};

// One 422 entry: {"loc": [where, field], "msg": msg, "type": type}.
Json::Value ValidationEntry(const std::string& where, const std::string& field,
                            const std::string& msg, const std::string& type);
// Throws a 422 with a single entry.
[[noreturn]] void ThrowValidation(const std::string& where, const std::string& field,
                                  const std::string& msg, const std::string& type);

}  // namespace payments
