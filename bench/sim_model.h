// The data types the history generator simulates (history_generator.h):
// what each function's arguments are, what it does at its linearization
// point, how its values are written, and how a read is corrupted so that the
// history breaks the model. One class per model, in sim_models.cc.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "bench/history_generator.h"

namespace faultline::bench {

// xoshiro256** seeded by splitmix64: unlike the std:: distributions it gives
// the same numbers with every standard library, so a seed names one history.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) {
      seed += 0x9e3779b97f4a7c15;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
      z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
      word = z ^ (z >> 31);
    }
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2^-32).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  int64_t between(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_;
};

enum class Outcome : uint8_t { kOk, kFail, kInfo };
enum class Corruption : uint8_t { kNone, kStale, kImpossible };

struct SimOp {
  int64_t invoke_time = 0;
  int64_t complete_time = -1;  // -1 while pending
  int64_t process = 0;
  uint32_t key = 0;
  int32_t slot = 0;
  uint8_t f = 0;                   // index into the model's functions(); 0 is the read
  Outcome outcome = Outcome::kOk;  // pending ops are kInfo with pending set
  bool pending = false;
  Corruption corruption = Corruption::kNone;
  int64_t a = 0, b = 0, c = 0;  // arguments; their meaning is the model's
  int64_t result = 0;           // a read's result, in the model's terms
  int64_t original = 0;         // a corrupted read: its true result
  uint32_t overwriter = 0;      // a stale read: the op that overwrote its value
  bool is_read() const { return f == 0; }
};

class SimModel {
 public:
  virtual ~SimModel() = default;
  // Function names; the first is the read, whose result is the one corrupted.
  virtual std::span<const std::string_view> functions() const = 0;
  virtual std::vector<double> default_weights() const = 0;
  // Sets a new op's arguments (f and key are set).
  virtual void make_args(SimOp& op, Rng& rng) = 0;
  // Runs op at its linearization point: sets a read's result, and turns an
  // ok op that cannot apply (a cas that does not match) into a fail.
  virtual void take_effect(SimOp& op) = 0;
  // Appends the JSON "value" of op's invoke (completion false) or completion.
  // Completions other than ok carry the invoke's value.
  virtual void write_value(const SimOp& op, bool completion, fmt::memory_buffer& out) const = 0;
  // Changes `count` ok reads so that the history breaks the model; marks
  // them with their corruption. kInvalidArgument when there are too few.
  virtual Status corrupt(std::vector<SimOp>& ops, int64_t count, Rng& rng);
  // Says what a corrupted read returned and why that is impossible; `ops`
  // and their completion lines are there for the ops it refers to.
  virtual std::string describe_corruption(const SimOp& op, const std::vector<SimOp>& ops,
                                          const std::vector<int64_t>& completion_line) const = 0;

 protected:
  // The ok reads, in random order; kInvalidArgument if fewer than `count`.
  static Status shuffled_ok_reads(const std::vector<SimOp>& ops, int64_t count, Rng& rng,
                                  std::vector<uint32_t>* reads);
  // Makes one ok read impossible, by the model's own means.
  virtual void corrupt_read(SimOp& read, Rng& rng) = 0;
};

// The model named by options.model; nullptr for an unknown name. `options`
// must outlive it.
std::unique_ptr<SimModel> make_sim_model(const GeneratorOptions& options);
// The names make_sim_model accepts.
std::vector<std::string> sim_model_names();

}  // namespace faultline::bench
