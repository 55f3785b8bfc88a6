#include "cycle/health_report.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "http/errors.h"
#include "http/json.h"

namespace payments {
namespace {

std::optional<HealthReport> Fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return std::nullopt;
}

// An integral JSON number (not a boolean) from 0 to kMaxHealthServices.
bool ReadCount(const Json::Value& value, int* out) {
  if (!value.isIntegral()) return false;
  const double d = value.asDouble();
  if (d < 0 || d > kMaxHealthServices) return false;
  *out = static_cast<int>(d);
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool IsUpWord(const Json::Value& value) {
  if (!value.isString()) return false;
  static constexpr std::array<std::string_view, 4> kUpWords = {"up", "ok", "healthy", "running"};
  const std::string text = value.asString();
  return std::any_of(kUpWords.begin(), kUpWords.end(),
                     [&](std::string_view word) { return EqualsIgnoreCase(text, word); });
}

// Up, and not below the minimum uptime when one is set and reported.
bool CountsAsUp(const Json::Value& value, std::optional<double> min_uptime) {
  if (!IsServiceUp(value)) return false;
  if (min_uptime && value.isObject()) {
    const Json::Value& uptime = value["uptime"];
    if (uptime.isDouble() && uptime.asDouble() < *min_uptime) return false;
  }
  return true;
}

HealthAssessment Verdict(int up, int total) {
  HealthVerdict verdict = HealthVerdict::kPartial;
  if (total == 0) {
    verdict = HealthVerdict::kNoServices;
  } else if (up == total) {
    verdict = HealthVerdict::kAllUp;
  } else if (up == 0) {
    verdict = HealthVerdict::kAllDown;
  }
  return {verdict, up, total};
}

}  // namespace

std::optional<HealthReport> ParseHealthReport(const Json::Value& body, std::string* error) {
  if (!body.isObject()) return Fail(error, "health report must be a JSON object");
  const Json::Value& summary = body["summary"];
  if (!summary.isObject()) return Fail(error, "summary must be an object");

  HealthReport report;
  const std::string count_rule =
      " must be an integer from 0 to " + std::to_string(kMaxHealthServices);
  if (!ReadCount(summary["services_up"], &report.services_up)) {
    return Fail(error, "summary.services_up" + count_rule);
  }
  if (!ReadCount(summary["total_services"], &report.total_services)) {
    return Fail(error, "summary.total_services" + count_rule);
  }
  if (report.services_up > report.total_services) {
    return Fail(error, "summary.services_up must not exceed summary.total_services");
  }

  if (summary.isMember("eligible_for_payment")) {
    const Json::Value& eligible = summary["eligible_for_payment"];
    if (!eligible.isBool()) return Fail(error, "summary.eligible_for_payment must be a boolean");
    report.eligible_for_payment = eligible.asBool();
  }

  const Json::Value& message = summary["status_message"];
  if (message.isString()) {
    report.status_message = message.asString();
    if (report.status_message.size() > kMaxHealthStatusMessageBytes) {
      return Fail(error, "summary.status_message must be at most " +
                             std::to_string(kMaxHealthStatusMessageBytes) + " bytes");
    }
    if (!IsValidUtf8(report.status_message)) {
      return Fail(error, "summary.status_message must be valid UTF-8");
    }
  } else if (!message.isNull()) {
    return Fail(error, "summary.status_message must be a string or null");
  }

  const Json::Value& services = body["services"];
  if (services.isObject()) {
    report.services = services;
  } else if (!services.isNull()) {
    return Fail(error, "services must be an object or null");
  }
  return report;
}

std::optional<HealthReport> ParseHealthReportText(std::string_view text, std::string* error) {
  if (text.size() > kMaxHealthReportBytes) {
    return Fail(error, "health report is larger than " +
                           std::to_string(kMaxHealthReportBytes / 1024) + " KiB");
  }
  Json::Value body;
  try {
    body = ParseJsonObject(text);
  } catch (const ApiError& e) {
    // ParseJsonObject reports one 422 entry; its type says what was wrong.
    const std::string type = e.detail()[0]["type"].asString();
    if (type == "model_attributes_type") return Fail(error, "health report must be a JSON object");
    if (type == "unicode_error") return Fail(error, "health report is not valid UTF-8");
    return Fail(error, "health report is not valid JSON");
  }
  return ParseHealthReport(body, error);
}

bool IsServiceUp(const Json::Value& value) {
  if (value.isBool()) return value.asBool();
  if (value.isString()) return IsUpWord(value);
  if (value.isObject()) {
    return IsUpWord(value["status"]) || value["up"] == Json::Value(true) ||
           value["healthy"] == Json::Value(true);
  }
  return false;
}

HealthAssessment AssessHealth(const HealthReport& report,
                              const std::optional<std::vector<std::string>>& monitored,
                              std::optional<double> min_uptime) {
  const bool has_services = report.services.isObject() && !report.services.empty();
  if (monitored && !monitored->empty()) {
    const std::set<std::string> names(monitored->begin(), monitored->end());
    int up = 0;
    for (const std::string& name : names) {
      if (has_services && report.services.isMember(name) &&
          CountsAsUp(report.services[name], min_uptime)) {
        ++up;
      }
    }
    return Verdict(up, static_cast<int>(names.size()));
  }
  if (min_uptime && has_services) {
    int up = 0;
    for (const Json::Value& value : report.services) {
      if (CountsAsUp(value, min_uptime)) ++up;
    }
    return Verdict(up, static_cast<int>(report.services.size()));
  }
  return Verdict(report.services_up, report.total_services);
}

Json::Value HealthReportJson(const HealthReport& report) {
  Json::Value summary(Json::objectValue);
  summary["services_up"] = report.services_up;
  summary["total_services"] = report.total_services;
  summary["eligible_for_payment"] = report.eligible_for_payment;
  summary["status_message"] = report.status_message;
  Json::Value body(Json::objectValue);
  body["summary"] = summary;
  body["services"] = report.services.isObject() ? report.services : Json::Value(Json::objectValue);
  return body;
}

}  // namespace payments
