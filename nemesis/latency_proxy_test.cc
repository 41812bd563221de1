// The latency proxy on real loopback sockets: a test client (node "a")
// connects to the proxy's listener, which forwards to a test server (node
// "b" at 127.0.0.1). Timing is asserted only as lower bounds (a delay is
// never shorter than set), except heal's, which must beat a 20 s delay by far.
#include "nemesis/latency_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace faultline {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int tcp_socket() { return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); }

// A listening socket on 127.0.0.1; *port gets its port.
int listen_loopback(int* port) {
  const int fd = tcp_socket();
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(listen(fd, 16), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

int connect_loopback(int port) {
  const int fd = tcp_socket();
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << strerror(errno);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void write_all(int fd, const std::string& data) {
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    ASSERT_GT(n, 0) << strerror(errno);
    done += n;
  }
}

// Reads until `size` bytes or the end of the stream.
std::string read_up_to(int fd, size_t size) {
  std::string out;
  char buf[4096];
  while (out.size() < size) {
    const ssize_t n = read(fd, buf, std::min(sizeof buf, size - out.size()));
    if (n <= 0) break;
    out.append(buf, n);
  }
  return out;
}

// A proxy for node "a" whose every connection goes to the server at
// 127.0.0.1:server_port (node "b"); the client connects to port().
struct Rig {
  int server_port = 0;
  int server = listen_loopback(&server_port);
  LatencyProxy proxy{{{"127.0.0.1", "b"}}, 42};
  int proxy_port = 0;

  Rig() {
    ProxySender sender{"a", tcp_socket, [this](int, ProxyEndpoint* out) {
                         *out = {"127.0.0.1", server_port};
                         return Status::ok();
                       }};
    Status st = proxy.add_sender(sender, &proxy_port);
    EXPECT_TRUE(st.is_ok()) << st.message();
  }
  ~Rig() { close(server); }

  // A client connection through the proxy and the server's end of it.
  std::pair<int, int> connect() {
    const int client = connect_loopback(proxy_port);
    const int accepted = accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
    EXPECT_GE(accepted, 0);
    return {client, accepted};
  }
};

LinkFault delay(int ms, int jitter_ms = 0) {
  LinkFault f;
  f.delay = milliseconds(ms);
  f.jitter = milliseconds(jitter_ms);
  return f;
}

TEST(LatencyProxyTest, WithoutFaultsForwardsBothWaysAndTheEnd) {
  Rig rig;
  auto [client, server] = rig.connect();
  write_all(client, "ping");
  EXPECT_EQ(read_up_to(server, 4), "ping");
  write_all(server, "pong");
  EXPECT_EQ(read_up_to(client, 4), "pong");
  EXPECT_EQ(rig.proxy.connections(), 1u);
  shutdown(client, SHUT_WR);
  EXPECT_EQ(read_up_to(server, 1), "");  // the end of the stream passes on
  close(server);
  EXPECT_EQ(read_up_to(client, 1), "");
  close(client);
}

TEST(LatencyProxyTest, ADelayedLinkHoldsEachChunkAtLeastTheDelayInItsDirection) {
  Rig rig;
  auto [client, server] = rig.connect();
  rig.proxy.set_faults({{{"a", "b"}, delay(150)}});
  for (int i = 0; i < 3; ++i) {
    const auto sent = Clock::now();
    write_all(client, "x");
    ASSERT_EQ(read_up_to(server, 1), "x");
    EXPECT_GE(Clock::now() - sent, milliseconds(150)) << "chunk " << i;
  }
  // b -> a has no fault: a round trip costs the one delay.
  auto round_trip = [&] {
    const auto sent = Clock::now();
    write_all(client, "?");
    EXPECT_EQ(read_up_to(server, 1), "?");
    write_all(server, "!");
    EXPECT_EQ(read_up_to(client, 1), "!");
    return Clock::now() - sent;
  };
  EXPECT_GE(round_trip(), milliseconds(150));
  // Both directions: twice.
  rig.proxy.set_faults({{{"a", "b"}, delay(100)}, {{"b", "a"}, delay(100)}});
  EXPECT_GE(round_trip(), milliseconds(200));
  close(client);
  close(server);
}

TEST(LatencyProxyTest, JitterNeverReordersBytesWithinAConnection) {
  Rig rig;
  auto [client, server] = rig.connect();
  rig.proxy.set_faults({{{"a", "b"}, delay(5, 40)}});
  std::string expected;
  std::thread writer([client = client, &expected] {
    for (int i = 0; i < 200; ++i) {
      const std::string message = std::to_string(i) + ";";
      expected += message;
      write_all(client, message);
      std::this_thread::sleep_for(std::chrono::microseconds(500));  // separate chunks
    }
    shutdown(client, SHUT_WR);
  });
  const std::string got = read_up_to(server, 1 << 20);
  writer.join();
  EXPECT_EQ(got, expected);
  close(client);
  close(server);
}

TEST(LatencyProxyTest, BandwidthLimitsTheBytesALinkCarries) {
  Rig rig;
  auto [client, server] = rig.connect();
  LinkFault slow;
  slow.bytes_per_s = 20000;
  rig.proxy.set_faults({{{"a", "b"}, slow}});
  const std::string data(10000, 'b');
  const auto sent = Clock::now();
  std::thread writer([client = client, &data] { write_all(client, data); });
  EXPECT_EQ(read_up_to(server, data.size()).size(), data.size());
  writer.join();
  // 10,000 bytes at 20,000 bytes/s: half a second (less 10 ms of clock rounding).
  EXPECT_GE(Clock::now() - sent, milliseconds(490));
  close(client);
  close(server);
}

TEST(LatencyProxyTest, HealReleasesHeldChunksAtOnce) {
  Rig rig;
  auto [client, server] = rig.connect();
  rig.proxy.set_faults({{{"a", "b"}, delay(20000)}});
  const auto sent = Clock::now();
  write_all(client, "held");
  std::this_thread::sleep_for(milliseconds(100));
  rig.proxy.set_faults({});
  EXPECT_EQ(read_up_to(server, 4), "held");
  EXPECT_LT(Clock::now() - sent, milliseconds(10000));
  // And forwards what comes next at once too.
  write_all(client, "more");
  EXPECT_EQ(read_up_to(server, 4), "more");
  close(client);
  close(server);
}

// Whether `fd` has something to read within `ms`.
bool readable_within(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, ms) == 1;
}

TEST(LatencyProxyTest, ACutHoldsWhatIsReadAfterItBeginsUntilTheFaultsChange) {
  Rig rig;
  auto [client, server] = rig.connect();
  LinkFault cut;
  cut.cut_after = milliseconds(200);
  rig.proxy.set_faults({{{"a", "b"}, cut}, {{"b", "a"}, delay(50)}});
  write_all(client, "early");  // before the cut: forwarded at once
  EXPECT_EQ(read_up_to(server, 5), "early");
  std::this_thread::sleep_for(milliseconds(250));
  write_all(client, "late");
  EXPECT_FALSE(readable_within(server, 300));  // held by the cut
  // The other direction still carries, at its delay.
  const auto sent = Clock::now();
  write_all(server, "ack");
  EXPECT_EQ(read_up_to(client, 3), "ack");
  EXPECT_GE(Clock::now() - sent, milliseconds(50));
  // New faults end the cut: what it held goes at once, in order.
  write_all(client, "r");
  rig.proxy.set_faults({{{"b", "a"}, delay(50)}});
  ASSERT_TRUE(readable_within(server, 2000));
  EXPECT_EQ(read_up_to(server, 5), "later");
  close(client);
  close(server);
}

TEST(LatencyProxyTest, ARampingDelayGrowsAtHalfTheSpeedOfTime) {
  Rig rig;
  auto [client, server] = rig.connect();
  LinkFault ramp = delay(400);
  ramp.ramp = true;
  rig.proxy.set_faults({{{"a", "b"}, ramp}});
  // Read 300 ms after the faults were set: delayed about 150 ms, not 400.
  std::this_thread::sleep_for(milliseconds(300));
  auto sent = Clock::now();
  write_all(client, "x");
  ASSERT_EQ(read_up_to(server, 1), "x");
  EXPECT_GE(Clock::now() - sent, milliseconds(140));
  EXPECT_LT(Clock::now() - sent, milliseconds(390));
  // Past 800 ms the whole delay.
  std::this_thread::sleep_for(milliseconds(600));
  sent = Clock::now();
  write_all(client, "y");
  ASSERT_EQ(read_up_to(server, 1), "y");
  EXPECT_GE(Clock::now() - sent, milliseconds(400));
  close(client);
  close(server);
}

TEST(LatencyProxyTest, ReorderLetsConnectionsOvertakeEachOther) {
  Rig rig;
  LinkFault f = delay(200);
  f.reorder = true;
  rig.proxy.set_faults({{{"a", "b"}, f}});
  constexpr int kConnections = 8;
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < kConnections; ++i) pairs.push_back(rig.connect());
  std::mutex mu;
  std::vector<int> arrival;
  std::vector<std::thread> readers;
  for (int i = 0; i < kConnections; ++i)
    readers.emplace_back([&, i] {
      const std::string got = read_up_to(pairs[i].second, 1);
      std::lock_guard<std::mutex> lock(mu);
      if (got.size() == 1) arrival.push_back(got[0] - '0');
    });
  for (int i = 0; i < kConnections; ++i) {
    write_all(pairs[i].first, std::string(1, static_cast<char>('0' + i)));
    std::this_thread::sleep_for(milliseconds(2));
  }
  for (std::thread& t : readers) t.join();
  ASSERT_EQ(arrival.size(), static_cast<size_t>(kConnections));
  // Sent 0..7, 2 ms apart; each connection's delay is drawn from [0, 400] ms
  // (seed 42), so the arrivals are not in sending order.
  EXPECT_FALSE(std::is_sorted(arrival.begin(), arrival.end()));
  for (auto [c, s] : pairs) {
    close(c);
    close(s);
  }
}

TEST(LatencyProxyTest, ClosedListenersAcceptNoMore) {
  Rig rig;
  auto [client, server] = rig.connect();
  rig.proxy.close_listeners();
  // The connection made before goes on.
  write_all(client, "on");
  EXPECT_EQ(read_up_to(server, 2), "on");
  const int late = tcp_socket();
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(rig.proxy_port));
  EXPECT_NE(connect(late, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  close(late);
  close(client);
  close(server);
}

}  // namespace
}  // namespace faultline
