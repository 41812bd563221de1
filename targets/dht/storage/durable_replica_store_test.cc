// DurableReplicaStore: round trips, group commit, the recovery rules (a torn
// tail at every offset is cut off; a bit flip in any byte is refused, naming
// the file and the record's offset), power loss at every write step, and
// compaction, on FaultInjectionEnv; plus one round trip on the real disk.
#include "targets/dht/storage/durable_replica_store.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "targets/common/fault_injection_env.h"
#include "targets/common/record_format.h"
#include "targets/dht/storage/replica_log_format.h"

namespace faultline::dht {
namespace {

using common::FaultInjectionEnv;
using testing::HasSubstr;

constexpr const char* kDir = "/dht";
constexpr const char* kLog = "/dht/replicas.log";

// What a store holds, to compare with what recovery found.
struct Image {
  std::map<std::string, Record> records;
  uint64_t issued = 0;
  bool operator==(const Image&) const = default;
};

Image image_of(const DurableReplicaStore& s, const std::vector<std::string>& keys) {
  Image image;
  for (const std::string& k : keys) {
    Record r = s.get(k);
    if (r != Record{}) image.records[k] = r;
  }
  image.issued = s.issued_counter();
  return image;
}

std::ostream& operator<<(std::ostream& os, const Image& image) {
  os << "issued " << image.issued << ":";
  for (const auto& [k, r] : image.records) {
    os << " " << k << "=(" << r.version.counter << "," << r.version.node << ")"
       << r.value.value_or("<deleted>");
  }
  return os;
}

// A batch of changes, synced together.
struct Batch {
  std::vector<std::pair<std::string, Record>> puts;
  uint64_t issued = 0;  // 0: unchanged
};

const std::vector<std::string> kKeys = {"a", "b", "c"};

std::vector<Batch> workload() {
  return {
      {{{"a", {{1, 1}, "a1"}}, {"b", {{1, 2}, "b1"}}}, 1},
      {{{"a", {{2, 3}, "a2"}}}, 0},
      {{{"c", {{3, 1}, std::string(300, 'x')}}}, 3},
      {{{"b", {{4, 2}, std::nullopt}}}, 0},  // a delete: a tombstone
      {{{"a", {{5, 1}, ""}}, {"c", {{6, 1}, "c2"}}}, 6},
  };
}

void apply(const Batch& b, DurableReplicaStore& store) {
  for (const auto& [k, r] : b.puts) store.put(k, r);
  if (b.issued) store.set_issued_counter(b.issued);
}

class DurableReplicaStoreTest : public testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.create_dir(kDir).is_ok()); }

  Status open(std::unique_ptr<DurableReplicaStore>* store,
              DurableReplicaStoreOptions options = {}) {
    return DurableReplicaStore::open(&env_, kDir, options, store);
  }

  // Writes the workload, one sync per batch; returns the image after each
  // batch (images[0]: empty) and the log size after each.
  void write_workload(std::vector<Image>* images, std::vector<uint64_t>* sizes) {
    std::unique_ptr<DurableReplicaStore> store;
    ASSERT_TRUE(open(&store).is_ok());
    images->push_back(image_of(*store, kKeys));
    sizes->push_back(store->log_bytes());
    for (const Batch& b : workload()) {
      apply(b, *store);
      ASSERT_TRUE(store->sync().is_ok());
      images->push_back(image_of(*store, kKeys));
      sizes->push_back(store->log_bytes());
    }
  }

  std::string log_contents() {
    std::string contents;
    EXPECT_TRUE(env_.read_file(kLog, &contents).is_ok());
    return contents;
  }

  FaultInjectionEnv env_;
};

TEST_F(DurableReplicaStoreTest, SyncedStateSurvivesACrashAndUnsyncedStateDoesNot) {
  std::vector<Image> images;
  std::vector<uint64_t> sizes;
  write_workload(&images, &sizes);
  {
    std::unique_ptr<DurableReplicaStore> store;
    ASSERT_TRUE(open(&store).is_ok());
    EXPECT_EQ(image_of(*store, kKeys), images.back());
    EXPECT_EQ(store->recovery_note(), "");
    store->put("a", {{9, 9}, "lost"});
    store->set_issued_counter(9);
    EXPECT_TRUE(store->has_unsynced());
  }
  env_.crash();
  std::unique_ptr<DurableReplicaStore> store;
  ASSERT_TRUE(open(&store).is_ok());
  EXPECT_EQ(image_of(*store, kKeys), images.back());
  EXPECT_EQ(store->get("b"), (Record{{4, 2}, std::nullopt}));  // the tombstone is kept
}

TEST_F(DurableReplicaStoreTest, OneSyncIsOneAppendAndOneFdatasyncHoweverManyPuts) {
  std::unique_ptr<DurableReplicaStore> store;
  ASSERT_TRUE(open(&store).is_ok());
  const uint64_t before = env_.mutation_count();
  for (int i = 0; i < 100; ++i) store->put("k" + std::to_string(i), {{uint64_t(i + 1), 1}, "v"});
  ASSERT_TRUE(store->sync().is_ok());
  EXPECT_EQ(env_.mutation_count() - before, 2u);  // append + sync
  ASSERT_TRUE(store->sync().is_ok());             // nothing new: no I/O
  EXPECT_EQ(env_.mutation_count() - before, 2u);
}

TEST_F(DurableReplicaStoreTest, TornTailAtEveryOffsetKeepsExactlyTheCompleteBatches) {
  std::vector<Image> images;
  std::vector<uint64_t> sizes;
  write_workload(&images, &sizes);
  const std::string full = log_contents();
  ASSERT_EQ(full.size(), sizes.back());
  for (size_t cut = 0; cut < full.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    env_.set_durable_contents(kLog, full.substr(0, cut));
    std::unique_ptr<DurableReplicaStore> store;
    Status s = open(&store);
    ASSERT_TRUE(s.is_ok()) << s.message();
    size_t complete = 0;  // batches wholly before the cut
    while (complete + 1 < sizes.size() && sizes[complete + 1] <= cut) ++complete;
    EXPECT_EQ(image_of(*store, kKeys), images[complete]);
    EXPECT_EQ(store->recovery_note().empty(), cut == sizes[complete]);
    // The repaired log takes new writes, which survive a crash.
    store->put("z", {{100, 1}, "after"});
    ASSERT_TRUE(store->sync().is_ok());
    env_.crash();
    ASSERT_TRUE(open(&store).is_ok());
    EXPECT_EQ(store->get("z").value, "after");
    EXPECT_EQ(store->recovery_note(), "");
  }
}

TEST_F(DurableReplicaStoreTest, ZeroFilledTailIsTorn) {
  std::vector<Image> images;
  std::vector<uint64_t> sizes;
  write_workload(&images, &sizes);
  env_.set_durable_contents(kLog, log_contents() + std::string(4096, '\0'));
  std::unique_ptr<DurableReplicaStore> store;
  ASSERT_TRUE(open(&store).is_ok());
  EXPECT_EQ(image_of(*store, kKeys), images.back());
  EXPECT_THAT(store->recovery_note(), HasSubstr("4096 zero bytes"));
}

TEST_F(DurableReplicaStoreTest, BitFlipInAnyByteIsRefusedNamingFileAndRecordOffset) {
  std::vector<Image> images;
  std::vector<uint64_t> sizes;
  write_workload(&images, &sizes);
  const std::string full = log_contents();
  for (size_t i = 0; i < full.size(); ++i) {
    for (int bit : {0, 7}) {
      std::string damaged = full;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      env_.set_durable_contents(kLog, damaged);
      std::unique_ptr<DurableReplicaStore> store;
      Status s = open(&store);
      ASSERT_FALSE(s.is_ok()) << "flipped bit " << bit << " of byte " << i;
      uint64_t record = 0;  // the offset of the record holding byte i: 0 is the header's
      for (uint64_t end : sizes) {
        if (end <= i) record = end;
      }
      EXPECT_EQ(
          s.message().rfind(fmt::format("{}: corrupt record at offset {}: ", kLog, record), 0), 0u)
          << s.message();
      EXPECT_EQ(log_contents(), damaged) << "a refused start must not modify the log";
    }
  }
}

TEST_F(DurableReplicaStoreTest, WellChecksummedGarbageIsRefused) {
  std::unique_ptr<DurableReplicaStore> store;
  ASSERT_TRUE(open(&store).is_ok());
  const std::string header = log_contents();
  env_.set_durable_contents(kLog, header + common::encode_record("\x09"));
  Status s = open(&store);
  EXPECT_THAT(s.message(), HasSubstr(fmt::format("{}: corrupt record at offset {}: item at "
                                                 "payload offset 0: unknown item type 9",
                                                 kLog, header.size())));
  std::string put;
  encode_replica_item(LogPut{"k", {{1, 1}, "v"}}, &put);
  env_.set_durable_contents(kLog, common::encode_record(put));
  s = open(&store);
  EXPECT_THAT(s.message(), HasSubstr("does not start with a header item"));
  std::string future;
  encode_replica_item(LogHeader{2}, &future);
  env_.set_durable_contents(kLog, common::encode_record(future));
  s = open(&store);
  EXPECT_THAT(s.message(), HasSubstr("format 2, this server reads format 1"));
}

// Stops the disk at every mutating step of the workload, then loses power
// keeping a random prefix of the unsynced data: recovery must find exactly the
// last acknowledged state, or the state the failing sync() was writing.
TEST_F(DurableReplicaStoreTest, PowerLossAtEveryStepRecoversAnAcknowledgedState) {
  bool compacted = false;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    for (uint64_t steps = 0;; ++steps) {
      SCOPED_TRACE(fmt::format("seed {}, disk stops after {} steps", seed, steps));
      FaultInjectionEnv env;
      ASSERT_TRUE(env.create_dir(kDir).is_ok());
      env.fail_after(steps);
      std::unique_ptr<DurableReplicaStore> store;
      Image acknowledged, attempted;
      bool finished = false;
      // Small compaction threshold, so that rewrites are crashed too.
      const DurableReplicaStoreOptions options{.compact_bytes = 200};
      if (DurableReplicaStore::open(&env, kDir, options, &store).is_ok()) {
        finished = true;
        for (const Batch& b : workload()) {
          apply(b, *store);
          attempted = image_of(*store, kKeys);
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
      Status s = DurableReplicaStore::open(&env, kDir, options, &store);
      ASSERT_TRUE(s.is_ok()) << s.message();
      const Image recovered = image_of(*store, kKeys);
      EXPECT_TRUE(recovered == acknowledged || recovered == attempted)
          << "recovered " << recovered << "\nacknowledged " << acknowledged << "\nattempted "
          << attempted;
      if (finished) break;
    }
  }
  EXPECT_TRUE(compacted) << "the workload must cross the compaction threshold";
}

TEST_F(DurableReplicaStoreTest, CompactionShrinksTheLogAndKeepsTheState) {
  std::unique_ptr<DurableReplicaStore> store;
  const DurableReplicaStoreOptions options{.compact_bytes = 4096};
  ASSERT_TRUE(open(&store, options).is_ok());
  uint64_t largest = 0;
  for (uint64_t i = 1; i <= 500; ++i) {
    store->put("k" + std::to_string(i % 5), {{i, 2}, std::string(40, 'v')});
    store->set_issued_counter(i);
    ASSERT_TRUE(store->sync().is_ok());
    largest = std::max(largest, store->log_bytes());
  }
  EXPECT_LE(largest, 4096u + 200u);  // compacted whenever it passed the threshold
  const std::vector<std::string> keys = {"k0", "k1", "k2", "k3", "k4"};
  const Image before = image_of(*store, keys);
  env_.crash();
  std::vector<std::string> names;
  ASSERT_TRUE(env_.list_dir(kDir, &names).is_ok());
  EXPECT_EQ(names, std::vector<std::string>{"replicas.log"});
  ASSERT_TRUE(open(&store, options).is_ok());
  EXPECT_EQ(image_of(*store, keys), before);
  EXPECT_EQ(store->issued_counter(), 500u);
}

TEST_F(DurableReplicaStoreTest, LeftoverTempFileIsAnUnfinishedCompactionAndIsDeleted) {
  std::vector<Image> images;
  std::vector<uint64_t> sizes;
  write_workload(&images, &sizes);
  env_.set_durable_contents("/dht/replicas.log.tmp", "half a compaction");
  std::unique_ptr<DurableReplicaStore> store;
  ASSERT_TRUE(open(&store).is_ok());
  EXPECT_EQ(image_of(*store, kKeys), images.back());
  std::vector<std::string> names;
  ASSERT_TRUE(env_.list_dir(kDir, &names).is_ok());
  EXPECT_EQ(names, std::vector<std::string>{"replicas.log"});
}

TEST(DurableReplicaStorePosix, RoundTripOnTheRealFileSystem) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / fmt::format("dht-store-{}", ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::unique_ptr<DurableReplicaStore> store;
    ASSERT_TRUE(DurableReplicaStore::open(common::posix_env(), dir.string(), {}, &store).is_ok());
    store->put("key", {{7, 3}, "value"});
    store->set_issued_counter(7);
    ASSERT_TRUE(store->sync().is_ok());
  }
  std::unique_ptr<DurableReplicaStore> store;
  ASSERT_TRUE(DurableReplicaStore::open(common::posix_env(), dir.string(), {}, &store).is_ok());
  EXPECT_EQ(store->get("key"), (Record{{7, 3}, "value"}));
  EXPECT_EQ(store->issued_counter(), 7u);
  std::filesystem::remove_all(dir);
}

TEST(ReplicaLogFormat, ItemsRoundTripAndMalformedPayloadsNameTheOffset) {
  std::string payload;
  std::vector<ReplicaLogItem> items = {LogHeader{}, LogPut{"k", {{5, 2}, "v"}},
                                       LogPut{"gone", {{6, 1}, std::nullopt}}, LogIssued{6}};
  for (const auto& item : items) encode_replica_item(item, &payload);
  std::vector<ReplicaLogItem> decoded;
  ASSERT_TRUE(decode_replica_items(payload, &decoded).is_ok());
  EXPECT_EQ(decoded, items);
  std::string bad_flag;
  encode_replica_item(LogIssued{1}, &bad_flag);
  const size_t start = bad_flag.size();
  encode_replica_item(LogPut{"k", {{1, 1}, std::nullopt}}, &bad_flag);
  bad_flag.back() = 2;
  EXPECT_THAT(decode_replica_items(bad_flag, &decoded).message(),
              HasSubstr(fmt::format("item at payload offset {}: present flag 2", start)));
  EXPECT_THAT(decode_replica_items(payload.substr(0, payload.size() - 1), &decoded).message(),
              HasSubstr("truncated"));
}

}  // namespace
}  // namespace faultline::dht
