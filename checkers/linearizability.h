// Linearizability checking (docs/checkers.md): a WGL-style depth-first search
// for a linearization of each key's operations, with memoization of
// (linearized set, model state), run per key in parallel.
#pragma once

#include <memory>
#include <string_view>

#include "checkers/checker.h"

namespace faultline {

// `model` is "register" or "kv" (see models.h).
std::unique_ptr<Checker> make_linearizability_checker(std::string_view model);

}  // namespace faultline
