// Unit tests for fcgi_app/cycle/health_report.h: parsing an orchestrator's
// health body (every field rule), the "up" spellings, AssessHealth over the
// summary and over monitored services (with and without min uptime), and the
// canonical JSON shape.

#include "cycle/health_report.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <json/json.h>

#include <optional>
#include <string>
#include <vector>

#include "http/json.h"

namespace payments {
namespace {

const std::string kCountRule = " must be an integer from 0 to 10000";

HealthReport MustParseText(const std::string& text) {
  std::string error;
  const std::optional<HealthReport> report = ParseHealthReportText(text, &error);
  CPPUNIT_ASSERT_MESSAGE("refused " + text + ": " + error, report.has_value());
  return *report;
}

void AssertRefused(const std::string& text, const std::string& expected_error) {
  std::string error;
  const std::optional<HealthReport> report = ParseHealthReportText(text, &error);
  CPPUNIT_ASSERT_MESSAGE("accepted " + text, !report.has_value());
  CPPUNIT_ASSERT_EQUAL_MESSAGE("error for " + text, expected_error, error);
}

// A body whose summary counts are 1 of 1 plus `summary_extra` members.
std::string WithSummary(const std::string& summary_extra) {
  return R"({"summary": {"services_up": 1, "total_services": 1)" + summary_extra + "}}";
}

std::string WithCount(const std::string& literal) {
  return R"({"summary": {"services_up": )" + literal + R"(, "total_services": 10000}})";
}

// A report with summary counts `up` of `total` and the given services text.
HealthReport Report(int up, int total, const std::string& services_json) {
  return MustParseText(R"({"summary": {"services_up": )" + std::to_string(up) +
                       R"(, "total_services": )" + std::to_string(total) + R"(}, "services": )" +
                       services_json + "}");
}

using Names = std::optional<std::vector<std::string>>;

void AssertAssessment(const HealthAssessment& got, HealthVerdict verdict, int up, int total) {
  CPPUNIT_ASSERT_EQUAL(up, got.services_up);
  CPPUNIT_ASSERT_EQUAL(total, got.total_services);
  CPPUNIT_ASSERT(verdict == got.verdict);
}

}  // namespace

class HealthReportTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HealthReportTest);
  CPPUNIT_TEST(testFullBody);
  CPPUNIT_TEST(testMinimalBodyDefaults);
  CPPUNIT_TEST(testNullOptionalMembers);
  CPPUNIT_TEST(testUnknownMembersIgnored);
  CPPUNIT_TEST(testCountBounds);
  CPPUNIT_TEST(testIntegralRealCountAccepted);
  CPPUNIT_TEST(testCountWrongTypes);
  CPPUNIT_TEST(testCountsMissing);
  CPPUNIT_TEST(testUpAboveTotal);
  CPPUNIT_TEST(testBodyNotObject);
  CPPUNIT_TEST(testSummaryMissingOrWrongType);
  CPPUNIT_TEST(testEligibleWrongType);
  CPPUNIT_TEST(testStatusMessageRules);
  CPPUNIT_TEST(testServicesWrongType);
  CPPUNIT_TEST(testTextLimitAndSyntax);
  CPPUNIT_TEST(testParseFromValue);
  CPPUNIT_TEST(testNullErrorPointer);
  CPPUNIT_TEST(testUpSpellings);
  CPPUNIT_TEST(testDownValues);
  CPPUNIT_TEST(testVerdictsFromSummary);
  CPPUNIT_TEST(testSummaryPathIgnoresServicesWithoutMinUptime);
  CPPUNIT_TEST(testMonitoredPath);
  CPPUNIT_TEST(testMonitoredMissingServiceIsDown);
  CPPUNIT_TEST(testMonitoredAllDownAndDuplicates);
  CPPUNIT_TEST(testEmptyMonitoredListUsesSummary);
  CPPUNIT_TEST(testMinUptimeMonitored);
  CPPUNIT_TEST(testMinUptimeSummaryPathCountsServices);
  CPPUNIT_TEST(testMinUptimeWithoutServicesUsesSummary);
  CPPUNIT_TEST(testHandBuiltReportWithNullServices);
  CPPUNIT_TEST(testCanonicalJsonRoundTrip);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testFullBody() {
    const HealthReport r = MustParseText(
        R"({"summary": {"services_up": 2, "total_services": 3, "eligible_for_payment": false,)"
        R"( "status_message": "db degraded"},)"
        R"( "services": {"api": true, "db": {"status": "down"}, "queue": "ok"}})");
    CPPUNIT_ASSERT_EQUAL(2, r.services_up);
    CPPUNIT_ASSERT_EQUAL(3, r.total_services);
    CPPUNIT_ASSERT(!r.eligible_for_payment);
    CPPUNIT_ASSERT_EQUAL(std::string("db degraded"), r.status_message);
    CPPUNIT_ASSERT(r.services.isObject());
    CPPUNIT_ASSERT_EQUAL(Json::ArrayIndex{3}, r.services.size());
    CPPUNIT_ASSERT_EQUAL(std::string("ok"), r.services["queue"].asString());
  }

  void testMinimalBodyDefaults() {
    const HealthReport r = MustParseText(R"({"summary": {"services_up": 0, "total_services": 0}})");
    CPPUNIT_ASSERT_EQUAL(0, r.services_up);
    CPPUNIT_ASSERT_EQUAL(0, r.total_services);
    CPPUNIT_ASSERT(r.eligible_for_payment);
    CPPUNIT_ASSERT(r.status_message.empty());
    CPPUNIT_ASSERT(r.services.isObject());
    CPPUNIT_ASSERT(r.services.empty());
  }

  void testNullOptionalMembers() {
    const HealthReport r = MustParseText(
        R"({"summary": {"services_up": 1, "total_services": 1, "status_message": null},)"
        R"( "services": null})");
    CPPUNIT_ASSERT(r.status_message.empty());
    CPPUNIT_ASSERT(r.services.isObject());
    CPPUNIT_ASSERT(r.services.empty());
  }

  void testUnknownMembersIgnored() {
    const HealthReport r = MustParseText(
        R"({"version": 2, "summary": {"services_up": 1, "total_services": 1, "uptime": 5}})");
    CPPUNIT_ASSERT_EQUAL(1, r.services_up);
  }

  void testCountBounds() {
    CPPUNIT_ASSERT_EQUAL(10000, MustParseText(WithCount("10000")).services_up);
    CPPUNIT_ASSERT_EQUAL(0, MustParseText(WithCount("0")).services_up);
    AssertRefused(WithCount("10001"), "summary.services_up" + kCountRule);
    AssertRefused(WithCount("-1"), "summary.services_up" + kCountRule);
    AssertRefused(WithCount("18446744073709551615"), "summary.services_up" + kCountRule);
    AssertRefused(R"({"summary": {"services_up": 0, "total_services": 10001}})",
                  "summary.total_services" + kCountRule);
    AssertRefused(R"({"summary": {"services_up": 0, "total_services": -3}})",
                  "summary.total_services" + kCountRule);
  }

  void testIntegralRealCountAccepted() {
    // Only fractions are refused; 5.0 and 5e0 are the integer 5.
    CPPUNIT_ASSERT_EQUAL(5, MustParseText(WithCount("5.0")).services_up);
    CPPUNIT_ASSERT_EQUAL(5, MustParseText(WithCount("5e0")).services_up);
  }

  void testCountWrongTypes() {
    for (const char* literal : {"1.5", "0.0001", "true", "false", "\"1\"", "null", "[1]", "{}"}) {
      AssertRefused(WithCount(literal), "summary.services_up" + kCountRule);
    }
    AssertRefused(R"({"summary": {"services_up": 1, "total_services": 2.5}})",
                  "summary.total_services" + kCountRule);
    AssertRefused(R"({"summary": {"services_up": 1, "total_services": true}})",
                  "summary.total_services" + kCountRule);
  }

  void testCountsMissing() {
    AssertRefused(R"({"summary": {"total_services": 1}})", "summary.services_up" + kCountRule);
    AssertRefused(R"({"summary": {"services_up": 1}})", "summary.total_services" + kCountRule);
  }

  void testUpAboveTotal() {
    AssertRefused(R"({"summary": {"services_up": 3, "total_services": 2}})",
                  "summary.services_up must not exceed summary.total_services");
  }

  void testBodyNotObject() {
    AssertRefused("[]", "health report must be a JSON object");
    // The strict parser takes only an object or array at the root.
    AssertRefused("\"up\"", "health report is not valid JSON");
    AssertRefused("null", "health report is not valid JSON");
    std::string error;
    CPPUNIT_ASSERT(!ParseHealthReport(Json::Value("up"), &error).has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("health report must be a JSON object"), error);
  }

  void testSummaryMissingOrWrongType() {
    AssertRefused("{}", "summary must be an object");
    AssertRefused(R"({"summary": null})", "summary must be an object");
    AssertRefused(R"({"summary": [1, 1]})", "summary must be an object");
    AssertRefused(R"({"summary": "ok"})", "summary must be an object");
  }

  void testEligibleWrongType() {
    for (const char* literal : {"1", "\"true\"", "null", "{}"}) {
      AssertRefused(WithSummary(std::string(R"(, "eligible_for_payment": )") + literal),
                    "summary.eligible_for_payment must be a boolean");
    }
    CPPUNIT_ASSERT(
        MustParseText(WithSummary(R"(, "eligible_for_payment": true)")).eligible_for_payment);
  }

  void testStatusMessageRules() {
    const std::string at_limit(512, 'x');
    CPPUNIT_ASSERT_EQUAL(
        at_limit,
        MustParseText(WithSummary(R"(, "status_message": ")" + at_limit + "\"")).status_message);
    AssertRefused(WithSummary(R"(, "status_message": ")" + std::string(513, 'x') + "\""),
                  "summary.status_message must be at most 512 bytes");
    // 256 two-byte characters are 512 bytes (fine); 257 are too many bytes.
    std::string accented;
    for (int i = 0; i < 257; ++i) accented += "\u00e9";
    AssertRefused(WithSummary(R"(, "status_message": ")" + accented + "\""),
                  "summary.status_message must be at most 512 bytes");
    for (const char* literal : {"1", "true", "[]", "{}"}) {
      AssertRefused(WithSummary(std::string(R"(, "status_message": )") + literal),
                    "summary.status_message must be a string or null");
    }
  }

  void testServicesWrongType() {
    for (const char* literal : {"[]", "true", "\"api\"", "3"}) {
      AssertRefused(R"({"summary": {"services_up": 0, "total_services": 0}, "services": )" +
                        std::string(literal) + "}",
                    "services must be an object or null");
    }
  }

  void testTextLimitAndSyntax() {
    // Exactly 64 KiB is accepted, one byte more is refused.
    const std::string prefix = R"({"summary": {"services_up": 0, "total_services": 0}, "pad": ")";
    const std::string suffix = "\"}";
    const std::string fits =
        prefix + std::string(kMaxHealthReportBytes - prefix.size() - suffix.size(), 'a') + suffix;
    CPPUNIT_ASSERT_EQUAL(std::size_t{65536}, fits.size());
    MustParseText(fits);
    const std::string over =
        prefix + std::string(kMaxHealthReportBytes + 1 - prefix.size() - suffix.size(), 'a') +
        suffix;
    AssertRefused(over, "health report is larger than 64 KiB");

    AssertRefused("", "health report is not valid JSON");
    AssertRefused("{", "health report is not valid JSON");
    AssertRefused(R"({"summary": {"services_up": 1, "total_services": 1}} x)",
                  "health report is not valid JSON");
    // Duplicate keys are refused by the strict parser.
    AssertRefused(R"({"summary": {"services_up": 1, "services_up": 0, "total_services": 1}})",
                  "health report is not valid JSON");
    AssertRefused(
        std::string(R"({"summary": {"services_up": 1, "total_services": 1}, "x": ")") + "\xff\"}",
        "health report is not valid UTF-8");
  }

  void testParseFromValue() {
    Json::Value body(Json::objectValue);
    body["summary"]["services_up"] = 4;
    body["summary"]["total_services"] = 4;
    std::string error;
    const std::optional<HealthReport> r = ParseHealthReport(body, &error);
    CPPUNIT_ASSERT_MESSAGE(error, r.has_value());
    CPPUNIT_ASSERT_EQUAL(4, r->services_up);

    body["summary"]["status_message"] = std::string("bad \xc3\x28 utf8");
    CPPUNIT_ASSERT(!ParseHealthReport(body, &error).has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("summary.status_message must be valid UTF-8"), error);
  }

  void testNullErrorPointer() {
    CPPUNIT_ASSERT(!ParseHealthReportText("[]", nullptr).has_value());
    CPPUNIT_ASSERT(!ParseHealthReport(Json::Value(3), nullptr).has_value());
  }

  void testUpSpellings() {
    for (const char* text :
         {"true", R"("up")", R"("UP")", R"("Ok")", R"("OK")", R"("healthy")", R"("Healthy")",
          R"("running")", R"("RUNNING")", R"({"status": "up"})", R"({"status": "Healthy"})",
          R"({"status": "running"})", R"({"up": true})", R"({"healthy": true})",
          R"({"status": "down", "up": true})"}) {
      const Json::Value v = ParseJsonObject(std::string(R"({"v": )") + text + "}")["v"];
      CPPUNIT_ASSERT_MESSAGE(std::string("should be up: ") + text, IsServiceUp(v));
    }
  }

  void testDownValues() {
    for (const char* text :
         {"false", "null", "1", "0", R"("down")", R"("")", R"(" up")", R"("okay")", R"("degraded")",
          "[]", R"(["up"])", "{}", R"({"status": "down"})", R"({"status": true})",
          R"({"up": "true"})", R"({"up": 1})", R"({"healthy": false})", R"({"state": "up"})"}) {
      const Json::Value v = ParseJsonObject(std::string(R"({"v": )") + text + "}")["v"];
      CPPUNIT_ASSERT_MESSAGE(std::string("should be down: ") + text, !IsServiceUp(v));
    }
  }

  void testVerdictsFromSummary() {
    AssertAssessment(AssessHealth(Report(3, 3, "{}"), std::nullopt, std::nullopt),
                     HealthVerdict::kAllUp, 3, 3);
    AssertAssessment(AssessHealth(Report(0, 3, "{}"), std::nullopt, std::nullopt),
                     HealthVerdict::kAllDown, 0, 3);
    AssertAssessment(AssessHealth(Report(1, 3, "{}"), std::nullopt, std::nullopt),
                     HealthVerdict::kPartial, 1, 3);
    AssertAssessment(AssessHealth(Report(0, 0, "{}"), std::nullopt, std::nullopt),
                     HealthVerdict::kNoServices, 0, 0);
  }

  void testSummaryPathIgnoresServicesWithoutMinUptime() {
    // The summary says all up; the services object disagrees but is not
    // consulted without monitored services or a min uptime.
    const HealthReport r = Report(2, 2, R"({"a": false, "b": "down"})");
    AssertAssessment(AssessHealth(r, std::nullopt, std::nullopt), HealthVerdict::kAllUp, 2, 2);
  }

  void testMonitoredPath() {
    // Summary says nothing is up; only the monitored names count.
    const HealthReport r =
        Report(0, 5, R"({"api": "up", "db": {"status": "ok"}, "cache": false, "extra": true})");
    AssertAssessment(AssessHealth(r, Names({"api", "db"}), std::nullopt), HealthVerdict::kAllUp, 2,
                     2);
    AssertAssessment(AssessHealth(r, Names({"api", "cache"}), std::nullopt),
                     HealthVerdict::kPartial, 1, 2);
    AssertAssessment(AssessHealth(r, Names({"cache"}), std::nullopt), HealthVerdict::kAllDown, 0,
                     1);
  }

  void testMonitoredMissingServiceIsDown() {
    const HealthReport r = Report(3, 3, R"({"api": true})");
    AssertAssessment(AssessHealth(r, Names({"api", "gpu"}), std::nullopt), HealthVerdict::kPartial,
                     1, 2);
    // No services object at all: every monitored name is missing.
    AssertAssessment(AssessHealth(Report(3, 3, "null"), Names({"api", "gpu"}), std::nullopt),
                     HealthVerdict::kAllDown, 0, 2);
  }

  void testMonitoredAllDownAndDuplicates() {
    const HealthReport r = Report(1, 1, R"({"api": "UP"})");
    AssertAssessment(AssessHealth(r, Names({"api", "api"}), std::nullopt), HealthVerdict::kAllUp, 1,
                     1);
    AssertAssessment(AssessHealth(r, Names({"API"}), std::nullopt), HealthVerdict::kAllDown, 0,
                     1);  // names are case-sensitive
  }

  void testEmptyMonitoredListUsesSummary() {
    const HealthReport r = Report(1, 2, R"({"api": true})");
    AssertAssessment(AssessHealth(r, Names(std::vector<std::string>{}), std::nullopt),
                     HealthVerdict::kPartial, 1, 2);
  }

  void testMinUptimeMonitored() {
    const HealthReport r = Report(
        0, 0,
        R"({"a": {"status": "up", "uptime": 99.9}, "b": {"up": true, "uptime": 95},)"
        R"( "c": {"healthy": true, "uptime": "10"}, "d": "up", "e": {"status": "down", "uptime": 100}})");
    const Names names({"a", "b", "c", "d", "e"});
    // Threshold 99: b is below; c's uptime is not a number and d has none.
    AssertAssessment(AssessHealth(r, names, 99.0), HealthVerdict::kPartial, 3, 5);
    // Exactly at the threshold is enough.
    AssertAssessment(AssessHealth(r, Names({"b"}), 95.0), HealthVerdict::kAllUp, 1, 1);
    AssertAssessment(AssessHealth(r, Names({"a", "b"}), 99.95), HealthVerdict::kAllDown, 0, 2);
    // Without a threshold uptime is ignored.
    AssertAssessment(AssessHealth(r, names, std::nullopt), HealthVerdict::kPartial, 4, 5);
  }

  void testMinUptimeSummaryPathCountsServices() {
    // Summary claims 5 of 5; with min_uptime the services object decides.
    const HealthReport r =
        Report(5, 5,
               R"({"a": {"status": "up", "uptime": 99.5}, "b": {"status": "up", "uptime": 50},)"
               R"( "c": true})");
    AssertAssessment(AssessHealth(r, std::nullopt, 90.0), HealthVerdict::kPartial, 2, 3);
    AssertAssessment(AssessHealth(r, std::nullopt, 10.0), HealthVerdict::kAllUp, 3, 3);
    const HealthReport low = Report(2, 2, R"({"a": {"up": true, "uptime": 1}})");
    AssertAssessment(AssessHealth(low, std::nullopt, 50.0), HealthVerdict::kAllDown, 0, 1);
  }

  void testMinUptimeWithoutServicesUsesSummary() {
    AssertAssessment(AssessHealth(Report(2, 3, "{}"), std::nullopt, 99.0), HealthVerdict::kPartial,
                     2, 3);
    AssertAssessment(AssessHealth(Report(0, 0, "null"), std::nullopt, 99.0),
                     HealthVerdict::kNoServices, 0, 0);
  }

  void testHandBuiltReportWithNullServices() {
    HealthReport r;
    r.services_up = 1;
    r.total_services = 1;
    r.services = Json::Value();  // null: treated as empty
    AssertAssessment(AssessHealth(r, Names({"a"}), 50.0), HealthVerdict::kAllDown, 0, 1);
    AssertAssessment(AssessHealth(r, std::nullopt, 50.0), HealthVerdict::kAllUp, 1, 1);
    CPPUNIT_ASSERT(HealthReportJson(r)["services"].isObject());
  }

  void testCanonicalJsonRoundTrip() {
    const HealthReport r = MustParseText(
        R"({"summary": {"services_up": 1, "total_services": 2, "eligible_for_payment": false,)"
        R"( "status_message": "one down", "extra": 1}, "services": {"a": "up", "b": {"up": false}}})");
    const Json::Value json = HealthReportJson(r);
    CPPUNIT_ASSERT_EQUAL(
        std::string(R"({"services":{"a":"up","b":{"up":false}},"summary":{"eligible_for_payment":)"
                    R"(false,"services_up":1,"status_message":"one down","total_services":2}})"),
        ToJson(json));
    std::string error;
    const std::optional<HealthReport> again = ParseHealthReport(json, &error);
    CPPUNIT_ASSERT_MESSAGE(error, again.has_value());
    CPPUNIT_ASSERT(ToJson(json) == ToJson(HealthReportJson(*again)));

    // Defaults come out explicitly.
    const Json::Value minimal =
        HealthReportJson(MustParseText(R"({"summary": {"services_up": 0, "total_services": 0}})"));
    CPPUNIT_ASSERT(minimal["summary"]["eligible_for_payment"].asBool());
    CPPUNIT_ASSERT(minimal["summary"]["status_message"].isString());
    CPPUNIT_ASSERT(minimal["services"].isObject());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HealthReportTest);

}  // namespace payments
