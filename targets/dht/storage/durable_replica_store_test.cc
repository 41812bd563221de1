// DurableReplicaStore: the replica log's Records (values, tombstones) survive
// a crash in replicas.log, and the codec's round trip and malformed items.
// The log's own rules (group commit, torn tails, bit flips, power loss,
// compaction) are tested once, in targets/common/keyed_log_test.cc.
#include "targets/dht/storage/durable_replica_store.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/common/fault_injection_env.h"
#include "targets/common/record_format.h"

namespace faultline::dht {
namespace {

using common::FaultInjectionEnv;
using testing::HasSubstr;

constexpr const char* kDir = "/dht";
constexpr const char* kLog = "/dht/replicas.log";

TEST(DurableReplicaStore, RecordsAndTombstonesSurviveACrash) {
  FaultInjectionEnv env;
  ASSERT_TRUE(env.create_dir(kDir).is_ok());
  std::unique_ptr<DurableReplicaStore> store;
  ASSERT_TRUE(DurableReplicaStore::open(&env, kDir, {}, &store).is_ok());
  store->put("a", {{1, 1}, "a1"});
  store->put("b", {{4, 2}, std::nullopt});  // a delete: a tombstone
  store->put("c", {{5, 1}, ""});
  store->set_issued_counter(5);
  ASSERT_TRUE(store->sync().is_ok());
  store->put("a", {{9, 9}, "lost"});  // not synced
  store.reset();
  env.crash();
  ASSERT_TRUE(DurableReplicaStore::open(&env, kDir, {}, &store).is_ok());
  EXPECT_EQ(store->get("a"), (Record{{1, 1}, "a1"}));
  EXPECT_EQ(store->get("b"), (Record{{4, 2}, std::nullopt}));  // the tombstone is kept
  EXPECT_EQ(store->get("c"), (Record{{5, 1}, ""}));
  EXPECT_EQ(store->get("never"), Record{});
  EXPECT_EQ(store->issued_counter(), 5u);
  std::vector<std::string> names;
  ASSERT_TRUE(env.list_dir(kDir, &names).is_ok());
  EXPECT_EQ(names, std::vector<std::string>{"replicas.log"});
}

TEST(DurableReplicaStore, RecordFieldsRoundTripAndMalformedOnesAreRefusedNamingTheOffset) {
  for (const Record& record : {Record{{5, 2}, "v"}, Record{{6, 1}, std::nullopt}}) {
    std::string fields;
    common::encode_fields(record, &fields);
    kv::ByteReader in(fields);
    Record decoded;
    ASSERT_TRUE(common::decode_fields(in, &decoded).is_ok());
    EXPECT_EQ(decoded, record);
    EXPECT_EQ(in.remaining(), 0u);
  }
  std::string fields;
  common::encode_fields(Record{{1, 1}, std::nullopt}, &fields);
  Record decoded;
  kv::ByteReader truncated(std::string_view(fields).substr(0, fields.size() - 1));
  EXPECT_THAT(common::decode_fields(truncated, &decoded).message(), HasSubstr("truncated"));
  // In a log: a bad present flag is refused naming the record and the item.
  FaultInjectionEnv env;
  ASSERT_TRUE(env.create_dir(kDir).is_ok());
  std::unique_ptr<DurableReplicaStore> store;
  ASSERT_TRUE(DurableReplicaStore::open(&env, kDir, {}, &store).is_ok());
  store.reset();
  std::string header;
  ASSERT_TRUE(env.read_file(kLog, &header).is_ok());
  fields.back() = 2;
  std::string put = "\x02";
  kv::put_bytes(&put, "k");
  env.set_durable_contents(kLog, header + common::encode_record(put + fields));
  EXPECT_THAT(DurableReplicaStore::open(&env, kDir, {}, &store).message(),
              HasSubstr(fmt::format("{}: corrupt record at offset {}: item at payload offset 0: "
                                    "present flag 2, expected 0 or 1",
                                    kLog, header.size())));
}

}  // namespace
}  // namespace faultline::dht
