#include "history/edn_forms.h"

#include <fmt/format.h>

#include "history/json_text.h"

namespace faultline::edn {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) {
  return c == ' ' || c == ',' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
// Characters that end a symbol, keyword or number.
bool is_delimiter(char c) {
  return is_space(c) ||
         (c != '\0' && std::string_view("()[]{}\";\\@^`~").find(c) != std::string_view::npos);
}

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::kVector: return "vector";
    case Kind::kList: return "list";
    case Kind::kSet: return "set";
    default: return "map";
  }
}

// Converts an EDN number (Clojure syntax, decimal only) to JSON number text.
// Returns false for what JSON cannot carry or Jepsen does not print: ratios,
// radix and octal integers, numbers beyond a double.
bool number_to_json(std::string_view t, std::string* out, Kind* kind) {
  size_t i = 0;
  const bool negative = t[0] == '-';
  if (t[0] == '+' || t[0] == '-') ++i;
  const size_t int_begin = i;
  while (i < t.size() && is_digit(t[i])) ++i;
  std::string_view int_part = t.substr(int_begin, i - int_begin);
  std::string_view frac, exp;
  bool has_frac = false, has_exp = false, is_float = false;
  if (i < t.size() && t[i] == '.') {
    has_frac = is_float = true;
    const size_t b = ++i;
    while (i < t.size() && is_digit(t[i])) ++i;
    frac = t.substr(b, i - b);
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    has_exp = is_float = true;
    const size_t b = ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    const size_t digits = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i == digits) return false;
    exp = t.substr(b, i - b);
  }
  if (i < t.size() && t[i] == 'M') {
    is_float = true;  // BigDecimal
    ++i;
  } else if (i < t.size() && t[i] == 'N' && !is_float) {
    ++i;  // BigInt
  }
  if (i != t.size() || int_part.empty()) return false;
  const size_t begin = out->size();
  if (!is_float) {
    if (int_part.size() > 1 && int_part[0] == '0') return false;  // octal in Clojure
    if (negative && int_part != "0") out->push_back('-');
    out->append(int_part);
    *kind = Kind::kInteger;
    return finite_number(std::string_view(*out).substr(begin));
  }
  while (int_part.size() > 1 && int_part[0] == '0') int_part.remove_prefix(1);
  if (negative) out->push_back('-');
  out->append(int_part);
  if (has_frac) out->append(".").append(frac.empty() ? "0" : frac);
  if (has_exp) out->append("e").append(exp);
  *kind = Kind::kFloat;
  return finite_number(std::string_view(*out).substr(begin));
}

}  // namespace

bool is_string_like(Kind k) {
  return k == Kind::kString || k == Kind::kKeyword || k == Kind::kSymbol || k == Kind::kChar;
}

bool is_closer(char c) { return c == ')' || c == ']' || c == '}'; }

bool is_symbol_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c != '\0' && std::string_view(".*+!-_?$%&=<>").find(c) != std::string_view::npos);
}

std::string excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (s.size() > 40) out += "...";
  return out;
}

std::string FormReader::got() const {
  if (at_end()) return "end of input";
  const char c = text_[pos_];
  if (c > 0x20 && c < 0x7f) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c));
}

Status FormReader::error_at(uint32_t line, std::string_view what) const {
  return Status::malformed(fmt::format("{}:{}: {}", source_, line, what));
}

Status FormReader::skip(int depth) {
  while (true) {
    while (!at_end()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (is_space(c)) {
        ++pos_;
      } else if (c == ';' || (c == '#' && peek(1) == '!')) {
        while (!at_end() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
    if (at_end() || text_[pos_] != '#' || peek(1) != '_') return Status::ok();
    pos_ += 2;
    std::string discarded;
    Form form;
    if (Status st = parse_form(&discarded, &form, depth + 1); !st.is_ok()) return st;
  }
}

std::string_view FormReader::read_token() {
  const size_t start = pos_;
  while (!at_end() && !is_delimiter(text_[pos_])) ++pos_;
  return text_.substr(start, pos_ - start);
}

Status FormReader::parse_form(std::string* out, Form* form, int depth) {
  if (depth > kMaxNesting)
    return error(fmt::format("expected forms nested at most {} deep", kMaxNesting));
  if (Status st = skip(depth); !st.is_ok()) return st;
  if (at_end()) return error("expected a form, got end of input");
  form->count = 0;
  switch (const char c = text_[pos_]) {
    case '[': return parse_collection(']', Kind::kVector, out, form, depth);
    case '(': return parse_collection(')', Kind::kList, out, form, depth);
    case '{': return parse_collection('}', Kind::kMap, out, form, depth);
    case '"': return parse_string(out, form);
    case '\\': return parse_char(out, form);
    case '#': return parse_dispatch(out, form, depth);
    case '^': {  // metadata: parsed and dropped
      ++pos_;
      std::string meta;
      if (Status st = parse_form(&meta, form, depth + 1); !st.is_ok()) return st;
      return parse_form(out, form, depth + 1);
    }
    case '\'':
    case '`':
    case '~':
    case '@': return error(fmt::format("expected an EDN form, got the reader macro '{}'", c));
    default:
      if (is_closer(c)) return error(fmt::format("expected a form, got '{}'", c));
      return parse_token(out, form);
  }
}

// A vector, list, set or map; pos_ is at its opening bracket.
Status FormReader::parse_collection(char close, Kind kind, std::string* out, Form* form,
                                    int depth) {
  const uint32_t open_line = line_;
  ++pos_;
  const bool is_map = kind == Kind::kMap;
  out->push_back(is_map ? '{' : '[');
  std::string key;
  Form element;
  size_t count = 0;
  auto unclosed = [&] {
    return error(fmt::format("expected '{}' to close the {} opened at line {}, got {}", close,
                             kind_name(kind), open_line, got()));
  };
  while (true) {
    if (Status st = skip(depth + 1); !st.is_ok()) return st;
    if (!at_end() && text_[pos_] == close) break;
    if (at_end() || is_closer(text_[pos_])) return unclosed();
    if (count > 0) out->push_back(',');
    if (is_map) {
      // Keys become strings: keywords without ':', other forms as their JSON text.
      key.clear();
      if (Status st = parse_form(&key, &element, depth + 1); !st.is_ok()) return st;
      if (is_string_like(element.kind)) {
        out->append(key);
      } else {
        append_json_string(key, out);
      }
      out->push_back(':');
      if (Status st = skip(depth + 1); !st.is_ok()) return st;
      if (at_end() || is_closer(text_[pos_]))
        return error(
            fmt::format("expected a value after the map key {}, got {}", excerpt(key), got()));
    }
    if (Status st = parse_form(out, &element, depth + 1); !st.is_ok()) return st;
    if (count++ == 0) {
      form->first_end = out->size();
      form->first_kind = element.kind;
    }
  }
  ++pos_;
  out->push_back(is_map ? '}' : ']');
  form->kind = kind;
  form->count = count;
  return Status::ok();
}

// A string literal; pos_ is at its opening quote.
Status FormReader::parse_string(std::string* out, Form* form) {
  const uint32_t open_line = line_;
  std::string& s = form->name;
  s.clear();
  ++pos_;
  while (true) {
    if (at_end())
      return error(fmt::format("expected '\"' to close the string opened at line {}", open_line));
    const char c = text_[pos_++];
    if (c == '"') break;
    if (c == '\n') ++line_;
    if (c != '\\') {
      s.push_back(c);
      continue;
    }
    const char e = peek(0);
    ++pos_;
    switch (e) {
      case 't': s.push_back('\t'); break;
      case 'r': s.push_back('\r'); break;
      case 'n': s.push_back('\n'); break;
      case 'b': s.push_back('\b'); break;
      case 'f': s.push_back('\f'); break;
      case '\\': s.push_back('\\'); break;
      case '"': s.push_back('"'); break;
      case 'u': {
        char32_t cp = 0;
        if (Status st = parse_unicode_escape(&cp); !st.is_ok()) return st;
        append_utf8(cp, &s);
        break;
      }
      default: {
        int cp = 0, digits = 0;
        for (--pos_; digits < 3 && !at_end() && text_[pos_] >= '0' && text_[pos_] <= '7'; ++digits)
          cp = cp * 8 + (text_[pos_++] - '0');
        if (digits == 0 || cp > 0377)
          return error(
              "expected a string escape: \\t \\r \\n \\b \\f \\\\ \\\" \\uXXXX or octal "
              "\\0 to \\377");
        append_utf8(static_cast<char32_t>(cp), &s);
      }
    }
  }
  if (!valid_utf8(s)) return error_at(open_line, "expected a string in valid UTF-8");
  form->kind = Kind::kString;
  append_json_string(s, out);
  return Status::ok();
}

// After "\u" (pos_ past the 'u'): four hex digits, and for a high
// surrogate a second \uXXXX with the low one (strings are UTF-16 in Clojure).
Status FormReader::parse_unicode_escape(char32_t* cp) {
  const int32_t high = hex4(text_, pos_);
  if (high < 0) return error("expected four hex digits after \\u");
  pos_ += 4;
  if (high < 0xD800 || high > 0xDFFF) return *cp = static_cast<char32_t>(high), Status::ok();
  const int32_t low = text_.substr(pos_, 2) == "\\u" ? hex4(text_, pos_ + 2) : -1;
  if (high > 0xDBFF || low < 0xDC00 || low > 0xDFFF)
    return error("expected a \\uXXXX surrogate pair, got an unpaired surrogate");
  pos_ += 6;
  *cp = 0x10000 + ((static_cast<char32_t>(high) - 0xD800) << 10) +
        (static_cast<char32_t>(low) - 0xDC00);
  return Status::ok();
}

// A character literal: \c, \newline, \uXXXX, \oNNN; pos_ is at the backslash.
Status FormReader::parse_char(std::string* out, Form* form) {
  ++pos_;
  if (at_end()) return error("expected a character after '\\', got end of input");
  const size_t start = pos_;
  const size_t first = utf8_sequence_length(text_, pos_);
  if (first == 0) return error("expected a character in valid UTF-8 after '\\'");
  if (text_[pos_] == '\n') ++line_;
  pos_ += first;
  read_token();
  const std::string_view t = text_.substr(start, pos_ - start);
  std::string& s = form->name;
  s.clear();
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"newline", '\n'}, {"space", ' '},      {"tab", '\t'},
      {"return", '\r'},  {"backspace", '\b'}, {"formfeed", '\f'}};
  int32_t code = -1;  // \uXXXX or \oNNN
  if (t.size() == 5 && t[0] == 'u') code = hex4(t, 1);
  if (t.size() >= 2 && t.size() <= 4 && t[0] == 'o') {
    code = 0;
    for (char c : t.substr(1)) code = c >= '0' && c <= '7' && code >= 0 ? code * 8 + (c - '0') : -1;
    if (code > 0377) code = -1;
  }
  if (t.size() == first) s = t;
  for (const auto& [name, c] : kNamed)
    if (t == name) s.push_back(c);
  if (code >= 0 && (code < 0xD800 || code > 0xDFFF)) append_utf8(static_cast<char32_t>(code), &s);
  if (s.empty())
    return error(
        fmt::format("expected a character literal (\\c, \\newline, \\space, \\tab, "
                    "\\uXXXX, \\oNNN, ...), got '\\{}'",
                    excerpt(t)));
  form->kind = Kind::kChar;
  append_json_string(s, out);
  return Status::ok();
}

// After '#': a set, a regex, a symbolic value or a tagged literal.
Status FormReader::parse_dispatch(std::string* out, Form* form, int depth) {
  const char next = peek(1);
  if (next == '{') {
    ++pos_;
    return parse_collection('}', Kind::kSet, out, form, depth);
  }
  if (next == '"') {  // a regex: its source text, as a string
    const uint32_t open_line = line_;
    const size_t start = pos_ += 2;
    while (!at_end() && text_[pos_] != '"') {
      if (text_[pos_] == '\n') ++line_;
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] != '\n') ++pos_;
      ++pos_;
    }
    if (at_end())
      return error(fmt::format("expected '\"' to close the regex opened at line {}", open_line));
    form->name = text_.substr(start, pos_++ - start);
    if (!valid_utf8(form->name)) return error_at(open_line, "expected a regex in valid UTF-8");
    form->kind = Kind::kString;
    append_json_string(form->name, out);
    return Status::ok();
  }
  if (next == '#') {  // ##Inf, ##-Inf, ##NaN: JSON has no such numbers; kept as strings
    pos_ += 2;
    const std::string_view t = read_token();
    if (t != "Inf" && t != "-Inf" && t != "NaN")
      return error(fmt::format("expected ##Inf, ##-Inf or ##NaN, got '##{}'", excerpt(t)));
    form->name = fmt::format("##{}", t);
    form->kind = Kind::kSymbol;
    append_json_string(form->name, out);
    return Status::ok();
  }
  if (is_symbol_start(next)) {  // #inst "...", #jepsen.history.Op{...}: the value after the tag
    ++pos_;
    read_token();
    return parse_form(out, form, depth + 1);
  }
  ++pos_;
  return error(
      fmt::format("expected a set #{{...}}, a tag, a regex or #_ after '#', got {}", got()));
}

// A number, keyword, symbol, nil, true or false; pos_ is at its first character.
Status FormReader::parse_token(std::string* out, Form* form) {
  const std::string_view t = read_token();
  if (!valid_utf8(t)) return error("expected a symbol, keyword or number in valid UTF-8");
  if (is_digit(t[0]) || ((t[0] == '+' || t[0] == '-') && t.size() > 1 && is_digit(t[1]))) {
    if (!number_to_json(t, out, &form->kind))
      return error(
          fmt::format("expected a decimal number that fits a double (ratios, radix "
                      "and octal numbers are not supported), got '{}'",
                      excerpt(t)));
    form->name.clear();
    return Status::ok();
  }
  if (t == "nil" || t == "true" || t == "false") {
    form->kind = t == "nil" ? Kind::kNil : Kind::kBool;
    out->append(t == "nil" ? "null" : t);
    return Status::ok();
  }
  if (t[0] == ':') {
    if (t.size() == 1) return error("expected a keyword name after ':'");
    form->kind = Kind::kKeyword;
    form->name = t.substr(1);
  } else {
    form->kind = Kind::kSymbol;
    form->name = t;
  }
  append_json_string(form->name, out);
  return Status::ok();
}

}  // namespace faultline::edn
