#include "harness/db/option_values.h"

#include <fmt/format.h>

#include <charconv>

namespace faultline {

Status parse_int_option(const std::string& target, const std::string& key, const std::string& text,
                        int min, int max, int* out) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max)
    return Status::invalid_argument(
        fmt::format("--opt {}={}: expected an integer from {} to {} for target {}", key, text, min,
                    max, target));
  *out = v;
  return Status::ok();
}

Status parse_bool_option(const std::string& target, const std::string& key, const std::string& text,
                         bool* out) {
  if (text != "true" && text != "false")
    return Status::invalid_argument(
        fmt::format("--opt {}={}: expected true or false for target {}", key, text, target));
  *out = text == "true";
  return Status::ok();
}

}  // namespace faultline
