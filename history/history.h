// The in-memory form of a recorded history: every event of every process, in
// real-time order, with function names, keys and values interned so that
// checkers compare small integers instead of strings. docs/history.md
// describes the file format this is read from.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace faultline {

enum class EventType : uint8_t { kInvoke, kOk, kFail, kInfo };

std::string_view to_string(EventType type);

// Process id of fault events ("nemesis" in the file). Checkers skip them.
inline constexpr int64_t kNemesisProcess = -1;

// Interns strings: equal strings get equal ids, ids are dense from 0.
class Interner {
 public:
  uint32_t intern(std::string_view text);
  const std::string& text(uint32_t id) const { return texts_[id]; }
  size_t size() const { return texts_.size(); }
  // Returns the id of `text`, or -1 if it was never interned.
  int64_t find(std::string_view text) const;

 private:
  std::deque<std::string> texts_;                       // a deque never moves its elements, so
  std::unordered_map<std::string_view, uint32_t> ids_;  // these views stay valid
};

// Values are interned by their canonical JSON text (no whitespace, as written
// otherwise), so two values are equal exactly when their ids are. Checkers
// that need structure (a cas pair, a set read) parse a value once per
// distinct id through json().
class ValueTable {
 public:
  ValueTable();
  ~ValueTable();
  ValueTable(ValueTable&&) noexcept;
  ValueTable& operator=(ValueTable&&) noexcept;

  static constexpr uint32_t kNull = 0;  // the JSON value null, always id 0

  uint32_t intern(std::string_view canonical_json) { return texts_.intern(canonical_json); }
  const std::string& text(uint32_t id) const { return texts_.text(id); }
  size_t size() const { return texts_.size(); }
  int64_t find(std::string_view canonical_json) const { return texts_.find(canonical_json); }
  // The parsed value; parsed on first use and cached. Not thread-safe: call
  // it before fanning out to threads, or from one thread.
  const nlohmann::json& json(uint32_t id) const;

 private:
  Interner texts_;
  mutable std::vector<std::unique_ptr<nlohmann::json>> parsed_;
};

struct Event {
  int64_t index = 0;    // position in the history (given `index`, else line order)
  int64_t time = -1;    // nanoseconds since start; -1 when absent
  int64_t process = 0;  // kNemesisProcess for fault events
  EventType type = EventType::kInvoke;
  uint32_t f = 0;                      // History::functions id
  uint32_t key = 0;                    // History::keys id; kNoKey when absent
  uint32_t value = ValueTable::kNull;  // History::values id
  uint32_t line = 0;                   // 1-based line (or form) in the source file
  // History::notes ids (kNoNote when absent) of the recorder's "error" (why
  // an op failed or is unknown) and "node" (which node served it).
  uint32_t error = 0;
  uint32_t node = 0;

  bool is_nemesis() const { return process == kNemesisProcess; }
};

struct History {
  static constexpr uint32_t kNoKey = 0;   // the single register: key null or absent
  static constexpr uint32_t kNoNote = 0;  // Event::error or Event::node absent

  History();
  std::string source;  // file name, for messages
  std::vector<Event> events;
  Interner functions;
  Interner keys;   // id 0 is kNoKey; other keys by canonical JSON text
  Interner notes;  // Event::error and Event::node texts; id 0 is kNoNote ("")
  ValueTable values;

  const std::string& function_name(const Event& e) const { return functions.text(e.f); }
  // The key as a person reads it: strings without quotes, "" for kNoKey.
  std::string key_name(uint32_t key) const;
};

// One operation: an invoke and the event that completed it.
struct Operation {
  uint32_t invoke = 0;                // index into History::events
  uint32_t completion = 0;            // index into History::events, or kPending
  EventType type = EventType::kInfo;  // kOk, kFail or kInfo (pending counts as info)
  static constexpr uint32_t kPending = UINT32_MAX;
  bool pending() const { return completion == kPending; }
};

}  // namespace faultline
