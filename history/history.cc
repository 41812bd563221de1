#include "history/history.h"

#include <nlohmann/json.hpp>

namespace faultline {

std::string_view to_string(EventType type) {
  switch (type) {
    case EventType::kInvoke: return "invoke";
    case EventType::kOk: return "ok";
    case EventType::kFail: return "fail";
    case EventType::kInfo: return "info";
  }
  return "?";
}

uint32_t Interner::intern(std::string_view text) {
  if (auto it = ids_.find(text); it != ids_.end()) return it->second;
  uint32_t id = static_cast<uint32_t>(texts_.size());
  texts_.emplace_back(text);
  ids_.emplace(texts_.back(), id);
  return id;
}

int64_t Interner::find(std::string_view text) const {
  auto it = ids_.find(text);
  return it == ids_.end() ? int64_t{-1} : int64_t{it->second};  // -1 : uint32 would be 2^32-1
}

ValueTable::ValueTable() { texts_.intern("null"); }
ValueTable::~ValueTable() = default;
ValueTable::ValueTable(ValueTable&&) noexcept = default;
ValueTable& ValueTable::operator=(ValueTable&&) noexcept = default;

const nlohmann::json& ValueTable::json(uint32_t id) const {
  if (parsed_.size() < texts_.size()) parsed_.resize(texts_.size());
  if (!parsed_[id])
    parsed_[id] = std::make_unique<nlohmann::json>(nlohmann::json::parse(texts_.text(id)));
  return *parsed_[id];
}

History::History() {
  keys.intern("null");
  notes.intern("");
}

std::string History::key_name(uint32_t key) const {
  if (key == kNoKey) return "";
  const std::string& text = keys.text(key);
  if (text.size() >= 2 && text.front() == '"')
    return nlohmann::json::parse(text).get<std::string>();
  return text;
}

}  // namespace faultline
