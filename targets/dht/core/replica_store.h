// ReplicaStore: a node's replica state. The core reads and writes it as it
// handles messages; it decides what to keep (a record replaces another only
// if its version is newer), the store just holds it. Everything in it must
// survive a restart: that is what a crash-restart keeps. MemoryReplicaStore
// is the in-memory one for tests; the server brings a durable one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "targets/dht/core/messages.h"

namespace faultline::dht {

class ReplicaStore {
 public:
  virtual ~ReplicaStore() = default;
  // The record of `key`; {} when the key was never stored.
  virtual Record get(std::string_view key) const = 0;
  virtual void put(const std::string& key, const Record& record) = 0;
  // The highest version counter this node issued as a coordinator. Stored so
  // a restarted node never issues a version it issued before (two values
  // under one version would break both modes).
  virtual uint64_t issued_counter() const = 0;
  virtual void set_issued_counter(uint64_t counter) = 0;
};

class MemoryReplicaStore final : public ReplicaStore {
 public:
  Record get(std::string_view key) const override;
  void put(const std::string& key, const Record& record) override { records_[key] = record; }
  uint64_t issued_counter() const override { return issued_counter_; }
  void set_issued_counter(uint64_t counter) override { issued_counter_ = counter; }

  const std::map<std::string, Record, std::less<>>& records() const { return records_; }

 private:
  std::map<std::string, Record, std::less<>> records_;
  uint64_t issued_counter_ = 0;
};

}  // namespace faultline::dht
