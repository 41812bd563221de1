// RESP2 reply encoding: each function appends one value to *out, so a server
// can build all the replies to a pipelined batch in one buffer and write it
// with one call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::resp {

// `+text\r\n`. CR and LF cannot appear in a simple string: each becomes a space.
void append_simple_string(std::string* out, std::string_view text);

// `-message\r\n`; the message starts with its code, as in "ERR syntax error"
// or "WRONGTYPE Operation against ...". CR and LF become spaces.
void append_error(std::string* out, std::string_view message);

// `:value\r\n`.
void append_integer(std::string* out, int64_t value);

// `$len\r\nbytes\r\n`; any bytes.
void append_bulk(std::string* out, std::string_view bytes);

// `$-1\r\n`: a missing value (GET of a missing key).
void append_null_bulk(std::string* out);

// `*count\r\n`; the caller appends the count elements after it.
void append_array_header(std::string* out, size_t count);

// `*-1\r\n`.
void append_null_array(std::string* out);

// A command as clients send it: an array of bulk strings.
void append_command(std::string* out, const std::vector<std::string>& args);

}  // namespace faultline::resp
