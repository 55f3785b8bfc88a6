// Unit tests for fcgi_app/http/json.h: UTF-8 validation, strict request-body
// parsing (422 with loc ["body"]) and compact serialisation.

#include "http/json.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <json/json.h>

#include <string>
#include <string_view>

#include "http/errors.h"

namespace payments {
namespace {

constexpr char kNotJson[] = "Request body is not valid JSON";
constexpr char kNotUtf8[] = "Request body is not valid UTF-8";
constexpr char kNotObject[] = "Request body must be a JSON object";

std::string Printable(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char ch : text.substr(0, 80)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  if (text.size() > 80) out += "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

void AssertValid(std::string_view text) {
  CPPUNIT_ASSERT_MESSAGE("should be valid UTF-8: " + Printable(text), IsValidUtf8(text));
}

void AssertInvalid(std::string_view text) {
  CPPUNIT_ASSERT_MESSAGE("should be invalid UTF-8: " + Printable(text), !IsValidUtf8(text));
}

Json::Value MustParse(std::string_view body) {
  try {
    return ParseJsonObject(body);
  } catch (const ApiError& e) {
    CPPUNIT_FAIL("ParseJsonObject refused " + Printable(body) + ": " + ToJson(e.detail()));
  }
  return Json::Value();
}

// Asserts that `body` is refused with exactly one 422 entry
// {"loc": ["body"], "msg": msg, "type": type}.
void AssertRefused(std::string_view body, const std::string& msg, const std::string& type) {
  const std::string what = Printable(body);
  try {
    ParseJsonObject(body);
  } catch (const ApiError& e) {
    CPPUNIT_ASSERT_EQUAL_MESSAGE("status for " + what, 422, e.status());
    const Json::Value& detail = e.detail();
    CPPUNIT_ASSERT_MESSAGE("detail is not a list for " + what, detail.isArray());
    CPPUNIT_ASSERT_EQUAL_MESSAGE("entries for " + what, Json::ArrayIndex{1}, detail.size());
    Json::Value loc(Json::arrayValue);
    loc.append("body");
    CPPUNIT_ASSERT_MESSAGE("loc for " + what + ": " + ToJson(detail[0]["loc"]),
                           detail[0]["loc"] == loc);
    CPPUNIT_ASSERT_EQUAL_MESSAGE("msg for " + what, msg, detail[0]["msg"].asString());
    CPPUNIT_ASSERT_EQUAL_MESSAGE("type for " + what, type, detail[0]["type"].asString());
    return;
  } catch (const std::exception& e) {
    CPPUNIT_FAIL("non-ApiError exception for " + what + ": " + e.what());
  }
  CPPUNIT_FAIL("ParseJsonObject accepted " + what);
}

void AssertNotJson(std::string_view body) { AssertRefused(body, kNotJson, "json_invalid"); }

std::string Nested(int depth, const std::string& open, const std::string& close,
                   const std::string& leaf) {
  std::string out;
  for (int i = 0; i < depth; ++i) out += open;
  out += leaf;
  for (int i = 0; i < depth; ++i) out += close;
  return out;
}

}  // namespace

class JsonTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(JsonTest);
  CPPUNIT_TEST(testUtf8Ascii);
  CPPUNIT_TEST(testUtf8MultiByteBoundaries);
  CPPUNIT_TEST(testUtf8Overlongs);
  CPPUNIT_TEST(testUtf8Surrogates);
  CPPUNIT_TEST(testUtf8AboveMax);
  CPPUNIT_TEST(testUtf8Truncated);
  CPPUNIT_TEST(testUtf8StrayBytes);
  CPPUNIT_TEST(testUtf8Length);
  CPPUNIT_TEST(testParseObject);
  CPPUNIT_TEST(testEmptyBody);
  CPPUNIT_TEST(testNonObjectRoots);
  CPPUNIT_TEST(testDuplicateKeys);
  CPPUNIT_TEST(testTrailingGarbage);
  CPPUNIT_TEST(testDataAfterNulRefused);
  CPPUNIT_TEST(testNonStandardSyntax);
  CPPUNIT_TEST(testRawControlCharacterInStringRefused);
  CPPUNIT_TEST(testCommentsRefused);
  CPPUNIT_TEST(testLeadingZerosRefused);
  CPPUNIT_TEST(testNumberGrammar);
  CPPUNIT_TEST(testWhitespace);
  CPPUNIT_TEST(testDepthLimit);
  CPPUNIT_TEST(testDeepNestingRefusedWithoutCrash);
  CPPUNIT_TEST(testUnicodeEscapes);
  CPPUNIT_TEST(testLoneSurrogateEscapes);
  CPPUNIT_TEST(testHighSurrogateWithNonLowEscapeRefused);
  CPPUNIT_TEST(testRawInvalidUtf8);
  CPPUNIT_TEST(testToJson);
  CPPUNIT_TEST(testRoundTrip);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testUtf8Ascii() {
    AssertValid("");
    AssertValid("hello, world");
    AssertValid(std::string_view("a\0b", 3));  // NUL is a valid code point
    AssertValid("\x7f");
    std::string all_ascii;
    for (int c = 0; c < 0x80; ++c) all_ascii.push_back(static_cast<char>(c));
    AssertValid(all_ascii);
  }

  void testUtf8MultiByteBoundaries() {
    AssertValid("\xc2\x80");                                   // U+0080, smallest 2-byte
    AssertValid("\xdf\xbf");                                   // U+07FF, largest 2-byte
    AssertValid("\xe0\xa0\x80");                               // U+0800, smallest 3-byte
    AssertValid("\xed\x9f\xbf");                               // U+D7FF, just below the surrogates
    AssertValid("\xee\x80\x80");                               // U+E000, just above the surrogates
    AssertValid("\xef\xbf\xbf");                               // U+FFFF
    AssertValid("\xf0\x90\x80\x80");                           // U+10000, smallest 4-byte
    AssertValid("\xf4\x8f\xbf\xbf");                           // U+10FFFF, the maximum
    AssertValid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");  // é € 😀
  }

  void testUtf8Overlongs() {
    AssertInvalid("\xc0\x80");                  // NUL in 2 bytes
    AssertInvalid("\xc0\xaf");                  // '/' in 2 bytes
    AssertInvalid("\xc1\xbf");                  // U+007F in 2 bytes
    AssertInvalid("\xe0\x80\x80");              // NUL in 3 bytes
    AssertInvalid("\xe0\x80\xaf");              // '/' in 3 bytes
    AssertInvalid("\xe0\x9f\xbf");              // U+07FF in 3 bytes
    AssertInvalid("\xf0\x80\x80\x80");          // NUL in 4 bytes
    AssertInvalid("\xf0\x80\x80\xaf");          // '/' in 4 bytes
    AssertInvalid("\xf0\x8f\xbf\xbf");          // U+FFFF in 4 bytes
    AssertInvalid("\xf8\x80\x80\x80\xaf");      // 5-byte form
    AssertInvalid("\xfc\x80\x80\x80\x80\xaf");  // 6-byte form
    AssertInvalid("ok\xc0\x80ok");
  }

  void testUtf8Surrogates() {
    AssertInvalid("\xed\xa0\x80");  // U+D800
    AssertInvalid("\xed\xad\xbf");  // U+DB7F
    AssertInvalid("\xed\xae\x80");  // U+DB80
    AssertInvalid("\xed\xaf\xbf");  // U+DBFF
    AssertInvalid("\xed\xb0\x80");  // U+DC00
    AssertInvalid("\xed\xbf\xbf");  // U+DFFF
    // A surrogate pair encoded as two 3-byte sequences (CESU-8) for U+1F600.
    AssertInvalid("\xed\xa0\xbd\xed\xb8\x80");
  }

  void testUtf8AboveMax() {
    AssertInvalid("\xf4\x90\x80\x80");  // U+110000
    AssertInvalid("\xf4\xbf\xbf\xbf");
    AssertInvalid("\xf5\x80\x80\x80");
    AssertInvalid("\xf7\xbf\xbf\xbf");  // U+1FFFFF
    AssertInvalid("\xfe");
    AssertInvalid("\xff");
  }

  void testUtf8Truncated() {
    AssertInvalid("\xc2");
    AssertInvalid("\xe0\xa0");
    AssertInvalid("\xe2\x82");
    AssertInvalid("\xf0\x9f\x98");
    AssertInvalid("\xf0\x9f");
    AssertInvalid("\xf0");
    AssertInvalid("abc\xe2\x82");
    // A truncated sequence followed by more text.
    AssertInvalid(
        "\xe2\x82"
        "a");
    AssertInvalid(
        "\xf0\x9f\x98"
        "a");
    AssertInvalid("\xc3 ");
    // The lead byte of the next character cannot complete the previous one.
    AssertInvalid("\xe2\x82\xe2\x82\xac");
  }

  void testUtf8StrayBytes() {
    AssertInvalid("\x80");
    AssertInvalid("\xbf");
    AssertInvalid(
        "a\x80"
        "b");
    AssertInvalid("\xc3\xa9\xa9");  // é followed by a stray continuation byte
    AssertInvalid("\xc3\xa9\x80\x80");
  }

  void testUtf8Length() {
    CPPUNIT_ASSERT_EQUAL(std::size_t{0}, Utf8Length(""));
    CPPUNIT_ASSERT_EQUAL(std::size_t{3}, Utf8Length("abc"));
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, Utf8Length("\xc3\xa9"));
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, Utf8Length("\xe2\x82\xac"));
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, Utf8Length("\xf0\x9f\x98\x80"));
    CPPUNIT_ASSERT_EQUAL(std::size_t{4}, Utf8Length("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    CPPUNIT_ASSERT_EQUAL(std::size_t{3}, Utf8Length(std::string_view("a\0b", 3)));
    CPPUNIT_ASSERT_EQUAL(std::size_t{128}, Utf8Length(std::string(128, 'x')));
  }

  void testParseObject() {
    const Json::Value v =
        MustParse(R"({"s": "x", "n": 1.5, "i": -3, "b": true, "z": null, "l": [1, "two"],
                      "o": {"k": "v"}})");
    CPPUNIT_ASSERT(v.isObject());
    CPPUNIT_ASSERT_EQUAL(Json::ArrayIndex{7}, v.size());
    CPPUNIT_ASSERT_EQUAL(std::string("x"), v["s"].asString());
    CPPUNIT_ASSERT_EQUAL(1.5, v["n"].asDouble());
    CPPUNIT_ASSERT_EQUAL(-3, v["i"].asInt());
    CPPUNIT_ASSERT(v["b"].asBool());
    CPPUNIT_ASSERT(v.isMember("z") && v["z"].isNull());
    CPPUNIT_ASSERT_EQUAL(std::string("two"), v["l"][1].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("v"), v["o"]["k"].asString());
    CPPUNIT_ASSERT(MustParse("{}").empty());
    CPPUNIT_ASSERT(MustParse(" \t\r\n{ } \n").isObject());
    CPPUNIT_ASSERT_EQUAL(std::string("y"), MustParse(R"({"":"y"})")[""].asString());
  }

  void testEmptyBody() {
    AssertNotJson("");
    AssertNotJson(" ");
    AssertNotJson("\r\n\t ");
  }

  void testNonObjectRoots() {
    AssertRefused("[]", kNotObject, "model_attributes_type");
    AssertRefused("[{\"a\":1}]", kNotObject, "model_attributes_type");
    // jsoncpp's strict root refuses scalars before the object check.
    for (const char* body : {"1", "-0.5", "\"string\"", "null", "true", "false"}) {
      bool refused = false;
      try {
        ParseJsonObject(body);
      } catch (const ApiError& e) {
        refused = e.status() == 422 && e.detail()[0]["loc"].size() == 1 &&
                  e.detail()[0]["loc"][0].asString() == "body";
      }
      CPPUNIT_ASSERT_MESSAGE(std::string("scalar root accepted: ") + body, refused);
    }
  }

  void testDuplicateKeys() {
    AssertNotJson(R"({"a":1,"a":2})");
    AssertNotJson(R"({"a":1,"a":1})");
    AssertNotJson(R"({"amount":"1","x":0,"amount":"1000"})");
    AssertNotJson(R"({"o":{"k":1,"k":2}})");
    AssertNotJson(R"({"l":[{"k":1,"k":2}]})");
    // The same key in different objects is fine.
    MustParse(R"({"k":{"k":{"k":1}},"l":[{"k":1},{"k":2}]})");
    // Keys that differ only by case or by escaping are different keys...
    MustParse(R"({"a":1,"A":2})");
    // ...but an escape that decodes to the same key is a duplicate.
    AssertNotJson(R"({"a":1,"\u0061":2})");
  }

  void testTrailingGarbage() {
    AssertNotJson("{}x");
    AssertNotJson("{} {}");
    AssertNotJson("{}{}");
    AssertNotJson("{}}");
    AssertNotJson("{},");
    AssertNotJson("{} 1");
    AssertNotJson("{} []");
    AssertNotJson(R"({"a":1} {"a":2})");
    AssertNotJson("{} // comment");
    AssertNotJson("{} /* comment */");
    AssertNotJson("{} #");
    // Truncated documents.
    AssertNotJson("{");
    AssertNotJson(R"({"a")");
    AssertNotJson(R"({"a":)");
    AssertNotJson(R"({"a":1)");
    AssertNotJson(R"({"a":1,)");
    AssertNotJson(R"({"a":"unterminated)");
  }

  // Regression (found by this suite, fixed in 4ed48c0): jsoncpp treats a
  // NUL byte as the end of the input, so whatever followed it was ignored.
  void testDataAfterNulRefused() {
    AssertNotJson(std::string("{}\0", 3));
    AssertNotJson(std::string("{}\0garbage", 10));
    AssertNotJson(std::string("{\"a\":1}\0{\"a\":2}", 15));
    AssertNotJson(std::string("{\"a\":1\0}", 9));
    AssertNotJson(std::string("\0{}", 3));
  }

  void testNonStandardSyntax() {
    AssertNotJson(R"({'a':1})");
    AssertNotJson(R"({a:1})");
    AssertNotJson(R"({1:1})");
    AssertNotJson(R"({"a":1,})");
    AssertNotJson(R"({"a":[1,]})");
    AssertNotJson(R"({"a":[1,,2]})");
    AssertNotJson(R"({"a":NaN})");
    AssertNotJson(R"({"a":Infinity})");
    AssertNotJson(R"({"a":-Infinity})");
    AssertNotJson(R"({"a":nan})");
    // Comments anywhere (see also testCommentsRefused).
    AssertNotJson(R"(/* c */{})");
    AssertNotJson(R"({"a":/* c */1})");
    AssertNotJson(R"({"a":[1,/* c */2]})");
    AssertNotJson(R"({"a":undefined})");
    AssertNotJson(R"({"a":True})");
    AssertNotJson(R"({"a":0x10})");
    AssertNotJson(R"({"a":.5})");
    AssertNotJson(R"({"a":"\x41"})");
    AssertNotJson(R"({"a":"\u12"})");
    AssertNotJson(R"({"a":"\uZZZZ"})");
    // A number too large for a double is refused rather than turned into inf.
    AssertNotJson(R"({"a":1e400})");
    AssertNotJson(R"({"a":-1e400})");
  }

  // Regression (found by this suite, fixed in 4ed48c0): RFC 8259 section 7
  // requires U+0000-U+001F inside strings to be escaped; jsoncpp took them raw.
  void testRawControlCharacterInStringRefused() {
    AssertNotJson("{\"a\":\"x\ny\"}");
    AssertNotJson("{\"a\":\"x\ty\"}");
    AssertNotJson("{\"a\":\"x\ry\"}");
    AssertNotJson("{\"a\":\"x\x01y\"}");
    AssertNotJson("{\"a\":\"x\x1fy\"}");
    AssertNotJson(std::string("{\"a\":\"x\0y\"}", 11));
    AssertNotJson("{\"k\ey\":1}");
    // DEL and everything above U+001F may appear raw.
    CPPUNIT_ASSERT_EQUAL(std::string("x\x7f y"), MustParse("{\"a\":\"x\x7f y\"}")["a"].asString());
    // Escaped, they are fine.
    CPPUNIT_ASSERT_EQUAL(std::string("x\ny\x01"),
                         MustParse(R"({"a":"x\ny\u0001"})")["a"].asString());
  }

  // Regression (found by this suite, fixed in 4ed48c0): JSON has no comments,
  // but jsoncpp's strictMode still skipped them after a member value, before
  // a key and after an array element.
  void testCommentsRefused() {
    AssertNotJson(R"({"a":1 /* c */})");
    AssertNotJson("{\"a\":1 // c\n}");
    AssertNotJson(R"({/* c */"a":1})");
    AssertNotJson(R"({"a":1,/* c */"b":2})");
    AssertNotJson(R"({"a":[1 /* c */]})");
    AssertNotJson("// c\n{}");
  }

  // Regression (found by this suite, fixed in 4ed48c0): RFC 8259 section 6
  // forbids leading zeros; jsoncpp read {"a":01} as 1.
  void testLeadingZerosRefused() {
    AssertNotJson(R"({"a":01})");
    AssertNotJson(R"({"a":-007})");
    AssertNotJson(R"({"a":00.5})");
    AssertNotJson(R"({"a":[00]})");
    AssertNotJson(R"({"a":0123e1})");
    // A single zero is a number, before a fraction or exponent too.
    CPPUNIT_ASSERT_EQUAL(0, MustParse(R"({"a":0})")["a"].asInt());
    CPPUNIT_ASSERT_EQUAL(-0.0, MustParse(R"({"a":-0})")["a"].asDouble());
    CPPUNIT_ASSERT_EQUAL(0.5, MustParse(R"({"a":0.5})")["a"].asDouble());
    CPPUNIT_ASSERT_EQUAL(0.0, MustParse(R"({"a":0e5})")["a"].asDouble());
    CPPUNIT_ASSERT_EQUAL(10, MustParse(R"({"a":10})")["a"].asInt());
  }

  void testNumberGrammar() {
    for (const char* literal : {"+1", "-", "--1", "1.", "-.5", "1.e5", "1e", "1e+", "1E-", "1e1.5",
                                "0x1", "1_000", "1,5", "Infinity", "1ee2", "e5"}) {
      AssertNotJson(std::string("{\"a\":") + literal + "}");
    }
    const struct {
      const char* literal;
      double value;
    } kValid[] = {{"1.5e-3", 1.5e-3}, {"1E+2", 100}, {"1e2", 100},   {"-12.25", -12.25},
                  {"0.0", 0},         {"1e-0", 1},   {"-0.5E1", -5}, {"123456789", 123456789}};
    for (const auto& v : kValid) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(
          v.literal, v.value, MustParse(std::string("{\"a\":") + v.literal + "}")["a"].asDouble());
    }
  }

  void testWhitespace() {
    // Space, tab, LF and CR only (RFC 8259 section 2).
    MustParse(" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ 1 , 2 ] \t\r\n} \t\r\n");
    AssertNotJson("{}\f");
    AssertNotJson("\v{}");
    AssertNotJson(
        "{\"a\":\x0c"
        "1}");
    AssertNotJson("\xc2\xa0{}");      // NO-BREAK SPACE
    AssertNotJson("\xef\xbb\xbf{}");  // a byte order mark
  }

  void testDepthLimit() {
    // jsoncpp's stackLimit (64) counts nested values, the root and a scalar
    // leaf included: 64 are fine...
    MustParse("{\"a\":" + Nested(63, "[", "]", "") + "}");
    MustParse("{\"a\":" + Nested(62, "[", "]", "1") + "}");
    MustParse(Nested(63, "{\"a\":", "}", "1"));
    MustParse(Nested(63, "{\"a\":", "}", "{}"));
    // ...one more is refused as malformed: not a crash and not a 500.
    AssertNotJson("{\"a\":" + Nested(64, "[", "]", "") + "}");
    AssertNotJson("{\"a\":" + Nested(63, "[", "]", "1") + "}");
    AssertNotJson(Nested(64, "{\"a\":", "}", "1"));
    AssertNotJson(Nested(64, "{\"a\":", "}", "{}"));
  }

  void testDeepNestingRefusedWithoutCrash() {
    AssertNotJson("{\"a\":" + Nested(5000, "[", "]", "") + "}");
    AssertNotJson(Nested(5000, "{\"a\":", "}", "1"));
    AssertNotJson("{\"a\":" + Nested(2500, "[{\"b\":", "}]", "null") + "}");
    // Unclosed, and with an array root.
    AssertNotJson("{\"a\":" + std::string(5000, '['));
    AssertNotJson(std::string(5000, '['));
    AssertNotJson(std::string(100000, '['));
    // A deep array root is refused one way or another, but always with 422.
    try {
      ParseJsonObject(Nested(5000, "[", "]", ""));
      CPPUNIT_FAIL("deep array root accepted");
    } catch (const ApiError& e) {
      CPPUNIT_ASSERT_EQUAL(422, e.status());
    }
    // The reader is still usable afterwards.
    CPPUNIT_ASSERT_EQUAL(2, MustParse(R"({"a":[[2]]})")["a"][0][0].asInt());
  }

  void testUnicodeEscapes() {
    CPPUNIT_ASSERT_EQUAL(std::string("\xc3\xa9"), MustParse(R"({"a":"\u00e9"})")["a"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("\xc3\xa9"), MustParse(R"({"a":"\u00E9"})")["a"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("\xe2\x82\xac"),
                         MustParse(R"({"a":"\u20ac"})")["a"].asString());
    // A valid surrogate pair becomes one 4-byte character.
    CPPUNIT_ASSERT_EQUAL(std::string("\xf0\x9f\x98\x80"),
                         MustParse(R"({"a":"\ud83d\ude00"})")["a"].asString());
    CPPUNIT_ASSERT_EQUAL(std::string("\xf4\x8f\xbf\xbf"),
                         MustParse(R"({"a":"\udbff\udfff"})")["a"].asString());
    // An escaped NUL is kept, with the string's full length.
    const Json::Value v = MustParse(R"({"a":"x\u0000y"})");
    const char* begin = nullptr;
    const char* end = nullptr;
    CPPUNIT_ASSERT(v["a"].getString(&begin, &end));
    CPPUNIT_ASSERT_EQUAL(std::string("x\0y", 3), std::string(begin, end));
    // Escapes in keys.
    CPPUNIT_ASSERT(MustParse(R"({"\u00e9":1})").isMember("\xc3\xa9"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"\\/\b\f\n\r\t"),
                         MustParse(R"({"a":"\"\\\/\b\f\n\r\t"})")["a"].asString());
  }

  void testLoneSurrogateEscapes() {
    // A high surrogate with no escape after it: jsoncpp itself refuses it.
    for (const char* body : {R"({"a":"\ud800"})", R"({"a":"\udbff"})", R"({"a":"\ud800x"})",
                             R"({"a":"\ud800\n"})", R"({"\ud800":1})", R"({"a":["\ud83d"]})"}) {
      try {
        ParseJsonObject(body);
        CPPUNIT_FAIL(std::string("lone high surrogate accepted: ") + body);
      } catch (const ApiError& e) {
        CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 422, e.status());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(body, std::string("body"), e.detail()[0]["loc"][0].asString());
      }
    }
    // A lone low surrogate decodes to bytes that are not UTF-8; the decoded
    // strings (values and keys, at any depth) are checked again.
    AssertRefused(R"({"a":"\udc00"})", kNotUtf8, "unicode_error");
    AssertRefused(R"({"a":"\udfff"})", kNotUtf8, "unicode_error");
    AssertRefused(R"({"\udc00":1})", kNotUtf8, "unicode_error");
    AssertRefused(R"({"o":{"l":[1,{"k":"ok\udc00"}]}})", kNotUtf8, "unicode_error");
    AssertRefused(R"({"o":{"\ude00":true}})", kNotUtf8, "unicode_error");
  }

  // Regression (found by this suite, fixed in 4ed48c0): jsoncpp combines a
  // high surrogate with whatever \u escape follows, so "\ud800\u0041" became
  // U+10041 (valid UTF-8, invisible to the UTF-8 re-check) instead of a 422.
  void testHighSurrogateWithNonLowEscapeRefused() {
    for (const char* body :
         {R"({"a":"\ud800\u0041"})", R"({"a":"\ud800\ud800"})", R"({"a":"\udbff\u0000"})",
          R"({"a":"\ud800\uffff"})", R"({"\ud800\u0041":1})", R"({"a":["ok","\udbff\ue000"]})"}) {
      AssertRefused(body, kNotUtf8, "unicode_error");
    }
  }

  void testRawInvalidUtf8() {
    AssertRefused("{\"a\":\"\xc0\x80\"}", kNotUtf8, "unicode_error");
    AssertRefused("{\"a\":\"\xed\xa0\x80\"}", kNotUtf8, "unicode_error");
    AssertRefused("{\"a\":\"\xf4\x90\x80\x80\"}", kNotUtf8, "unicode_error");
    AssertRefused("{\"a\":\"\xe2\x82\"}", kNotUtf8, "unicode_error");
    AssertRefused("{\"\xff\":1}", kNotUtf8, "unicode_error");
    AssertRefused("{\"a\":\"\xe9t\xe9\"}", kNotUtf8, "unicode_error");  // Latin-1
    // Even outside strings, and even when the JSON is malformed too.
    AssertRefused("{\xff}", kNotUtf8, "unicode_error");
    AssertRefused("\xfe\xff{}", kNotUtf8, "unicode_error");
    // Valid UTF-8 text is kept byte for byte.
    CPPUNIT_ASSERT_EQUAL(std::string("caf\xc3\xa9 \xf0\x9f\x98\x80"),
                         MustParse("{\"a\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}")["a"].asString());
  }

  void testToJson() {
    CPPUNIT_ASSERT_EQUAL(std::string("{}"), ToJson(Json::Value(Json::objectValue)));
    CPPUNIT_ASSERT_EQUAL(std::string("[]"), ToJson(Json::Value(Json::arrayValue)));
    CPPUNIT_ASSERT_EQUAL(std::string("null"), ToJson(Json::Value()));
    Json::Value v(Json::objectValue);
    v["b"] = 1;
    v["a"] = "x";
    v["c"] = Json::Value(Json::arrayValue);
    v["c"].append(true);
    v["c"].append(Json::Value());
    v["d"] = 0.5;
    // Compact: no spaces, no newline.
    CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":"x","b":1,"c":[true,null],"d":0.5})"), ToJson(v));
    // UTF-8 is written as is; quotes, backslashes and control characters are escaped.
    Json::Value s(Json::objectValue);
    s["detail"] = "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ \n\x01";
    CPPUNIT_ASSERT_EQUAL(
        std::string("{\"detail\":\"caf\xc3\xa9 \xf0\x9f\x98\x80 \\\"q\\\" \\\\ \\n\\u0001\"}"),
        ToJson(s));
    CPPUNIT_ASSERT_EQUAL(std::string("[\"a\\u0000b\"]"), [] {
      Json::Value list(Json::arrayValue);
      list.append(Json::Value(std::string("a\0b", 3)));
      return ToJson(list);
    }());
  }

  void testRoundTrip() {
    const std::string body =
        R"({"id":"orch-1","n":42,"f":0.25,"ok":false,"nil":null,"list":["a","\u00e9",[]],)"
        R"("obj":{"k":{"deep":"\ud83d\ude00"}}})";
    const Json::Value v = MustParse(body);
    const Json::Value again = MustParse(ToJson(v));
    CPPUNIT_ASSERT(v == again);
    CPPUNIT_ASSERT_EQUAL(ToJson(v), ToJson(again));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JsonTest);

}  // namespace payments
