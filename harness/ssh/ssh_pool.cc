#include "harness/ssh/ssh_pool.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <thread>

namespace faultline {

struct SshPool::Slot {
  SshTarget target;
  std::mutex mu;
  std::unique_ptr<SshSession> session;
  bool ever_connected = false;
  int connects = 0;
};

SshPool::SshPool(SshOptions options, ReconnectPolicy reconnect)
    : options_(std::move(options)), reconnect_(reconnect) {}

SshPool::~SshPool() = default;

Status SshPool::add(const SshTarget& target) {
  if (slots_.count(target.node) != 0)
    return Status::invalid_argument(fmt::format("node {} is listed twice", target.node));
  auto s = std::make_unique<Slot>();
  s->target = target;
  slots_.emplace(target.node, std::move(s));
  return Status::ok();
}

std::vector<std::string> SshPool::nodes() const {
  std::vector<std::string> out;
  for (const auto& [name, slot] : slots_) out.push_back(name);
  return out;
}

SshPool::Slot* SshPool::slot(const std::string& node, Status* st) const {
  auto it = slots_.find(node);
  if (it != slots_.end()) return it->second.get();
  *st = Status::invalid_argument(fmt::format("unknown node {}", node));
  return nullptr;
}

int SshPool::connects(const std::string& node) const {
  Status st;
  Slot* s = slot(node, &st);
  if (s == nullptr) return 0;
  std::lock_guard<std::mutex> lock(s->mu);
  return s->connects;
}

Status SshPool::ensure_connected(Slot& s) {
  if (s.session && s.session->usable()) return Status::ok();
  s.session.reset();
  // A node never reached fails fast (wrong address or key: retrying will not
  // help); a node that dropped gets a few tries while it comes back.
  const int attempts = s.ever_connected ? std::max(1, reconnect_.attempts) : 1;
  auto backoff = reconnect_.first_backoff;
  Status st;
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) {
      spdlog::debug("ssh {}: reconnecting in {} ms ({})", s.target.node, backoff.count(),
                    st.message());
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, reconnect_.max_backoff);
    }
    st = SshSession::connect(s.target, options_, &s.session);
    if (st.is_ok()) {
      s.ever_connected = true;
      ++s.connects;
      return st;
    }
  }
  return st;
}

Status SshPool::with_session(const std::string& node,
                             const std::function<Status(SshSession&)>& fn) {
  Status st;
  Slot* s = slot(node, &st);
  if (s == nullptr) return st;
  std::lock_guard<std::mutex> lock(s->mu);
  if (st = ensure_connected(*s); !st.is_ok()) return st;
  return fn(*s->session);
}

Status SshPool::exec(const std::string& node, const std::string& command,
                     std::chrono::milliseconds timeout, ExecResult* result) {
  Status st;
  Slot* s = slot(node, &st);
  if (s == nullptr) return st;
  std::lock_guard<std::mutex> lock(s->mu);
  for (int attempt = 0;; ++attempt) {
    if (st = ensure_connected(*s); !st.is_ok()) return st;
    st = s->session->exec(command, timeout, result);
    if (st.is_ok() || result->started || s->session->usable() || attempt > 0) return st;
    spdlog::debug("ssh {}: connection dropped before `{}` started; retrying", node, command);
  }
}

Status SshPool::upload(const std::string& node, const std::string& local, const std::string& remote,
                       int mode, std::chrono::milliseconds timeout) {
  return with_session(node, [&](SshSession& s) { return s.upload(local, remote, mode, timeout); });
}

Status SshPool::download(const std::string& node, const std::string& remote,
                         const std::string& local, std::chrono::milliseconds timeout) {
  return with_session(node, [&](SshSession& s) { return s.download(remote, local, timeout); });
}

}  // namespace faultline
