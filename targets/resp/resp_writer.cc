#include "targets/resp/resp_writer.h"

#include <charconv>

namespace faultline::resp {
namespace {

// `<type><number>\r\n` without a temporary string.
void append_number_line(std::string* out, char type, int64_t value) {
  char buf[24];
  buf[0] = type;
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, value).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out->append(buf, static_cast<size_t>(end - buf));
}

void append_line(std::string* out, char type, std::string_view text) {
  out->reserve(out->size() + text.size() + 3);
  out->push_back(type);
  const size_t start = out->size();
  out->append(text);
  for (size_t i = start; i < out->size(); ++i) {
    if ((*out)[i] == '\r' || (*out)[i] == '\n') (*out)[i] = ' ';
  }
  out->append("\r\n", 2);
}

}  // namespace

void append_simple_string(std::string* out, std::string_view text) { append_line(out, '+', text); }

void append_error(std::string* out, std::string_view message) { append_line(out, '-', message); }

void append_integer(std::string* out, int64_t value) { append_number_line(out, ':', value); }

void append_bulk(std::string* out, std::string_view bytes) {
  append_number_line(out, '$', static_cast<int64_t>(bytes.size()));
  out->append(bytes);
  out->append("\r\n", 2);
}

void append_null_bulk(std::string* out) { out->append("$-1\r\n", 5); }

void append_array_header(std::string* out, size_t count) {
  append_number_line(out, '*', static_cast<int64_t>(count));
}

void append_null_array(std::string* out) { out->append("*-1\r\n", 5); }

void append_command(std::string* out, const std::vector<std::string>& args) {
  append_array_header(out, args.size());
  for (const std::string& arg : args) append_bulk(out, arg);
}

}  // namespace faultline::resp
