// RespSession and the workload clients against scripted RESP servers on
// 127.0.0.1: how redirects, error replies, hangs and dropped connections
// become ok, fail and info.
#include "workloads/resp_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "workloads/fake_resp_server.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

using namespace std::chrono_literals;
using Action = FakeRespServer::Action;

ClientContext context_for(const std::vector<const FakeRespServer*>& servers, int thread = 0,
                          std::chrono::milliseconds timeout = 500ms) {
  ClientContext c;
  for (size_t i = 0; i < servers.size(); ++i)
    c.nodes.push_back({"n" + std::to_string(i + 1), "127.0.0.1", servers[i]->port()});
  c.process = thread;
  c.thread = thread;
  c.timeout = timeout;
  return c;
}

std::unique_ptr<Client> client_of(const std::string& workload, const ClientContext& context) {
  Workload w;
  const Status st = make_workload(workload, WorkloadOptions{}, &w);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return w.client(context);
}

Op invoke(std::string f, nlohmann::json value, nlohmann::json key = nullptr) {
  Op op = gen::op(std::move(f), std::move(value));
  op.key = std::move(key);
  return op;
}

// A server that answers every request with `bytes`.
FakeRespServer::Handler always(std::string bytes) {
  return [bytes](const std::vector<std::string>&) { return FakeRespServer::reply(bytes); };
}

TEST(ErrorMeansNotApplied, KnownRefusalsOnly) {
  EXPECT_TRUE(error_means_not_applied("NOTLEADER 127.0.0.1:7001"));
  EXPECT_TRUE(error_means_not_applied("WRONGTYPE Operation against a key holding the wrong kind"));
  EXPECT_TRUE(error_means_not_applied("ERR unknown command 'FOO'"));
  EXPECT_TRUE(error_means_not_applied("EXECABORT Transaction discarded"));
  EXPECT_TRUE(error_means_not_applied(
      "ERR write dropped: another leader's entry took its place in the log; not applied"));
  EXPECT_FALSE(error_means_not_applied("ERR outcome unknown: a snapshot jumped past it"));
  EXPECT_FALSE(error_means_not_applied("ERR something we never heard of"));
  EXPECT_FALSE(error_means_not_applied("ERR not applied here, maybe"));
}

TEST(RegisterClient, WriteReadAndCasOnTheServedKey) {
  FakeRespServer server([](const std::vector<std::string>& r) {
    if (r[0] == "SET") return FakeRespServer::reply("+OK\r\n");
    if (r[0] == "GET")
      return FakeRespServer::reply(r[1] == "register:3" ? "$1\r\n4\r\n" : "$-1\r\n");
    if (r[0] == "CAS") return FakeRespServer::reply(r[2] == "4" ? ":1\r\n" : ":0\r\n");
    return FakeRespServer::reply("-ERR unknown command\r\n");
  });
  auto client = client_of("register", context_for({&server}));
  Op c = client->invoke(invoke("write", 4, 3));
  EXPECT_EQ(c.type, EventType::kOk);
  EXPECT_EQ(c.node, "n1");
  EXPECT_EQ(c.key, 3);
  EXPECT_EQ(client->invoke(invoke("read", nullptr, 3)).value, 4);
  c = client->invoke(invoke("read", nullptr, 7));
  EXPECT_EQ(c.type, EventType::kOk);
  EXPECT_TRUE(c.value.is_null());
  EXPECT_EQ(client->invoke(invoke("cas", {4, 1}, 3)).type, EventType::kOk);
  c = client->invoke(invoke("cas", {2, 1}, 3));
  EXPECT_EQ(c.type, EventType::kFail);
  EXPECT_EQ(c.error, "cas mismatch");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests[0], (std::vector<std::string>{"SET", "register:3", "4"}));
  EXPECT_EQ(requests[4], (std::vector<std::string>{"CAS", "register:3", "2", "1"}));
}

TEST(RespSession, StartsOnProcessModNodes) {
  FakeRespServer a(always("+OK\r\n")), b(always("+OK\r\n"));
  auto client = client_of("register", context_for({&a, &b}, 3));
  EXPECT_EQ(client->invoke(invoke("write", 1, 0)).node, "n2");
  EXPECT_TRUE(a.requests().empty());
}

TEST(RespSession, EveryOpStartsAtItsOwnNodeAndFollowsNotLeader) {
  FakeRespServer leader(always("+OK\r\n"));
  FakeRespServer follower(always("-NOTLEADER 127.0.0.1:" + std::to_string(leader.port()) + "\r\n"));
  auto client = client_of("register", context_for({&follower, &leader}));
  for (int i = 0; i < 3; ++i) {
    const Op c = client->invoke(invoke("write", i, 0));
    EXPECT_EQ(c.type, EventType::kOk);
    EXPECT_EQ(c.node, "n2");
  }
  // Each op asks its own node first (so a follower that wrongly serves
  // requests is noticed), then the leader, over connections kept open.
  EXPECT_EQ(follower.requests().size(), 3u);
  EXPECT_EQ(leader.requests().size(), 3u);
  EXPECT_EQ(follower.connections(), 1);
  EXPECT_EQ(leader.connections(), 1);
}

TEST(RespSession, NoLeaderKnownFails) {
  FakeRespServer server(always("-NOTLEADER unknown\r\n"));
  auto client = client_of("counter", context_for({&server}));
  const Op c = client->invoke(invoke("add", 2));
  EXPECT_EQ(c.type, EventType::kFail);
  EXPECT_EQ(c.error, "NOTLEADER unknown");
  EXPECT_EQ(c.node, "n1");
}

TEST(RespSession, RedirectLoopsAreBounded) {
  // A chain start -> to_a -> to_b -> b, which knows no leader: followed to
  // the end (kMaxRedirects redirects), then fail.
  FakeRespServer b(always("-NOTLEADER unknown\r\n"));
  FakeRespServer to_b(always("-NOTLEADER 127.0.0.1:" + std::to_string(b.port()) + "\r\n"));
  FakeRespServer to_a(always("-NOTLEADER 127.0.0.1:" + std::to_string(to_b.port()) + "\r\n"));
  FakeRespServer start(always("-NOTLEADER 127.0.0.1:" + std::to_string(to_a.port()) + "\r\n"));
  auto client = client_of("counter", context_for({&start}));
  Op c = client->invoke(invoke("add", 1));
  EXPECT_EQ(c.type, EventType::kFail);
  EXPECT_EQ(c.error, "NOTLEADER unknown");
  EXPECT_EQ(c.node, "127.0.0.1:" + std::to_string(b.port()));  // not a configured node
  EXPECT_EQ(b.requests().size(), 1u);
  // A server that redirects to itself: kMaxRedirects + 1 tries, then fail.
  std::atomic<int> self_port{0};
  FakeRespServer loop([&self_port](const std::vector<std::string>&) {
    return FakeRespServer::reply("-NOTLEADER 127.0.0.1:" + std::to_string(self_port) + "\r\n");
  });
  self_port = loop.port();
  auto looping = client_of("counter", context_for({&loop}));
  c = looping->invoke(invoke("add", 1));
  EXPECT_EQ(c.type, EventType::kFail);
  EXPECT_NE(c.error.find("redirects in a row"), std::string::npos) << c.error;
  EXPECT_EQ(loop.requests().size(), static_cast<size_t>(RespSession::kMaxRedirects + 1));
}

TEST(RespSession, ErrorRepliesFailOnlyWhenKnownNotApplied) {
  struct Case {
    std::string reply;
    EventType expected;
  };
  const std::vector<Case> cases = {
      {"-ERR write dropped: another leader's entry took its place; not applied\r\n",
       EventType::kFail},
      {"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", EventType::kFail},
      {"-ERR outcome unknown: InstallSnapshot jumped past it\r\n", EventType::kInfo},
      {"-ERR disk on fire\r\n", EventType::kInfo},
  };
  for (const Case& k : cases) {
    FakeRespServer server(always(k.reply));
    auto client = client_of("counter", context_for({&server}));
    const Op c = client->invoke(invoke("add", 1));
    EXPECT_EQ(c.type, k.expected) << k.reply;
    EXPECT_EQ(c.error + "\r\n", k.reply.substr(1)) << k.reply;
  }
}

TEST(RespSession, TimeoutAfterSendingIsInfoWithinTheTimeout) {
  FakeRespServer server([](const std::vector<std::string>&) { return FakeRespServer::hang(); });
  auto client = client_of("counter", context_for({&server}, 0, 200ms));
  const auto start = std::chrono::steady_clock::now();
  const Op c = client->invoke(invoke("add", 1));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(c.type, EventType::kInfo);
  EXPECT_NE(c.error.find("timed out"), std::string::npos) << c.error;
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 1s);
}

TEST(RespSession, ConnectionLostAfterSendingIsInfo) {
  FakeRespServer server([](const std::vector<std::string>&) { return FakeRespServer::close(); });
  auto client = client_of("counter", context_for({&server}));
  const Op c = client->invoke(invoke("add", 1));
  EXPECT_EQ(c.type, EventType::kInfo);
  EXPECT_NE(c.error.find("closed"), std::string::npos) << c.error;
}

TEST(RespSession, ConnectFailureIsFail) {
  int port = 0;
  {
    FakeRespServer gone(always("+OK\r\n"));
    port = gone.port();
  }  // nothing listens there now
  ClientContext context;
  context.nodes = {{"n1", "127.0.0.1", port}};
  auto client = client_of("counter", context);
  const Op c = client->invoke(invoke("add", 1));
  EXPECT_EQ(c.type, EventType::kFail);
  EXPECT_NE(c.error.find("connect"), std::string::npos) << c.error;
}

TEST(RespSession, MovesOnToTheNextNodeAfterAConnectionFailure) {
  int dead_port = 0;
  {
    FakeRespServer gone(always("+OK\r\n"));
    dead_port = gone.port();
  }
  FakeRespServer live(always(":1\r\n"));
  ClientContext context = context_for({&live});
  context.nodes.insert(context.nodes.begin(), {"n0", "127.0.0.1", dead_port});
  auto client = client_of("counter", context);
  Op c = client->invoke(invoke("add", 1));
  EXPECT_EQ(c.type, EventType::kFail);
  EXPECT_EQ(c.node, "n0");
  c = client->invoke(invoke("add", 1));
  EXPECT_EQ(c.type, EventType::kOk);
  EXPECT_EQ(c.node, "n1");
}

TEST(RespSession, GoesBackToItsOwnNodeAfterAWhile) {
  std::atomic<bool> own_drops{false};
  FakeRespServer own([&](const std::vector<std::string>&) {
    return own_drops ? FakeRespServer::close() : FakeRespServer::reply("$1\r\n1\r\n");
  });
  FakeRespServer other(always("$1\r\n2\r\n"));
  auto client = client_of("counter", context_for({&own, &other}));
  EXPECT_EQ(client->invoke(invoke("read", nullptr)).node, "n1");
  own_drops = true;
  Op c = client->invoke(invoke("read", nullptr));
  EXPECT_EQ(c.type, EventType::kInfo);
  EXPECT_EQ(c.node, "n1");
  own_drops = false;
  EXPECT_EQ(client->invoke(invoke("read", nullptr)).node, "n2");  // away for a while
  std::this_thread::sleep_for(std::chrono::nanoseconds(HomeNode::kFirstWaitNs));
  c = client->invoke(invoke("read", nullptr));
  EXPECT_EQ(c.type, EventType::kOk) << c.error;
  EXPECT_EQ(c.node, "n1");
}

TEST(RespSession, ReconnectsWhenTheServerClosedAnIdleConnection) {
  FakeRespServer server([](const std::vector<std::string>&) {
    return Action{Action::Kind::kReplyThenClose, ":1\r\n"};
  });
  auto client = client_of("counter", context_for({&server}));
  EXPECT_EQ(client->invoke(invoke("add", 1)).type, EventType::kOk);
  std::this_thread::sleep_for(50ms);  // let the close arrive
  EXPECT_EQ(client->invoke(invoke("add", 1)).type, EventType::kOk);
}

// A scripted bank of 2 accounts at version 7, each holding 5: MGET answers
// that; MULTI, the CASes and EXEC answer as `exec` says.
FakeRespServer::Handler bank_server(std::function<Action(const std::vector<std::string>&)> exec) {
  return [exec](const std::vector<std::string>& r) {
    if (r[0] == "MGET") return FakeRespServer::reply("*2\r\n$3\r\n7:5\r\n$3\r\n7:5\r\n");
    if (r[0] == "MULTI") return FakeRespServer::reply("+OK\r\n");
    if (r[0] == "CAS") return FakeRespServer::reply("+QUEUED\r\n");
    return exec(r);
  };
}

Op bank_transfer(int amount) {
  return invoke("transfer", {{"from", 0}, {"to", 1}, {"amount", amount}});
}

std::unique_ptr<Client> bank_client(const ClientContext& context) {
  Workload w;
  WorkloadOptions options;
  options.accounts = 2;
  EXPECT_TRUE(make_workload("bank", options, &w).is_ok());
  return w.client(context);
}

TEST(BankClient, TransferCasesEveryAccountInOneTransaction) {
  FakeRespServer server(bank_server(
      [](const std::vector<std::string>&) { return FakeRespServer::reply("*2\r\n:1\r\n:1\r\n"); }));
  auto client = bank_client(context_for({&server}));
  const Op c = client->invoke(bank_transfer(3));
  EXPECT_EQ(c.type, EventType::kOk) << c.error;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests[1], (std::vector<std::string>{"MULTI"}));
  EXPECT_EQ(requests[2], (std::vector<std::string>{"CAS", "bank:0", "7:5", "8:2"}));
  EXPECT_EQ(requests[3], (std::vector<std::string>{"CAS", "bank:1", "7:5", "8:8"}));
  EXPECT_EQ(requests[4], (std::vector<std::string>{"EXEC"}));
  // A read reports balances without versions.
  EXPECT_EQ(client->invoke(invoke("read", nullptr)).value, nlohmann::json({{"0", 5}, {"1", 5}}));
}

TEST(BankClient, InsufficientFundsFailsWithoutWriting) {
  FakeRespServer server(bank_server([](const std::vector<std::string>&) {
    return FakeRespServer::reply("-ERR unexpected\r\n");
  }));
  auto client = bank_client(context_for({&server}));
  const Op c = client->invoke(bank_transfer(6));
  EXPECT_EQ(c.type, EventType::kFail);
  EXPECT_EQ(c.error, "insufficient funds");
  EXPECT_EQ(server.commands(), (std::vector<std::string>{"MGET"}));
}

TEST(BankClient, MalformedOpsFailWithoutSending) {
  FakeRespServer server(always("+OK\r\n"));
  auto client = bank_client(context_for({&server}));
  for (const nlohmann::json& bad :
       {nlohmann::json{{"from", "a"}, {"to", 1}, {"amount", 1}},
        nlohmann::json{{"from", 0}, {"to", 0}, {"amount", 1}},
        nlohmann::json{{"from", 0}, {"to", 2}, {"amount", 1}}, nlohmann::json{{"from", 0}}}) {
    const Op c = client->invoke(invoke("transfer", bad));
    EXPECT_EQ(c.type, EventType::kFail) << bad;
    EXPECT_NE(c.error.find("bank client: cannot transfer"), std::string::npos) << c.error;
  }
  EXPECT_EQ(client->invoke(invoke("init", {{"0", 10}})).type, EventType::kFail);  // no "1"
  EXPECT_EQ(client->invoke(invoke("withdraw", 3)).type, EventType::kFail);
  EXPECT_TRUE(server.requests().empty());
}

TEST(BankClient, ConflictsAreRetriedThenFail) {
  FakeRespServer server(bank_server(
      [](const std::vector<std::string>&) { return FakeRespServer::reply("*2\r\n:0\r\n:0\r\n"); }));
  auto client = bank_client(context_for({&server}));
  const Op c = client->invoke(bank_transfer(1));
  EXPECT_EQ(c.type, EventType::kFail);
  EXPECT_NE(c.error.find("cas mismatch"), std::string::npos);
  size_t execs = 0;
  for (const std::string& name : server.commands()) execs += name == "EXEC";
  EXPECT_EQ(execs, 3u);
}

TEST(BankClient, PartlyAppliedTransactionIsInfo) {
  FakeRespServer server(bank_server(
      [](const std::vector<std::string>&) { return FakeRespServer::reply("*2\r\n:1\r\n:0\r\n"); }));
  auto client = bank_client(context_for({&server}));
  const Op c = client->invoke(bank_transfer(1));
  EXPECT_EQ(c.type, EventType::kInfo);
  EXPECT_NE(c.error.find("in part"), std::string::npos) << c.error;
}

TEST(BankClient, NoExecUnlessEveryCommandWasQueued) {
  // The second CAS is refused: the client drops the connection instead of
  // sending EXEC, so nothing was applied.
  int cas = 0;
  FakeRespServer server([&cas](const std::vector<std::string>& r) {
    if (r[0] == "MGET") return FakeRespServer::reply("*2\r\n$3\r\n7:5\r\n$3\r\n7:5\r\n");
    if (r[0] == "MULTI") return FakeRespServer::reply("+OK\r\n");
    if (r[0] == "CAS")
      return FakeRespServer::reply(++cas == 2 ? "-ERR odd failure\r\n" : "+QUEUED\r\n");
    return FakeRespServer::reply("*2\r\n:1\r\n:1\r\n");
  });
  auto client = bank_client(context_for({&server}));
  const Op c = client->invoke(bank_transfer(1));
  EXPECT_EQ(c.type, EventType::kFail);
  EXPECT_EQ(c.error, "ERR odd failure");
  EXPECT_EQ(server.commands(), (std::vector<std::string>{"MGET", "MULTI", "CAS", "CAS"}));
}

TEST(BankClient, HangBeforeExecFailsButHangAtExecIsInfo) {
  {
    FakeRespServer server([](const std::vector<std::string>& r) {
      if (r[0] == "MGET") return FakeRespServer::reply("*2\r\n$3\r\n7:5\r\n$3\r\n7:5\r\n");
      if (r[0] == "MULTI") return FakeRespServer::reply("+OK\r\n");
      return FakeRespServer::hang();
    });
    auto client = bank_client(context_for({&server}, 0, 200ms));
    EXPECT_EQ(client->invoke(bank_transfer(1)).type, EventType::kFail);
  }
  FakeRespServer server(
      bank_server([](const std::vector<std::string>&) { return FakeRespServer::hang(); }));
  auto client = bank_client(context_for({&server}, 0, 200ms));
  EXPECT_EQ(client->invoke(bank_transfer(1)).type, EventType::kInfo);
}

TEST(BankClient, NotLeaderAtExecRetriesTheTransactionOnTheLeader) {
  FakeRespServer leader(bank_server(
      [](const std::vector<std::string>&) { return FakeRespServer::reply("*2\r\n:1\r\n:1\r\n"); }));
  const std::string redirect = "-NOTLEADER 127.0.0.1:" + std::to_string(leader.port()) + "\r\n";
  FakeRespServer deposed(bank_server(
      [redirect](const std::vector<std::string>&) { return FakeRespServer::reply(redirect); }));
  auto client = bank_client(context_for({&deposed, &leader}));
  const Op c = client->invoke(bank_transfer(1));
  EXPECT_EQ(c.type, EventType::kOk) << c.error;
  EXPECT_EQ(c.node, "n2");
  EXPECT_EQ(leader.commands(), (std::vector<std::string>{"MULTI", "CAS", "CAS", "EXEC"}));
}

TEST(SetClient, AddsAndSortedIntegerReads) {
  FakeRespServer server([](const std::vector<std::string>& r) {
    if (r[0] == "SADD") return FakeRespServer::reply(":1\r\n");
    return FakeRespServer::reply("*3\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\nx\r\n");
  });
  auto client = client_of("set", context_for({&server}));
  EXPECT_EQ(client->invoke(invoke("add", 10)).type, EventType::kOk);
  EXPECT_EQ(client->invoke(invoke("read", nullptr)).value, nlohmann::json({2, 10, "x"}));
  EXPECT_EQ(server.requests()[0], (std::vector<std::string>{"SADD", "set", "10"}));
}

TEST(SetClient, WithoutSetsEachElementIsAKey) {
  FakeRespServer server([](const std::vector<std::string>& r) {
    if (r[0] == "SET") return FakeRespServer::reply("+OK\r\n");
    return FakeRespServer::reply(r[1] == "set:1" ? "$-1\r\n" : "$1\r\n1\r\n");
  });
  Workload w;
  WorkloadOptions options;
  options.target.sets = false;
  ASSERT_TRUE(make_workload("set", options, &w).is_ok());
  auto client = w.client(context_for({&server}));
  for (int e : {0, 1, 2}) EXPECT_EQ(client->invoke(invoke("add", e)).type, EventType::kOk);
  EXPECT_EQ(client->invoke(invoke("read", nullptr)).value, nlohmann::json({0, 2}));
  EXPECT_EQ(server.commands(),
            (std::vector<std::string>{"SET", "SET", "SET", "GET", "GET", "GET"}));
  EXPECT_EQ(server.requests().back(), (std::vector<std::string>{"GET", "set:2"}));
}

TEST(CounterClient, ReadOfAMissingCounterIsZero) {
  FakeRespServer server(always("$-1\r\n"));
  auto client = client_of("counter", context_for({&server}));
  const Op c = client->invoke(invoke("read", nullptr));
  EXPECT_EQ(c.type, EventType::kOk);
  EXPECT_EQ(c.value, 0);
}

}  // namespace
}  // namespace faultline
