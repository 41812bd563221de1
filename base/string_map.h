// StringMap and StringSet: hashed containers keyed by std::string that look
// up by std::string_view without building a string (heterogeneous lookup).
// The cores keep per-key state for every key a workload touches; an ordered
// map's lookup there costs a dozen string compares, each a cache miss on a
// heap-held key, where a hash costs one (docs/benchmarks.md, "paxos vs
// raftkv"). Iteration order is unspecified but deterministic for one
// sequence of operations in one build, as the simulations need.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace faultline {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

}  // namespace faultline
