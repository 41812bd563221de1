// SplitMix64: a small seedable generator, so that two runs with the same seed
// make the same choices (Raft election timeouts, the DHT's retries, the
// simulations' schedules, fault-injection crashes).
#pragma once

#include <cstdint>

namespace faultline {

// SplitMix64's finalizer: a bijection on 64-bit words whose output bits each
// depend on every input bit (the DHT's ring hashes with it).
constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t operator()() { return mix64(state_ += 0x9e3779b97f4a7c15ULL); }

 private:
  uint64_t state_;
};

}  // namespace faultline
