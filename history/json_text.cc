#include "history/json_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace faultline {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The power of ten of a JSON number's leading digit (e.g. 2 for 123, -3 for
// 0.00123e0): enough to tell overflow from underflow. Clamped to avoid overflow.
int64_t decimal_exponent(std::string_view text) {
  size_t i = text.empty() || text[0] != '-' ? 0 : 1;
  int64_t lead = 0;
  bool found = false;
  size_t int_digits = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    if (found || text[i] != '0') ++int_digits, found = true;
  }
  if (found) lead = static_cast<int64_t>(int_digits) - 1;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && is_digit(text[i]); ++i) {
      if (!found) --lead;
      if (!found && text[i] != '0') found = true;
    }
  }
  int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    for (; i < text.size() && is_digit(text[i]); ++i)
      exponent = std::min<int64_t>(exponent * 10 + (text[i] - '0'), INT32_MAX);
    if (negative) exponent = -exponent;
  }
  return lead + exponent;
}

class Minifier {
 public:
  Minifier(std::string_view text, std::string* out) : s_(text), out_(out) {}

  const char* run() {
    if (!value(0)) return error_;
    space();
    return i_ == s_.size() ? nullptr : "more after the value";
  }
  const char* run_prefix(size_t* end) {
    if (!value(0)) return error_;
    *end = i_;
    return nullptr;
  }

 private:
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool fail(const char* what) {
    error_ = what;
    return false;
  }

  bool value(int depth) {
    space();
    if (i_ >= s_.size()) return fail("a value is missing");
    switch (s_[i_]) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }

  bool object(int depth) {
    if (depth > kMaxNesting) return fail("nesting deeper than 256");
    out_->push_back('{');
    ++i_;
    space();
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, out_->push_back('}'), true;
    while (true) {
      space();
      if (i_ >= s_.size() || s_[i_] != '"') return fail("an object key is not a string");
      if (!string()) return false;
      space();
      if (i_ >= s_.size() || s_[i_] != ':') return fail("':' is missing after an object key");
      ++i_;
      out_->push_back(':');
      if (!value(depth)) return false;
      space();
      if (i_ >= s_.size()) return fail("an object is not closed");
      char c = s_[i_++];
      out_->push_back(c);
      if (c == '}') return true;
      if (c != ',') return fail("',' or '}' is missing in an object");
    }
  }

  bool array(int depth) {
    if (depth > kMaxNesting) return fail("nesting deeper than 256");
    out_->push_back('[');
    ++i_;
    space();
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, out_->push_back(']'), true;
    while (true) {
      if (!value(depth)) return false;
      space();
      if (i_ >= s_.size()) return fail("an array is not closed");
      char c = s_[i_++];
      out_->push_back(c);
      if (c == ']') return true;
      if (c != ',') return fail("',' or ']' is missing in an array");
    }
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return fail("an invalid literal (not true/false/null)");
    i_ += word.size();
    out_->append(word);
    return true;
  }

  bool number() {
    const size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || !is_digit(s_[i_])) return fail("an invalid value");
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (i_ >= s_.size() || !is_digit(s_[i_])) return fail("a digit is missing after '.'");
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || !is_digit(s_[i_])) return fail("a digit is missing in an exponent");
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    std::string_view text = s_.substr(start, i_ - start);
    if (!finite_number(text)) return fail("a number is too large for a double");
    out_->append(text);
    return true;
  }

  bool string() {
    const size_t start = i_++;
    while (i_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        out_->append(s_.substr(start, i_ - start));
        return true;
      }
      if (c < 0x20) return fail("a control character is unescaped in a string");
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x80) {
        ++i_;
      } else {
        size_t n = utf8_sequence_length(s_, i_);
        if (n == 0) return fail("a string is not valid UTF-8");
        i_ += n;
      }
    }
    return fail("a string is not closed");
  }

  // At a backslash in a string.
  bool escape() {
    ++i_;
    if (i_ >= s_.size()) return fail("a string is not closed");
    char c = s_[i_++];
    if (c != 'u') {
      if (std::string_view("\"\\/bfnrt").find(c) == std::string_view::npos)
        return fail("invalid escape in a string");
      return true;
    }
    int32_t cp = hex4(s_, i_);
    if (cp < 0) return fail("\\u is not followed by four hex digits");
    i_ += 4;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("a low surrogate \\u escape is unpaired");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      int32_t low = s_.substr(i_, 2) == "\\u" ? hex4(s_, i_ + 2) : -1;
      if (low < 0xDC00 || low > 0xDFFF) return fail("a high surrogate \\u escape is unpaired");
      i_ += 6;
    }
    return true;
  }

  std::string_view s_;
  std::string* out_;
  size_t i_ = 0;
  const char* error_ = nullptr;
};

}  // namespace

int32_t hex4(std::string_view s, size_t i) {
  if (i > s.size() || s.size() - i < 4) return -1;
  int32_t v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    int h = hex_value(s[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto continuation = [&](size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;  // a continuation byte, or an overlong 2-byte lead
  if (c < 0xE0) return continuation(i + 1) ? 2 : 0;
  if (c < 0xF0) {
    if (!continuation(i + 1) || !continuation(i + 2)) return 0;
    if (c == 0xE0 && byte(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && byte(i + 1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c < 0xF5) {
    if (!continuation(i + 1) || !continuation(i + 2) || !continuation(i + 3)) return 0;
    if (c == 0xF0 && byte(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && byte(i + 1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void append_utf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void append_json_string(std::string_view utf8, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : utf8) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

bool finite_number(std::string_view text) {
  // Fast path: an integer of at most 300 digits is finite as a double.
  if (text.size() <= 300 && text.find_first_of(".eE") == std::string_view::npos) return true;
  double d = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec == std::errc()) return std::isfinite(d);
  // libstdc++ reports both overflow and underflow as out of range.
  return ec == std::errc::result_out_of_range && decimal_exponent(text) < 0;
}

const char* minify_json(std::string_view text, std::string* out) {
  return Minifier(text, out).run();
}

const char* minify_json_prefix(std::string_view text, size_t* end, std::string* out) {
  return Minifier(text, out).run_prefix(end);
}

void unescape_json_string(std::string_view literal, std::string* out) {
  const std::string_view s = literal.substr(1, literal.size() - 2);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out->push_back(s[i]);
      continue;
    }
    const char c = s[++i];
    if (c != 'u') {
      static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
      out->push_back(kTo[kFrom.find(c)]);
      continue;
    }
    char32_t cp = static_cast<char32_t>(hex4(s, i + 1));
    i += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate: its low one follows
      cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<char32_t>(hex4(s, i + 3)) - 0xDC00);
      i += 6;
    }
    append_utf8(cp, out);
  }
}

}  // namespace faultline
