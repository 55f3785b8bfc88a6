// Unit tests for fcgi_app/http/fields.h: FieldReader (JSON body fields) and
// QueryReader (query parameters), including the 422 entries they collect.

#include "http/fields.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <json/json.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "http/errors.h"
#include "http/json.h"
#include "http/query.h"
#include "http/request.h"

namespace payments {
namespace {

struct Entry {
  std::string where;
  std::string field;
  std::string msg;
  std::string type;
};

// The entries a reader's Finish() throws (empty if it does not throw).
template <typename Reader>
std::vector<Entry> Errors(const Reader& reader) {
  std::vector<Entry> out;
  try {
    reader.Finish();
  } catch (const ApiError& e) {
    CPPUNIT_ASSERT_EQUAL(422, e.status());
    CPPUNIT_ASSERT(e.detail().isArray());
    for (const Json::Value& entry : e.detail()) {
      CPPUNIT_ASSERT_EQUAL(Json::ArrayIndex{2}, entry["loc"].size());
      out.push_back({entry["loc"][0].asString(), entry["loc"][1].asString(),
                     entry["msg"].asString(), entry["type"].asString()});
    }
    CPPUNIT_ASSERT_MESSAGE("Finish threw an empty list", !out.empty());
  }
  return out;
}

void AssertOneError(const std::vector<Entry>& errors, const std::string& where,
                    const std::string& field, const std::string& type,
                    const std::string& msg = "") {
  CPPUNIT_ASSERT_EQUAL_MESSAGE("number of errors for " + field, std::size_t{1}, errors.size());
  CPPUNIT_ASSERT_EQUAL(where, errors[0].where);
  CPPUNIT_ASSERT_EQUAL(field, errors[0].field);
  CPPUNIT_ASSERT_EQUAL(type, errors[0].type);
  if (!msg.empty()) CPPUNIT_ASSERT_EQUAL(msg, errors[0].msg);
}

Json::Value Body(const std::string& text) { return ParseJsonObject(text); }

Request WithQuery(const std::string& query) {
  Request request;
  request.method = "GET";
  request.path = "/api/x";
  request.query = ParseQueryString(query);
  return request;
}

}  // namespace

class FieldsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(FieldsTest);
  CPPUNIT_TEST(testStringPresent);
  CPPUNIT_TEST(testStringMissing);
  CPPUNIT_TEST(testStringWrongType);
  CPPUNIT_TEST(testStringLengthInCodePoints);
  CPPUNIT_TEST(testBool);
  CPPUNIT_TEST(testNumber);
  CPPUNIT_TEST(testNumberOverflowRefusedByParser);
  CPPUNIT_TEST(testAmount);
  CPPUNIT_TEST(testStringList);
  CPPUNIT_TEST(testStringListErrors);
  CPPUNIT_TEST(testRawAndHas);
  CPPUNIT_TEST(testErrorsAreCollected);
  CPPUNIT_TEST(testTooLongMessage);
  CPPUNIT_TEST(testQueryInt);
  CPPUNIT_TEST(testQueryBool);
  CPPUNIT_TEST(testQueryStringAndRepeats);
  CPPUNIT_TEST(testQueryErrorsAreCollected);
  CPPUNIT_TEST_SUITE_END();

 public:
  void testStringPresent() {
    const Json::Value body = Body(R"({"id":"orch-1","empty":"","sp":"  padded  "})");
    FieldReader reader(body);
    CPPUNIT_ASSERT(reader.String("id", true, {1, 128}) == std::optional<std::string>("orch-1"));
    CPPUNIT_ASSERT(reader.String("empty", false, {0, 10}) == std::optional<std::string>(""));
    // Strings are returned as sent (no trimming here).
    CPPUNIT_ASSERT(reader.String("sp", false, {0, 0}) == std::optional<std::string>("  padded  "));
    CPPUNIT_ASSERT(reader.ok());
    CPPUNIT_ASSERT(Errors(reader).empty());
  }

  void testStringMissing() {
    const Json::Value body = Body(R"({"nil":null})");
    {
      FieldReader reader(body);
      CPPUNIT_ASSERT(!reader.String("absent", false, {1, 10}).has_value());
      CPPUNIT_ASSERT(!reader.String("nil", false, {1, 10}).has_value());
      CPPUNIT_ASSERT(reader.ok());  // optional and absent is fine
    }
    for (const char* field : {"absent", "nil"}) {
      FieldReader reader(body);
      CPPUNIT_ASSERT(!reader.String(field, true, {1, 10}).has_value());
      CPPUNIT_ASSERT(!reader.ok());
      AssertOneError(Errors(reader), "body", field, "missing", "Field required");
    }
  }

  void testStringWrongType() {
    for (const char* literal :
         {"1", "1.5", "true", "false", "[]", "[\"x\"]", "{}", "{\"a\":\"b\"}"}) {
      const Json::Value body = Body(std::string("{\"f\":") + literal + "}");
      FieldReader reader(body);
      CPPUNIT_ASSERT_MESSAGE(literal, !reader.String("f", false, {0, 0}).has_value());
      AssertOneError(Errors(reader), "body", "f", "string_type", "Input should be a valid string");
    }
  }

  void testStringLengthInCodePoints() {
    // Three 3-byte characters are three characters.
    Json::Value body = Body("{\"f\":\"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\"}");
    {
      FieldReader reader(body);
      CPPUNIT_ASSERT(reader.String("f", true, {3, 3}).has_value());
      CPPUNIT_ASSERT(reader.ok());
    }
    {
      FieldReader reader(body);
      CPPUNIT_ASSERT(!reader.String("f", true, {0, 2}).has_value());
      AssertOneError(Errors(reader), "body", "f", "string_too_long",
                     "String should have at most 2 characters");
    }
    {
      FieldReader reader(body);
      CPPUNIT_ASSERT(!reader.String("f", true, {4, 10}).has_value());
      AssertOneError(Errors(reader), "body", "f", "string_too_short",
                     "String should have at least 4 characters");
    }
    // Emoji count once each; 128 of them fit a 128-character limit.
    std::string emoji;
    for (int i = 0; i < 128; ++i) emoji += "\xf0\x9f\x98\x80";
    body = Body("{\"f\":\"" + emoji + "\",\"g\":\"" + emoji + "x\"}");
    {
      FieldReader reader(body);
      CPPUNIT_ASSERT(reader.String("f", true, {1, 128}).has_value());
      CPPUNIT_ASSERT(!reader.String("g", true, {1, 128}).has_value());
      AssertOneError(Errors(reader), "body", "g", "string_too_long",
                     "String should have at most 128 characters");
    }
    // The empty string against min 1: singular wording.
    body = Body(R"({"f":""})");
    {
      FieldReader reader(body);
      CPPUNIT_ASSERT(!reader.String("f", true, {1, 128}).has_value());
      AssertOneError(Errors(reader), "body", "f", "string_too_short",
                     "String should have at least 1 character");
    }
    // max 0 means no upper limit.
    body = Body("{\"f\":\"" + std::string(100000, 'x') + "\"}");
    {
      FieldReader reader(body);
      CPPUNIT_ASSERT(reader.String("f", true, {0, 0}).has_value());
      CPPUNIT_ASSERT(reader.ok());
    }
    // Exactly at the limits.
    body = Body(R"({"f":"abcd"})");
    {
      FieldReader reader(body);
      CPPUNIT_ASSERT(reader.String("f", true, {4, 4}).has_value());
      CPPUNIT_ASSERT(reader.ok());
    }
  }

  void testBool() {
    const Json::Value body =
        Body(R"({"t":true,"f":false,"nil":null,"s":"true","one":1,"zero":0,"l":[true]})");
    FieldReader reader(body);
    CPPUNIT_ASSERT(reader.Bool("t") == std::optional<bool>(true));
    CPPUNIT_ASSERT(reader.Bool("f") == std::optional<bool>(false));
    CPPUNIT_ASSERT(!reader.Bool("nil").has_value());
    CPPUNIT_ASSERT(!reader.Bool("absent").has_value());
    CPPUNIT_ASSERT(reader.ok());
    for (const char* field : {"s", "one", "zero", "l"}) {
      FieldReader bad(body);
      CPPUNIT_ASSERT_MESSAGE(field, !bad.Bool(field).has_value());
      AssertOneError(Errors(bad), "body", field, "bool_type", "Input should be a valid boolean");
    }
  }

  void testNumber() {
    const Json::Value body =
        Body(R"({"int":5,"neg":-1,"frac":0.1,"min":0.1,"max":60,"low":0.09,"high":60.0001,)"
             R"("big":1e300,"s":"5","b":true,"l":[1],"o":{},"nil":null,"u":18446744073709551615})");
    FieldReader reader(body);
    CPPUNIT_ASSERT(reader.Number("int", 0, 100) == std::optional<double>(5.0));
    CPPUNIT_ASSERT(reader.Number("neg", -1, 0) == std::optional<double>(-1.0));
    CPPUNIT_ASSERT(reader.Number("frac", 0, 1) == std::optional<double>(0.1));
    // Bounds are inclusive.
    CPPUNIT_ASSERT(reader.Number("min", 0.1, 60) == std::optional<double>(0.1));
    CPPUNIT_ASSERT(reader.Number("max", 0.1, 60) == std::optional<double>(60.0));
    CPPUNIT_ASSERT(reader.Number("u", 0, 1e20) == std::optional<double>(18446744073709551615.0));
    CPPUNIT_ASSERT(!reader.Number("nil", 0, 1).has_value());
    CPPUNIT_ASSERT(!reader.Number("absent", 0, 1).has_value());
    CPPUNIT_ASSERT(reader.ok());

    {
      FieldReader r(body);
      CPPUNIT_ASSERT(!r.Number("low", 0.1, 60).has_value());
      AssertOneError(Errors(r), "body", "low", "greater_than_equal",
                     "Input should be greater than or equal to 0.1");
    }
    {
      FieldReader r(body);
      CPPUNIT_ASSERT(!r.Number("high", 0.1, 60).has_value());
      AssertOneError(Errors(r), "body", "high", "less_than_equal",
                     "Input should be less than or equal to 60");
    }
    {
      FieldReader r(body);
      CPPUNIT_ASSERT(!r.Number("big", 0, 100).has_value());
      AssertOneError(Errors(r), "body", "big", "less_than_equal",
                     "Input should be less than or equal to 100");
    }
    for (const char* field : {"s", "b", "l", "o"}) {
      FieldReader r(body);
      CPPUNIT_ASSERT_MESSAGE(field, !r.Number(field, 0, 100).has_value());
      AssertOneError(Errors(r), "body", field, "float_type", "Input should be a valid number");
    }
  }

  // Infinity cannot reach Number() through a request body: the parser
  // refuses both the literal and numbers that overflow a double.
  void testNumberOverflowRefusedByParser() {
    for (const char* text : {R"({"n":1e999})", R"({"n":-1e999})", R"({"n":Infinity})"}) {
      CPPUNIT_ASSERT_THROW_MESSAGE(text, Body(text), ApiError);
    }
    // Built directly, a non-finite value is still refused.
    Json::Value body(Json::objectValue);
    body["inf"] = std::numeric_limits<double>::infinity();
    body["nan"] = std::numeric_limits<double>::quiet_NaN();
    for (const char* field : {"inf", "nan"}) {
      FieldReader r(body);
      CPPUNIT_ASSERT_MESSAGE(field, !r.Number(field, -1e308, 1e308).has_value());
      AssertOneError(Errors(r), "body", field, "finite_number", "Input should be a finite number");
    }
  }

  void testAmount() {
    const Json::Value body =
        Body(R"({"s":"0.00001606079","n":0.5,"e":"1e-5","en":1e-18,"i":3,"z":"0","neg":"-0.1",)"
             R"("nil":null})");
    FieldReader reader(body);
    CPPUNIT_ASSERT_EQUAL(std::string("0.00001606079"), reader.Amount("s", true)->ToString());
    CPPUNIT_ASSERT_EQUAL(std::string("0.5"), reader.Amount("n", true)->ToString());
    CPPUNIT_ASSERT_EQUAL(std::string("0.00001"), reader.Amount("e", true)->ToString());
    CPPUNIT_ASSERT_EQUAL(std::string("0.000000000000000001"),
                         reader.Amount("en", true)->ToString());
    CPPUNIT_ASSERT_EQUAL(std::string("3"), reader.Amount("i", true)->ToString());
    CPPUNIT_ASSERT_EQUAL(std::string("0"), reader.Amount("z", true)->ToString());
    CPPUNIT_ASSERT_EQUAL(std::string("-0.1"), reader.Amount("neg", true)->ToString());
    CPPUNIT_ASSERT(!reader.Amount("nil", false).has_value());
    CPPUNIT_ASSERT(!reader.Amount("absent", false).has_value());
    CPPUNIT_ASSERT(reader.ok());

    for (const char* field : {"nil", "absent"}) {
      FieldReader r(body);
      CPPUNIT_ASSERT(!r.Amount(field, true).has_value());
      AssertOneError(Errors(r), "body", field, "missing", "Field required");
    }
    const Json::Value bad =
        Body(R"({"word":"abc","places":"1e-19","range":"1e20","digits":0.30000000000000004,)"
             R"("bool":true,"list":["1"],"blank":"","spaced":" 1"})");
    const struct {
      const char* field;
      const char* msg;
    } kCases[] = {
        {"word", "Invalid decimal"},
        {"places", "Too many decimal places (max 18)"},
        {"range", "Amount out of range"},
        {"digits", "Number has more than 15 significant digits; send the amount as a string"},
        {"bool", "Amount must be a decimal string or number"},
        {"list", "Amount must be a decimal string or number"},
        {"blank", "Invalid decimal"},
        {"spaced", "Invalid decimal"},
    };
    for (const auto& c : kCases) {
      FieldReader r(bad);
      CPPUNIT_ASSERT_MESSAGE(c.field, !r.Amount(c.field, true).has_value());
      AssertOneError(Errors(r), "body", c.field, "decimal_parsing", c.msg);
    }
  }

  void testStringList() {
    const Json::Value body =
        Body(R"({"l":[" a ","b","","  ","\tc\n"],"empty":[],"blank":[""," ","\t"],"nil":null,)"
             R"("dups":["x","x"]})");
    FieldReader reader(body);
    const auto l = reader.StringList("l", 25, 10);
    CPPUNIT_ASSERT(l.has_value());
    CPPUNIT_ASSERT(std::vector<std::string>({"a", "b", "c"}) == *l);
    // An empty result means "not given".
    CPPUNIT_ASSERT(!reader.StringList("empty", 25, 10).has_value());
    CPPUNIT_ASSERT(!reader.StringList("blank", 25, 10).has_value());
    CPPUNIT_ASSERT(!reader.StringList("nil", 25, 10).has_value());
    CPPUNIT_ASSERT(!reader.StringList("absent", 25, 10).has_value());
    CPPUNIT_ASSERT(std::vector<std::string>({"x", "x"}) == *reader.StringList("dups", 25, 10));
    CPPUNIT_ASSERT(reader.ok());

    // 25 items are allowed, 26 are not, even when some are blank.
    std::string items25;
    for (int i = 0; i < 25; ++i)
      items25 += std::string(i == 0 ? "" : ",") + "\"s" + std::to_string(i) + "\"";
    const Json::Value edge = Body("{\"ok\":[" + items25 + "],\"over\":[" + items25 + ",\"\"]}");
    FieldReader r(edge);
    CPPUNIT_ASSERT_EQUAL(std::size_t{25}, r.StringList("ok", 25, 10)->size());
    CPPUNIT_ASSERT(!r.StringList("over", 25, 10).has_value());
    AssertOneError(Errors(r), "body", "over", "too_long",
                   "List should have at most 25 items after validation, not 26");
  }

  void testStringListErrors() {
    const Json::Value body = Body(
        R"({"s":"a,b","n":1,"o":{},"mixed":["a",1],"nested":[["a"]],"nulls":["a",null],)"
        R"("long":["abcdefghijk"],"trimmed":["  abcdefghij  "],"utf":["\u20ac\u20ac\u20ac"]})");
    for (const char* field : {"s", "n", "o"}) {
      FieldReader r(body);
      CPPUNIT_ASSERT_MESSAGE(field, !r.StringList(field, 25, 10).has_value());
      AssertOneError(Errors(r), "body", field, "list_type", "Input should be a valid list");
    }
    for (const char* field : {"mixed", "nested", "nulls"}) {
      FieldReader r(body);
      CPPUNIT_ASSERT_MESSAGE(field, !r.StringList(field, 25, 10).has_value());
      AssertOneError(Errors(r), "body", field, "string_type", "Input should be a valid string");
    }
    {
      FieldReader r(body);
      CPPUNIT_ASSERT(!r.StringList("long", 25, 10).has_value());
      AssertOneError(Errors(r), "body", "long", "string_too_long",
                     "String should have at most 10 characters");
    }
    {
      // The length limit applies after trimming, in code points.
      FieldReader r(body);
      CPPUNIT_ASSERT(std::vector<std::string>({"abcdefghij"}) == *r.StringList("trimmed", 25, 10));
      CPPUNIT_ASSERT(r.StringList("utf", 25, 3).has_value());
      CPPUNIT_ASSERT(r.ok());
    }
  }

  void testRawAndHas() {
    const Json::Value body = Body(R"({"a":1,"nil":null,"s":"x"})");
    const FieldReader reader(body);
    CPPUNIT_ASSERT(reader.Has("a"));
    CPPUNIT_ASSERT(reader.Has("s"));
    CPPUNIT_ASSERT(!reader.Has("nil"));
    CPPUNIT_ASSERT(!reader.Has("absent"));
    CPPUNIT_ASSERT_EQUAL(1, reader.Raw("a").asInt());
    CPPUNIT_ASSERT(reader.Raw("absent").isNull());
    CPPUNIT_ASSERT(reader.Raw("nil").isNull());
    // Field names are exact.
    CPPUNIT_ASSERT(!reader.Has("A"));
  }

  void testErrorsAreCollected() {
    const Json::Value body = Body(R"({"id":"","address":5,"ok":"yes","n":-1})");
    FieldReader reader(body);
    reader.String("id", true, {1, 128});
    reader.String("address", true, {0, 42});
    reader.String("missing", true, {0, 1});
    reader.Bool("ok");
    reader.Number("n", 0, 100);
    reader.AddError("custom", "Value error, bad", "value_error");
    const std::vector<Entry> errors = Errors(reader);
    CPPUNIT_ASSERT_EQUAL(std::size_t{6}, errors.size());
    const char* fields[] = {"id", "address", "missing", "ok", "n", "custom"};
    const char* types[] = {"string_too_short", "string_type",        "missing",
                           "bool_type",        "greater_than_equal", "value_error"};
    for (std::size_t i = 0; i < errors.size(); ++i) {
      CPPUNIT_ASSERT_EQUAL(std::string("body"), errors[i].where);
      CPPUNIT_ASSERT_EQUAL(std::string(fields[i]), errors[i].field);
      CPPUNIT_ASSERT_EQUAL(std::string(types[i]), errors[i].type);
    }
    CPPUNIT_ASSERT_EQUAL(std::string("Value error, bad"), errors[5].msg);
  }

  void testTooLongMessage() {
    CPPUNIT_ASSERT_EQUAL(std::string("String should have at most 128 characters"),
                         TooLongMessage(128));
    CPPUNIT_ASSERT_EQUAL(std::string("String should have at most 0 characters"), TooLongMessage(0));
  }

  void testQueryInt() {
    const Request request = WithQuery(
        "limit=50&neg=-5&zero=0&max=100&over=101&bad=abc&mixed=10abc&empty="
        "&huge=99999999999999999999&frac=1.5&hex=0x10&exp=1e3");
    {
      QueryReader q(request);
      CPPUNIT_ASSERT(q.Int("limit", 1, 100, 20) == std::optional<long long>(50));
      CPPUNIT_ASSERT(q.Int("absent", 1, 100, 20) == std::optional<long long>(20));
      CPPUNIT_ASSERT(!q.Int("absent", 1, 100, std::nullopt).has_value());
      CPPUNIT_ASSERT(q.Int("neg", -5, 5, 0) == std::optional<long long>(-5));
      CPPUNIT_ASSERT(q.Int("zero", 0, 0, 9) == std::optional<long long>(0));
      CPPUNIT_ASSERT(q.Int("max", 1, 100, 20) == std::optional<long long>(100));
      CPPUNIT_ASSERT(Errors(q).empty());
    }
    {
      QueryReader q(request);
      CPPUNIT_ASSERT(!q.Int("over", 1, 100, 20).has_value());
      AssertOneError(Errors(q), "query", "over", "less_than_equal",
                     "Input should be less than or equal to 100");
    }
    {
      QueryReader q(request);
      CPPUNIT_ASSERT(!q.Int("neg", 0, 100, 20).has_value());
      AssertOneError(Errors(q), "query", "neg", "greater_than_equal",
                     "Input should be greater than or equal to 0");
    }
    for (const char* name : {"bad", "mixed", "empty", "huge", "frac", "hex", "exp"}) {
      QueryReader q(request);
      CPPUNIT_ASSERT_MESSAGE(name, !q.Int(name, 0, 1000, 20).has_value());
      AssertOneError(Errors(q), "query", name, "int_parsing",
                     "Input should be a valid integer, unable to parse string as an integer");
    }
  }

  void testQueryBool() {
    const Request request =
        WithQuery("a=true&b=TRUE&c=1&d=yes&e=On&f=false&g=False&h=0&i=no&j=OFF&k=maybe&l=&m=2&n=t");
    QueryReader q(request);
    for (const char* name : {"a", "b", "c", "d", "e"}) {
      CPPUNIT_ASSERT_MESSAGE(name, q.Bool(name, false) == std::optional<bool>(true));
    }
    for (const char* name : {"f", "g", "h", "i", "j"}) {
      CPPUNIT_ASSERT_MESSAGE(name, q.Bool(name, true) == std::optional<bool>(false));
    }
    CPPUNIT_ASSERT(q.Bool("absent", true) == std::optional<bool>(true));
    CPPUNIT_ASSERT(q.Bool("absent", false) == std::optional<bool>(false));
    CPPUNIT_ASSERT(Errors(q).empty());
    for (const char* name : {"k", "l", "m", "n"}) {
      QueryReader bad(request);
      CPPUNIT_ASSERT_MESSAGE(name, !bad.Bool(name, true).has_value());
      AssertOneError(Errors(bad), "query", name, "bool_parsing",
                     "Input should be a valid boolean, unable to interpret input");
    }
  }

  void testQueryStringAndRepeats() {
    const Request request = WithQuery("since=2026-01-01&limit=5&limit=oops&name=a+b");
    QueryReader q(request);
    CPPUNIT_ASSERT(q.String("since") == std::optional<std::string>("2026-01-01"));
    CPPUNIT_ASSERT(q.String("name") == std::optional<std::string>("a b"));
    CPPUNIT_ASSERT(!q.String("absent").has_value());
    // The first of repeated parameters is the one used.
    CPPUNIT_ASSERT(q.Int("limit", 1, 10, 3) == std::optional<long long>(5));
    CPPUNIT_ASSERT(Errors(q).empty());
  }

  void testQueryErrorsAreCollected() {
    const Request request = WithQuery("limit=0&active=perhaps&offset=x");
    QueryReader q(request);
    q.Int("limit", 1, 500, 100);
    q.Bool("active", false);
    q.Int("offset", 0, 1000000, 0);
    const std::vector<Entry> errors = Errors(q);
    CPPUNIT_ASSERT_EQUAL(std::size_t{3}, errors.size());
    CPPUNIT_ASSERT_EQUAL(std::string("limit"), errors[0].field);
    CPPUNIT_ASSERT_EQUAL(std::string("greater_than_equal"), errors[0].type);
    CPPUNIT_ASSERT_EQUAL(std::string("active"), errors[1].field);
    CPPUNIT_ASSERT_EQUAL(std::string("bool_parsing"), errors[1].type);
    CPPUNIT_ASSERT_EQUAL(std::string("offset"), errors[2].field);
    CPPUNIT_ASSERT_EQUAL(std::string("int_parsing"), errors[2].type);
    for (const Entry& e : errors) CPPUNIT_ASSERT_EQUAL(std::string("query"), e.where);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(FieldsTest);

}  // namespace payments
