#include "targets/kvstate/kv_session.h"

#include <gtest/gtest.h>

#include "targets/kvstate/kv_state.h"

namespace faultline::kv {
namespace {

using Args = std::vector<std::string>;

// Plays a session against a state the way the server does (every proposal
// commits at once), returning the reply bytes.
std::string run(Session* session, KvState* kv, const Args& request) {
  Action action = session->handle(request);
  std::string reply = action.reply;
  switch (action.kind) {
    case Action::Kind::kReply: EXPECT_NE(reply, ""); break;
    case Action::Kind::kRead: kv->read(action.read, &reply); break;
    case Action::Kind::kPropose: {
      Status st = kv->apply(action.entry, &reply);
      EXPECT_TRUE(st.is_ok()) << st.message();
      break;
    }
  }
  return reply;
}

TEST(KvSession, RoutesRequests) {
  Session s;
  Action ping = s.handle({"PING"});
  EXPECT_EQ(ping.kind, Action::Kind::kReply);
  EXPECT_EQ(ping.reply, "+PONG\r\n");

  Action get = s.handle({"get", "k"});
  EXPECT_EQ(get.kind, Action::Kind::kRead);
  EXPECT_EQ(get.read, (Command{Op::kGet, {"k"}}));

  Action set = s.handle({"SET", "k", "v"});
  EXPECT_EQ(set.kind, Action::Kind::kPropose);
  EXPECT_EQ(set.entry, encode_entry(Command{Op::kSet, {"k", "v"}}));

  Action bad = s.handle({"GET"});
  EXPECT_EQ(bad.kind, Action::Kind::kReply);
  EXPECT_EQ(bad.reply, "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(s.handle({"nope", "x"}).reply, "-ERR unknown command 'nope'\r\n");
}

TEST(KvSession, MultiExecIsOneEntry) {
  Session s;
  KvState kv;
  EXPECT_EQ(run(&s, &kv, {"SET", "n", "1"}), "+OK\r\n");
  EXPECT_EQ(run(&s, &kv, {"multi"}), "+OK\r\n");
  EXPECT_TRUE(s.in_transaction());
  EXPECT_EQ(run(&s, &kv, {"INCRBY", "n", "2"}), "+QUEUED\r\n");
  EXPECT_EQ(run(&s, &kv, {"GET", "n"}), "+QUEUED\r\n");
  EXPECT_EQ(run(&s, &kv, {"PING"}), "+QUEUED\r\n");
  EXPECT_EQ(kv.snapshot(), [] {
    KvState expected;  // nothing applied before EXEC
    std::string reply;
    EXPECT_TRUE(expected.apply(encode_entry(Command{Op::kSet, {"n", "1"}}), &reply).is_ok());
    return expected.snapshot();
  }());
  Action exec = s.handle({"EXEC"});
  EXPECT_FALSE(s.in_transaction());
  ASSERT_EQ(exec.kind, Action::Kind::kPropose);
  EXPECT_EQ(exec.entry, encode_batch({Command{Op::kIncrBy, {"n", "2"}}, Command{Op::kGet, {"n"}},
                                      Command{Op::kPing, {}}}));
  std::string reply;
  ASSERT_TRUE(kv.apply(exec.entry, &reply).is_ok());
  EXPECT_EQ(reply, "*3\r\n:3\r\n$1\r\n3\r\n+PONG\r\n");
}

TEST(KvSession, EmptyExec) {
  Session s;
  KvState kv;
  run(&s, &kv, {"MULTI"});
  EXPECT_EQ(run(&s, &kv, {"EXEC"}), "*0\r\n");
  EXPECT_FALSE(s.in_transaction());
}

TEST(KvSession, InvalidCommandAbortsTheTransaction) {
  Session s;
  KvState kv;
  run(&s, &kv, {"MULTI"});
  EXPECT_EQ(run(&s, &kv, {"SET", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(run(&s, &kv, {"SET", "b"}), "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(run(&s, &kv, {"SET", "c", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(run(&s, &kv, {"EXEC"}),
            "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_FALSE(s.in_transaction());
  EXPECT_EQ(kv.key_count(), 0u);
  // The next transaction starts clean.
  run(&s, &kv, {"MULTI"});
  run(&s, &kv, {"SET", "a", "1"});
  EXPECT_EQ(run(&s, &kv, {"EXEC"}), "*1\r\n+OK\r\n");
}

TEST(KvSession, Discard) {
  Session s;
  KvState kv;
  run(&s, &kv, {"MULTI"});
  run(&s, &kv, {"SET", "a", "1"});
  EXPECT_EQ(run(&s, &kv, {"DISCARD"}), "+OK\r\n");
  EXPECT_FALSE(s.in_transaction());
  EXPECT_EQ(kv.key_count(), 0u);
  EXPECT_EQ(run(&s, &kv, {"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST(KvSession, ControlCommandErrors) {
  Session s;
  KvState kv;
  EXPECT_EQ(run(&s, &kv, {"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(run(&s, &kv, {"discard"}), "-ERR DISCARD without MULTI\r\n");
  EXPECT_EQ(run(&s, &kv, {"MULTI", "x"}), "-ERR wrong number of arguments for 'multi' command\r\n");
  EXPECT_FALSE(s.in_transaction());
  run(&s, &kv, {"MULTI"});
  EXPECT_EQ(run(&s, &kv, {"MULTI"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(run(&s, &kv, {"SET", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(run(&s, &kv, {"EXEC"}), "*1\r\n+OK\r\n");  // a nested MULTI does not abort
  run(&s, &kv, {"MULTI"});
  EXPECT_EQ(run(&s, &kv, {"EXEC", "now"}), "-ERR wrong number of arguments for 'exec' command\r\n");
  EXPECT_TRUE(s.in_transaction());
  EXPECT_EQ(run(&s, &kv, {"EXEC"}),
            "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

}  // namespace
}  // namespace faultline::kv
