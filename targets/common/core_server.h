// CoreServer: the shell of a server built on a sans-I/O core (faultline-dht,
// faultline-paxos). It drives one core Node on one io_context: ticks it from
// a timer, feeds it peer messages (FrameTransport) and client requests
// (ClientListener, RESP2, through the subclass's handle()), and carries out
// each Ready in the order the cores' contract demands (core_outbox.h):
//
//   1. send the Ready's early messages, one frame per peer (message_batch.h:
//      the messages to that peer, in order),
//   2. sync the durable Store (one fdatasync for everything the inputs since
//      the last Ready stored: group commit),
//   3. then send the other messages, one frame per peer, and answer the
//      clients (answer()),
//   4. and tell the core the sync is done (advance_after_sync).
//
// So nothing leaves that a crash could make the node forget. Inputs arriving
// together are batched into one Ready: handling is posted once to run after
// the io_context's already-queued completions. If a sync fails the server
// stops (failed() is then true): what reached the disk is unknown until a
// restart's recovery decides.
//
// The fdatasync of step 2 runs on a thread of its own (the store's record is
// written on this one first: DurableKeyedStore::write_pending): meanwhile
// this thread keeps stepping the core with new inputs, whose changes the
// store buffers for the next Ready, which waits for this one's steps 3 and
// 4. A node that proposes for many clients would otherwise spend a quarter
// of its time waiting for the disk (docs/benchmarks.md, "paxos vs raftkv").
// The cores allow inputs between ready() and advance(): what they produce
// goes into the next Ready, after the next sync.
//
// Messages travel as encode_message()/decode_message() of the core's
// namespace (found by argument-dependent lookup: include them before this),
// in the batches of message_batch.h; a received batch is stepped whole.
#pragma once

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "targets/common/address.h"
#include "targets/common/asio.h"
#include "targets/common/client_listener.h"
#include "targets/common/core_outbox.h"
#include "targets/common/core_server_options.h"
#include "targets/common/env.h"
#include "targets/common/frame_transport.h"
#include "targets/common/message_batch.h"

namespace faultline::common {

template <typename Node, typename Store>
class CoreServer : public CommandHandler {
 public:
  Status start() {
    transport_ = std::make_unique<FrameTransport>(
        io_, place_.id, place_.nodes,
        [this](std::string payload) { return on_frame(std::move(payload)); });
    if (Status s = transport_->start(); !s.is_ok()) return s;
    listener_ = std::make_unique<ClientListener>(io_, place_.client_addr, *this);
    if (Status s = listener_->start(); !s.is_ok()) return s;
    tick();
    return Status::ok();
  }
  bool failed() const { return failed_; }

 protected:
  using Ready = decltype(std::declval<Node&>().ready());
  using Response = typename decltype(Ready::responses)::value_type;
  using Message = typename decltype(Ready::messages)::value_type;

  // `log_name` names the store in the logs ("replica log").
  CoreServer(boost::asio::io_context& io, CoreServerOptions place, std::string log_name)
      : io_(io), place_(std::move(place)), log_name_(std::move(log_name)), ticker_(io) {}

  // Opens the store (see open_store), then the core on it, configured by
  // `config(seed)`: operation ids must differ between incarnations (the
  // cores' contract), so the seed comes from the clock.
  template <typename MakeConfig>
  Status open(const std::string& data_dir, const MakeConfig& config) {
    if (Status s = open_store(data_dir); !s.is_ok()) return s;
    const uint64_t seed =
        std::random_device{}() ^
        static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
    return Node::create(config(seed), *store_, &node_);
  }

  // Answers a client from the core's response, once the Ready is durable.
  virtual void answer(const Response& response) = 0;
  // What to run once every message of `sent` (a Ready's list) to peer `to`
  // has been handed to the kernel (FrameTransport::send's `written`, on the
  // peer's last batch of the list): a crash point's crash, in a server that
  // has one. Called once per peer and list. Default: nothing.
  virtual std::function<void()> after_sent(uint64_t to, const std::vector<Message>& sent) {
    (void)to;
    (void)sent;
    return {};
  }

  // Handles the core's output after the current batch of inputs.
  void schedule_flush() {
    if (flush_scheduled_) return;
    flush_scheduled_ = true;
    boost::asio::post(io_, [this] { flush(); });
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<Node> node_;

 private:
  // Opens the store in `data_dir`, creating the directory (and its parents)
  // if missing; a damaged store is refused.
  Status open_store(const std::string& data_dir) {
    // Parents as by mkdir -p; the data directory itself through the Env,
    // which syncs its parent so that the directory survives a crash.
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(data_dir).parent_path(), ec);
    if (ec) {
      return Status::io_error(
          fmt::format("cannot create the parents of --data-dir {}: {}", data_dir, ec.message()));
    }
    Env* env = posix_env();
    if (Status s = env->create_dir(data_dir); !s.is_ok()) return s;
    if (Status s = Store::open(env, data_dir, {}, &store_); !s.is_ok()) return s;
    if (!store_->recovery_note().empty()) {
      spdlog::warn("{} recovery: {}", log_name_, store_->recovery_note());
    }
    spdlog::info("{}: recovered {} keys ({} bytes), issued counter {}", log_name_, store_->size(),
                 store_->log_bytes(), store_->issued_counter());
    return Status::ok();
  }

  // A batch (message_batch.h): decoded whole, then stepped in order; a
  // message the core refuses (not addressed to it) ends the batch there.
  Status on_frame(std::string payload) {
    std::vector<Message> batch;
    if (Status s = decode_batch(payload, &batch); !s.is_ok()) return s;
    Status stepped = Status::ok();
    for (const Message& m : batch) {
      if (stepped = node_->step(m); !stepped.is_ok()) break;
    }
    schedule_flush();
    return stepped;
  }

  void tick() {
    node_->tick();
    schedule_flush();
    ticker_.expires_after(std::chrono::milliseconds(place_.tick_ms));
    ticker_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  }

  void flush() {
    flush_scheduled_ = false;
    if (failed_ || syncing_ || !node_->has_ready()) return;  // a sync's end flushes again
    auto rd = std::make_shared<Ready>(node_->ready());
    send(rd->early);
    // The Ready contract: durable before anything else leaves.
    bool written = false;
    if (Status s = store_->write_pending(&written); !s.is_ok()) return fail(s);
    if (!written) return finish(*rd);  // nothing new to make durable
    syncing_ = true;
    boost::asio::post(sync_thread_, [this, rd] {
      Status synced = store_->sync_written();
      boost::asio::post(io_, [this, rd, synced = std::move(synced)]() mutable {
        syncing_ = false;
        if (Status s = store_->finish_sync(std::move(synced)); !s.is_ok()) return fail(s);
        finish(*rd);
      });
    });
  }

  // Steps 3 and 4, once the Ready is durable.
  void finish(Ready& rd) {
    send(rd.messages);
    for (const Response& r : rd.responses) answer(r);
    advance_after_sync(*node_);
    if (node_->has_ready()) schedule_flush();
  }

  void send(const std::vector<Message>& list) {
    send_batches(list, [&](uint64_t to, std::string batch, bool last) {
      transport_->send(to, batch, last ? after_sent(to, list) : nullptr);
    });
  }

  void fail(const Status& s) {
    spdlog::critical("{} sync failed: {}; stopping (restart to recover)", log_name_, s.message());
    failed_ = true;
    io_.stop();
  }

  boost::asio::io_context& io_;
  CoreServerOptions place_;
  std::string log_name_;
  std::unique_ptr<FrameTransport> transport_;
  std::unique_ptr<ClientListener> listener_;
  boost::asio::steady_timer ticker_;
  bool flush_scheduled_ = false;
  bool syncing_ = false;  // a Ready's sync runs on sync_thread_
  bool failed_ = false;
  // Declared after store_, so destroyed (stopped and joined) before it.
  boost::asio::thread_pool sync_thread_{1};
};

}  // namespace faultline::common
