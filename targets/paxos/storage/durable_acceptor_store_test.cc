// DurableAcceptorStore: AcceptorStates round trip through acceptors.log, one
// group commit for many batches, and a crash loses exactly what was not
// synced. The log's own rules (torn tails, bit flips, power loss,
// compaction) are tested once, in targets/common/keyed_log_test.cc.
#include "targets/paxos/storage/durable_acceptor_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>

#include "targets/common/fault_injection_env.h"

namespace faultline::paxos {
namespace {

using common::FaultInjectionEnv;

constexpr const char* kDir = "/paxos";

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
  ASSERT_TRUE(DurableAcceptorStore::open(&env, kDir, {}, &store).is_ok());
  for (uint64_t i = 1; i <= 5; ++i) apply_batch(i, *store);
  const uint64_t before = env.mutation_count();
  ASSERT_TRUE(store->sync().is_ok());
  EXPECT_EQ(env.mutation_count() - before, 2u);  // one append, one sync, for five batches
  const Image image_of_synced = image_of(*store);
  apply_batch(6, *store);  // not synced: lost in the crash
  const Image unsynced = image_of(*store);
  store.reset();
  env.crash();
  ASSERT_TRUE(DurableAcceptorStore::open(&env, kDir, {}, &store).is_ok());
  Image recovered = image_of(*store);
  EXPECT_EQ(recovered.issued, 5u);
  EXPECT_EQ(recovered.states.at("c").value, "value-5-xxxxx");
  EXPECT_NE(recovered, unsynced);
  EXPECT_EQ(image_of(*store), image_of_synced);
  std::vector<std::string> names;
  ASSERT_TRUE(env.list_dir(kDir, &names).is_ok());
  EXPECT_EQ(names, std::vector<std::string>{"acceptors.log"});
}

}  // namespace
}  // namespace faultline::paxos
