#include "http/json.h"

#include <json/reader.h>
#include <json/writer.h>

#include <memory>
#include <sstream>

#include "http/errors.h"
#include "http/json_syntax.h"

namespace payments {
namespace {

// Deep enough for any real request, shallow enough that a hostile body
// cannot exhaust the stack.
constexpr int kMaxDepth = 64;

Json::CharReader& StrictReader() {
  thread_local std::unique_ptr<Json::CharReader> reader = [] {
    Json::CharReaderBuilder builder;
    Json::CharReaderBuilder::strictMode(&builder.settings_);
    builder.settings_["stackLimit"] = kMaxDepth;
    builder.settings_["allowSpecialFloats"] = false;
    return std::unique_ptr<Json::CharReader>(builder.newCharReader());
  }();
  return *reader;
}

// Decoded strings may still hold invalid UTF-8 via lone-surrogate escapes.
bool StringsAreUtf8(const Json::Value& value) {
  if (value.isString()) {
    const char* begin = nullptr;
    const char* end = nullptr;
    value.getString(&begin, &end);
    return IsValidUtf8(std::string_view(begin, static_cast<std::size_t>(end - begin)));
  }
  if (value.isObject()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!IsValidUtf8(it.name()) || !StringsAreUtf8(*it)) return false;
    }
  } else if (value.isArray()) {
    for (const Json::Value& item : value) {
      if (!StringsAreUtf8(item)) return false;
    }
  }
  return true;
}

[[noreturn]] void ThrowBody(const std::string& msg, const std::string& type) {
  ThrowValidation("body", "", msg, type);
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned int cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (s[i + k] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::size_t Utf8Length(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0u) != 0x80u) ++count;
  }
  return count;
}

Json::Value ParseJsonObject(std::string_view body) {
  if (!IsValidUtf8(body)) ThrowBody("Request body is not valid UTF-8", "unicode_error");
  switch (CheckJsonSyntax(body, kMaxDepth)) {
    case JsonSyntax::kMalformed:
      ThrowBody("Request body is not valid JSON", "json_invalid");
    case JsonSyntax::kBadSurrogate:
      ThrowBody("Request body is not valid UTF-8", "unicode_error");
    case JsonSyntax::kValid:
      break;
  }
  Json::Value root;
  std::string errors;
  bool ok = false;
  try {
    ok = StrictReader().parse(body.data(), body.data() + body.size(), &root, &errors);
  } catch (const std::exception&) {
    ok = false;  // jsoncpp throws when the nesting limit is exceeded
  }
  if (!ok) ThrowBody("Request body is not valid JSON", "json_invalid");
  if (!root.isObject()) ThrowBody("Request body must be a JSON object", "model_attributes_type");
  if (!StringsAreUtf8(root)) ThrowBody("Request body is not valid UTF-8", "unicode_error");
  return root;
}

Json::Value JsonOrNull(const std::optional<std::string>& value) {
  return value ? Json::Value(*value) : Json::Value();
}

Json::Value JsonOrNull(const std::optional<double>& value) {
  return value ? Json::Value(*value) : Json::Value();
}

std::string ToJson(const Json::Value& value) {
  thread_local std::unique_ptr<Json::StreamWriter> writer = [] {
    Json::StreamWriterBuilder builder;
    builder["indentation"] = "";
    builder["emitUTF8"] = true;
    builder["precision"] = 15;
    return std::unique_ptr<Json::StreamWriter>(builder.newStreamWriter());
  }();
  std::ostringstream out;
  writer->write(value, &out);
  return out.str();
}

}  // namespace payments
