// Unit tests for fcgi_app/http/query.h: percent-decoding and query strings.

#include "http/query.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/request.h"

namespace payments {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// The multimap in iteration order (equal keys keep insertion order).
Pairs Flatten(const std::multimap<std::string, std::string>& m) {
  return Pairs(m.begin(), m.end());
}

void AssertDecodes(const std::string& text, bool plus_as_space, const std::string& expected) {
  const std::optional<std::string> got = PercentDecode(text, plus_as_space);
  CPPUNIT_ASSERT_MESSAGE("decode failed for '" + text + "'", got.has_value());
  CPPUNIT_ASSERT_EQUAL_MESSAGE("decoding '" + text + "'", expected, *got);
}

void AssertMalformed(const std::string& text) {
  for (const bool plus : {false, true}) {
    CPPUNIT_ASSERT_MESSAGE("decode should fail for '" + text + "'",
                           !PercentDecode(text, plus).has_value());
  }
}

}  // namespace

class QueryTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(QueryTest);
  CPPUNIT_TEST(testPlainText);
  CPPUNIT_TEST(testEscapes);
  CPPUNIT_TEST(testPlus);
  CPPUNIT_TEST(testBadEscapes);
  CPPUNIT_TEST(testNoDoubleDecoding);
  CPPUNIT_TEST(testEmptyQuery);
  CPPUNIT_TEST(testPairs);
  CPPUNIT_TEST(testRepeatedKeys);
  CPPUNIT_TEST(testMissingValues);
  CPPUNIT_TEST(testDecodingInQuery);
  CPPUNIT_TEST(testBadEscapesKeptVerbatim);
  CPPUNIT_TEST(testQueryParam);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testPlainText() {
    AssertDecodes("", false, "");
    AssertDecodes("abc", false, "abc");
    AssertDecodes("orch-1_A.b~", true, "orch-1_A.b~");
    AssertDecodes("a=b&c", false, "a=b&c");
  }

  void testEscapes() {
    AssertDecodes("a%20b", false, "a b");
    AssertDecodes("%41%42%43", false, "ABC");
    AssertDecodes("%4a%4A", false, "JJ");  // hex digits in either case
    AssertDecodes("%2f", false, "/");
    AssertDecodes("%2F%3F%23%26%3D", false, "/?#&=");
    AssertDecodes("100%25", false, "100%");
    AssertDecodes("%C3%A9", false, "\xc3\xa9");
    AssertDecodes("%F0%9F%98%80", false, "\xf0\x9f\x98\x80");
    AssertDecodes("%ff%FE", false, "\xff\xfe");  // bytes, not validated as UTF-8 here
    AssertDecodes("%00", false, std::string("\0", 1));
    AssertDecodes("a%00b", false, std::string("a\0b", 3));
    AssertDecodes("%41", true, "A");  // escape at the very end
  }

  void testPlus() {
    AssertDecodes("a+b", true, "a b");
    AssertDecodes("a+b", false, "a+b");
    AssertDecodes("++", true, "  ");
    AssertDecodes("%2B", true, "+");  // an escaped plus is a plus
    AssertDecodes("%2b", false, "+");
    AssertDecodes("%20+%2B", true, "  +");
  }

  void testBadEscapes() {
    AssertMalformed("%");
    AssertMalformed("%4");
    AssertMalformed("a%");
    AssertMalformed("a%4");
    AssertMalformed("%%");
    AssertMalformed("%%41");
    AssertMalformed("%zz");
    AssertMalformed("%4g");
    AssertMalformed("%g4");
    AssertMalformed("% 1");
    AssertMalformed("%-1");
    AssertMalformed("%+1");
    AssertMalformed("%0x");
    AssertMalformed("ok%2");
    AssertMalformed("%41%");
    AssertMalformed("%u0041");
  }

  void testNoDoubleDecoding() {
    AssertDecodes("%2541", false, "%41");
    AssertDecodes("%252F", true, "%2F");
    AssertDecodes("%2B", true, "+");
  }

  void testEmptyQuery() {
    CPPUNIT_ASSERT(ParseQueryString("").empty());
    CPPUNIT_ASSERT(ParseQueryString("&").empty());
    CPPUNIT_ASSERT(ParseQueryString("&&&").empty());
  }

  void testPairs() {
    CPPUNIT_ASSERT(Pairs({{"a", "1"}, {"b", "two"}}) == Flatten(ParseQueryString("a=1&b=two")));
    CPPUNIT_ASSERT(Pairs({{"a", "1"}, {"b", "2"}}) == Flatten(ParseQueryString("&&a=1&&b=2&")));
    // Only the first '=' separates name and value.
    CPPUNIT_ASSERT(Pairs({{"a", "1=2"}}) == Flatten(ParseQueryString("a=1=2")));
    CPPUNIT_ASSERT(Pairs({{"a", "="}}) == Flatten(ParseQueryString("a==")));
    // ';' is not a separator.
    CPPUNIT_ASSERT(Pairs({{"a", "1;b=2"}}) == Flatten(ParseQueryString("a=1;b=2")));
    // Names are case-sensitive.
    CPPUNIT_ASSERT_EQUAL(std::size_t{2}, ParseQueryString("Limit=1&limit=2").size());
  }

  void testRepeatedKeys() {
    const auto q = ParseQueryString("a=1&b=x&a=2&a=3");
    CPPUNIT_ASSERT_EQUAL(std::size_t{4}, q.size());
    CPPUNIT_ASSERT_EQUAL(std::size_t{3}, q.count("a"));
    std::vector<std::string> values;
    const auto [first, last] = q.equal_range("a");
    for (auto it = first; it != last; ++it) values.push_back(it->second);
    CPPUNIT_ASSERT(std::vector<std::string>({"1", "2", "3"}) == values);
    // Identical repeated pairs are all kept.
    CPPUNIT_ASSERT_EQUAL(std::size_t{2}, ParseQueryString("k=v&k=v").count("k"));
  }

  void testMissingValues() {
    CPPUNIT_ASSERT(Pairs({{"flag", ""}}) == Flatten(ParseQueryString("flag")));
    CPPUNIT_ASSERT(Pairs({{"flag", ""}}) == Flatten(ParseQueryString("flag=")));
    CPPUNIT_ASSERT(Pairs({{"", "v"}}) == Flatten(ParseQueryString("=v")));
    CPPUNIT_ASSERT(Pairs({{"", ""}}) == Flatten(ParseQueryString("=")));
    CPPUNIT_ASSERT(Pairs({{"a", ""}, {"b", "1"}}) == Flatten(ParseQueryString("a&b=1")));
  }

  void testDecodingInQuery() {
    CPPUNIT_ASSERT(Pairs({{"q", "hello world"}}) == Flatten(ParseQueryString("q=hello+world")));
    CPPUNIT_ASSERT(Pairs({{"q", "a+b"}}) == Flatten(ParseQueryString("q=a%2Bb")));
    CPPUNIT_ASSERT(Pairs({{"my key", "a&b=c"}}) == Flatten(ParseQueryString("my+key=a%26b%3Dc")));
    CPPUNIT_ASSERT(Pairs({{"since", "2026-11-23T21:59:06+01:00"}}) ==
                   Flatten(ParseQueryString("since=2026-11-23T21%3A59%3A06%2B01%3A00")));
    // An unescaped '+' in a timestamp offset becomes a space (form rules).
    CPPUNIT_ASSERT(Pairs({{"since", "2026-11-23T21:59:06 01:00"}}) ==
                   Flatten(ParseQueryString("since=2026-11-23T21:59:06+01:00")));
    CPPUNIT_ASSERT(Pairs({{"\xc3\xa9", "\xe2\x82\xac"}}) ==
                   Flatten(ParseQueryString("%C3%A9=%E2%82%AC")));
  }

  void testBadEscapesKeptVerbatim() {
    CPPUNIT_ASSERT(Pairs({{"q", "%zz"}}) == Flatten(ParseQueryString("q=%zz")));
    CPPUNIT_ASSERT(Pairs({{"q", "50%"}}) == Flatten(ParseQueryString("q=50%")));
    CPPUNIT_ASSERT(Pairs({{"%zz", "1"}}) == Flatten(ParseQueryString("%zz=1")));
    // Verbatim means verbatim: '+' is not turned into a space either, and a
    // good escape elsewhere in the same value stays encoded.
    CPPUNIT_ASSERT(Pairs({{"q", "a+b%2"}}) == Flatten(ParseQueryString("q=a+b%2")));
    CPPUNIT_ASSERT(Pairs({{"q", "%41%"}}) == Flatten(ParseQueryString("q=%41%")));
    // A bad name does not spoil a good value, nor the next pair.
    CPPUNIT_ASSERT(Pairs({{"%", "a b"}, {"x", "1"}}) == Flatten(ParseQueryString("%=a+b&x=1")));
  }

  void testQueryParam() {
    Request request;
    request.query = ParseQueryString("limit=5&limit=10&empty=&name=a+b");
    CPPUNIT_ASSERT(request.QueryParam("limit") == std::optional<std::string>("5"));
    CPPUNIT_ASSERT(request.QueryParam("empty") == std::optional<std::string>(""));
    CPPUNIT_ASSERT(request.QueryParam("name") == std::optional<std::string>("a b"));
    CPPUNIT_ASSERT(!request.QueryParam("missing").has_value());
    CPPUNIT_ASSERT(!request.QueryParam("LIMIT").has_value());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(QueryTest);

}  // namespace payments
