#include "targets/kvstate/kv_state.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace faultline::kv {
namespace {

using namespace std::string_literals;
using Args = std::vector<std::string>;

Command command(const Args& request) {
  Command c;
  Status st = validate(request, &c);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return c;
}

// Runs a request the way the server does: reads from the state, writes
// through a log entry. Returns the reply bytes.
std::string run(KvState* kv, const Args& request) {
  const Command c = command(request);
  std::string reply;
  if (is_read_only(c.op)) {
    kv->read(c, &reply);
  } else {
    Status st = kv->apply(encode_entry(c), &reply);
    EXPECT_TRUE(st.is_ok()) << st.message();
  }
  return reply;
}

const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

TEST(KvState, GetSetDel) {
  KvState kv;
  EXPECT_EQ(run(&kv, {"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(run(&kv, {"SET", "k", "v\r\n"}), "+OK\r\n");
  EXPECT_EQ(run(&kv, {"GET", "k"}), "$3\r\nv\r\n\r\n");
  EXPECT_EQ(run(&kv, {"SET", "k", ""}), "+OK\r\n");
  EXPECT_EQ(run(&kv, {"GET", "k"}), "$0\r\n\r\n");
  EXPECT_EQ(run(&kv, {"SET", "j", "1"}), "+OK\r\n");
  EXPECT_EQ(run(&kv, {"DEL", "k", "k", "missing", "j"}), ":2\r\n");
  EXPECT_EQ(run(&kv, {"DEL", "k"}), ":0\r\n");
  EXPECT_EQ(run(&kv, {"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(kv.key_count(), 0u);
}

TEST(KvState, Cas) {
  KvState kv;
  EXPECT_EQ(run(&kv, {"CAS", "k", "", "x"}), ":0\r\n");  // missing is not ""
  EXPECT_EQ(run(&kv, {"GET", "k"}), "$-1\r\n");
  run(&kv, {"SET", "k", "a"});
  EXPECT_EQ(run(&kv, {"CAS", "k", "b", "c"}), ":0\r\n");
  EXPECT_EQ(run(&kv, {"GET", "k"}), "$1\r\na\r\n");
  EXPECT_EQ(run(&kv, {"CAS", "k", "a", "c"}), ":1\r\n");
  EXPECT_EQ(run(&kv, {"GET", "k"}), "$1\r\nc\r\n");
  run(&kv, {"SADD", "s", "a"});
  EXPECT_EQ(run(&kv, {"CAS", "s", "a", "b"}), kWrongType);
}

TEST(KvState, Append) {
  KvState kv;
  EXPECT_EQ(run(&kv, {"APPEND", "k", "ab"}), ":2\r\n");
  EXPECT_EQ(run(&kv, {"APPEND", "k", "cde"}), ":5\r\n");
  EXPECT_EQ(run(&kv, {"GET", "k"}), "$5\r\nabcde\r\n");
  run(&kv, {"SADD", "s", "a"});
  EXPECT_EQ(run(&kv, {"APPEND", "s", "x"}), kWrongType);
}

TEST(KvState, IncrBy) {
  KvState kv;
  EXPECT_EQ(run(&kv, {"INCRBY", "n", "5"}), ":5\r\n");
  EXPECT_EQ(run(&kv, {"INCRBY", "n", "-7"}), ":-2\r\n");
  EXPECT_EQ(run(&kv, {"GET", "n"}), "$2\r\n-2\r\n");
  run(&kv, {"SET", "n", "9223372036854775806"});
  EXPECT_EQ(run(&kv, {"INCRBY", "n", "1"}), ":9223372036854775807\r\n");
  EXPECT_EQ(run(&kv, {"INCRBY", "n", "1"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(run(&kv, {"GET", "n"}), "$19\r\n9223372036854775807\r\n");
  for (const char* not_integer : {"abc", "", "01", " 1", "1.0"}) {
    run(&kv, {"SET", "s", not_integer});
    EXPECT_EQ(run(&kv, {"INCRBY", "s", "1"}), "-ERR value is not an integer or out of range\r\n");
  }
  run(&kv, {"SADD", "set", "a"});
  EXPECT_EQ(run(&kv, {"INCRBY", "set", "1"}), kWrongType);
}

TEST(KvState, Sets) {
  KvState kv;
  EXPECT_EQ(run(&kv, {"SMEMBERS", "s"}), "*0\r\n");
  EXPECT_EQ(run(&kv, {"SADD", "s", "b", "a", "b"}), ":2\r\n");
  EXPECT_EQ(run(&kv, {"SADD", "s", "a", "c"}), ":1\r\n");
  EXPECT_EQ(run(&kv, {"SMEMBERS", "s"}), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(run(&kv, {"GET", "s"}), kWrongType);
  run(&kv, {"SET", "k", "v"});
  EXPECT_EQ(run(&kv, {"SADD", "k", "a"}), kWrongType);
  EXPECT_EQ(run(&kv, {"SMEMBERS", "k"}), kWrongType);
  EXPECT_EQ(run(&kv, {"SET", "s", "now a string"}), "+OK\r\n");  // SET replaces any type
  EXPECT_EQ(run(&kv, {"GET", "s"}), "$12\r\nnow a string\r\n");
}

TEST(KvState, MGetReadsOtherTypesAsNil) {
  KvState kv;
  run(&kv, {"SET", "a", "1"});
  run(&kv, {"SADD", "s", "x"});
  EXPECT_EQ(run(&kv, {"MGET", "a", "missing", "s", "a"}),
            "*4\r\n$1\r\n1\r\n$-1\r\n$-1\r\n$1\r\n1\r\n");
}

TEST(KvState, Ping) {
  KvState kv;
  EXPECT_EQ(run(&kv, {"PING"}), "+PONG\r\n");
  EXPECT_EQ(run(&kv, {"PING", "hi"}), "$2\r\nhi\r\n");
}

TEST(KvState, ReadRefusesWrites) {
  KvState kv;
  std::string reply;
  kv.read(command({"SET", "k", "v"}), &reply);
  EXPECT_EQ(reply, "-ERR 'set' writes: it must go through the log\r\n");
  EXPECT_EQ(kv.key_count(), 0u);
}

TEST(KvState, BatchAppliesEveryCommandAndAnswersAnArray) {
  KvState kv;
  run(&kv, {"SADD", "s", "x"});
  std::string reply;
  ASSERT_TRUE(kv.apply(encode_batch({command({"SET", "a", "1"}), command({"INCRBY", "s", "1"}),
                                     command({"INCRBY", "a", "2"}), command({"GET", "a"}),
                                     command({"PING"})}),
                       &reply)
                  .is_ok());
  EXPECT_EQ(reply, "*5\r\n+OK\r\n" + kWrongType + ":3\r\n$1\r\n3\r\n+PONG\r\n");
  EXPECT_EQ(run(&kv, {"GET", "a"}), "$1\r\n3\r\n");
}

TEST(KvState, CorruptedEntryChangesNothing) {
  KvState kv;
  run(&kv, {"SET", "k", "v"});
  const std::string before = kv.snapshot();
  std::string entry = encode_batch({command({"SET", "k", "w"}), command({"DEL", "k"})});
  entry.pop_back();  // the last argument is truncated: nothing may apply
  std::string reply;
  Status st = kv.apply(entry, &reply);
  EXPECT_EQ(st.code(), Status::Code::kMalformed);
  EXPECT_EQ(st.message(), "kv log entry: truncated argument at byte 11");
  EXPECT_EQ(reply, "");
  EXPECT_EQ(kv.snapshot(), before);
}

TEST(KvState, SnapshotLayout) {
  KvState kv;
  EXPECT_EQ(kv.snapshot(), "FLKV\x01\x00"s);
  run(&kv, {"SADD", "s", "b", "a"});
  run(&kv, {"SET", "k", "v"});
  EXPECT_EQ(kv.snapshot(),
            "FLKV\x01\x02\x00\x01k\x01v\x01\x01s\x02\x01"
            "a\x01"
            "b"s);
}

TEST(KvState, SnapshotRoundTripAndDeterminism) {
  KvState a, b;
  for (int i = 0; i < 50; ++i) {
    run(&a, {"SET", "k" + std::to_string(i), std::to_string(i)});
    run(&a, {"SADD", "s" + std::to_string(i % 7), std::to_string(i)});
  }
  for (int i = 49; i >= 0; --i) {  // same state, built in another order
    run(&b, {"SADD", "s" + std::to_string(i % 7), std::to_string(i)});
    run(&b, {"SET", "k" + std::to_string(i), "x"});
    run(&b, {"CAS", "k" + std::to_string(i), "x", std::to_string(i)});
  }
  EXPECT_EQ(a.snapshot(), b.snapshot());
  KvState c;
  run(&c, {"SET", "old", "gone after restore"});
  ASSERT_TRUE(c.restore(a.snapshot()).is_ok());
  EXPECT_EQ(c.snapshot(), a.snapshot());
  EXPECT_EQ(run(&c, {"GET", "old"}), "$-1\r\n");
  EXPECT_EQ(run(&c, {"GET", "k7"}), "$1\r\n7\r\n");
  EXPECT_EQ(run(&c, {"SADD", "s0", "0", "new"}), ":1\r\n");
}

std::string restore_error(const std::string& snapshot) {
  KvState kv;
  run(&kv, {"SET", "keep", "me"});
  const std::string before = kv.snapshot();
  Status st = kv.restore(snapshot);
  EXPECT_EQ(st.code(), Status::Code::kMalformed) << testing::PrintToString(snapshot);
  EXPECT_EQ(kv.snapshot(), before);
  return st.message();
}

TEST(KvState, CorruptedSnapshots) {
  EXPECT_EQ(restore_error(""), "kv snapshot: missing \"FLKV\" header at byte 0");
  EXPECT_EQ(restore_error("FLKV\x02\x00"s), "kv snapshot: unknown version at byte 4");
  EXPECT_EQ(restore_error("FLKV\x01\x01"s), "kv snapshot: bad key count at byte 5");
  EXPECT_EQ(restore_error("FLKV\x01\x01\x02\x01k\x01v"s),
            "kv snapshot: unknown value type 2 at byte 6");
  EXPECT_EQ(restore_error("FLKV\x01\x02\x00\x01k\x01v\x00\x01k\x01w"s),
            "kv snapshot: keys not in increasing order at byte 11");
  EXPECT_EQ(restore_error("FLKV\x01\x02\x00\x01k\x01v\x00\x01j\x01w"s),
            "kv snapshot: keys not in increasing order at byte 11");
  EXPECT_EQ(restore_error("FLKV\x01\x01\x01\x01s\x00\x00\x00"s),
            "kv snapshot: bad set size at byte 9");
  EXPECT_EQ(restore_error("FLKV\x01\x01\x01\x01s\x02\x01"
                          "b\x01"
                          "a"s),
            "kv snapshot: set members not in increasing order at byte 12");
  EXPECT_EQ(restore_error("FLKV\x01\x01\x00\x01k\x05v\x00\x00"s),
            "kv snapshot: truncated value at byte 9");
  EXPECT_EQ(restore_error("FLKV\x01\x01\x00\x01k\x01vx"s),
            "kv snapshot: trailing bytes at byte 11");
}

TEST(KvState, EveryTruncatedSnapshotIsRefused) {
  KvState kv;
  run(&kv, {"SET", "k", "value"});
  run(&kv, {"SADD", "s", "a", "bb", "ccc"});
  const std::string snapshot = kv.snapshot();
  for (size_t len = 0; len < snapshot.size(); ++len) {
    KvState other;
    EXPECT_FALSE(other.restore(snapshot.substr(0, len)).is_ok()) << len;
  }
}

}  // namespace
}  // namespace faultline::kv
