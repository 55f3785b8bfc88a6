// Money: an exact fixed-point decimal amount (ETH) with 18 fractional digits.
//
// The value is stored as a signed 128-bit count of units, 1 unit = 1e-18, so
// every amount with at most 18 fractional digits is represented exactly. The
// range is that of MySQL DECIMAL(38,18): |value| < 10^20, i.e.
// |units| <= kMaxUnits = 10^38 - 1. No floating-point arithmetic ever touches
// an amount; the single place a double appears is FromJson() reading a JSON
// number, which is converted through its shortest round-trip decimal text.
//
// Money is a small trivially copyable value type with no shared state: it is
// safe to copy and pass across threads freely.

#ifndef FCGI_APP_DOMAIN_MONEY_H_
#define FCGI_APP_DOMAIN_MONEY_H_

#include <json/json.h>

#include <string>
#include <string_view>

namespace payments {

class Money {
 public:
  // The unit count type: a plain __int128 (the alias only keeps -Wpedantic
  // quiet about the GNU extension).
  __extension__ using Units = __int128;

  // Number of fractional decimal digits (1 unit = 10^-kScale).
  static constexpr int kScale = 18;
  // Largest representable magnitude in units: 10^38 - 1, i.e.
  // 99999999999999999999.999999999999999999.
  static constexpr Units kMaxUnits = [] {
    Units v = 1;
    for (int i = 0; i < 38; ++i) {
      v *= 10;
    }
    return v - 1;
  }();
  // Units per whole ETH: 10^18.
  static constexpr Units kUnitsPerWhole = 1000000000000000000;

  // Zero.
  constexpr Money() = default;

  // Wraps a raw unit count. The caller guarantees |units| <= kMaxUnits; no
  // check is made.
  static constexpr Money FromUnits(Units units) { return Money(units); }

  // The raw unit count (value * 10^18).
  [[nodiscard]] constexpr Units units() const { return units_; }

  // Parses decimal text: an optional '-' or '+', digits with an optional '.'
  // (at least one digit before or after the point: "0.5", ".5" and "5." are
  // accepted), then an optional exponent [eE][+-]?digits. The exponent is
  // applied exactly by digit shifting; it may be arbitrarily long and is
  // saturated internally, so huge exponents fail quickly. No whitespace, hex,
  // "inf" or "nan". Trailing fractional zeros do not count towards the scale.
  // On success stores the value in *out and returns true ("-0" is zero). On
  // failure returns false, leaves *out untouched and, if error is non-null,
  // sets *error to one of "Invalid decimal", "Amount out of range" (|value| >=
  // 10^20) or "Too many decimal places (max 18)".
  [[nodiscard]] static bool Parse(std::string_view text, Money* out, std::string* error);

  // Reads an amount from a JSON request value. A string goes through Parse().
  // A number (integer-typed or real) is converted with asDouble() and then to
  // its shortest round-trip text via std::to_chars in scientific format (the
  // plain format may print all digits of a large integral double, e.g.
  // 7.22909133658675e16 as "72290913365867504", which is not the shortest
  // digit string); it is refused if that text needs more than 15 significant
  // digits ("Number has more than 15
  // significant digits; send the amount as a string") or if it is NaN or
  // infinite, and otherwise goes through Parse(). Any other JSON type fails
  // with "Amount must be a decimal string or number". Success/failure
  // semantics for out/error are those of Parse().
  [[nodiscard]] static bool FromJson(const Json::Value& value, Money* out, std::string* error);

  // Canonical text: no exponent, no trailing fractional zeros and no trailing
  // '.', "0" for zero, a leading '-' for negatives. E.g. "0.5", "-0.1",
  // "0.00001606079", "100". Parse(ToString()) round-trips exactly; the text is
  // also a valid MySQL DECIMAL literal.
  [[nodiscard]] std::string ToString() const;

  // The canonical text as a JSON string value (API responses carry amounts as
  // strings).
  [[nodiscard]] Json::Value ToJson() const { return {ToString()}; }

  // Checked arithmetic. On success stores the result in *out and returns
  // true; returns false (leaving *out untouched) if the result would leave
  // the DECIMAL(38,18) range. Never overflows internally.
  [[nodiscard]] bool CheckedAdd(Money other, Money* out) const;
  [[nodiscard]] bool CheckedSub(Money other, Money* out) const;

  [[nodiscard]] constexpr bool IsZero() const { return units_ == 0; }
  [[nodiscard]] constexpr bool IsNegative() const { return units_ < 0; }
  [[nodiscard]] constexpr bool IsPositive() const { return units_ > 0; }
  // -value; always in range because the range is symmetric.
  [[nodiscard]] constexpr Money Negated() const { return Money(-units_); }

  friend constexpr bool operator==(Money a, Money b) { return a.units_ == b.units_; }
  friend constexpr bool operator!=(Money a, Money b) { return a.units_ != b.units_; }
  friend constexpr bool operator<(Money a, Money b) { return a.units_ < b.units_; }
  friend constexpr bool operator<=(Money a, Money b) { return a.units_ <= b.units_; }
  friend constexpr bool operator>(Money a, Money b) { return a.units_ > b.units_; }
  friend constexpr bool operator>=(Money a, Money b) { return a.units_ >= b.units_; }

 private:
  constexpr explicit Money(Units units) : units_(units) {}

  Units units_ = 0;
};

}  // namespace payments

#endif  // FCGI_APP_DOMAIN_MONEY_H_
