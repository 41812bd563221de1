// DurableStorage under crashes: the disk stops at every step of a workload
// with snapshots, or at a random step of a random workload, and the machine
// crashes keeping a random prefix of unsynced writes. Recovery must come back
// with exactly the state of the last successful sync() or, if the failed
// sync() got far enough to commit, the state it was writing — never anything
// else, snapshot data included. Each test runs with appended and with
// preallocated WAL segments.
#include <gtest/gtest.h>

#include <functional>

#include "targets/common/fault_injection_env.h"
#include "targets/raftkv/raft/config.h"
#include "targets/raftkv/storage/durable_storage.h"
#include "targets/raftkv/storage/storage_test_util.h"

namespace faultline::raft::storage {
namespace {

constexpr const char* kDir = "/db";
constexpr uint64_t kSegmentBytes = 256;  // small: segments roll and get deleted

// A change made through the Storage interface (sync() is a separate step).
using Change = std::function<Status(DurableStorage&)>;

// What happened in one run.
struct Run {
  bool failed = false;  // a sync() failed (and the run stopped there)
  Image acknowledged;   // as of the last successful sync()
  Image in_flight;      // what the failed sync() was writing
};

class CrashRunner {
 public:
  CrashRunner(uint64_t fail_after, bool preallocate)
      : options_{.wal = {.segment_bytes = kSegmentBytes, .preallocate = preallocate}} {
    EXPECT_TRUE(env_.create_dir(kDir).is_ok());
    env_.fail_after(fail_after);
    const Status s = DurableStorage::open(&env_, kDir, options_, &storage_);
    EXPECT_TRUE(s.is_ok()) << s.message();
  }

  DurableStorage& storage() { return *storage_; }
  bool failed() const { return run_.failed; }

  void change(const Change& c) {
    const Status s = c(*storage_);
    EXPECT_TRUE(s.is_ok()) << s.message();
  }
  void sync() {
    if (storage_->sync().is_ok()) {
      run_.acknowledged = full_image(*storage_);
    } else {
      run_.failed = true;
      run_.in_flight = full_image(*storage_);
    }
  }

  // Crashes, recovers and checks the outcome; then checks that the recovered
  // storage accepts writes that survive another restart.
  void crash_and_check(uint64_t seed) {
    storage_.reset();
    env_.crash_keeping_unsynced_prefix(seed);
    Status s = DurableStorage::open(&env_, kDir, options_, &storage_);
    ASSERT_TRUE(s.is_ok()) << s.message();
    const Image recovered = full_image(*storage_);
    if (!run_.failed || recovered != run_.in_flight) {
      EXPECT_EQ(recovered, run_.acknowledged);
    }

    const uint64_t next = storage_->last_index() + 1;
    ASSERT_TRUE(storage_->append(make_entries(next, next, 99)).is_ok());
    ASSERT_TRUE(storage_->sync().is_ok());
    const Image written = full_image(*storage_);
    storage_.reset();
    env_.crash();
    s = DurableStorage::open(&env_, kDir, options_, &storage_);
    ASSERT_TRUE(s.is_ok()) << s.message();
    EXPECT_EQ(full_image(*storage_), written);
  }

 private:
  DurableStorageOptions options_;
  common::FaultInjectionEnv env_;
  std::unique_ptr<DurableStorage> storage_;
  Run run_;
};

// The parameter: whether WAL segments are preallocated.
class DurableStorageCrash : public testing::TestWithParam<bool> {};

// Batches of changes, each followed by a sync(): log growth across segments, a
// conflicting suffix, compactions that delete segments, and an installed
// snapshot.
std::vector<std::vector<Change>> scripted_workload() {
  auto append = [](uint64_t lo, uint64_t hi, uint64_t term) {
    return [=](DurableStorage& s) { return s.append(make_entries(lo, hi, term)); };
  };
  auto hard_state = [](HardState hs) {
    return [=](DurableStorage& s) { return s.set_hard_state(hs); };
  };
  auto compact = [](uint64_t index) {
    return [=](DurableStorage& s) { return s.compact(index, fmt::format("image@{}", index)); };
  };
  auto install = [](uint64_t index, uint64_t term) {
    return [=](DurableStorage& s) { return s.apply_snapshot({{index, term}, "leader image"}); };
  };
  return {
      {append(1, 4, 1), hard_state({1, 1, 2})},
      {append(5, 8, 1), hard_state({1, 1, 4})},
      {append(6, 9, 2), hard_state({2, 2, 5})},
      {compact(5), hard_state({2, 2, 8})},
      {append(10, 12, 2)},
      {compact(11)},
      {install(20, 3), hard_state({3, 0, 20}), append(21, 22, 3)},
      {append(23, 23, 3), compact(21)},
  };
}

TEST_P(DurableStorageCrash, ACrashAtEveryStepOfAWorkloadWithSnapshots) {
  for (uint64_t steps = 0;; ++steps) {
    SCOPED_TRACE(fmt::format("disk failing after {} steps", steps));
    CrashRunner runner(steps, GetParam());
    for (const std::vector<Change>& batch : scripted_workload()) {
      for (const Change& c : batch) runner.change(c);
      runner.sync();
      if (runner.failed()) break;
    }
    const bool completed = !runner.failed();
    runner.crash_and_check(steps);
    if (completed) break;  // every step has been failed once
  }
}

// A random change that is valid for the storage's current state.
Change random_change(const DurableStorage& s, SplitMix64& random) {
  const uint64_t first = s.first_index(), last = s.last_index();
  const uint64_t term = s.hard_state().term + 1;  // entries carry the current term
  switch (random() % 10) {
    case 0:
    case 1:
    case 2:
    case 3: {
      const uint64_t lo = first + random() % (last - first + 2);  // may replace a suffix
      const uint64_t hi = lo + random() % 3;
      return [=](DurableStorage& d) { return d.append(make_entries(lo, hi, term)); };
    }
    case 4:
    case 5: {
      const HardState hs{term, random() % 3, last == 0 ? 0 : random() % (last + 1)};
      return [=](DurableStorage& d) { return d.set_hard_state(hs); };
    }
    case 6:
    case 7:
      if (last >= first) {
        const uint64_t index = first + random() % (last - first + 1);
        return [=](DurableStorage& d) { return d.compact(index, fmt::format("c{}", index)); };
      }
      [[fallthrough]];
    case 8: {
      const uint64_t index = std::max<uint64_t>(1, last + random() % 4);
      return [=](DurableStorage& d) {
        return d.apply_snapshot({{index, term}, fmt::format("i{}", index)});
      };
    }
    default: return [](DurableStorage&) { return Status::ok(); };
  }
}

TEST_P(DurableStorageCrash, RandomWorkloadsCrashedAtRandomSteps) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE(fmt::format("seed {}", seed));
    SplitMix64 random(seed);
    CrashRunner runner(random() % 150, GetParam());
    for (int op = 0; op < 60 && !runner.failed(); ++op) {
      if (random() % 3 == 0) {
        runner.sync();
      } else {
        runner.change(random_change(runner.storage(), random));
      }
    }
    runner.crash_and_check(seed);
    if (testing::Test::HasFailure()) break;
  }
}

INSTANTIATE_TEST_SUITE_P(AppendedAndPreallocated, DurableStorageCrash, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& info) {
                           return info.param ? "Preallocated" : "Appended";
                         });

}  // namespace
}  // namespace faultline::raft::storage
