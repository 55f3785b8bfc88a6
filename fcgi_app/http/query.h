// URL decoding for paths and query strings (application/x-www-form-urlencoded
// rules for queries: '+' is a space). Pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace payments {

// Percent-decodes `text`; returns nullopt on a malformed escape. With
// plus_as_space, '+' decodes to ' '.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);

// Parses "a=1&b=two". Malformed escapes are kept verbatim so that the
// handler's own validation can reject the value.
std::multimap<std::string, std::string> ParseQueryString(std::string_view query);

}  // namespace payments
