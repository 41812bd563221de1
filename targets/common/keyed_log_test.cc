// DurableKeyedStore and its KeyedLog, with one-string values: round trips, group
// commit, the recovery rules (a torn tail at every offset is cut off; a bit
// flip in any byte is refused, naming the file and the record's offset),
// power loss at every write step, and compaction, on FaultInjectionEnv; plus
// one round trip on the real disk. (The stores of faultline-dht and
// faultline-paxos test their codecs.)
#include "targets/common/keyed_log.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "targets/common/fault_injection_env.h"
#include "targets/common/record_format.h"

namespace faultline::common {
namespace {

using testing::HasSubstr;

// The values: one string; "" is never stored by the workload, so it means absent.
struct Text {
  std::string s;
  bool operator==(const Text&) const = default;
};
auto log_fields(Text& t) { return std::tie(t.s); }

constexpr char kLogName[] = "strings.log";
using StringStore = DurableKeyedStore<Text, kLogName>;

constexpr const char* kDir = "/keyed";
constexpr const char* kLog = "/keyed/strings.log";

// What a store holds, to compare with what recovery found.
struct Image {
  std::map<std::string, std::string> values;
  uint64_t issued = 0;
  bool operator==(const Image&) const = default;
};

Image image_of(const StringStore& s, const std::vector<std::string>& keys) {
  Image image;
  for (const std::string& k : keys) {
    if (!s.get(k).s.empty()) image.values[k] = s.get(k).s;
  }
  image.issued = s.issued_counter();
  return image;
}

std::ostream& operator<<(std::ostream& os, const Image& image) {
  os << "issued " << image.issued << ":";
  for (const auto& [k, v] : image.values) os << " " << k << "=" << v;
  return os;
}

// A batch of changes, synced together.
struct Batch {
  std::vector<std::pair<std::string, std::string>> puts;
  uint64_t issued = 0;  // 0: unchanged
};

const std::vector<std::string> kKeys = {"a", "b", "c"};

std::vector<Batch> workload() {
  return {
      {{{"a", "a1"}, {"b", "b1"}}, 1},     {{{"a", "a2"}}, 0},
      {{{"c", std::string(300, 'x')}}, 3}, {{{"b", "b2"}}, 0},
      {{{"a", "a3"}, {"c", "c2"}}, 6},
  };
}

// A put item of `key` with `value`, as the log writes it.
std::string put_item(const std::string& key, const std::string& value) {
  std::string item = "\x02";
  kv::put_bytes(&item, key);
  kv::put_bytes(&item, value);
  return item;
}

void apply(const Batch& b, StringStore& store) {
  for (const auto& [k, r] : b.puts) store.put(k, {r});
  if (b.issued) store.set_issued_counter(b.issued);
}

class KeyedLogTest : public testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.create_dir(kDir).is_ok()); }

  Status open(std::unique_ptr<StringStore>* store, KeyedLogOptions options = {}) {
    return StringStore::open(&env_, kDir, options, store);
  }

  // Writes the workload, one sync per batch; returns the image after each
  // batch (images[0]: empty) and the log size after each.
  void write_workload(std::vector<Image>* images, std::vector<uint64_t>* sizes) {
    std::unique_ptr<StringStore> store;
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

TEST_F(KeyedLogTest, SyncedStateSurvivesACrashAndUnsyncedStateDoesNot) {
  std::vector<Image> images;
  std::vector<uint64_t> sizes;
  write_workload(&images, &sizes);
  {
    std::unique_ptr<StringStore> store;
    ASSERT_TRUE(open(&store).is_ok());
    EXPECT_EQ(image_of(*store, kKeys), images.back());
    EXPECT_EQ(store->recovery_note(), "");
    store->put("a", {"lost"});
    store->set_issued_counter(9);
    EXPECT_TRUE(store->has_unsynced());
  }
  env_.crash();
  std::unique_ptr<StringStore> store;
  ASSERT_TRUE(open(&store).is_ok());
  EXPECT_EQ(image_of(*store, kKeys), images.back());
}

TEST_F(KeyedLogTest, OneSyncIsOneAppendAndOneFdatasyncHoweverManyPuts) {
  std::unique_ptr<StringStore> store;
  ASSERT_TRUE(open(&store).is_ok());
  const uint64_t before = env_.mutation_count();
  for (int i = 0; i < 100; ++i) store->put("k" + std::to_string(i), {"v"});
  ASSERT_TRUE(store->sync().is_ok());
  EXPECT_EQ(env_.mutation_count() - before, 2u);  // append + sync
  ASSERT_TRUE(store->sync().is_ok());             // nothing new: no I/O
  EXPECT_EQ(env_.mutation_count() - before, 2u);
}

// The steps a server takes to sync on another thread: puts made while the
// written record syncs wait for the next record, and only synced records
// survive a crash.
TEST_F(KeyedLogTest, PutsDuringASyncInStepsGoToTheNextRecord) {
  std::unique_ptr<StringStore> store;
  ASSERT_TRUE(open(&store).is_ok());
  bool written = false;
  ASSERT_TRUE(store->write_pending(&written).is_ok());
  EXPECT_FALSE(written);  // nothing buffered: nothing to sync
  store->put("a", {"1"});
  ASSERT_TRUE(store->write_pending(&written).is_ok());
  EXPECT_TRUE(written);
  store->put("b", {"2"});  // while the record of "a" syncs
  EXPECT_TRUE(store->has_unsynced());
  ASSERT_TRUE(store->finish_sync(store->sync_written()).is_ok());
  EXPECT_TRUE(store->has_unsynced());  // "b" waits for the next record
  env_.crash();
  ASSERT_TRUE(open(&store).is_ok());
  EXPECT_EQ(store->get("a").s, "1");
  EXPECT_EQ(store->get("b").s, "");
}

TEST_F(KeyedLogTest, AFailedSyncInStepsFailsEveryLaterSync) {
  std::unique_ptr<StringStore> store;
  ASSERT_TRUE(open(&store).is_ok());
  store->put("a", {"1"});
  bool written = false;
  ASSERT_TRUE(store->write_pending(&written).is_ok());
  EXPECT_FALSE(store->finish_sync(Status::io_error("fdatasync: EIO")).is_ok());
  store->put("b", {"2"});
  EXPECT_FALSE(store->write_pending(&written).is_ok());
  EXPECT_FALSE(store->sync().is_ok());
}

TEST_F(KeyedLogTest, TornTailAtEveryOffsetKeepsExactlyTheCompleteBatches) {
  std::vector<Image> images;
  std::vector<uint64_t> sizes;
  write_workload(&images, &sizes);
  const std::string full = log_contents();
  ASSERT_EQ(full.size(), sizes.back());
  for (size_t cut = 0; cut < full.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    env_.set_durable_contents(kLog, full.substr(0, cut));
    std::unique_ptr<StringStore> store;
    Status s = open(&store);
    ASSERT_TRUE(s.is_ok()) << s.message();
    size_t complete = 0;  // batches wholly before the cut
    while (complete + 1 < sizes.size() && sizes[complete + 1] <= cut) ++complete;
    EXPECT_EQ(image_of(*store, kKeys), images[complete]);
    EXPECT_EQ(store->recovery_note().empty(), cut == sizes[complete]);
    // The repaired log takes new writes, which survive a crash.
    store->put("z", {"after"});
    ASSERT_TRUE(store->sync().is_ok());
    env_.crash();
    ASSERT_TRUE(open(&store).is_ok());
    EXPECT_EQ(store->get("z").s, "after");
    EXPECT_EQ(store->recovery_note(), "");
  }
}

TEST_F(KeyedLogTest, ZeroFilledTailIsTorn) {
  std::vector<Image> images;
  std::vector<uint64_t> sizes;
  write_workload(&images, &sizes);
  env_.set_durable_contents(kLog, log_contents() + std::string(4096, '\0'));
  std::unique_ptr<StringStore> store;
  ASSERT_TRUE(open(&store).is_ok());
  EXPECT_EQ(image_of(*store, kKeys), images.back());
  EXPECT_THAT(store->recovery_note(), HasSubstr("4096 zero bytes"));
}

TEST_F(KeyedLogTest, BitFlipInAnyByteIsRefusedNamingFileAndRecordOffset) {
  std::vector<Image> images;
  std::vector<uint64_t> sizes;
  write_workload(&images, &sizes);
  const std::string full = log_contents();
  for (size_t i = 0; i < full.size(); ++i) {
    for (int bit : {0, 7}) {
      std::string damaged = full;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      env_.set_durable_contents(kLog, damaged);
      std::unique_ptr<StringStore> store;
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

TEST_F(KeyedLogTest, WellChecksummedGarbageIsRefused) {
  std::unique_ptr<StringStore> store;
  ASSERT_TRUE(open(&store).is_ok());
  const std::string header = log_contents();
  env_.set_durable_contents(kLog, header + encode_record("\x09"));
  Status s = open(&store);
  EXPECT_THAT(s.message(), HasSubstr(fmt::format("{}: corrupt record at offset {}: item at "
                                                 "payload offset 0: unknown item type 9",
                                                 kLog, header.size())));
  env_.set_durable_contents(kLog, encode_record(put_item("k", "v")));
  s = open(&store);
  EXPECT_THAT(s.message(), HasSubstr("does not start with a header item"));
  env_.set_durable_contents(kLog, encode_record("\x01\x02"));  // a header, format 2
  s = open(&store);
  EXPECT_THAT(s.message(), HasSubstr("format 2, this server reads format 1"));
}

// Stops the disk at every mutating step of the workload, then loses power
// keeping a random prefix of the unsynced data: recovery must find exactly the
// last acknowledged state, or the state the failing sync() was writing.
TEST_F(KeyedLogTest, PowerLossAtEveryStepRecoversAnAcknowledgedState) {
  bool compacted = false;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    for (uint64_t steps = 0;; ++steps) {
      SCOPED_TRACE(fmt::format("seed {}, disk stops after {} steps", seed, steps));
      FaultInjectionEnv env;
      ASSERT_TRUE(env.create_dir(kDir).is_ok());
      env.fail_after(steps);
      std::unique_ptr<StringStore> store;
      Image acknowledged, attempted;
      bool finished = false;
      // Small compaction threshold, so that rewrites are crashed too.
      const KeyedLogOptions options{.compact_bytes = 200};
      if (StringStore::open(&env, kDir, options, &store).is_ok()) {
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
      Status s = StringStore::open(&env, kDir, options, &store);
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

TEST_F(KeyedLogTest, CompactionShrinksTheLogAndKeepsTheState) {
  std::unique_ptr<StringStore> store;
  const KeyedLogOptions options{.compact_bytes = 4096};
  ASSERT_TRUE(open(&store, options).is_ok());
  uint64_t largest = 0;
  for (uint64_t i = 1; i <= 500; ++i) {
    store->put("k" + std::to_string(i % 5), {std::string(40, 'v')});
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
  EXPECT_EQ(names, std::vector<std::string>{"strings.log"});
  ASSERT_TRUE(open(&store, options).is_ok());
  EXPECT_EQ(image_of(*store, keys), before);
  EXPECT_EQ(store->issued_counter(), 500u);
}

TEST_F(KeyedLogTest, LeftoverTempFileIsAnUnfinishedCompactionAndIsDeleted) {
  std::vector<Image> images;
  std::vector<uint64_t> sizes;
  write_workload(&images, &sizes);
  env_.set_durable_contents("/keyed/strings.log.tmp", "half a compaction");
  std::unique_ptr<StringStore> store;
  ASSERT_TRUE(open(&store).is_ok());
  EXPECT_EQ(image_of(*store, kKeys), images.back());
  std::vector<std::string> names;
  ASSERT_TRUE(env_.list_dir(kDir, &names).is_ok());
  EXPECT_EQ(names, std::vector<std::string>{"strings.log"});
}

TEST(StringStorePosix, RoundTripOnTheRealFileSystem) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / fmt::format("keyed-log-{}", ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::unique_ptr<StringStore> store;
    ASSERT_TRUE(StringStore::open(posix_env(), dir.string(), {}, &store).is_ok());
    store->put("key", {"value"});
    store->set_issued_counter(7);
    ASSERT_TRUE(store->sync().is_ok());
  }
  std::unique_ptr<StringStore> store;
  ASSERT_TRUE(StringStore::open(posix_env(), dir.string(), {}, &store).is_ok());
  EXPECT_EQ(store->get("key").s, "value");
  EXPECT_EQ(store->issued_counter(), 7u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace faultline::common
