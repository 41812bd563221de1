// Random choices of the nemesis, written out (not std::shuffle or
// std::uniform_int_distribution, whose algorithms the standard leaves to the
// library) so that a seed means the same faults on every platform.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace faultline {

// Uniform in [0, n) (n > 0); the modulo bias is negligible for the small n used here.
inline uint64_t random_below(std::mt19937_64& rng, uint64_t n) { return rng() % n; }

// A Fisher-Yates shuffle of a copy.
inline std::vector<std::string> shuffled(std::vector<std::string> v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[random_below(rng, i)]);
  return v;
}

// `count` distinct elements of `from` chosen at random, in their order in `from`.
inline std::vector<std::string> choose(const std::vector<std::string>& from, size_t count,
                                       std::mt19937_64& rng) {
  std::vector<size_t> index(from.size());
  for (size_t i = 0; i < index.size(); ++i) index[i] = i;
  for (size_t i = index.size(); i > 1; --i) std::swap(index[i - 1], index[random_below(rng, i)]);
  index.resize(std::min(count, index.size()));
  std::sort(index.begin(), index.end());
  std::vector<std::string> out;
  for (size_t i : index) out.push_back(from[i]);
  return out;
}

}  // namespace faultline
