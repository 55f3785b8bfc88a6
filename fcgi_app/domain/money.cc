#include "domain/money.h"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace payments {
namespace {

__extension__ using UnsignedUnits = unsigned __int128;

constexpr char kInvalidDecimal[] = "Invalid decimal";
constexpr char kTooManyPlaces[] = "Too many decimal places (max 18)";
constexpr char kOutOfRange[] = "Amount out of range";
constexpr char kWrongJsonType[] = "Amount must be a decimal string or number";
constexpr char kNotFinite[] = "Amount must be a finite number";
constexpr char kTooManySignificant[] =
    "Number has more than 15 significant digits; send the amount as a string";

// |value| < 10^kMaxIntegerDigits.
constexpr int64_t kMaxIntegerDigits = 20;
// A JSON number's shortest round-trip form may carry at most this many
// significant digits (every such decimal survives a trip through a double).
constexpr int kMaxJsonSignificantDigits = 15;
// Exponents are saturated at this magnitude while being read: anything near it
// fails the range/scale checks anyway, and int64 arithmetic stays safe.
constexpr int64_t kExponentCap = 1'000'000'000'000;

bool Fail(std::string* error, const char* message) {
  if (error != nullptr) {
    *error = message;
  }
  return false;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Position of the first non-digit in text at or after pos.
size_t SkipDigits(std::string_view text, size_t pos) {
  while (pos < text.size() && IsDigit(text[pos])) {
    ++pos;
  }
  return pos;
}

// Significant digits of a std::to_chars rendering ("1.25e-07", "1e+03",
// "-0e+00"): mantissa digits without leading or trailing zeros.
int SignificantDigits(std::string_view text) {
  const size_t e = text.find_first_of("eE");
  const std::string_view mantissa = text.substr(0, e);
  std::string digits;
  for (const char c : mantissa) {
    if (IsDigit(c)) {
      digits.push_back(c);
    }
  }
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    return 0;
  }
  const size_t last = digits.find_last_not_of('0');
  return static_cast<int>(last - first + 1);
}

}  // namespace

bool Money::Parse(std::string_view text, Money* out, std::string* error) {
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) {
    negative = text[pos] == '-';
    ++pos;
  }

  const size_t int_end = SkipDigits(text, pos);
  const std::string_view int_digits = text.substr(pos, int_end - pos);
  pos = int_end;

  std::string_view frac_digits;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t frac_end = SkipDigits(text, pos);
    frac_digits = text.substr(pos, frac_end - pos);
    pos = frac_end;
  }
  if (int_digits.empty() && frac_digits.empty()) {
    return Fail(error, kInvalidDecimal);
  }

  int64_t exponent = 0;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    bool exponent_negative = false;
    if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) {
      exponent_negative = text[pos] == '-';
      ++pos;
    }
    const size_t exp_end = SkipDigits(text, pos);
    if (exp_end == pos) {
      return Fail(error, kInvalidDecimal);
    }
    for (; pos < exp_end; ++pos) {
      if (exponent < kExponentCap) {
        exponent = exponent * 10 + (text[pos] - '0');
      }
    }
    if (exponent_negative) {
      exponent = -exponent;
    }
  }
  if (pos != text.size()) {
    return Fail(error, kInvalidDecimal);
  }

  // The value is D * 10^(exponent - |frac_digits|) where D is the digit
  // sequence int_digits ++ frac_digits. Trim D to its significant digits.
  const size_t total = int_digits.size() + frac_digits.size();
  const auto digit_at = [&](size_t i) {
    return i < int_digits.size() ? int_digits[i] : frac_digits[i - int_digits.size()];
  };
  size_t first = 0;
  while (first < total && digit_at(first) == '0') {
    ++first;
  }
  if (first == total) {
    *out = Money();
    return true;
  }
  size_t last = total - 1;
  while (digit_at(last) == '0') {
    --last;
  }

  // value = D[first..last] * 10^power, with D[first..last] free of leading
  // and trailing zeros, so the checks below are exact.
  const auto significant = static_cast<int64_t>(last - first + 1);
  const int64_t power =
      exponent - static_cast<int64_t>(frac_digits.size()) + static_cast<int64_t>(total - 1 - last);
  if (significant + power > kMaxIntegerDigits) {
    return Fail(error, kOutOfRange);
  }
  if (power < -kScale) {
    return Fail(error, kTooManyPlaces);
  }

  // Now significant + power + kScale <= 38 digits: fits below 10^38.
  Units units = 0;
  for (size_t i = first; i <= last; ++i) {
    units = units * 10 + (digit_at(i) - '0');
  }
  for (int64_t i = 0; i < power + kScale; ++i) {
    units *= 10;
  }
  *out = Money(negative ? -units : units);
  return true;
}

bool Money::FromJson(const Json::Value& value, Money* out, std::string* error) {
  switch (value.type()) {
    case Json::stringValue: {
      const char* begin = nullptr;
      const char* end = nullptr;
      if (!value.getString(&begin, &end) || begin == nullptr) {
        return Fail(error, kInvalidDecimal);
      }
      return Parse(std::string_view(begin, static_cast<size_t>(end - begin)), out, error);
    }
    case Json::intValue:
    case Json::uintValue:
    case Json::realValue: {
      const double number = value.asDouble();
      if (!std::isfinite(number)) {
        return Fail(error, kNotFinite);
      }
      // Scientific format yields the shortest round-trip digit string for
      // every double; the plain overload would pick a fixed rendering with
      // extra non-zero digits for integral values of 2^53 and above.
      char buffer[64];
      const auto [ptr, ec] =
          std::to_chars(buffer, buffer + sizeof(buffer), number, std::chars_format::scientific);
      if (ec != std::errc()) {
        return Fail(error, kInvalidDecimal);
      }
      const std::string_view text(buffer, static_cast<size_t>(ptr - buffer));
      if (SignificantDigits(text) > kMaxJsonSignificantDigits) {
        return Fail(error, kTooManySignificant);
      }
      return Parse(text, out, error);
    }
    default:
      return Fail(error, kWrongJsonType);
  }
}

std::string Money::ToString() const {
  const bool negative = units_ < 0;
  // Unsigned magnitude: well defined even for the most negative __int128.
  auto magnitude = static_cast<UnsignedUnits>(units_);
  if (negative) {
    magnitude = -magnitude;
  }
  const auto per_whole = static_cast<UnsignedUnits>(kUnitsPerWhole);
  UnsignedUnits whole = magnitude / per_whole;
  auto frac = static_cast<uint64_t>(magnitude % per_whole);

  // 2^128 has 39 decimal digits; plus sign, point and 18 fractional digits.
  char buffer[64];
  char* const end = buffer + sizeof(buffer);
  char* begin = end;
  if (frac != 0) {
    int frac_len = kScale;
    while (frac % 10 == 0) {
      frac /= 10;
      --frac_len;
    }
    for (int i = 0; i < frac_len; ++i) {
      *--begin = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    *--begin = '.';
  }
  do {
    *--begin = static_cast<char>('0' + static_cast<int>(whole % 10));
    whole /= 10;
  } while (whole != 0);
  if (negative) {
    *--begin = '-';
  }
  return {begin, end};
}

bool Money::CheckedAdd(Money other, Money* out) const {
  Units result = 0;
  if (__builtin_add_overflow(units_, other.units_, &result)) {
    return false;
  }
  if (result > kMaxUnits || result < -kMaxUnits) {
    return false;
  }
  *out = Money(result);
  return true;
}

bool Money::CheckedSub(Money other, Money* out) const {
  Units result = 0;
  if (__builtin_sub_overflow(units_, other.units_, &result)) {
    return false;
  }
  if (result > kMaxUnits || result < -kMaxUnits) {
    return false;
  }
  *out = Money(result);
  return true;
}

}  // namespace payments
