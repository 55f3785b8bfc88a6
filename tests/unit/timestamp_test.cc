// Unit tests for payments::Timestamp (fcgi_app/domain/timestamp.h): the ISO
// and SQL text forms, ParseIso's accepted syntax and its refusals.

#include "domain/timestamp.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace payments {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

// 2026-11-23T21:59:06.846209Z, the example of API.md.
constexpr int64_t kExample = 1795471146846209;
// 2026-11-23T00:00:00Z.
constexpr int64_t kExampleDay = kExample - (21 * kHour + 59 * kMinute + 6 * kSecond + 846209);

int64_t MustParse(const std::string& text) {
  const std::optional<Timestamp> t = Timestamp::ParseIso(text);
  CPPUNIT_ASSERT_MESSAGE("ParseIso refused '" + text + "'", t.has_value());
  return t->micros();
}

void AssertParses(const std::string& text, int64_t expected_micros) {
  CPPUNIT_ASSERT_EQUAL_MESSAGE("ParseIso('" + text + "')", expected_micros, MustParse(text));
}

void AssertRefused(const std::string& text) {
  const std::optional<Timestamp> t = Timestamp::ParseIso(text);
  CPPUNIT_ASSERT_MESSAGE("ParseIso accepted '" + text + "' as " + (t ? t->ToIso() : ""),
                         !t.has_value());
}

std::string Iso(int64_t micros) { return Timestamp::FromMicros(micros).ToIso(); }

}  // namespace

class TimestampTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(TimestampTest);
  CPPUNIT_TEST(testFormatting);
  CPPUNIT_TEST(testFormattingBeforeEpoch);
  CPPUNIT_TEST(testParseForms);
  CPPUNIT_TEST(testParseZoneDesignators);
  CPPUNIT_TEST(testParseOffsets);
  CPPUNIT_TEST(testParseFractions);
  CPPUNIT_TEST(testLeapDays);
  CPPUNIT_TEST(testInvalidDates);
  CPPUNIT_TEST(testInvalidTimes);
  CPPUNIT_TEST(testInvalidOffsets);
  CPPUNIT_TEST(testMalformedText);
  CPPUNIT_TEST(testYearRange);
  CPPUNIT_TEST(testRoundTrip);
  CPPUNIT_TEST(testArithmeticAndOrder);
  CPPUNIT_TEST(testPlusSecondsRounds);
  CPPUNIT_TEST(testNow);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testFormatting() {
    CPPUNIT_ASSERT_EQUAL(std::string("1970-01-01T00:00:00.000000Z"), Iso(0));
    CPPUNIT_ASSERT_EQUAL(std::string("1970-01-01 00:00:00.000000"),
                         Timestamp::FromMicros(0).ToSql());
    CPPUNIT_ASSERT_EQUAL(std::string("2026-11-23T21:59:06.846209Z"), Iso(kExample));
    CPPUNIT_ASSERT_EQUAL(std::string("2026-11-23 21:59:06.846209"),
                         Timestamp::FromMicros(kExample).ToSql());
    CPPUNIT_ASSERT_EQUAL(std::string("1970-01-01T00:00:00.000001Z"), Iso(1));
    CPPUNIT_ASSERT_EQUAL(std::string("2000-02-29T00:00:00.000000Z"), Iso(951782400000000));
    CPPUNIT_ASSERT_EQUAL(std::string("2038-01-19T03:14:08.000000Z"), Iso(2147483648000000));
    CPPUNIT_ASSERT_EQUAL(std::string("9999-12-31T23:59:59.999999Z"), Iso(253402300799999999));
    CPPUNIT_ASSERT_EQUAL(std::string("1000-01-01T00:00:00.000000Z"), Iso(-30610224000000000));
    // A default Timestamp is the epoch.
    CPPUNIT_ASSERT_EQUAL(std::string("1970-01-01T00:00:00.000000Z"), Timestamp().ToIso());
  }

  void testFormattingBeforeEpoch() {
    CPPUNIT_ASSERT_EQUAL(std::string("1969-12-31T23:59:59.999999Z"), Iso(-1));
    CPPUNIT_ASSERT_EQUAL(std::string("1969-12-31T23:59:59.000000Z"), Iso(-kSecond));
    CPPUNIT_ASSERT_EQUAL(std::string("1969-12-31T00:00:00.000000Z"), Iso(-kDay));
    CPPUNIT_ASSERT_EQUAL(std::string("1969-12-30T23:59:59.999999Z"), Iso(-kDay - 1));
  }

  void testParseForms() {
    AssertParses("2026-11-23", kExampleDay);
    AssertParses("2026-11-23T21:59", kExampleDay + 21 * kHour + 59 * kMinute);
    AssertParses("2026-11-23T21:59:06", kExample - 846209);
    AssertParses("2026-11-23T21:59:06.846209", kExample);
    AssertParses("2026-11-23T21:59:06.846209Z", kExample);
    AssertParses("2026-11-23 21:59:06.846209", kExample);  // MySQL's form
    AssertParses("2026-11-23t21:59:06.846209z", kExample);
    AssertParses("1970-01-01T00:00:00Z", 0);
    AssertParses("1970-01-01", 0);
  }

  void testParseZoneDesignators() {
    // No designator means UTC; Z, +00:00 and -00:00 too.
    const int64_t t = kExample - 846209;
    AssertParses("2026-11-23T21:59:06", t);
    AssertParses("2026-11-23T21:59:06Z", t);
    AssertParses("2026-11-23T21:59:06+00:00", t);
    AssertParses("2026-11-23T21:59:06-00:00", t);
    AssertParses("2026-11-23T21:59:06+0000", t);
    AssertParses("2026-11-23T21:59Z", t - 6 * kSecond);
  }

  void testParseOffsets() {
    const int64_t t = kExample - 846209;  // 21:59:06Z
    AssertParses("2026-11-23T22:59:06+01:00", t);
    AssertParses("2026-11-23T22:59:06+0100", t);
    AssertParses("2026-11-23T16:29:06-05:30", t);
    AssertParses("2026-11-23T16:29:06-0530", t);
    AssertParses("2026-11-24T03:29:06.846209+05:30", kExample);
    AssertParses("2026-11-23T22:59+01:00", t - 6 * kSecond);
    // Offsets move the instant across days, months and years.
    CPPUNIT_ASSERT_EQUAL(std::string("2026-11-22T23:30:00.000000Z"),
                         Iso(MustParse("2026-11-23T00:30:00+01:00")));
    CPPUNIT_ASSERT_EQUAL(std::string("2000-01-01T00:00:59.999999Z"),
                         Iso(MustParse("1999-12-31T23:59:59.999999-00:01")));
    CPPUNIT_ASSERT_EQUAL(std::string("2024-02-29T23:00:00.000000Z"),
                         Iso(MustParse("2024-03-01T00:00:00+01:00")));
    // The extreme offsets.
    AssertParses("2026-11-23T21:59:06+23:59", t - (23 * kHour + 59 * kMinute));
    AssertParses("2026-11-23T21:59:06-23:59", t + (23 * kHour + 59 * kMinute));
  }

  void testParseFractions() {
    const int64_t base = kExample - 846209;
    AssertParses("2026-11-23T21:59:06.5Z", base + 500000);
    AssertParses("2026-11-23T21:59:06.05Z", base + 50000);
    AssertParses("2026-11-23T21:59:06.000001Z", base + 1);
    AssertParses("2026-11-23T21:59:06.999999Z", base + 999999);
    AssertParses("2026-11-23T21:59:06.000000Z", base);
    AssertParses("2026-11-23T21:59:06,5Z", base + 500000);  // ISO allows a comma
    // Up to 9 digits; digits beyond microseconds are truncated, not rounded.
    AssertParses("2026-11-23T21:59:06.1234567Z", base + 123456);
    AssertParses("2026-11-23T21:59:06.9999999Z", base + 999999);
    AssertParses("2026-11-23T21:59:06.123456789Z", base + 123456);
    AssertParses("2026-11-23T21:59:06.123456789+01:00", base + 123456 - kHour);
    AssertRefused("2026-11-23T21:59:06.1234567890Z");
    AssertRefused("2026-11-23T21:59:06.Z");
    AssertRefused("2026-11-23T21:59:06.");
    AssertRefused("2026-11-23T21:59:06..5");
    AssertRefused("2026-11-23T21:59:06.5.5");
    AssertRefused("2026-11-23T21:59:06.-5");
    // A fraction needs seconds.
    AssertRefused("2026-11-23T21:59.5");
    AssertRefused("2026-11-23T21:59.5Z");
  }

  void testLeapDays() {
    AssertParses("2024-02-29", 1709164800LL * kSecond);
    AssertParses("2000-02-29T00:00:00Z", 951782400000000);  // divisible by 400
    AssertParses("2024-02-29T12:00:00Z", 1709208000000000);
    MustParse("1600-02-29");
    MustParse("2400-02-29");
    MustParse("9996-02-29");
    AssertRefused("2023-02-29");
    AssertRefused("1900-02-29");  // divisible by 100, not 400
    AssertRefused("2100-02-29");
    AssertRefused("2024-02-30");
    AssertRefused("2000-02-30");
    // The day after a leap day is March 1st.
    CPPUNIT_ASSERT_EQUAL(MustParse("2024-02-29") + kDay, MustParse("2024-03-01"));
    CPPUNIT_ASSERT_EQUAL(MustParse("2023-02-28") + kDay, MustParse("2023-03-01"));
  }

  void testInvalidDates() {
    for (const char* text :
         {"2026-00-10", "2026-13-01", "2026-99-01", "2026-01-00", "2026-01-32", "2026-04-31",
          "2026-06-31", "2026-09-31", "2026-11-31", "2026-02-30", "2026-02-31", "0000-01-01"}) {
      AssertRefused(text);
    }
    for (const char* text :
         {"2026-01-31", "2026-03-31", "2026-04-30", "2026-12-31", "2026-02-28"}) {
      MustParse(text);
    }
  }

  void testInvalidTimes() {
    for (const char* text :
         {"2026-11-23T24:00", "2026-11-23T24:00:00Z", "2026-11-23T23:60", "2026-11-23T23:59:60",
          "2026-11-23T23:59:60Z", "2026-11-23T99:99:99", "2026-11-23T25:00:00"}) {
      AssertRefused(text);
    }
    MustParse("2026-11-23T23:59:59.999999Z");
    MustParse("2026-11-23T00:00:00Z");
  }

  void testInvalidOffsets() {
    for (const char* text : {"2026-11-23T21:59:06+24:00",
                             "2026-11-23T21:59:06+05:60",
                             "2026-11-23T21:59:06+5:00",
                             "2026-11-23T21:59:06+05",
                             "2026-11-23T21:59:06+05:",
                             "2026-11-23T21:59:06+05:3",
                             "2026-11-23T21:59:06+053",
                             "2026-11-23T21:59:06+",
                             "2026-11-23T21:59:06-",
                             "2026-11-23T21:59:06+05:30Z",
                             "2026-11-23T21:59:06Z+05:30",
                             "2026-11-23T21:59:06ZZ",
                             "2026-11-23T21:59:06 +05:30",
                             "2026-11-23T21:59:06+05:30:00",
                             "2026-11-23T21:59:06UTC",
                             "2026-11-23T21:59:06 Z",
                             "2026-11-23T21:59:06+ab:cd",
                             "2026-11-23T21:59:06+05::30",
                             "2026-11-23Z",
                             "2026-11-23+01:00"}) {
      AssertRefused(text);
    }
  }

  void testMalformedText() {
    for (const char* text : {"",
                             " ",
                             "2026",
                             "2026-11",
                             "2026-1-23",
                             "2026-11-3",
                             "26-11-23",
                             "2026/11/23",
                             "20261123",
                             "2026-11-23T",
                             "2026-11-23T21",
                             "2026-11-23T2:59",
                             "2026-11-23T21:5",
                             "2026-11-23T21:59:6",
                             "2026-11-23T21:59:",
                             "2026-11-23X21:59",
                             "2026-11-23_21:59",
                             "2026-11-23TT21:59",
                             "2026-11-23  21:59",
                             " 2026-11-23",
                             "2026-11-23 ",
                             "2026-11-23\n",
                             "2026-11-23T21:59:06Z ",
                             "+2026-11-23",
                             "-2026-11-23",
                             "2026-11-23T21-59-06",
                             "2026-11-2a",
                             "2026-1a-23",
                             "2O26-11-23",
                             "now",
                             "1795471146",
                             "null",
                             "2026-\xd9\xa1\xd9\xa1-23"}) {
      AssertRefused(text);
    }
    AssertRefused(std::string("2026-11-23\0", 11));
    AssertRefused(std::string("2026-11-23T21:59:06Z\0garbage", 28));
  }

  void testYearRange() {
    AssertParses("1000-01-01T00:00:00Z", -30610224000000000);
    AssertParses("9999-12-31T23:59:59.999999Z", 253402300799999999);
    AssertRefused("0999-12-31T23:59:59Z");
    AssertRefused("0001-01-01");
    AssertRefused("10000-01-01");
  }

  void testRoundTrip() {
    const int64_t samples[] = {0,
                               1,
                               -1,
                               999999,
                               kExample,
                               kExample + kDay * 365,
                               951782400000000,
                               951782400000000 - 1,
                               253402300799999999,
                               -30610224000000000,
                               1709208000123456,
                               4102444800000000 - 1};  // 2099-12-31T23:59:59.999999Z
    for (const int64_t micros : samples) {
      const Timestamp t = Timestamp::FromMicros(micros);
      const std::string iso = t.ToIso();
      CPPUNIT_ASSERT_EQUAL_MESSAGE("ISO round trip of " + iso, micros, MustParse(iso));
      CPPUNIT_ASSERT_EQUAL_MESSAGE("SQL round trip of " + t.ToSql(), micros, MustParse(t.ToSql()));
      CPPUNIT_ASSERT_EQUAL(std::size_t{27}, iso.size());
      CPPUNIT_ASSERT_EQUAL('Z', iso.back());
    }
    // Every day of a leap year and the next, at a time with a fraction.
    const int64_t start = MustParse("2024-01-01T13:14:15.161718Z");
    for (int day = 0; day < 731; ++day) {
      const int64_t micros = start + day * kDay;
      CPPUNIT_ASSERT_EQUAL(micros, MustParse(Iso(micros)));
    }
    // And text → instant → text is the identity on the canonical form.
    for (const char* text : {"2026-11-23T21:59:06.846209Z", "2024-02-29T00:00:00.000000Z",
                             "1999-12-31T23:59:59.999999Z"}) {
      CPPUNIT_ASSERT_EQUAL(std::string(text), Iso(MustParse(text)));
    }
  }

  void testArithmeticAndOrder() {
    const Timestamp t = Timestamp::FromMicros(kExample);
    CPPUNIT_ASSERT_EQUAL(kExample + 1, t.PlusMicros(1).micros());
    CPPUNIT_ASSERT_EQUAL(kExample - kDay, t.PlusMicros(-kDay).micros());
    CPPUNIT_ASSERT_EQUAL(kExample + 60 * kSecond, t.PlusSeconds(60).micros());
    CPPUNIT_ASSERT_EQUAL(kExample - 600 * kSecond, t.PlusSeconds(-600).micros());
    CPPUNIT_ASSERT_EQUAL(kExample + 1500000, t.PlusSeconds(1.5).micros());
    CPPUNIT_ASSERT_EQUAL(kExample + 100000, t.PlusSeconds(0.1).micros());
    CPPUNIT_ASSERT_EQUAL(kExample, t.PlusSeconds(0).micros());
    CPPUNIT_ASSERT(t < t.PlusMicros(1));
    CPPUNIT_ASSERT(!(t < t));
    CPPUNIT_ASSERT(t == Timestamp::FromMicros(kExample));
    CPPUNIT_ASSERT(!(t == t.PlusMicros(1)));
    CPPUNIT_ASSERT(Timestamp::FromMicros(-1) < Timestamp());
  }

  // Regression (found by this suite, fixed in 4ed48c0): PlusSeconds truncated
  // seconds * 1e6, so decimal seconds that are not exact in binary lost a
  // microsecond (4.1 s -> 4099999 us, 1.005 s -> 1004999 us).
  void testPlusSecondsRounds() {
    const Timestamp t;
    CPPUNIT_ASSERT_EQUAL(int64_t{4100000}, t.PlusSeconds(4.1).micros());
    CPPUNIT_ASSERT_EQUAL(int64_t{1005000}, t.PlusSeconds(1.005).micros());
    CPPUNIT_ASSERT_EQUAL(int64_t{-4100000}, t.PlusSeconds(-4.1).micros());
    CPPUNIT_ASSERT_EQUAL(int64_t{32300000}, t.PlusSeconds(32.3).micros());
    CPPUNIT_ASSERT_EQUAL(int64_t{1}, t.PlusSeconds(0.000001).micros());
    // Every millisecond step up to a minute lands exactly.
    for (int ms = 0; ms <= 60000; ++ms) {
      CPPUNIT_ASSERT_EQUAL(int64_t{ms} * 1000, t.PlusSeconds(ms / 1000.0).micros());
    }
  }

  void testNow() {
    using std::chrono::duration_cast;
    using std::chrono::microseconds;
    using std::chrono::system_clock;
    const int64_t before =
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    const Timestamp now = Timestamp::Now();
    const int64_t after =
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    CPPUNIT_ASSERT(before <= now.micros() && now.micros() <= after);
    CPPUNIT_ASSERT_EQUAL(now.micros(), MustParse(now.ToIso()));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TimestampTest);

}  // namespace payments
