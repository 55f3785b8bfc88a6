#include "http/json_syntax.h"

namespace payments {
namespace {

class Checker {
 public:
  Checker(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  JsonSyntax Document() {
    SkipSpace();
    if (!Value(0)) return JsonSyntax::kMalformed;
    SkipSpace();
    if (pos_ != s_.size()) return JsonSyntax::kMalformed;
    return bad_surrogate_ ? JsonSyntax::kBadSurrogate : JsonSyntax::kValid;
  }

 private:
  bool Value(int depth) {
    if (pos_ >= s_.size()) return false;
    switch (s_[pos_]) {
      case '{':
        return Object(depth + 1);
      case '[':
        return Array(depth + 1);
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }

  bool Object(int depth) {
    if (depth > max_depth_) return false;
    ++pos_;  // '{'
    SkipSpace();
    if (Peek('}')) return true;
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"' || !String()) return false;
      SkipSpace();
      if (!Peek(':')) return false;
      SkipSpace();
      if (!Value(depth)) return false;
      SkipSpace();
      if (Peek('}')) return true;
      if (!Peek(',')) return false;
    }
  }

  bool Array(int depth) {
    if (depth > max_depth_) return false;
    ++pos_;  // '['
    SkipSpace();
    if (Peek(']')) return true;
    while (true) {
      SkipSpace();
      if (!Value(depth)) return false;
      SkipSpace();
      if (Peek(']')) return true;
      if (!Peek(',')) return false;
    }
  }

  bool String() {
    ++pos_;  // opening quote
    while (pos_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;  // control characters must be escaped
      if (c != '\\') {
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) return false;
      const char e = s_[pos_++];
      if (e == 'u') {
        unsigned unit = 0;
        if (!Hex4(&unit)) return false;
        if (unit >= 0xDC00 && unit <= 0xDFFF) bad_surrogate_ = true;  // lone low half
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          // A high half must be followed by an escaped low half.
          unsigned low = 0;
          if (pos_ + 1 < s_.size() && s_[pos_] == '\\' && s_[pos_ + 1] == 'u') {
            pos_ += 2;
            if (!Hex4(&low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) bad_surrogate_ = true;
          } else {
            bad_surrogate_ = true;
          }
        }
      } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' &&
                 e != 'r' && e != 't') {
        return false;
      }
    }
    return false;  // unterminated
  }

  bool Hex4(unsigned* out) {
    if (pos_ + 4 > s_.size()) return false;
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        value |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    *out = value;
    return true;
  }

  bool Number() {
    Peek('-');
    if (Peek('0')) {
      // no further integer digits after a leading zero
    } else if (!Digits()) {
      return false;
    }
    if (Peek('.') && !Digits()) return false;
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (!Peek('+')) Peek('-');
      if (!Digits()) return false;
    }
    return true;
  }

  bool Digits() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool Peek(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int max_depth_;
  bool bad_surrogate_ = false;
};

}  // namespace

JsonSyntax CheckJsonSyntax(std::string_view text, int max_depth) {
  return Checker(text, max_depth).Document();
}

}  // namespace payments
