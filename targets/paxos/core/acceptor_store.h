// AcceptorStore: a node's durable Paxos state, every key's AcceptorState and
// the highest ballot counter it issued as a proposer. The core decides what
// to keep; the store holds it, and everything in it must survive a restart
// (a crash-restart keeps exactly the store). MemoryAcceptorStore is the
// in-memory one for tests; the server brings a durable one
// (storage/durable_acceptor_store.h) that syncs before anything is sent.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "targets/paxos/core/messages.h"

namespace faultline::paxos {

class AcceptorStore {
 public:
  virtual ~AcceptorStore() = default;
  // The state of `key`; {} when it was never stored.
  virtual AcceptorState get(std::string_view key) const = 0;
  virtual void put(const std::string& key, const AcceptorState& state) = 0;
  // Stored so that a restarted proposer never issues a ballot twice.
  virtual uint64_t issued_counter() const = 0;
  virtual void set_issued_counter(uint64_t counter) = 0;
};

class MemoryAcceptorStore final : public AcceptorStore {
 public:
  AcceptorState get(std::string_view key) const override {
    auto it = states_.find(key);
    return it == states_.end() ? AcceptorState{} : it->second;
  }
  void put(const std::string& key, const AcceptorState& state) override { states_[key] = state; }
  uint64_t issued_counter() const override { return issued_counter_; }
  void set_issued_counter(uint64_t counter) override { issued_counter_ = counter; }

  const std::map<std::string, AcceptorState, std::less<>>& states() const { return states_; }

 private:
  std::map<std::string, AcceptorState, std::less<>> states_;
  uint64_t issued_counter_ = 0;
};

}  // namespace faultline::paxos
