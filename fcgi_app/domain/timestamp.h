// Timestamp: a UTC instant with microsecond precision, and its two text
// forms: API.md's ISO-8601 (`2026-11-23T21:59:06.846209Z`) and MySQL's
// DATETIME(6) literal (`2026-11-23 21:59:06.846209`). A plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace payments {

class Timestamp {
 public:
  constexpr Timestamp() = default;
  static Timestamp FromMicros(int64_t micros) { return Timestamp(micros); }
  static Timestamp Now();

  int64_t micros() const { return micros_; }
  Timestamp PlusSeconds(double seconds) const;
  Timestamp PlusMicros(int64_t micros) const { return Timestamp(micros_ + micros); }

  std::string ToIso() const;  // 2026-11-23T21:59:06.846209Z
  std::string ToSql() const;  // 2026-11-23 21:59:06.846209

  // Accepts ISO-8601 dates and date-times: `2026-11-23`, `2026-11-23T21:59`,
  // `2026-11-23T21:59:06`, optional fraction (up to 9 digits, truncated to
  // µs), optional `Z` or `±HH:MM`/`±HHMM` offset (no offset means UTC); a
  // space may stand for `T`. Returns nullopt for anything else, including
  // impossible dates (Feb 30) and years outside 1000-9999.
  static std::optional<Timestamp> ParseIso(std::string_view text);

  friend bool operator<(Timestamp a, Timestamp b) { return a.micros_ < b.micros_; }
  friend bool operator==(Timestamp a, Timestamp b) { return a.micros_ == b.micros_; }

 private:
  explicit constexpr Timestamp(int64_t micros) : micros_(micros) {}
  int64_t micros_ = 0;
};

}  // namespace payments
