// FieldReader: reads the fields of a JSON request body (or query string)
// against their declared types and limits, collecting every problem as a
// 422 entry (`{"loc": ["body", field], "msg", "type"}`, pydantic's wording)
// instead of stopping at the first. Call Finish() to throw them. One per
// request; not thread-safe.
#pragma once

#include <json/value.h>

#include <optional>
#include <string>
#include <vector>

#include "domain/money.h"
#include "http/request.h"

namespace payments {

struct StringRule {
  std::size_t min = 0;
  std::size_t max = 0;  // code points
};

class FieldReader {
 public:
  explicit FieldReader(const Json::Value& body) : body_(body) {}

  // A string field. Missing (or null) and required: "missing". Wrong type:
  // "string_type". Length outside the rule: string_too_short/long. Returns
  // nullopt whenever the value is absent or invalid.
  std::optional<std::string> String(const char* field, bool required, StringRule rule);
  std::optional<bool> Bool(const char* field);
  // A JSON number (not a string) within [min, max].
  std::optional<double> Number(const char* field, double min, double max);
  // An amount (API.md: a decimal string or a JSON number). Missing and
  // required: "missing"; unparsable or out of range: "decimal_parsing".
  std::optional<Money> Amount(const char* field, bool required);
  // A list of strings: items trimmed, empty items dropped; more than
  // max_items raw items is "too_long". An empty result is nullopt.
  std::optional<std::vector<std::string>> StringList(const char* field, std::size_t max_items,
                                                     std::size_t max_item_length);

  // The raw value of a field, or null.
  const Json::Value& Raw(const char* field) const;
  bool Has(const char* field) const;

  void AddError(const std::string& field, const std::string& msg, const std::string& type);
  bool ok() const { return errors_.empty(); }
  // Throws ApiError 422 with every collected entry, if any.
  void Finish() const;

 private:
  const Json::Value& body_;
  Json::Value errors_{Json::arrayValue};
};

// Query-string counterpart with loc ["query", name].
class QueryReader {
 public:
  explicit QueryReader(const Request& request) : request_(request) {}
  // An integer in [min, max]; fallback when absent.
  std::optional<long long> Int(const char* name, long long min, long long max,
                               std::optional<long long> fallback);
  // true/false/1/0/yes/no/on/off; fallback when absent.
  std::optional<bool> Bool(const char* name, bool fallback);
  std::optional<std::string> String(const char* name) const;
  void Finish() const;

 private:
  const Request& request_;
  Json::Value errors_{Json::arrayValue};
};

// `text` without leading and trailing spaces, tabs and line breaks.
std::string TrimSpace(const std::string& text);

// "String should have at most 128 characters" and friends.
std::string TooLongMessage(std::size_t max);

}  // namespace payments
