// Reading a TOML configuration file (a nodes file, a test file) with the
// errors every such file reports alike.
#pragma once

#include <toml++/toml.h>

#include <string>

#include "base/status.h"

namespace faultline {

// Parses the file at `path` into *root. Errors: io_error "cannot read <kind>
// <path>" if it cannot be opened, malformed "<path>:<line>: <what>" if it is
// not TOML. `kind` names the file in messages ("nodes file").
Status read_toml_file(const std::string& path, const std::string& kind, toml::table* root);

}  // namespace faultline
