// EDN forms as canonical JSON text: the syntax half of the history.edn
// reader (edn_reader.cc interprets Jepsen's operation maps). A
// recursive-descent reader for the EDN that Jepsen prints; each form is
// converted straight to JSON (json_text.h) without building a tree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace faultline::edn {

enum class Kind {
  kNil,
  kBool,
  kInteger,
  kFloat,
  kString,
  kKeyword,
  kSymbol,
  kChar,
  kVector,
  kList,
  kSet,
  kMap
};

// Strings, keywords, symbols and chars, which all become JSON strings.
bool is_string_like(Kind k);
bool is_closer(char c);
// Characters that can start a tag symbol after '#'.
bool is_symbol_start(char c);
// Input quoted in an error message: short, printable ASCII only.
std::string excerpt(std::string_view s);

// What parsing a form learned about it, beyond the JSON text it appended.
struct Form {
  Kind kind = Kind::kNil;
  std::string name;      // string, keyword (without ':'), symbol, char: its text
  size_t count = 0;      // collections: number of elements (map entries)
  size_t first_end = 0;  // sequences: output offset just after the first element
  Kind first_kind = Kind::kNil;
};

// A cursor over EDN text. Errors are Status::malformed("source:line: expected ...").
class FormReader {
 public:
  FormReader(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  // Parses one form (after skipping what skip() skips), appends its JSON to
  // `out` and describes it in `form`. `depth` is its nesting level: deeper
  // than kMaxNesting is an error, so no input can exhaust the stack.
  Status parse_form(std::string* out, Form* form, int depth);
  // Skips whitespace, commas, comments and #_-discarded forms (which must
  // still parse, nested one deeper than `depth`).
  Status skip(int depth);
  // Reads the token at the cursor: up to the next delimiter.
  std::string_view read_token();

  bool at_end() const { return pos_ >= text_.size(); }
  // The character `ahead` places past the cursor, '\0' past the end.
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void advance() { ++pos_; }
  uint32_t line() const { return line_; }
  // The character at the cursor, for messages: "'x'", "byte 0x01" or "end of input".
  std::string got() const;
  Status error(std::string_view what) const { return error_at(line_, what); }
  Status error_at(uint32_t line, std::string_view what) const;

 private:
  Status parse_collection(char close, Kind kind, std::string* out, Form* form, int depth);
  Status parse_string(std::string* out, Form* form);
  Status parse_unicode_escape(char32_t* cp);
  Status parse_char(std::string* out, Form* form);
  Status parse_dispatch(std::string* out, Form* form, int depth);
  Status parse_token(std::string* out, Form* form);

  std::string_view text_;
  const std::string& source_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
};

}  // namespace faultline::edn
