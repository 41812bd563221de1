// The values of targets' --opt keys, parsed one way for every target so that
// every error reads alike: "--opt KEY=VALUE: expected ... for target T".
#pragma once

#include <string>

#include "base/status.h"

namespace faultline {

// An integer from min to max.
Status parse_int_option(const std::string& target, const std::string& key, const std::string& text,
                        int min, int max, int* out);
// "true" or "false".
Status parse_bool_option(const std::string& target, const std::string& key, const std::string& text,
                         bool* out);

}  // namespace faultline
