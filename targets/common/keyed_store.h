// KeyedStore: what a sans-I/O core keeps across restarts, one Value per key
// and the highest counter it issued (a version's for the DHT, a ballot's for
// Paxos). The core decides what to keep; the store just holds it, and all of
// it must survive a restart: that is what a crash-restart keeps. The counter
// is stored so that a restarted node never issues one twice.
//
// MemoryKeyedStore is the in-memory one of the tests and simulations;
// DurableKeyedStore (keyed_log.h) the servers' one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace faultline::common {

template <typename Value>
class KeyedStore {
 public:
  virtual ~KeyedStore() = default;
  // The value of `key`, valid until the next put(); null when it was never
  // stored.
  virtual const Value* find(std::string_view key) const = 0;
  // The value of `key`; Value{} when it was never stored.
  Value get(std::string_view key) const {
    const Value* value = find(key);
    return value ? *value : Value{};
  }
  virtual void put(std::string_view key, Value value) = 0;
  virtual uint64_t issued_counter() const = 0;
  virtual void set_issued_counter(uint64_t counter) = 0;
};

template <typename Value>
class MemoryKeyedStore final : public KeyedStore<Value> {
 public:
  const Value* find(std::string_view key) const override {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }
  void put(std::string_view key, Value value) override {
    auto it = values_.find(key);
    if (it == values_.end()) it = values_.emplace(std::string(key), Value{}).first;
    it->second = std::move(value);
  }
  uint64_t issued_counter() const override { return issued_counter_; }
  void set_issued_counter(uint64_t counter) override { issued_counter_ = counter; }

  const std::map<std::string, Value, std::less<>>& values() const { return values_; }

 private:
  std::map<std::string, Value, std::less<>> values_;
  uint64_t issued_counter_ = 0;
};

}  // namespace faultline::common
