#include "harness/nodes/toml_file.h"

#include <fmt/format.h>

#include <fstream>

namespace faultline {

Status read_toml_file(const std::string& path, const std::string& kind, toml::table* root) {
  if (!std::ifstream(path)) return Status::io_error(fmt::format("cannot read {} {}", kind, path));
  try {
    *root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::malformed(
        fmt::format("{}:{}: {}", path, e.source().begin.line, e.description()));
  }
  return Status::ok();
}

}  // namespace faultline
