// The rules of the core, one by one, against a synchronous network that
// delivers everything (except what `drop` says) until quiet. The randomized
// tests are in simulation_test.cc.
#include "targets/paxos/core/node.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/random.h"
#include "targets/common/sync_cluster_testing.h"

namespace faultline::paxos {
namespace {

using ::testing::HasSubstr;

Change set_to(std::string v) {
  return [v](const std::string&) { return ChangeResult{v, "OK"}; };
}
Change get() {
  return [](const std::string& current) { return ChangeResult{current, current}; };
}
Change append(std::string suffix) {
  return [suffix](const std::string& current) {
    return ChangeResult{current + suffix, current + suffix};
  };
}

// Nodes 1..3 on the synchronous network of SyncCluster; every node's
// invariants hold before each of its Readys.
class TestCluster : public common::SyncCluster<Node, MemoryAcceptorStore, Config> {
 public:
  explicit TestCluster(Failpoints failpoints = {}) {
    check = [](const Node& n) {
      EXPECT_TRUE(n.check_invariants().is_ok()) << n.check_invariants().message();
    };
    for (uint64_t id = 1; id <= 3; ++id)
      add(id, Config{id, {1, 2, 3}, 30, 5, 3, SplitMix64(id), failpoints});
  }

  // One proposal through `via`, run to completion (ticking for retries).
  Response propose(uint64_t via, Change change, bool read_only = false) {
    const uint64_t request = next_request_++;
    node(via).propose(request, "k", std::move(change), read_only);
    std::vector<Response> rs = run();
    for (int i = 0; rs.empty() && i < 40; ++i) rs = tick(1);
    EXPECT_EQ(rs.size(), 1u);
    return rs.empty() ? Response{} : rs.front();
  }

  // Counts, from now on, the messages of `type` sent by `from` (0: by anyone)
  // that the network carries (it drops none).
  std::shared_ptr<int> count(MessageType type, uint64_t from = 0) {
    auto n = std::make_shared<int>(0);
    drop = [n, type, from](const Message& m) {
      *n += m.type == type && (from == 0 || m.from == from);
      return false;
    };
    return n;
  }

  // Cuts `id` off (both directions) while `drop` is set by isolate().
  void isolate(uint64_t id) {
    drop = [id](const Message& m) { return m.from == id || m.to == id; };
  }

 private:
  uint64_t next_request_ = 1;
};

// The server's crash point `promise` fires after the promises this picks.
TEST(PaxosNode, PreemptsOpenRoundPicksPromisesWhoseLossWouldMatter) {
  Message m;
  m.type = MessageType::kPromise;
  m.ok = true;
  m.ballot = Ballot{9, 3};    // for node 3
  m.promised = Ballot{7, 2};  // replaced node 2's promise
  m.accepted = Ballot{6, 2};  // below it: node 2's round is open here
  EXPECT_TRUE(preempts_open_round(m, 1));
  EXPECT_FALSE(preempts_open_round(m, 2));  // node 2's own round: it dies with it
  Message closed = m;
  closed.accepted = Ballot{7, 2};  // accepted at its promise: nothing left to accept
  EXPECT_FALSE(preempts_open_round(closed, 1));
  Message same = m;
  same.promised = Ballot{8, 3};  // the same proposer's earlier attempt
  EXPECT_FALSE(preempts_open_round(same, 1));
  Message fenced = m;
  fenced.ballot = Ballot{8, 1};  // below next_ballot(7.2) = 8.2: accepting 7.2 would fence it off
  EXPECT_FALSE(preempts_open_round(fenced, 3));
  Message first = m;
  first.promised = Ballot{};  // nothing promised before
  first.accepted = Ballot{};
  EXPECT_FALSE(preempts_open_round(first, 1));
  Message refused = m;
  refused.ok = false;
  EXPECT_FALSE(preempts_open_round(refused, 1));
  Message accepted = m;
  accepted.type = MessageType::kAccepted;
  EXPECT_FALSE(preempts_open_round(accepted, 1));
}

TEST(PaxosNode, ConfigErrors) {
  std::unique_ptr<Node> n;
  MemoryAcceptorStore store;
  Config c{4, {1, 2, 3}, 30, 5, 3, SplitMix64(1), {}};
  EXPECT_THAT(Node::create(c, store, &n).message(), HasSubstr("not a member"));
  c = Config{1, {1, 1, 2}, 30, 5, 3, SplitMix64(1), {}};
  EXPECT_THAT(Node::create(c, store, &n).message(), HasSubstr("distinct"));
  c = Config{1, {1, 2, 3}, 0, 5, 3, SplitMix64(1), {}};
  EXPECT_THAT(Node::create(c, store, &n).message(), HasSubstr(">= 1"));
  c = Config{1, {1, 2, 3}, 30, 5, 3, nullptr, {}};
  EXPECT_THAT(Node::create(c, store, &n).message(), HasSubstr("random"));
}

TEST(PaxosNode, ChangesApplyInOrderThroughAnyNode) {
  TestCluster c;
  EXPECT_EQ(c.propose(1, append("a")).reply, "a");
  EXPECT_EQ(c.propose(2, append("b")).reply, "ab");
  EXPECT_EQ(c.propose(3, append("c")).reply, "abc");
  Response r = c.propose(2, get(), /*read_only=*/true);
  EXPECT_EQ(r.status, ResponseStatus::kOk);
  EXPECT_EQ(r.reply, "abc");
  for (uint64_t id = 1; id <= 3; ++id) {
    AcceptorState s = c.store(id).get("k");
    EXPECT_EQ(s.value, "abc");
    EXPECT_GE(s.promised, s.accepted);
    EXPECT_EQ(s.accepted.node, 3u);  // node 3 proposed the last change
  }
}

TEST(PaxosNode, BallotsAreUniqueAndIssuedDurably) {
  TestCluster c;
  c.propose(1, set_to("x"));
  const uint64_t issued = c.store(1).issued_counter();
  EXPECT_GT(issued, 0u);
  c.restart(1);  // a new incarnation issues above what it issued before
  c.propose(1, set_to("y"));
  EXPECT_GT(c.store(1).issued_counter(), issued);
  EXPECT_EQ(c.node(1).max_ballot().node, 1u);
}

TEST(PaxosNode, ReadWithAgreeingQuorumSkipsTheAcceptPhase) {
  TestCluster c;
  c.propose(1, set_to("x"));
  std::shared_ptr<int> accepts = c.count(MessageType::kAccept);
  EXPECT_EQ(c.propose(2, get(), true).reply, "x");
  EXPECT_EQ(*accepts, 0);
}

TEST(PaxosNode, ReadWritesBackAValueOnlyAMinorityHolds) {
  TestCluster c;
  c.propose(1, set_to("x"));
  c.isolate(3);  // node 3 misses y
  c.propose(1, set_to("y"));
  c.drop = [](const Message& m) { return m.from == 2 || m.to == 2; };  // 1 and 3 are the quorum
  EXPECT_EQ(c.propose(3, get(), true).reply, "y");
  EXPECT_EQ(c.store(3).get("k").value, "y");  // written back before the reply
}

TEST(PaxosNode, ReadsPromiseNothing) {
  TestCluster c;
  c.propose(1, set_to("x"));
  const Ballot promised = c.store(2).get("k").promised;
  std::shared_ptr<int> prepares = c.count(MessageType::kPrepare);
  EXPECT_EQ(c.propose(2, get(), true).reply, "x");
  EXPECT_EQ(*prepares, 0);
  EXPECT_EQ(c.store(2).get("k").promised, promised);
}

TEST(PaxosNode, TheNextWriteOfAChosenProposerSkipsThePrepare) {
  TestCluster c;
  c.propose(1, append("a"));
  const Ballot first = c.store(2).get("k").accepted;
  EXPECT_EQ(c.store(2).get("k").promised, next_ballot(first));  // promised with the accept
  std::shared_ptr<int> prepares = c.count(MessageType::kPrepare);
  EXPECT_EQ(c.propose(1, append("b")).reply, "ab");
  EXPECT_EQ(c.propose(1, append("c")).reply, "abc");
  EXPECT_EQ(*prepares, 0);
  EXPECT_EQ(c.store(3).get("k").accepted, next_ballot(next_ballot(first)));
  // Another proposer's write takes a prepare, and then node 1's needs one again.
  EXPECT_EQ(c.propose(2, append("d")).reply, "abcd");
  EXPECT_GT(*prepares, 0);
  *prepares = 0;
  EXPECT_EQ(c.propose(1, append("e")).reply, "abcde");
  EXPECT_GT(*prepares, 0);
}

TEST(PaxosNode, NoQuorumIsUnavailableWithWhatWasMissing) {
  TestCluster c;
  c.drop = [](const Message& m) { return m.to != 1; };  // nobody hears node 1
  Response r = c.propose(1, set_to("x"));
  EXPECT_EQ(r.status, ResponseStatus::kUnavailable);
  EXPECT_THAT(r.reply, HasSubstr("UNAVAILABLE proposal on key 'k': the prepare phase"));
  EXPECT_THAT(r.reply, HasSubstr("heard from nodes [1]"));
  c.drop = nullptr;
  EXPECT_EQ(c.propose(2, get(), true).reply, "");  // nothing was accepted
}

TEST(PaxosNode, ARefusedPrepareRetriesWithAHigherBallot) {
  TestCluster c;
  c.propose(2, set_to("x"));  // node 2's ballot is now above node 1's counter
  c.propose(2, set_to("y"));
  c.propose(2, set_to("z"));
  // Node 1 has seen them: its ballot is still higher. Make 2 and 3 promise
  // a much higher ballot so that node 1's first prepare is refused.
  Message prepare{{3, 2, 99, "k"}, MessageType::kPrepare, Ballot{1000, 3}, false, {}, {}, ""};
  ASSERT_TRUE(c.node(2).step(prepare).is_ok());
  prepare.to = 3;
  ASSERT_TRUE(c.node(3).step(prepare).is_ok());
  c.run();
  Response r = c.propose(1, append("!"));
  EXPECT_EQ(r.status, ResponseStatus::kOk);
  EXPECT_EQ(r.reply, "z!");
  EXPECT_GT(c.store(1).get("k").accepted, (Ballot{1000, 3}));
}

// Node `writer` sets "x"; then node 1 appends "a", and node 3 prepares ballot
// 1000.3 on nodes 2 and 3 just before node 1's accepts reach them.
Response append_preempted_in_accept(TestCluster& c, uint64_t writer) {
  c.propose(writer, set_to("x"));
  bool armed = true;
  c.drop = [&c, &armed](const Message& m) {
    if (m.type == MessageType::kAccept && m.from == 1 && armed) {
      armed = false;
      Message p{{3, 2, 99, "k"}, MessageType::kPrepare, Ballot{1000, 3}, false, {}, {}, ""};
      EXPECT_TRUE(c.node(2).step(p).is_ok());
      p.to = 3;
      EXPECT_TRUE(c.node(3).step(p).is_ok());
    }
    return false;
  };
  c.node(1).propose(7, "k", append("a"), false);
  std::vector<Response> rs = c.run();
  for (int i = 0; rs.empty() && i < 40; ++i) rs = c.tick(1);
  EXPECT_EQ(rs.size(), 1u);
  return rs.empty() ? Response{} : rs.front();
}

TEST(PaxosNode, PreemptedAcceptIsUnknownNeverRetried) {
  TestCluster c;
  // The key is node 1's: its own acceptor accepts at once, and keeps "xa".
  Response r = append_preempted_in_accept(c, 1);
  EXPECT_EQ(r.status, ResponseStatus::kUnavailable);
  EXPECT_THAT(r.reply, HasSubstr("preempted during its accept phase by ballot 1000.3"));
  EXPECT_EQ(c.store(1).get("k").value, "xa");  // held by one acceptor: it may yet be chosen
}

TEST(PaxosNode, AnAcceptEveryAcceptorRefusedIsRetried) {
  TestCluster c;
  // The key's value is node 2's: node 1 asks its own acceptor last, so the
  // refused accept was accepted nowhere.
  Response r = append_preempted_in_accept(c, 2);
  EXPECT_EQ(r.status, ResponseStatus::kOk);
  EXPECT_EQ(r.reply, "xa");  // applied once
  EXPECT_GT(c.store(2).get("k").accepted, (Ballot{1000, 3}));
}

// An accept lost on its way is asked again at the retry interval, of the
// acceptors whose promises the proposal counted too.
TEST(PaxosNode, ALostAcceptIsAskedAgain) {
  TestCluster c;
  c.propose(2, set_to("x"));  // node 1's write must prepare
  // Node 1's first accept to node 2 is lost, and node 3 gets none of them;
  // node 2 promised (the quorum of promises is nodes 1 and 2).
  int to_2 = 0;
  c.drop = [&to_2](const Message& m) {
    if (m.type != MessageType::kAccept || m.from != 1) return false;
    return m.to == 3 || (m.to == 2 && ++to_2 == 1);
  };
  Response r = c.propose(1, append("a"));
  EXPECT_EQ(r.status, ResponseStatus::kOk) << r.reply;
  EXPECT_EQ(r.reply, "xa");
  EXPECT_EQ(to_2, 2);
}

// An accept asked again after its answer was lost is acknowledged again,
// even once the acceptor has promised a higher ballot since: it still holds
// that value at that ballot.
TEST(PaxosNode, AnAcceptTakenAlreadyIsAcknowledgedAgain) {
  TestCluster c;
  std::vector<Message> answers;  // node 2's, none delivered
  c.drop = [&answers](const Message& m) {
    if (m.from == 2 && m.type == MessageType::kAccepted) answers.push_back(m);
    return true;
  };
  const Message accept{{1, 2, 7, "k"}, MessageType::kAccept, Ballot{10, 1}, false, {}, {}, "v"};
  const Message prepare{{3, 2, 8, "k"}, MessageType::kPrepare, Ballot{50, 3}, false, {}, {}, ""};
  for (const Message& m : {accept, prepare, accept}) {
    ASSERT_TRUE(c.node(2).step(m).is_ok());
    c.run();
  }
  Message lower = accept;
  lower.ballot = Ballot{9, 1};  // never taken here: refused
  ASSERT_TRUE(c.node(2).step(lower).is_ok());
  c.run();
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_TRUE(answers[0].ok);
  EXPECT_TRUE(answers[1].ok);
  EXPECT_EQ(answers[1].accepted, (Ballot{10, 1}));
  EXPECT_FALSE(answers[2].ok);
  EXPECT_EQ(answers[2].promised, (Ballot{50, 3}));
  EXPECT_EQ(c.store(2).get("k").promised, (Ballot{50, 3}));
}

TEST(PaxosNode, AProposerLetsAnotherProposersOpenRoundFinish) {
  TestCluster c;
  c.propose(1, set_to("x"));
  // Node 3 has prepared ballot 1000.3 on node 1, and not yet sent its accept.
  Message prepare{{3, 1, 99, "k"}, MessageType::kPrepare, Ballot{1000, 3}, false, {}, {}, ""};
  ASSERT_TRUE(c.node(1).step(prepare).is_ok());
  std::shared_ptr<int> prepares = c.count(MessageType::kPrepare, 1);
  c.node(1).propose(7, "k", append("a"), false);
  EXPECT_TRUE(c.run().empty());
  EXPECT_TRUE(c.tick(1).empty());
  EXPECT_EQ(*prepares, 0);  // waiting instead of preempting ballot 1000.3
  Message accept{{3, 1, 98, "k"}, MessageType::kAccept, Ballot{1000, 3}, false, {}, {}, "y"};
  ASSERT_TRUE(c.node(1).step(accept).is_ok());  // the round reaches its accept phase
  std::vector<Response> rs;
  for (int i = 0; rs.empty() && i < 40; ++i) rs = c.tick(1);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].reply, "ya");  // prepared after it, and built on its value
  EXPECT_GT(*prepares, 0);
}

// A driver may leave an idle node's ticks out and hand them over at once
// (the simulator does): they count as time as the ticks would have, here
// ending the wait for another proposer's open round.
TEST(PaxosNode, SkippedTicksCountAsTime) {
  TestCluster c;
  c.propose(1, set_to("x"));
  Message prepare{{3, 1, 99, "k"}, MessageType::kPrepare, Ballot{1000, 3}, false, {}, {}, ""};
  ASSERT_TRUE(c.node(1).step(prepare).is_ok());
  ASSERT_TRUE(c.node(1).quiescent());
  c.node(1).skip_ticks(2 * 3 + 1);  // past 2 * backoff_ticks: the round is stale
  std::shared_ptr<int> prepares = c.count(MessageType::kPrepare, 1);
  c.node(1).propose(7, "k", append("a"), false);
  EXPECT_FALSE(c.node(1).quiescent());
  c.run();
  EXPECT_GT(*prepares, 0);  // at once, where AProposerLetsAnotherProposersOpenRoundFinish waits
}

TEST(PaxosNode, DuplicatesAndMisaddressedMessages) {
  TestCluster c;
  Message m{{1, 2, 5, "k"}, MessageType::kPrepare, Ballot{1, 1}, false, {}, {}, ""};
  EXPECT_THAT(c.node(1).step(m).message(), HasSubstr("addressed to node 2"));
  m.from = 9;
  m.to = 2;
  EXPECT_THAT(c.node(2).step(m).message(), HasSubstr("not a member"));
  // Every message delivered twice: still one answer, the right value.
  c.drop = [&](const Message& msg) {
    Message copy = msg;
    EXPECT_TRUE(c.node(copy.to).step(copy).is_ok());
    return false;
  };
  EXPECT_EQ(c.propose(1, append("a")).reply, "a");
  EXPECT_EQ(c.propose(2, append("b")).reply, "ab");
}

// The failpoints, each shown breaking its rule in a scripted run.

// Node 3's prepare of ballot 50.3 to node 2, and node 1's accept of "old" at
// the lower ballot 10.1.
const Message kPrepare50{{3, 2, 99, "k"}, MessageType::kPrepare, Ballot{50, 3}, false, {}, {}, ""};
const Message kAcceptOld{
    {1, 2, 98, "k"}, MessageType::kAccept, Ballot{10, 1}, false, {}, {}, "old"};

TEST(PaxosFailpointScripts, NoPersistPromiseForgetsThePromiseOnRestart) {
  Failpoints f;
  f.no_persist_promise = true;
  TestCluster c(f);
  ASSERT_TRUE(c.node(2).step(kPrepare50).is_ok());
  EXPECT_EQ(c.store(2).get("k").promised, Ballot{});  // not in the store
  c.restart(2);
  // A lower ballot is now accepted, though node 2 promised 50.3.
  ASSERT_TRUE(c.node(2).step(kAcceptOld).is_ok());
  EXPECT_EQ(c.store(2).get("k").value, "old");
}

TEST(PaxosFailpointScripts, AcceptLowerBallotBreaksThePromise) {
  Failpoints f;
  f.accept_lower_ballot = true;
  TestCluster c(f);
  ASSERT_TRUE(c.node(2).step(kPrepare50).is_ok());
  ASSERT_TRUE(c.node(2).step(kAcceptOld).is_ok());
  EXPECT_EQ(c.store(2).get("k").value, "old");
  EXPECT_EQ(c.store(2).get("k").promised, (Ballot{50, 3}));
}

TEST(PaxosFailpointScripts, NoAdoptHighestLosesAnUpdate) {
  Failpoints f;
  f.no_adopt_highest = true;
  TestCluster c(f);
  c.isolate(1);
  EXPECT_EQ(c.propose(2, append("a")).reply, "a");  // chosen on 2 and 3
  c.drop = nullptr;
  // Node 1 adopts its own (empty) promise, the first to arrive: "a" is lost.
  EXPECT_EQ(c.propose(1, append("b")).reply, "b");
}

TEST(PaxosFailpointScripts, LocalReadIsStale) {
  Failpoints f;
  f.local_read = true;
  TestCluster c(f);
  c.isolate(3);
  c.propose(1, set_to("x"));
  c.drop = nullptr;
  EXPECT_EQ(c.propose(3, get(), true).reply, "");  // x was chosen, node 3 answers ""
  EXPECT_EQ(c.propose(1, get(), true).reply, "x");
}

// The Ready contract of "Sending before the sync" (README.md), driven by
// hand: nodes 1..3, each on a live store and the copy of it that the last
// sync made durable. A crash of node 1 between sending a Ready's early
// messages and its sync restarts it on the durable copy.
class SyncOrderCluster {
 public:
  SyncOrderCluster() {
    for (uint64_t id = 1; id <= 3; ++id) start(id);
  }
  Node& node(uint64_t id) { return *nodes_[id]; }

  // Carries out node `id`'s Ready in the driver's order, checking that every
  // early message is a request to another acceptor under a ballot (and its
  // next_ballot()) that an earlier sync made durable. With `crash`, the node
  // dies after sending the early messages: the sync never happens.
  void carry_out(uint64_t id, bool crash = false) { carry_out(id, nodes_[id]->ready(), crash); }
  // The same for a Ready the test took from node `id` itself.
  void carry_out(uint64_t id, const Ready& r, bool crash = false) {
    for (const Message& m : r.early) {
      EXPECT_NE(m.to, id);
      EXPECT_TRUE(m.type == MessageType::kPrepare || m.type == MessageType::kAccept ||
                  m.type == MessageType::kRead)
          << static_cast<int>(m.type);
      if (m.type != MessageType::kRead) {
        EXPECT_LE(m.ballot.counter + 1, durable_[id].issued_counter());
      }
      sent(m);
    }
    if (crash) {
      live_[id] = durable_[id];
      start(id);
      return;
    }
    durable_[id] = live_[id];  // the sync
    for (const Message& m : r.messages) sent(m);
    for (const Response& response : r.responses) responses.push_back(response);
    nodes_[id]->advance();
  }

  // Delivers every message and carries out every Ready until quiet.
  void run() {
    for (int rounds = 0; rounds < 1000; ++rounds) {
      for (uint64_t id = 1; id <= 3; ++id) {
        while (nodes_[id]->has_ready()) carry_out(id);
      }
      if (queue_.empty()) return;
      Message m = queue_.front();
      queue_.pop_front();
      ASSERT_TRUE(nodes_[m.to]->step(m).is_ok());
    }
    FAIL() << "no quiet after 1000 rounds";
  }

  uint64_t max_sent_counter(uint64_t from) { return max_sent_[from]; }
  std::vector<Response> responses;

 private:
  void start(uint64_t id) {
    ASSERT_TRUE(
        Node::create(Config{id, {1, 2, 3}, 30, 5, 3, SplitMix64(id + 10 * ++incarnations_), {}},
                     live_[id], &nodes_[id])
            .is_ok());
  }
  void sent(const Message& m) {
    if (m.ballot.node == m.from) {  // its own ballots
      max_sent_[m.from] = std::max(max_sent_[m.from], m.ballot.counter);
    }
    queue_.push_back(m);
  }

  int incarnations_ = 0;
  std::map<uint64_t, MemoryAcceptorStore> live_, durable_;
  std::map<uint64_t, std::unique_ptr<Node>> nodes_;
  std::map<uint64_t, uint64_t> max_sent_;
  std::deque<Message> queue_;
};

TEST(PaxosSyncOrder, RequestsLeaveEarlyOnlyUnderADurableReservation) {
  SyncOrderCluster c;
  c.node(1).propose(1, "k", set_to("x"), false);
  // The first ballot's reservation is not durable yet: its prepares wait.
  Ready first = c.node(1).ready();
  EXPECT_TRUE(first.early.empty());
  EXPECT_EQ(first.messages.size(), 2u);  // prepares to 2 and 3
  c.carry_out(1, first);
  // Our own promise counted only now, after the sync: no quorum yet alone.
  EXPECT_EQ(c.node(1).pending_proposals(), 1u);
  c.run();
  // The next proposal's accepts (one round trip) leave early; the checks of
  // carry_out() hold over every Ready.
  c.node(1).propose(2, "k", set_to("y"), false);
  Ready second = c.node(1).ready();
  EXPECT_EQ(second.early.size(), 2u);
  for (const Message& m : second.early) EXPECT_EQ(m.type, MessageType::kAccept);
  c.carry_out(1, second);
  c.run();
  for (int i = 0; i < 20; ++i) {
    c.node(1 + i % 3).propose(3 + i, "k" + std::to_string(i % 4), append("z"), i % 5 == 0);
    c.run();
  }
  EXPECT_EQ(c.responses.size(), 22u);
  for (const Response& r : c.responses) EXPECT_EQ(r.status, ResponseStatus::kOk) << r.reply;
}

TEST(PaxosSyncOrder, OwnAcceptorCountsOnlyAfterTheSync) {
  SyncOrderCluster c;
  c.node(1).propose(1, "k", set_to("x"), false);
  c.run();
  // A one-round-trip write: node 2 accepts before node 1's own sync is done.
  c.node(1).propose(2, "k", set_to("y"), false);
  Ready r = c.node(1).ready();
  ASSERT_EQ(r.early.size(), 2u);
  const Message& to2 = r.early[0].to == 2 ? r.early[0] : r.early[1];
  ASSERT_TRUE(c.node(2).step(to2).is_ok());
  Ready accepted = c.node(2).ready();
  c.node(2).advance();
  ASSERT_EQ(accepted.messages.size(), 1u);
  ASSERT_TRUE(c.node(1).step(accepted.messages[0]).is_ok());
  // Node 2's ack and our own unsynced one would be a quorum: not yet.
  EXPECT_EQ(c.node(1).pending_proposals(), 1u);
  c.node(1).advance();  // the sync of r is done
  EXPECT_EQ(c.node(1).pending_proposals(), 0u);
  Ready answered = c.node(1).ready();
  ASSERT_EQ(answered.responses.size(), 1u);
  EXPECT_EQ(answered.responses[0].status, ResponseStatus::kOk);
}

// A server syncs on another thread while it steps new inputs (core_server.h):
// what an input between ready() and advance() produces waits for the next
// Ready, and its own acceptor's reply counts only after that Ready's sync.
TEST(PaxosSyncOrder, AnInputDuringTheSyncWaitsForTheNextReady) {
  SyncOrderCluster c;
  c.node(1).propose(1, "k", set_to("x"), false);
  c.node(1).propose(2, "j", set_to("x"), false);
  c.run();  // both keys chosen here: their next writes take one round trip
  c.node(1).propose(3, "k", set_to("y"), false);
  Ready r = c.node(1).ready();  // its sync begins
  ASSERT_EQ(r.early.size(), 2u);
  c.node(1).propose(4, "j", set_to("y"), false);  // arrives during the sync
  const Message& k_to2 = r.early[0].to == 2 ? r.early[0] : r.early[1];
  ASSERT_TRUE(c.node(2).step(k_to2).is_ok());
  Ready k_acked = c.node(2).ready();
  c.node(2).advance();
  ASSERT_TRUE(c.node(1).step(k_acked.messages.at(0)).is_ok());
  c.node(1).advance();  // the sync of r is done: k is chosen, j is not
  EXPECT_EQ(c.node(1).pending_proposals(), 1u);
  Ready next = c.node(1).ready();  // j's accepts, and k's answer
  ASSERT_EQ(next.responses.size(), 1u);
  EXPECT_EQ(next.responses[0].request, 3u);
  ASSERT_EQ(next.early.size(), 2u);
  const Message& j_to2 = next.early[0].to == 2 ? next.early[0] : next.early[1];
  EXPECT_EQ(j_to2.key, "j");
  ASSERT_TRUE(c.node(2).step(j_to2).is_ok());
  Ready j_acked = c.node(2).ready();
  c.node(2).advance();
  ASSERT_TRUE(c.node(1).step(j_acked.messages.at(0)).is_ok());
  // Node 2's ack and our own reply, made during r's sync, would be a quorum:
  // not before the sync of the Ready that holds that reply's state.
  EXPECT_EQ(c.node(1).pending_proposals(), 1u);
  c.node(1).advance();
  EXPECT_EQ(c.node(1).pending_proposals(), 0u);
}

TEST(PaxosSyncOrder, BallotsAfterACrashAreAboveEverySentBefore) {
  for (int crash_after = 0; crash_after < 6; ++crash_after) {
    SCOPED_TRACE(crash_after);
    SyncOrderCluster c;
    for (int i = 0; i < crash_after; ++i) {
      c.node(1 + i % 2).propose(i + 1, "k", append("a"), false);
      c.run();
    }
    // Node 1 sends a Ready's early requests, then crashes before its sync.
    c.node(1).propose(100, "k", append("b"), false);
    c.node(1).propose(101, "j", append("b"), false);
    c.carry_out(1, /*crash=*/true);
    const uint64_t before = c.max_sent_counter(1);
    c.run();
    c.node(1).propose(102, "k", append("c"), false);
    Ready r = c.node(1).ready();
    ASSERT_FALSE(r.messages.empty() && r.early.empty());
    for (const Message& m : r.early) EXPECT_GT(m.ballot.counter, before);
    for (const Message& m : r.messages) EXPECT_GT(m.ballot.counter, before);
  }
}

}  // namespace
}  // namespace faultline::paxos
