// JSON in and out: strict request-body parsing (UTF-8 checked, depth
// limited, duplicate keys refused, nothing after the value) and compact
// serialisation. All functions are thread-safe.
#pragma once

#include <json/value.h>

#include <optional>
#include <string>
#include <string_view>

namespace payments {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates,
// nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);
// Number of code points in a valid UTF-8 string.
std::size_t Utf8Length(std::string_view text);

// Parses a request body that must be a JSON object. Throws ApiError 422 with
// loc ["body"] for invalid UTF-8, malformed JSON, too deep nesting, or a
// non-object. An empty body is treated as malformed.
Json::Value ParseJsonObject(std::string_view body);

// The value, or JSON null when absent.
Json::Value JsonOrNull(const std::optional<std::string>& value);
Json::Value JsonOrNull(const std::optional<double>& value);

// Compact JSON text, UTF-8 emitted as is.
std::string ToJson(const Json::Value& value);

}  // namespace payments
