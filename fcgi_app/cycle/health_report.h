// HealthReport: the body an orchestrator's health endpoint returns (or
// pushes), and the verdict the payment cycle draws from it.
//
// Canonical body:
//   {"summary": {"services_up": int, "total_services": int,
//                "eligible_for_payment": bool, "status_message": string},
//    "services": {name: value, ...}}
//
// Parsing is strict about the members it knows and ignores members it does
// not (so an orchestrator may add fields without being refused). Everything
// here is pure logic with no shared state: all functions are thread-safe.

#ifndef FCGI_APP_CYCLE_HEALTH_REPORT_H_
#define FCGI_APP_CYCLE_HEALTH_REPORT_H_

#include <json/value.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace payments {

struct HealthReport {
  int services_up = 0;
  int total_services = 0;
  bool eligible_for_payment = true;
  std::string status_message;               // may be empty
  Json::Value services{Json::objectValue};  // an object (possibly empty)
};

// Limits of the body.
inline constexpr int kMaxHealthServices = 10000;
inline constexpr std::size_t kMaxHealthStatusMessageBytes = 512;
inline constexpr std::size_t kMaxHealthReportBytes = std::size_t{64} * 1024;

// Validates a parsed body. Rules: the body is an object; "summary" is a
// required object; "summary.services_up" and "summary.total_services" are
// required integers from 0 to kMaxHealthServices (integral JSON numbers;
// fractions, booleans and strings are refused) with services_up <=
// total_services; "summary.eligible_for_payment" is an optional boolean
// (default true); "summary.status_message" is an optional string (valid
// UTF-8, at most kMaxHealthStatusMessageBytes bytes) or null (= empty);
// "services" is an optional object or null (both absent and null give an
// empty object). Members not named here are ignored.
// On success returns the report. On failure returns nullopt and, if error is
// non-null, sets *error to one short sentence naming the field, e.g.
// "summary.services_up must be an integer from 0 to 10000".
std::optional<HealthReport> ParseHealthReport(const Json::Value& body, std::string* error);

// Same, from raw text: bodies over kMaxHealthReportBytes are refused, then
// the text must be strict JSON (payments::ParseJsonObject: valid UTF-8, no
// duplicate keys, no comments, nothing after the value) holding an object.
std::optional<HealthReport> ParseHealthReportText(std::string_view text, std::string* error);

enum class HealthVerdict {
  kAllUp,       // every counted service is up
  kAllDown,     // none of them is up
  kPartial,     // some are up, some are not
  kNoServices,  // nothing to count
};

struct HealthAssessment {
  HealthVerdict verdict;
  int services_up;
  int total_services;
};

// True when a value of the "services" object means the service is up:
// `true`; a string equal (ASCII case-insensitively) to "up", "ok", "healthy"
// or "running"; or an object whose "status" member is such a string or
// whose "up" or "healthy" member is `true`. Uptime is not considered here.
bool IsServiceUp(const Json::Value& value);

// Counts services and draws the verdict.
//
// monitored: the orchestrator's monitored_services (nullopt = not set).
// min_uptime: its min_service_uptime percent (nullopt = not set).
//
// With a non-empty `monitored` list, only the monitored names count (each
// distinct name once): a name is up when report.services holds it and its
// value IsServiceUp; a missing name counts as down. Otherwise the summary
// counts are used, except that when min_uptime is set and report.services
// has entries, the counts are taken over the entries of report.services.
// Whenever entries are counted and min_uptime is set, an entry whose value
// is an object with a numeric "uptime" (percent) below min_uptime counts as
// down. Verdict: total 0 -> kNoServices; all up -> kAllUp; none up ->
// kAllDown; otherwise kPartial.
HealthAssessment AssessHealth(const HealthReport& report,
                              const std::optional<std::vector<std::string>>& monitored,
                              std::optional<double> min_uptime);

// The report in the canonical body shape (status_message always a string,
// services always an object). ParseHealthReport(HealthReportJson(r))
// reproduces r.
Json::Value HealthReportJson(const HealthReport& report);

}  // namespace payments

#endif  // FCGI_APP_CYCLE_HEALTH_REPORT_H_
