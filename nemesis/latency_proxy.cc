#include "nemesis/latency_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <future>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

// Separate block: <utility> first (targets/common/asio.h says why).
#include <boost/asio.hpp>

namespace faultline {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;

namespace {

// A direction stops reading while this much waits in it, so a slow link
// pushes back on its sender (TCP flow control) instead of filling memory.
constexpr size_t kMaxQueuedBytes = 4 << 20;
constexpr size_t kReadSize = 64 << 10;

// The release time of a chunk a cut holds: until the faults change.
constexpr Clock::time_point kHeld = Clock::time_point::max();

struct Chunk {
  Clock::time_point release;  // kHeld: held by a cut
  std::vector<char> data;
};

}  // namespace

struct LatencyProxy::Impl {
  // Declared first: destroyed last, after every socket that uses it.
  asio::io_context io;
  std::map<std::string, std::string> nodes;
  std::mt19937_64 rng;
  std::map<Link, LinkFault> faults;   // io thread only, as is all below
  Clock::time_point faults_set;       // when `faults` were set (cuts count from it)
  std::map<Link, int64_t> link_free;  // bandwidth: when a link's next byte may go (ns)
  struct Listener;
  struct Connection;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::set<std::shared_ptr<Connection>> connections;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread;

  Impl(std::map<std::string, std::string> n, uint64_t seed) : nodes(std::move(n)), rng(seed) {
    thread = std::thread([this] { io.run(); });
  }

  // Runs fn on the proxy's thread and waits for it.
  void call(const std::function<void()>& fn) {
    std::promise<void> done;
    asio::post(io, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  std::string node_of(const std::string& address) const {
    auto it = nodes.find(address);
    return it == nodes.end() ? address : it->second;
  }

  uint64_t draw() { return rng(); }

  // When a chunk of n bytes read now on `link` may be written
  // (link_release_ns), and never before the chunk read before it (`last`).
  Clock::time_point release_time(const Link& link, microseconds pipe_delay, size_t n,
                                 Clock::time_point last) {
    const Clock::time_point now = Clock::now();
    auto it = faults.find(link);
    if (it == faults.end() || !it->second.active()) return std::max(now, last);
    const std::optional<int64_t> release =
        link_release_ns(it->second, ns(now), ns(faults_set), pipe_delay, n, &link_free[link],
                        [this] { return draw(); });
    if (!release) return kHeld;
    return std::max(Clock::time_point(std::chrono::nanoseconds(*release)), last);
  }

  static int64_t ns(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }
};

// One accepted connection and the one the proxy opened for it; pipes[0]
// carries client -> server (link from -> to), pipes[1] the answers.
struct LatencyProxy::Impl::Connection : std::enable_shared_from_this<Connection> {
  struct Pipe {
    Link link;
    tcp::socket* in = nullptr;
    tcp::socket* out = nullptr;
    std::array<char, kReadSize> buffer;
    std::deque<Chunk> queue;
    size_t queued_bytes = 0;
    Clock::time_point last_release;
    microseconds delay{0};  // the link's delay, or this connection's draw under reorder
    bool reading = false;
    bool writing = false;
    bool eof = false;
    bool shut = false;
    explicit Pipe(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
  };

  Impl& impl;
  tcp::socket client;
  tcp::socket server;
  std::array<Pipe, 2> pipes;
  bool closed = false;

  Connection(Impl& i, tcp::socket c, tcp::socket s)
      : impl(i), client(std::move(c)), server(std::move(s)), pipes{Pipe(i.io), Pipe(i.io)} {}

  void start(const Link& forward) {
    pipes[0].link = forward;
    pipes[1].link = {forward.second, forward.first};
    pipes[0].in = pipes[1].out = &client;
    pipes[0].out = pipes[1].in = &server;
    for (int d = 0; d < 2; ++d) {
      refresh_delay(d);
      read(d);
    }
  }

  void refresh_delay(int d) {
    auto it = impl.faults.find(pipes[d].link);
    pipes[d].delay = it == impl.faults.end()
                         ? microseconds(0)
                         : link_pipe_delay(it->second, [this] { return impl.draw(); });
  }

  void read(int d) {
    Pipe& p = pipes[d];
    p.reading = true;
    p.in->async_read_some(asio::buffer(p.buffer),
                          [self = shared_from_this(), d](boost::system::error_code ec, size_t n) {
                            self->on_read(d, ec, n);
                          });
  }

  void on_read(int d, boost::system::error_code ec, size_t n) {
    Pipe& p = pipes[d];
    p.reading = false;
    if (closed) return;
    if (ec == asio::error::eof) {
      p.eof = true;
    } else if (ec) {
      close();
      return;
    } else {
      const Clock::time_point release = impl.release_time(p.link, p.delay, n, p.last_release);
      p.last_release = release;
      p.queue.push_back({release, std::vector<char>(p.buffer.begin(), p.buffer.begin() + n)});
      p.queued_bytes += n;
    }
    pump(d);
  }

  // Writes the next chunk when it is due; reads on while there is room;
  // passes an end of stream on once everything before it is written.
  void pump(int d) {
    Pipe& p = pipes[d];
    if (closed || p.writing) return;
    if (!p.reading && !p.eof && p.queued_bytes < kMaxQueuedBytes) read(d);
    if (p.queue.empty()) {
      if (p.eof && !p.shut) {
        p.shut = true;
        boost::system::error_code ignored;
        p.out->shutdown(tcp::socket::shutdown_send, ignored);
        if (pipes[1 - d].shut) close();
      }
      return;
    }
    if (p.queue.front().release == kHeld) return;  // until set_faults ends the cut
    p.writing = true;
    auto self = shared_from_this();
    if (p.queue.front().release > Clock::now()) {
      p.timer.expires_at(p.queue.front().release);
      // Cancelled by set_faults (heal) to write at once: either way, pump again.
      p.timer.async_wait([self, d](boost::system::error_code) {
        self->pipes[d].writing = false;
        self->pump(d);
      });
      return;
    }
    asio::async_write(*p.out, asio::buffer(p.queue.front().data),
                      [self, d](boost::system::error_code ec, size_t) {
                        Pipe& q = self->pipes[d];
                        q.writing = false;
                        if (self->closed) return;
                        if (ec) {
                          self->close();
                          return;
                        }
                        q.queued_bytes -= q.queue.front().data.size();
                        q.queue.pop_front();
                        self->pump(d);
                      });
  }

  // Releases now everything held (heal: `all`), or only what a cut held.
  void release(bool all) {
    const Clock::time_point now = Clock::now();
    for (int d = 0; d < 2; ++d) {
      Pipe& p = pipes[d];
      for (Chunk& c : p.queue)
        if (all || c.release == kHeld) c.release = std::min(c.release, now);
      if (all || p.last_release == kHeld) p.last_release = std::min(p.last_release, now);
      p.timer.cancel();
      pump(d);  // a pipe stopped at a held chunk has no timer to wake it
    }
  }

  void close() {
    if (closed) return;
    closed = true;
    boost::system::error_code ignored;
    client.close(ignored);
    server.close(ignored);
    for (Pipe& p : pipes) p.timer.cancel();
    impl.connections.erase(shared_from_this());
  }
};

struct LatencyProxy::Impl::Listener : std::enable_shared_from_this<Listener> {
  Impl& impl;
  ProxySender sender;
  tcp::acceptor acceptor;

  Listener(Impl& i, ProxySender s) : impl(i), sender(std::move(s)), acceptor(i.io) {}

  void accept() {
    acceptor.async_accept(
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
          if (!ec) self->connect(std::move(socket));
          self->accept();
        });
  }

  // Opens the real connection, from the sender's socket space, to where the
  // accepted one was headed. A failure closes the accepted connection: the
  // sender sees what it would have seen without the proxy.
  void connect(tcp::socket client) {
    ProxyEndpoint to;
    if (!sender.destination(client.native_handle(), &to).is_ok()) return;
    boost::system::error_code ec;
    const auto address = asio::ip::make_address_v4(to.address, ec);
    if (ec) return;
    const int fd = sender.open_socket();
    if (fd < 0) return;
    auto server = std::make_shared<tcp::socket>(impl.io);
    server->assign(tcp::v4(), fd, ec);
    if (ec) {
      ::close(fd);
      return;
    }
    auto accepted = std::make_shared<tcp::socket>(std::move(client));
    const Link link{sender.node, impl.node_of(to.address)};
    server->async_connect(
        tcp::endpoint(address, static_cast<uint16_t>(to.port)),
        [this_impl = &impl, accepted, server, link](boost::system::error_code ec2) {
          if (ec2) return;  // both sockets close as the last references go
          boost::system::error_code ignored;
          accepted->set_option(tcp::no_delay(true), ignored);
          server->set_option(tcp::no_delay(true), ignored);
          auto c =
              std::make_shared<Connection>(*this_impl, std::move(*accepted), std::move(*server));
          this_impl->connections.insert(c);
          c->start(link);
        });
  }
};

LatencyProxy::LatencyProxy(std::map<std::string, std::string> nodes, uint64_t seed)
    : impl_(std::make_unique<Impl>(std::move(nodes), seed)) {}

LatencyProxy::~LatencyProxy() {
  impl_->call([&] {
    for (auto& l : impl_->listeners) {
      boost::system::error_code ignored;
      l->acceptor.close(ignored);
    }
    const auto connections = impl_->connections;
    for (const auto& c : connections) c->close();
  });
  impl_->work.reset();
  impl_->io.stop();
  impl_->thread.join();
  impl_->listeners.clear();
}

Status LatencyProxy::add_sender(const ProxySender& sender, int* port) {
  const int fd = sender.open_socket();
  if (fd < 0)
    return Status::io_error(
        fmt::format("latency proxy: no socket for node {}: {}", sender.node, strerror(errno)));
  Status st;
  impl_->call([&] {
    auto l = std::make_shared<Impl::Listener>(*impl_, sender);
    boost::system::error_code ec;
    l->acceptor.assign(tcp::v4(), fd, ec);
    if (!ec) l->acceptor.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0), ec);
    if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      if (!l->acceptor.is_open()) ::close(fd);
      st = Status::io_error(
          fmt::format("latency proxy: cannot listen for node {}: {}", sender.node, ec.message()));
      return;
    }
    *port = l->acceptor.local_endpoint().port();
    impl_->listeners.push_back(l);
    l->accept();
  });
  return st;
}

void LatencyProxy::set_faults(std::map<Link, LinkFault> faults) {
  impl_->call([&] {
    const bool heal = faults.empty();
    impl_->faults = std::move(faults);
    impl_->faults_set = Clock::now();
    impl_->link_free.clear();
    for (const auto& c : impl_->connections) {
      for (int d = 0; d < 2; ++d) c->refresh_delay(d);
      c->release(heal);
    }
  });
}

void LatencyProxy::close_listeners() {
  impl_->call([&] {
    for (auto& l : impl_->listeners) {
      boost::system::error_code ignored;
      l->acceptor.close(ignored);
    }
    impl_->listeners.clear();
  });
}

size_t LatencyProxy::connections() {
  size_t n = 0;
  impl_->call([&] { n = impl_->connections.size(); });
  return n;
}

Status original_destination(int fd, ProxyEndpoint* out) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &addr, &len) != 0)
    return Status::io_error(fmt::format("SO_ORIGINAL_DST: {}", strerror(errno)));
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr.sin_addr, text, sizeof text);
  out->address = text;
  out->port = ntohs(addr.sin_port);
  return Status::ok();
}

int socket_in_netns(const std::string& netns_path, uint32_t mark) {
  int fd = -1;
  int error = 0;
  // setns changes the namespace of the calling thread only; a socket keeps
  // the namespace it was made in.
  std::thread([&] {
    const int ns = open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
      error = errno;
      if (ns >= 0) ::close(ns);
      return;
    }
    ::close(ns);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && mark != 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
      error = errno;
      ::close(fd);
      fd = -1;
      return;
    }
    if (fd < 0) error = errno;
  }).join();
  errno = error;
  return fd;
}

}  // namespace faultline
