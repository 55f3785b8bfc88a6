// A strict RFC 8259 syntax check for request bodies, run before jsoncpp
// builds the value. jsoncpp's strict mode still accepts comments, raw control
// characters in strings, numbers with leading zeros, bytes after a NUL and
// unpaired surrogate escapes; this check refuses all of them. It only
// validates — the parsing stays jsoncpp's. Pure function, thread-safe.
#pragma once

#include <string_view>

namespace payments {

enum class JsonSyntax {
  kValid,
  kMalformed,     // not RFC 8259 JSON, or nested deeper than allowed
  kBadSurrogate,  // well-formed, but a \u escape is an unpaired surrogate
};

// Whether `text` is exactly one JSON value (surrounded by optional
// whitespace) whose arrays and objects nest at most `max_depth` deep.
JsonSyntax CheckJsonSyntax(std::string_view text, int max_depth);

}  // namespace payments
