#include "http/fields.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include "http/errors.h"
#include "http/json.h"
#include "http/request.h"

namespace payments {
namespace {

std::string FormatNumber(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

std::string TrimSpace(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string TooLongMessage(std::size_t max) {
  return "String should have at most " + std::to_string(max) + " characters";
}

const Json::Value& FieldReader::Raw(const char* field) const {
  static const Json::Value kNull;
  const Json::Value* found = body_.find(field, field + std::char_traits<char>::length(field));
  return found == nullptr ? kNull : *found;
}

bool FieldReader::Has(const char* field) const { return !Raw(field).isNull(); }

void FieldReader::AddError(const std::string& field, const std::string& msg,
                           const std::string& type) {
  errors_.append(ValidationEntry("body", field, msg, type));
}

std::optional<std::string> FieldReader::String(const char* field, bool required, StringRule rule) {
  const Json::Value& value = Raw(field);
  if (value.isNull()) {
    if (required) AddError(field, "Field required", "missing");
    return std::nullopt;
  }
  if (!value.isString()) {
    AddError(field, "Input should be a valid string", "string_type");
    return std::nullopt;
  }
  std::string text = value.asString();
  const std::size_t length = Utf8Length(text);
  if (length < rule.min) {
    AddError(field,
             "String should have at least " + std::to_string(rule.min) +
                 (rule.min == 1 ? " character" : " characters"),
             "string_too_short");
    return std::nullopt;
  }
  if (rule.max > 0 && length > rule.max) {
    AddError(field, TooLongMessage(rule.max), "string_too_long");
    return std::nullopt;
  }
  return text;
}

std::optional<bool> FieldReader::Bool(const char* field) {
  const Json::Value& value = Raw(field);
  if (value.isNull()) return std::nullopt;
  if (!value.isBool()) {
    AddError(field, "Input should be a valid boolean", "bool_type");
    return std::nullopt;
  }
  return value.asBool();
}

std::optional<double> FieldReader::Number(const char* field, double min, double max) {
  const Json::Value& value = Raw(field);
  if (value.isNull()) return std::nullopt;
  if (!value.isNumeric() || value.isBool()) {
    AddError(field, "Input should be a valid number", "float_type");
    return std::nullopt;
  }
  const double number = value.asDouble();
  if (!std::isfinite(number)) {
    AddError(field, "Input should be a finite number", "finite_number");
    return std::nullopt;
  }
  if (number < min) {
    AddError(field, "Input should be greater than or equal to " + FormatNumber(min),
             "greater_than_equal");
    return std::nullopt;
  }
  if (number > max) {
    AddError(field, "Input should be less than or equal to " + FormatNumber(max),
             "less_than_equal");
    return std::nullopt;
  }
  return number;
}

std::optional<Money> FieldReader::Amount(const char* field, bool required) {
  const Json::Value& value = Raw(field);
  if (value.isNull()) {
    if (required) AddError(field, "Field required", "missing");
    return std::nullopt;
  }
  Money amount;
  std::string error;
  if (!Money::FromJson(value, &amount, &error)) {
    AddError(field, error, "decimal_parsing");
    return std::nullopt;
  }
  return amount;
}

std::optional<std::vector<std::string>> FieldReader::StringList(const char* field,
                                                                std::size_t max_items,
                                                                std::size_t max_item_length) {
  const Json::Value& value = Raw(field);
  if (value.isNull()) return std::nullopt;
  if (!value.isArray()) {
    AddError(field, "Input should be a valid list", "list_type");
    return std::nullopt;
  }
  if (value.size() > max_items) {
    AddError(field,
             "List should have at most " + std::to_string(max_items) +
                 " items after validation, not " + std::to_string(value.size()),
             "too_long");
    return std::nullopt;
  }
  std::vector<std::string> items;
  for (Json::ArrayIndex i = 0; i < value.size(); ++i) {
    const Json::Value& item = value[i];
    if (!item.isString()) {
      errors_.append(
          ValidationEntry("body", field, "Input should be a valid string", "string_type"));
      return std::nullopt;
    }
    std::string text = TrimSpace(item.asString());
    if (Utf8Length(text) > max_item_length) {
      AddError(field, TooLongMessage(max_item_length), "string_too_long");
      return std::nullopt;
    }
    if (!text.empty()) items.push_back(std::move(text));
  }
  if (items.empty()) return std::nullopt;
  return items;
}

void FieldReader::Finish() const {
  if (!errors_.empty()) throw ApiError(ErrorKind::kUnprocessable, errors_);
}

std::optional<std::string> QueryReader::String(const char* name) const {
  return request_.QueryParam(name);
}

std::optional<long long> QueryReader::Int(const char* name, long long min, long long max,
                                          std::optional<long long> fallback) {
  const auto text = request_.QueryParam(name);
  if (!text) return fallback;
  long long value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    errors_.append(ValidationEntry("query", name,
                                   "Input should be a valid integer, unable to parse string as an "
                                   "integer",
                                   "int_parsing"));
    return std::nullopt;
  }
  if (value < min) {
    errors_.append(ValidationEntry(
        "query", name, "Input should be greater than or equal to " + std::to_string(min),
        "greater_than_equal"));
    return std::nullopt;
  }
  if (value > max) {
    errors_.append(ValidationEntry("query", name,
                                   "Input should be less than or equal to " + std::to_string(max),
                                   "less_than_equal"));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> QueryReader::Bool(const char* name, bool fallback) {
  const auto text = request_.QueryParam(name);
  if (!text) return fallback;
  std::string lower;
  for (char c : *text)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  errors_.append(ValidationEntry(
      "query", name, "Input should be a valid boolean, unable to interpret input", "bool_parsing"));
  return std::nullopt;
}

void QueryReader::Finish() const {
  if (!errors_.empty()) throw ApiError(ErrorKind::kUnprocessable, errors_);
}

}  // namespace payments
