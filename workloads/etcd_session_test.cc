// EtcdKvSession and the gateway client (harness/db/etcd_http.h) against a
// real single-member etcd on 127.0.0.1 (Debian's etcd-server: skipped
// without it, failed when CI is set), as is the http-json client with the
// requests of docs/examples/targets/etcd-http.toml; the outcomes of a node that
// refuses connections or never answers. Also the pure parts: base64, which
// error answers mean "not applied", etcd's --opt keys.
#include "workloads/etcd_session.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <tuple>

#include "harness/db/etcd_db.h"
#include "harness/db/target_file.h"
#include "spawn/spawn.h"
#include "tests/support/local_servers.h"
#include "tests/support/require.h"
#include "workloads/http_json_session.h"
#include "workloads/workload.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
constexpr const char* kEtcd = "/usr/bin/etcd";

KvSession::Clock::time_point in(milliseconds ms) { return KvSession::Clock::now() + ms; }

ClientContext context_for(int port) {
  ClientContext c;
  c.nodes = {{"n1", "127.0.0.1", port}};
  return c;
}

TEST(EtcdHttp, Base64RoundTripsAndRefusesGarbage) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "register:17",
                                                       std::string("\0\xff", 2)}) {
    std::string back;
    ASSERT_TRUE(base64_decode(base64_encode(s), &back)) << s;
    EXPECT_EQ(back, s);
  }
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("1"), "MQ==");
  std::string out;
  for (const char* bad : {"Zm9", "Zm=v", "Z===", "Zm9v!A==", "=AAA"})
    EXPECT_FALSE(base64_decode(bad, &out)) << bad;
}

TEST(EtcdHttp, OnlyRefusalsMeanNotApplied) {
  using nlohmann::json;
  EXPECT_TRUE(etcd_error_means_not_applied(400, json{{"error", "bad json"}, {"code", 3}}));
  EXPECT_TRUE(etcd_error_means_not_applied(429, json{{"code", 8}}));
  EXPECT_TRUE(etcd_error_means_not_applied(404, json()));  // not etcd's: no such path
  EXPECT_FALSE(etcd_error_means_not_applied(
      503, json{{"error", "etcdserver: request timed out"}, {"code", 14}}));
  EXPECT_FALSE(etcd_error_means_not_applied(500, json{{"code", 2}}));
  EXPECT_FALSE(etcd_error_means_not_applied(502, json()));
}

TEST(EtcdOptions, ParsesEveryKeyAndRefusesUnknownOnes) {
  EtcdOptions o;
  ASSERT_TRUE(parse_etcd_options({{"election-ms", "500"},
                                  {"heartbeat-ms", "50"},
                                  {"client-port", "3379"},
                                  {"peer-port", "3380"},
                                  {"read", "serializable"},
                                  {"faketime", "true"},
                                  {"dir", "/root/e"},
                                  {"binary", "/opt/etcd"}},
                                 &o)
                  .is_ok());
  EXPECT_EQ(o.election_ms, 500);
  EXPECT_EQ(o.client_port, 3379);
  EXPECT_TRUE(o.faketime);
  EXPECT_EQ(o.binary, "/opt/etcd");
  for (const auto& [key, value, why] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"read", "stale", "expected linearizable or serializable"},
           {"election-ms", "0", "expected an integer from 10"},
           {"heartbeat-ms", "300", "at least 5 times heartbeat-ms"},
           {"client-port", "2380", "must differ"},
           {"unsafe-failpoint", "x", "unknown option for target etcd"}}) {
    EtcdOptions bad;
    const Status st = parse_etcd_options({{key, value}}, &bad);
    EXPECT_NE(st.message().find(why), std::string::npos) << key << ": " << st.message();
  }
}

TEST(EtcdSession, RefusedConnectionIsNotApplied) {
  EtcdKvSession session(context_for(free_port()), false);
  const KvOutcome o = session.write("k", 1, in(milliseconds(500)));
  EXPECT_EQ(o.kind, KvOutcome::Kind::kNotApplied) << o.error;
  EXPECT_EQ(o.node, "n1");
}

TEST(EtcdSession, SentWithoutAnswerIsUnknown) {
  // A listening socket that never accepts: the kernel completes the
  // handshake and takes the request, nobody answers.
  uint16_t port = 0;
  const int fd = listening_socket(&port);
  EtcdKvSession session(context_for(port), false);
  const auto start = KvSession::Clock::now();
  const KvOutcome write = session.write("k", 1, in(milliseconds(300)));
  EXPECT_EQ(write.kind, KvOutcome::Kind::kUnknown) << write.error;
  EXPECT_LT(KvSession::Clock::now() - start, milliseconds(2000));
  // A read that got no answer changed nothing.
  EXPECT_EQ(session.read("k", in(milliseconds(300))).kind, KvOutcome::Kind::kNotApplied);
  close(fd);
}

// Register operations on an absent `key` through `s`, each write checked
// through `other` too (the same session or another client of the member).
void expect_register(KvSession& s, KvSession& other, const std::string& key) {
  KvOutcome o = s.read(key, in(milliseconds(2000)));
  ASSERT_EQ(o.kind, KvOutcome::Kind::kOk) << o.error;
  EXPECT_TRUE(o.value.is_null());
  // A cas on an absent key does not swap.
  o = s.cas(key, 0, 1, in(milliseconds(2000)));
  ASSERT_EQ(o.kind, KvOutcome::Kind::kOk) << o.error;
  EXPECT_EQ(o.value, false);
  o = s.write(key, 3, in(milliseconds(2000)));
  ASSERT_EQ(o.kind, KvOutcome::Kind::kOk) << o.error;
  EXPECT_EQ(s.read(key, in(milliseconds(2000))).value, 3);
  EXPECT_EQ(other.read(key, in(milliseconds(2000))).value, 3);
  EXPECT_EQ(s.cas(key, 2, 4, in(milliseconds(2000))).value, false);
  EXPECT_EQ(s.cas(key, 3, 4, in(milliseconds(2000))).value, true);
  EXPECT_EQ(s.read(key, in(milliseconds(2000))).value, 4);
  EXPECT_EQ(other.read(key, in(milliseconds(2000))).value, 4);
}

// One etcd member on 127.0.0.1, killed and its data removed at the end.
class EtcdSessionLive : public testing::Test {
 protected:
  void SetUp() override {
    FAULTLINE_REQUIRE(fs::exists(kEtcd), "needs etcd (apt-get install etcd-server)");
    char dir[] = "/tmp/faultline-etcd-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    port_ = free_port();
    const std::string client = "http://127.0.0.1:" + std::to_string(port_);
    const std::string peer = "http://127.0.0.1:" + std::to_string(free_port());
    const Status st =
        spawn_child({kEtcd, "--name", "t", "--data-dir", dir_ + "/data", "--listen-client-urls",
                     client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
                     "--initial-advertise-peer-urls", peer, "--initial-cluster", "t=" + peer},
                    OutputFiles{dir_ + "/etcd.log", dir_ + "/etcd.log", false}, &pid_);
    ASSERT_TRUE(st.is_ok()) << st.message();
    EtcdStatus status;
    Status last;
    for (int i = 0; i < 100; ++i) {
      last = etcd_status("127.0.0.1", port_, milliseconds(500), &status);
      if (last.is_ok() && status.leader == status.member_id) return;
      std::this_thread::sleep_for(milliseconds(100));
    }
    FAIL() << "etcd not ready: " << last.message() << " (log: " << dir_ << "/etcd.log)";
  }
  void TearDown() override {
    if (pid_ > 0) kill_child(pid_);
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
  }
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(EtcdSessionLive, ReadWriteCasAndAdd) {
  for (const bool serializable : {false, true}) {
    SCOPED_TRACE(serializable ? "serializable" : "linearizable");
    EtcdKvSession s(context_for(port_), serializable);
    const std::string key = serializable ? "s" : "l";
    expect_register(s, s, key);
    // add: on an absent key from 0, then on top.
    ASSERT_EQ(s.add(key + "c", 5, in(milliseconds(2000))).kind, KvOutcome::Kind::kOk);
    ASSERT_EQ(s.add(key + "c", 2, in(milliseconds(2000))).kind, KvOutcome::Kind::kOk);
    EXPECT_EQ(s.read(key + "c", in(milliseconds(2000))).value, 7);
  }
  EtcdStatus status;
  ASSERT_TRUE(etcd_status("127.0.0.1", port_, milliseconds(1000), &status).is_ok());
  EXPECT_NE(status.member_id, "0");
}

TEST_F(EtcdSessionLive, ConcurrentAddsAreNotLost) {
  // Four sessions add 1 twenty times each: the mod_revision comparison
  // makes every add that succeeded count exactly once.
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      EtcdKvSession s(context_for(port_), false);
      for (int i = 0; i < 20; ++i)
        if (s.add("counter", 1, in(milliseconds(5000))).kind == KvOutcome::Kind::kOk) ++ok;
    });
  }
  for (std::thread& t : threads) t.join();
  EtcdKvSession s(context_for(port_), false);
  EXPECT_EQ(ok.load(), 80);
  EXPECT_EQ(s.read("counter", in(milliseconds(2000))).value, ok.load());
}

// The set workload on etcd: each element a key, read back by looking up
// every element key up to the highest added.
TEST_F(EtcdSessionLive, SetWorkloadKeepsEachElementInAKey) {
  WorkloadOptions options;
  ASSERT_TRUE(target_capabilities("etcd", &options.target).is_ok());
  options.protocol.kind = ClientProtocol::Kind::kEtcdV3;
  Workload w;
  ASSERT_TRUE(make_workload("set", options, &w).is_ok());
  std::unique_ptr<Client> client = w.client(context_for(port_));
  for (const int element : {0, 1, 2, 4}) {
    const Op done = client->invoke(gen::op("add", element));
    EXPECT_EQ(done.type, EventType::kOk) << done.error;
  }
  const Op read = client->invoke(gen::op("read"));
  ASSERT_EQ(read.type, EventType::kOk) << read.error;
  EXPECT_EQ(read.value, nlohmann::json({0, 1, 2, 4}));
}

// The same operations through the http-json protocol of the shipped etcd
// target file: the templates, the JSON pointers, base64 and the "missing
// false" of etcd's JSON give what EtcdKvSession gives.
TEST_F(EtcdSessionLive, HttpJsonExampleFileDoesWhatEtcdKvSessionDoes) {
  TargetFile file;
  const Status st = parse_target_file(FAULTLINE_EXAMPLES_DIR "/targets/etcd-http.toml", &file);
  ASSERT_TRUE(st.is_ok()) << st.message();
  for (const char* serializable : {"false", "true"}) {
    SCOPED_TRACE(serializable);
    HttpJsonKvSession s(context_for(port_), bind_protocol(file, {{"serializable", serializable}}));
    EtcdKvSession etcd(context_for(port_), false);
    expect_register(s, etcd, std::string("http-") + serializable);
  }
}

}  // namespace
}  // namespace faultline
