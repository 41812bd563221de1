// Canonical JSON text, shared by the history readers. Values are interned by
// this text (see ValueTable), and checkers later parse it with nlohmann::json,
// so every function here guarantees its output is JSON that nlohmann accepts:
// valid UTF-8, no lone surrogates, numbers that fit a double.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace faultline {

// Deepest nesting of arrays/objects (or EDN collections and tags) the readers
// accept, so that no input can exhaust the stack of a recursive parser.
inline constexpr int kMaxNesting = 256;

// Length of the well-formed UTF-8 sequence starting at s[i] (1 to 4), or 0 if
// it is ill-formed (overlong, surrogate, above U+10FFFF, truncated).
size_t utf8_sequence_length(std::string_view s, size_t i);
bool valid_utf8(std::string_view s);

// The number written by the four hex digits at s[i..i+4), or -1.
int32_t hex4(std::string_view s, size_t i);

// Appends the UTF-8 code point `cp` (which must not be a surrogate).
void append_utf8(char32_t cp, std::string* out);

// Appends `utf8` (valid UTF-8) as a JSON string: in quotes, with '"', '\' and
// control characters escaped (\n, \t, ... or \u00XX), everything else as is.
void append_json_string(std::string_view utf8, std::string* out);

// Whether the JSON number `text` converts to a finite double (nlohmann::json
// rejects numbers that overflow one). Underflow to zero is fine.
bool finite_number(std::string_view text);

// Checks that `text` is exactly one JSON value (RFC 8259, surrounding
// whitespace allowed, nesting at most kMaxNesting, finite numbers) and
// appends it to `out` minified: whitespace outside strings removed,
// otherwise as written. Returns nullptr on success, else what is wrong
// (e.g. "invalid escape in a string"), with `out` partly written.
const char* minify_json(std::string_view text, std::string* out);

// minify_json for the one value at the start of `text` (after whitespace),
// which may go on after it: sets *end to the offset just past the value.
const char* minify_json_prefix(std::string_view text, size_t* end, std::string* out);

// The UTF-8 text of the JSON string literal `literal` (quotes included, as
// minify_json accepts it: every escape and surrogate pair well-formed),
// appended to `out`.
void unescape_json_string(std::string_view literal, std::string* out);

}  // namespace faultline
