// DurableAcceptorStore: round trips, group commit, the recovery rules (a torn
// tail at every offset is cut off; a bit flip in any byte is refused naming
// the file and offset, without modifying it), power loss at every write step
// (the crash matrix), compaction, on FaultInjectionEnv.
#include "targets/paxos/storage/durable_acceptor_store.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "targets/common/fault_injection_env.h"

namespace faultline::paxos {
namespace {

using common::FaultInjectionEnv;
using testing::HasSubstr;

constexpr const char* kDir = "/paxos";
constexpr const char* kLog = "/paxos/acceptors.log";

struct Image {
  std::map<std::string, AcceptorState> states;
  uint64_t issued = 0;
  bool operator==(const Image&) const = default;
};

Image image_of(const DurableAcceptorStore& s) {
  Image image;
  for (const char* k : {"a", "b", "c"}) {
    if (s.get(k) != AcceptorState{}) image.states[k] = s.get(k);
  }
  image.issued = s.issued_counter();
  return image;
}

// Batch i: a promise and an accept on one key, and an issued ballot.
void apply_batch(uint64_t i, DurableAcceptorStore& s) {
  const std::string key(1, static_cast<char>('a' + i % 3));
  s.put(key, {{i, 1}, {}, ""});
  s.put(key, {{i, 1}, {i, 1}, fmt::format("value-{}-{}", i, std::string(i % 7, 'x'))});
  s.set_issued_counter(i);
}

TEST(DurableAcceptorStore, RoundTripAndGroupCommit) {
  FaultInjectionEnv env;
  ASSERT_TRUE(env.create_dir(kDir).is_ok());
  std::unique_ptr<DurableAcceptorStore> store;
  ASSERT_TRUE(DurableAcceptorStore::open(&env, kDir, 1 << 20, &store).is_ok());
  for (uint64_t i = 1; i <= 5; ++i) apply_batch(i, *store);
  const uint64_t before = env.mutation_count();
  ASSERT_TRUE(store->sync().is_ok());
  EXPECT_EQ(env.mutation_count() - before, 2u);  // one append, one sync, for five batches
  apply_batch(6, *store);                        // not synced: lost in the crash
  const Image unsynced = image_of(*store);
  store.reset();
  env.crash();
  ASSERT_TRUE(DurableAcceptorStore::open(&env, kDir, 1 << 20, &store).is_ok());
  Image recovered = image_of(*store);
  EXPECT_EQ(recovered.issued, 5u);
  EXPECT_EQ(recovered.states.at("c").value, "value-5-xxxxx");
  EXPECT_NE(recovered, unsynced);
}

TEST(DurableAcceptorStore, TornTailAtEveryOffsetKeepsTheCompleteBatches) {
  FaultInjectionEnv env;
  ASSERT_TRUE(env.create_dir(kDir).is_ok());
  std::unique_ptr<DurableAcceptorStore> store;
  ASSERT_TRUE(DurableAcceptorStore::open(&env, kDir, 1 << 20, &store).is_ok());
  std::vector<std::pair<uint64_t, Image>> after;  // log size -> state
  after.push_back({store->log_bytes(), image_of(*store)});
  for (uint64_t i = 1; i <= 4; ++i) {
    apply_batch(i, *store);
    ASSERT_TRUE(store->sync().is_ok());
    after.push_back({store->log_bytes(), image_of(*store)});
  }
  store.reset();
  std::string full;
  ASSERT_TRUE(env.read_file(kLog, &full).is_ok());
  for (size_t cut = after.front().first; cut <= full.size(); ++cut) {
    SCOPED_TRACE(fmt::format("cut at {}", cut));
    env.set_durable_contents(kLog, full.substr(0, cut));
    ASSERT_TRUE(DurableAcceptorStore::open(&env, kDir, 1 << 20, &store).is_ok());
    Image expected;
    for (const auto& [size, image] : after) {
      if (size <= cut) expected = image;
    }
    EXPECT_EQ(image_of(*store), expected);
    const bool torn =
        std::none_of(after.begin(), after.end(), [&](const auto& a) { return a.first == cut; });
    EXPECT_EQ(store->recovery_note().empty(), !torn) << store->recovery_note();
    store.reset();
  }
}

TEST(DurableAcceptorStore, ABitFlipAnywhereIsRefusedAndNothingIsModified) {
  FaultInjectionEnv env;
  ASSERT_TRUE(env.create_dir(kDir).is_ok());
  std::unique_ptr<DurableAcceptorStore> store;
  ASSERT_TRUE(DurableAcceptorStore::open(&env, kDir, 1 << 20, &store).is_ok());
  for (uint64_t i = 1; i <= 2; ++i) {
    apply_batch(i, *store);
    ASSERT_TRUE(store->sync().is_ok());
  }
  store.reset();
  std::string full;
  ASSERT_TRUE(env.read_file(kLog, &full).is_ok());
  for (size_t byte = 0; byte < full.size(); ++byte) {
    std::string damaged = full;
    damaged[byte] = static_cast<char>(damaged[byte] ^ 0x10);
    env.set_durable_contents(kLog, damaged);
    Status s = DurableAcceptorStore::open(&env, kDir, 1 << 20, &store);
    ASSERT_FALSE(s.is_ok()) << "byte " << byte;
    EXPECT_THAT(s.message(), HasSubstr("/paxos/acceptors.log: corrupt record at offset"));
    std::string after;
    ASSERT_TRUE(env.read_file(kLog, &after).is_ok());
    EXPECT_EQ(after, damaged);
  }
}

// The crash matrix: the disk stops after n mutations (every n until the
// workload finishes), then power loss keeps a random prefix of unsynced
// data; recovery must find the last acknowledged state or the one whose
// sync failed — never a promise or accept that was acknowledged and lost.
TEST(DurableAcceptorStore, PowerLossAtEveryStepRecoversAnAcknowledgedState) {
  bool compacted = false;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    for (uint64_t steps = 0;; ++steps) {
      SCOPED_TRACE(fmt::format("seed {}, disk stops after {} steps", seed, steps));
      FaultInjectionEnv env;
      ASSERT_TRUE(env.create_dir(kDir).is_ok());
      env.fail_after(steps);
      std::unique_ptr<DurableAcceptorStore> store;
      Image acknowledged, attempted;
      bool finished = false;
      if (DurableAcceptorStore::open(&env, kDir, 300, &store).is_ok()) {
        finished = true;
        for (uint64_t i = 1; i <= 12; ++i) {
          apply_batch(i, *store);
          attempted = image_of(*store);
          const uint64_t size = store->log_bytes();
          if (!store->sync().is_ok()) {
            finished = false;
            break;
          }
          acknowledged = attempted;
          compacted = compacted || store->log_bytes() < size;
        }
      }
      store.reset();
      env.crash_keeping_unsynced_prefix(seed * 1000 + steps);
      Status s = DurableAcceptorStore::open(&env, kDir, 300, &store);
      ASSERT_TRUE(s.is_ok()) << s.message();
      const Image recovered = image_of(*store);
      EXPECT_TRUE(recovered == acknowledged || recovered == attempted);
      if (finished) break;
    }
  }
  EXPECT_TRUE(compacted) << "the workload must cross the compaction threshold";
}

TEST(DurableAcceptorStore, LeftoverTempFileIsAnUnfinishedCompaction) {
  FaultInjectionEnv env;
  ASSERT_TRUE(env.create_dir(kDir).is_ok());
  std::unique_ptr<DurableAcceptorStore> store;
  ASSERT_TRUE(DurableAcceptorStore::open(&env, kDir, 1 << 20, &store).is_ok());
  apply_batch(1, *store);
  ASSERT_TRUE(store->sync().is_ok());
  store.reset();
  env.set_durable_contents("/paxos/acceptors.log.tmp", "half a compaction");
  ASSERT_TRUE(DurableAcceptorStore::open(&env, kDir, 1 << 20, &store).is_ok());
  EXPECT_EQ(store->issued_counter(), 1u);
  std::vector<std::string> names;
  ASSERT_TRUE(env.list_dir(kDir, &names).is_ok());
  EXPECT_EQ(names, std::vector<std::string>{"acceptors.log"});
}

}  // namespace
}  // namespace faultline::paxos
