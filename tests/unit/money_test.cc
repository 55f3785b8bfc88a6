// Unit tests for payments::Money (exact DECIMAL(38,18) amounts).

#include "domain/money.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <json/json.h>

#include <memory>
#include <string>
#include <string_view>

namespace payments {
namespace {

constexpr char kInvalid[] = "Invalid decimal";
constexpr char kTooManyPlaces[] = "Too many decimal places (max 18)";
constexpr char kOutOfRange[] = "Amount out of range";
constexpr char kWrongType[] = "Amount must be a decimal string or number";
constexpr char kTooManySignificant[] =
    "Number has more than 15 significant digits; send the amount as a string";

const std::string kMaxText = "99999999999999999999.999999999999999999";

// Parses text, asserting success; returns the value.
Money MustParse(std::string_view text) {
  Money m;
  std::string error;
  const bool ok = Money::Parse(text, &m, &error);
  CPPUNIT_ASSERT_MESSAGE("parse failed for '" + std::string(text) + "': " + error, ok);
  return m;
}

// Asserts that text parses and formats canonically as expected.
void AssertCanonical(std::string_view text, const std::string& expected) {
  CPPUNIT_ASSERT_EQUAL_MESSAGE("canonical form of '" + std::string(text) + "'", expected,
                               MustParse(text).ToString());
}

// Asserts that parsing text fails with expected_error and leaves *out alone.
void AssertParseFails(std::string_view text, const std::string& expected_error) {
  const Money sentinel = Money::FromUnits(42);
  Money m = sentinel;
  std::string error;
  const bool ok = Money::Parse(text, &m, &error);
  CPPUNIT_ASSERT_MESSAGE("parse unexpectedly succeeded for '" + std::string(text) + "'", !ok);
  CPPUNIT_ASSERT_EQUAL_MESSAGE("error for '" + std::string(text) + "'", expected_error, error);
  CPPUNIT_ASSERT_MESSAGE("output modified on failure", m == sentinel);
}

// Reads a JSON document of the form {"a": <literal>} and returns member "a".
Json::Value JsonMember(const std::string& literal) {
  const std::string doc = "{\"a\": " + literal + "}";
  Json::CharReaderBuilder builder;
  const std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value root;
  std::string errors;
  const bool ok = reader->parse(doc.data(), doc.data() + doc.size(), &root, &errors);
  CPPUNIT_ASSERT_MESSAGE("bad JSON in test: " + doc + " " + errors, ok);
  return root["a"];
}

void AssertJsonGives(const Json::Value& value, const std::string& expected) {
  Money m;
  std::string error;
  const bool ok = Money::FromJson(value, &m, &error);
  CPPUNIT_ASSERT_MESSAGE("FromJson failed for " + value.toStyledString() + ": " + error, ok);
  CPPUNIT_ASSERT_EQUAL_MESSAGE("FromJson of " + value.toStyledString(), expected, m.ToString());
}

void AssertJsonFails(const Json::Value& value, const std::string& expected_error) {
  Money m = Money::FromUnits(7);
  std::string error;
  const bool ok = Money::FromJson(value, &m, &error);
  CPPUNIT_ASSERT_MESSAGE("FromJson unexpectedly succeeded for " + value.toStyledString(), !ok);
  CPPUNIT_ASSERT_EQUAL_MESSAGE("error for " + value.toStyledString(), expected_error, error);
  CPPUNIT_ASSERT(m == Money::FromUnits(7));
}

}  // namespace

class MoneyTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(MoneyTest);
  CPPUNIT_TEST(testDefaultAndUnits);
  CPPUNIT_TEST(testCanonicalFormatting);
  CPPUNIT_TEST(testAcceptedSyntax);
  CPPUNIT_TEST(testExponents);
  CPPUNIT_TEST(testRangeEdges);
  CPPUNIT_TEST(testScaleEdges);
  CPPUNIT_TEST(testHugeExponentsFailFast);
  CPPUNIT_TEST(testGarbage);
  CPPUNIT_TEST(testNullErrorPointer);
  CPPUNIT_TEST(testRoundTrip);
  CPPUNIT_TEST(testJsonNumbers);
  CPPUNIT_TEST(testJsonNumbersFromText);
  CPPUNIT_TEST(testJsonStrings);
  CPPUNIT_TEST(testJsonWrongTypes);
  CPPUNIT_TEST(testCheckedAdd);
  CPPUNIT_TEST(testCheckedSub);
  CPPUNIT_TEST(testSignPredicatesAndNegation);
  CPPUNIT_TEST(testComparison);
  CPPUNIT_TEST(testRepeatedTinyAdditionsAreExact);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testDefaultAndUnits() {
    constexpr Money zero;
    static_assert(zero.IsZero());
    CPPUNIT_ASSERT(zero.units() == 0);
    CPPUNIT_ASSERT_EQUAL(std::string("0"), zero.ToString());
    CPPUNIT_ASSERT(MustParse("1").units() == Money::kUnitsPerWhole);
    CPPUNIT_ASSERT(MustParse("1e-18").units() == 1);
    CPPUNIT_ASSERT(MustParse("-1e-18").units() == -1);
    CPPUNIT_ASSERT(MustParse(kMaxText).units() == Money::kMaxUnits);
    CPPUNIT_ASSERT_EQUAL(std::string("0.000000000000000001"), Money::FromUnits(1).ToString());
    CPPUNIT_ASSERT_EQUAL(kMaxText, Money::FromUnits(Money::kMaxUnits).ToString());
    CPPUNIT_ASSERT_EQUAL("-" + kMaxText, Money::FromUnits(-Money::kMaxUnits).ToString());
  }

  void testCanonicalFormatting() {
    AssertCanonical("0", "0");
    AssertCanonical("0.5", "0.5");
    AssertCanonical("-0.1", "-0.1");
    AssertCanonical("0.00001606079", "0.00001606079");
    AssertCanonical("1e-18", "0.000000000000000001");
    AssertCanonical("1E+2", "100");
    AssertCanonical("-0", "0");
    AssertCanonical("-0.000", "0");
    AssertCanonical("+0", "0");
    AssertCanonical("100", "100");
    AssertCanonical("100.000", "100");
    AssertCanonical("007.50", "7.5");
    AssertCanonical("+3.25", "3.25");
    AssertCanonical("-12345.678900", "-12345.6789");
    AssertCanonical("1.000000000000000001", "1.000000000000000001");
    AssertCanonical("10", "10");
    AssertCanonical("1000000", "1000000");
    // Negative zero has no sign, however it is spelled.
    CPPUNIT_ASSERT(!MustParse("-0e5").IsNegative());
    CPPUNIT_ASSERT(MustParse("-0.0") == Money());
  }

  void testAcceptedSyntax() {
    AssertCanonical(".5", "0.5");
    AssertCanonical("5.", "5");
    AssertCanonical("-.5", "-0.5");
    AssertCanonical("5.e1", "50");
    AssertCanonical(".5e1", "5");
    AssertCanonical("0000", "0");
  }

  void testExponents() {
    AssertCanonical("2.5E3", "2500");
    AssertCanonical("1e-5", "0.00001");
    AssertCanonical("1e-05", "0.00001");
    AssertCanonical("1e+05", "100000");
    AssertCanonical("1e0", "1");
    AssertCanonical("1e-0", "1");
    AssertCanonical("-1.5e-1", "-0.15");
    AssertCanonical("123456e-3", "123.456");
    AssertCanonical("0.001e3", "1");
    AssertCanonical("1.6060790e-5", "0.00001606079");
    AssertCanonical("1e19", "10000000000000000000");
    AssertCanonical("9.9e19", "99000000000000000000");
    // Digits far beyond the scale are fine if the exponent brings them back.
    AssertCanonical("123456789012345678901234567890e-18", "123456789012.34567890123456789");
    AssertCanonical("0.000000000000000000000001e6", "0.000000000000000001");
    AssertCanonical("1e0000000000000000000000000000000000000000002", "100");
  }

  void testRangeEdges() {
    AssertCanonical(kMaxText, kMaxText);
    AssertCanonical("-" + kMaxText, "-" + kMaxText);
    AssertCanonical("99999999999999999999", "99999999999999999999");
    AssertParseFails("100000000000000000000", kOutOfRange);
    AssertParseFails("-100000000000000000000", kOutOfRange);
    AssertParseFails("100000000000000000000.0", kOutOfRange);
    AssertParseFails("1e20", kOutOfRange);
    AssertParseFails("-1e20", kOutOfRange);
    AssertParseFails("0.1e21", kOutOfRange);
    AssertParseFails("123456789012345678901", kOutOfRange);
    // Leading zeros do not count against the range.
    AssertCanonical("000000000000000000000000000001", "1");
  }

  void testScaleEdges() {
    AssertCanonical("0.000000000000000001", "0.000000000000000001");
    AssertParseFails("0.0000000000000000001", kTooManyPlaces);
    AssertParseFails("1.0000000000000000001", kTooManyPlaces);
    AssertParseFails("1e-19", kTooManyPlaces);
    AssertParseFails("-1e-19", kTooManyPlaces);
    AssertParseFails("0.1e-18", kTooManyPlaces);
    // Trailing zeros do not count.
    AssertCanonical("1.50000000000000000000", "1.5");
    AssertCanonical("1.000000000000000000000000000000000000", "1");
    AssertCanonical("0.0000000000000000010", "0.000000000000000001");
    AssertCanonical("10e-19", "0.000000000000000001");
    // Zero is zero at any scale.
    AssertCanonical("0.00000000000000000000000000000", "0");
    AssertCanonical("0e-100", "0");
  }

  void testHugeExponentsFailFast() {
    AssertParseFails("1e999999999999", kOutOfRange);
    AssertParseFails("1e-999999999999", kTooManyPlaces);
    AssertParseFails("1e99999999999999999999999999999999999999", kOutOfRange);
    AssertParseFails("1e-99999999999999999999999999999999999999", kTooManyPlaces);
    AssertParseFails("1e9223372036854775807", kOutOfRange);
    AssertParseFails("1e-9223372036854775808", kTooManyPlaces);
    AssertParseFails("1e18446744073709551616", kOutOfRange);
    // An exponent with a hundred thousand digits is read in linear time.
    AssertParseFails("1e" + std::string(100000, '9'), kOutOfRange);
    AssertParseFails("1e-" + std::string(100000, '9'), kTooManyPlaces);
    // Zero stays zero whatever the exponent.
    AssertCanonical("0e999999999999999999999999", "0");
    AssertCanonical("0e-999999999999999999999999", "0");
    // Long digit strings are handled without trouble too.
    AssertParseFails(std::string(100000, '9'), kOutOfRange);
    AssertParseFails("0." + std::string(100000, '0') + "1", kTooManyPlaces);
    AssertCanonical("1." + std::string(100000, '0'), "1");
    AssertCanonical("1" + std::string(100000, '0') + "e-100000", "1");
  }

  void testGarbage() {
    for (const char* text :
         {"",      "-",     "+",    ".",        "-.",        "+.",           "1..2",
          "1.2.3", "1e",    "1e+",  "1e-",      "e5",        ".e5",          "-e5",
          "abc",   " 1",    "1 ",   "1\n",      "\t1",       "0x10",         "0X1p3",
          "NaN",   "nan",   "-nan", "Infinity", "-Infinity", "inf",          "+-1",
          "-+1",   "--1",   "++1",  "1-",       "1+",        "1,5",          "1_000",
          "1e5.5", "1e1e1", "1ee1", "1.5f",     "5d",        "\xef\xbc\x91", "\xd9\xa3",
          "1/2",   "$1",    "1e 5", "- 1",      "1.e",       "0b101"}) {
      AssertParseFails(text, kInvalid);
    }
    AssertParseFails(std::string_view("1\0", 2), kInvalid);
    AssertParseFails(std::string_view("\0"
                                      "1",
                                      2),
                     kInvalid);
  }

  void testNullErrorPointer() {
    Money m;
    CPPUNIT_ASSERT(!Money::Parse("abc", &m, nullptr));
    CPPUNIT_ASSERT(!Money::Parse("1e-19", &m, nullptr));
    CPPUNIT_ASSERT(!Money::FromJson(Json::Value(true), &m, nullptr));
    CPPUNIT_ASSERT(Money::Parse("1.25", &m, nullptr));
    CPPUNIT_ASSERT_EQUAL(std::string("1.25"), m.ToString());
  }

  void testRoundTrip() {
    for (const char* text :
         {"0", "1", "-1", "0.5", "-0.1", "0.00001606079", "123.456", "0.000000000000000001",
          "-0.000000000000000001", "1000000", "12345678901234567890.123456789012345678",
          "-99999999999999999999.999999999999999999"}) {
      const Money m = MustParse(text);
      CPPUNIT_ASSERT_EQUAL(std::string(text), m.ToString());
      CPPUNIT_ASSERT(MustParse(m.ToString()) == m);
      CPPUNIT_ASSERT(m.ToJson() == Json::Value(std::string(text)));
    }
  }

  void testJsonNumbers() {
    AssertJsonGives(Json::Value(1e-18), "0.000000000000000001");
    AssertJsonGives(Json::Value(0.1), "0.1");
    AssertJsonGives(Json::Value(1e-5), "0.00001");
    AssertJsonGives(Json::Value(0.00001606079), "0.00001606079");
    AssertJsonGives(Json::Value(-0.5), "-0.5");
    AssertJsonGives(Json::Value(-0.0), "0");
    AssertJsonGives(Json::Value(2.5e3), "2500");
    AssertJsonGives(Json::Value(5), "5");
    AssertJsonGives(Json::Value(-5), "-5");
    AssertJsonGives(Json::Value(0), "0");
    AssertJsonGives(Json::Value(Json::UInt(7)), "7");
    AssertJsonGives(Json::Value(Json::Int64(123456789012345)), "123456789012345");
    AssertJsonGives(Json::Value(123456789012345.0), "123456789012345");
    AssertJsonGives(Json::Value(0.123456789012345), "0.123456789012345");
    AssertJsonGives(Json::Value(1e19), "10000000000000000000");
    // Large integral doubles: the shortest digit string counts, not every
    // digit of the exact binary value (72290913365867504).
    AssertJsonGives(Json::Value(7.22909133658675e16), "72290913365867500");
    AssertJsonGives(Json::Value(9.49223468712063e19), "94922346871206300000");
    // Trailing zeros of an integer are not significant digits.
    AssertJsonGives(Json::Value(Json::Int64(1000000000000000000)), "1000000000000000000");

    // 17 significant digits: the client's intent is unknowable.
    AssertJsonFails(Json::Value(0.1 + 0.2), kTooManySignificant);
    AssertJsonFails(Json::Value(0.30000000000000004), kTooManySignificant);
    // 16 significant digits.
    AssertJsonFails(Json::Value(Json::Int64(1234567890123456)), kTooManySignificant);
    AssertJsonFails(Json::Value(1234567890123456.0), kTooManySignificant);
    AssertJsonFails(Json::Value(Json::UInt64(18446744073709551615ULL)), kTooManySignificant);
    AssertJsonFails(Json::Value(Json::Int64(-9223372036854775807LL - 1)), kTooManySignificant);
    // Representable as a double but not within the scale or range.
    AssertJsonFails(Json::Value(1e-19), kTooManyPlaces);
    AssertJsonFails(Json::Value(1e20), kOutOfRange);
    AssertJsonFails(Json::Value(1e300), kOutOfRange);
    AssertJsonFails(Json::Value(5e-324), kTooManyPlaces);
  }

  void testJsonNumbersFromText() {
    AssertJsonGives(JsonMember("1e-18"), "0.000000000000000001");
    AssertJsonGives(JsonMember("1E-18"), "0.000000000000000001");
    AssertJsonGives(JsonMember("0.1"), "0.1");
    AssertJsonGives(JsonMember("1e-5"), "0.00001");
    AssertJsonGives(JsonMember("5"), "5");
    AssertJsonGives(JsonMember("-0.25"), "-0.25");
    AssertJsonGives(JsonMember("123456789012345"), "123456789012345");
    AssertJsonGives(JsonMember("0.100000000000000000000"), "0.1");
    AssertJsonGives(JsonMember("7.22909133658675e+16"), "72290913365867500");
    AssertJsonGives(JsonMember("1e19"), "10000000000000000000");
    AssertJsonGives(JsonMember("-1E-18"), "-0.000000000000000001");
    AssertJsonFails(JsonMember("0.30000000000000004"), kTooManySignificant);
    AssertJsonFails(JsonMember("1234567890123456"), kTooManySignificant);
    AssertJsonFails(JsonMember("12345678901234567890"), kTooManySignificant);
    AssertJsonFails(JsonMember("1e-19"), kTooManyPlaces);
    AssertJsonFails(JsonMember("1e25"), kOutOfRange);
  }

  void testJsonStrings() {
    AssertJsonGives(Json::Value("1e-5"), "0.00001");
    AssertJsonGives(Json::Value("0.30000000000000004"), "0.30000000000000004");
    AssertJsonGives(Json::Value("1234567890123456"), "1234567890123456");
    AssertJsonGives(Json::Value(kMaxText), kMaxText);
    AssertJsonGives(JsonMember("\"-0.1\""), "-0.1");
    AssertJsonFails(Json::Value(""), kInvalid);
    AssertJsonFails(Json::Value("abc"), kInvalid);
    AssertJsonFails(Json::Value(" 1"), kInvalid);
    AssertJsonFails(Json::Value(std::string("1\0", 2)), kInvalid);
    AssertJsonFails(Json::Value("1e-19"), kTooManyPlaces);
    AssertJsonFails(Json::Value("1e20"), kOutOfRange);
  }

  void testJsonWrongTypes() {
    AssertJsonFails(Json::Value(true), kWrongType);
    AssertJsonFails(Json::Value(false), kWrongType);
    AssertJsonFails(Json::Value(Json::nullValue), kWrongType);
    AssertJsonFails(Json::Value(Json::arrayValue), kWrongType);
    AssertJsonFails(Json::Value(Json::objectValue), kWrongType);
    AssertJsonFails(JsonMember("[1]"), kWrongType);
    AssertJsonFails(JsonMember(R"({"v": "1"})"), kWrongType);
    AssertJsonFails(JsonMember("null"), kWrongType);
    AssertJsonFails(JsonMember("true"), kWrongType);
  }

  void testCheckedAdd() {
    const Money max = Money::FromUnits(Money::kMaxUnits);
    const Money min = max.Negated();
    const Money tiny = Money::FromUnits(1);
    Money out = Money::FromUnits(99);

    CPPUNIT_ASSERT(MustParse("0.1").CheckedAdd(MustParse("0.2"), &out));
    CPPUNIT_ASSERT_EQUAL(std::string("0.3"), out.ToString());
    CPPUNIT_ASSERT(MustParse("1").CheckedAdd(MustParse("-2.5"), &out));
    CPPUNIT_ASSERT_EQUAL(std::string("-1.5"), out.ToString());

    CPPUNIT_ASSERT(max.Negated().CheckedAdd(max, &out));
    CPPUNIT_ASSERT(out.IsZero());
    CPPUNIT_ASSERT(MustParse("99999999999999999999.999999999999999998").CheckedAdd(tiny, &out));
    CPPUNIT_ASSERT(out == max);
    CPPUNIT_ASSERT(
        MustParse("-99999999999999999999.999999999999999998").CheckedAdd(tiny.Negated(), &out));
    CPPUNIT_ASSERT(out == min);

    out = Money::FromUnits(99);
    CPPUNIT_ASSERT(!max.CheckedAdd(tiny, &out));
    CPPUNIT_ASSERT(!tiny.CheckedAdd(max, &out));
    CPPUNIT_ASSERT(!min.CheckedAdd(tiny.Negated(), &out));
    // These would overflow __int128 itself, not just the DECIMAL range.
    CPPUNIT_ASSERT(!max.CheckedAdd(max, &out));
    CPPUNIT_ASSERT(!min.CheckedAdd(min, &out));
    CPPUNIT_ASSERT(
        !MustParse("50000000000000000000").CheckedAdd(MustParse("50000000000000000000"), &out));
    CPPUNIT_ASSERT(out == Money::FromUnits(99));  // untouched on failure
  }

  void testCheckedSub() {
    const Money max = Money::FromUnits(Money::kMaxUnits);
    const Money min = max.Negated();
    const Money tiny = Money::FromUnits(1);
    Money out = Money::FromUnits(99);

    CPPUNIT_ASSERT(MustParse("0.3").CheckedSub(MustParse("0.1"), &out));
    CPPUNIT_ASSERT_EQUAL(std::string("0.2"), out.ToString());
    CPPUNIT_ASSERT(MustParse("0.1").CheckedSub(MustParse("0.3"), &out));
    CPPUNIT_ASSERT_EQUAL(std::string("-0.2"), out.ToString());
    CPPUNIT_ASSERT(max.CheckedSub(max, &out));
    CPPUNIT_ASSERT(out.IsZero());
    CPPUNIT_ASSERT(max.CheckedSub(tiny, &out));
    CPPUNIT_ASSERT_EQUAL(std::string("99999999999999999999.999999999999999998"), out.ToString());
    CPPUNIT_ASSERT(Money().CheckedSub(max, &out));
    CPPUNIT_ASSERT(out == min);

    out = Money::FromUnits(99);
    CPPUNIT_ASSERT(!min.CheckedSub(tiny, &out));
    CPPUNIT_ASSERT(!max.CheckedSub(tiny.Negated(), &out));
    CPPUNIT_ASSERT(!max.CheckedSub(min, &out));
    CPPUNIT_ASSERT(!min.CheckedSub(max, &out));
    CPPUNIT_ASSERT(out == Money::FromUnits(99));
  }

  void testSignPredicatesAndNegation() {
    const Money pos = MustParse("0.5");
    const Money neg = MustParse("-0.5");
    const Money zero;
    CPPUNIT_ASSERT(pos.IsPositive() && !pos.IsNegative() && !pos.IsZero());
    CPPUNIT_ASSERT(neg.IsNegative() && !neg.IsPositive() && !neg.IsZero());
    CPPUNIT_ASSERT(zero.IsZero() && !zero.IsPositive() && !zero.IsNegative());
    CPPUNIT_ASSERT(pos.Negated() == neg);
    CPPUNIT_ASSERT(neg.Negated() == pos);
    CPPUNIT_ASSERT(zero.Negated() == zero);
    CPPUNIT_ASSERT_EQUAL(std::string("0"), zero.Negated().ToString());
    CPPUNIT_ASSERT_EQUAL("-" + kMaxText, MustParse(kMaxText).Negated().ToString());
  }

  void testComparison() {
    const Money a = MustParse("0.1");
    const Money b = MustParse("0.10000000000000000");
    const Money c = MustParse("0.100000000000000001");
    const Money d = MustParse("-5");
    CPPUNIT_ASSERT(a == b);
    CPPUNIT_ASSERT(!(a != b));
    CPPUNIT_ASSERT(a <= b && a >= b && !(a < b) && !(a > b));
    CPPUNIT_ASSERT(a != c);
    CPPUNIT_ASSERT(a < c && a <= c && c > a && c >= a);
    CPPUNIT_ASSERT(!(c < a) && !(c <= a) && !(a > c) && !(a >= c));
    CPPUNIT_ASSERT(d < Money() && Money() < a);
    CPPUNIT_ASSERT(MustParse("1e2") == MustParse("100.000"));
    CPPUNIT_ASSERT(MustParse("-0") == Money());
    CPPUNIT_ASSERT(MustParse("-" + kMaxText) < MustParse(kMaxText));
    CPPUNIT_ASSERT(MustParse("-0.000000000000000001") < Money());
  }

  void testRepeatedTinyAdditionsAreExact() {
    const Money tiny = MustParse("1e-18");
    Money sum;
    for (int i = 0; i < 200; ++i) {
      CPPUNIT_ASSERT(sum.CheckedAdd(tiny, &sum));
    }
    CPPUNIT_ASSERT(sum == MustParse("2e-16"));
    CPPUNIT_ASSERT(sum.units() == 200);
    CPPUNIT_ASSERT_EQUAL(std::string("0.0000000000000002"), sum.ToString());

    // 0.1 ten times is exactly 1 (it would not be in binary floating point).
    Money total;
    for (int i = 0; i < 10; ++i) {
      CPPUNIT_ASSERT(total.CheckedAdd(MustParse("0.1"), &total));
    }
    CPPUNIT_ASSERT(total == MustParse("1"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MoneyTest);

}  // namespace payments
