#include "checkers/models.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace faultline {
namespace {

// Splits the minified JSON text of a two-element array into its elements'
// texts. Because the text is already minified, each element's slice is its
// own canonical text, so it interns to the same id as that value elsewhere.
std::optional<std::pair<std::string_view, std::string_view>> split_pair(std::string_view text) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return std::nullopt;
  int depth = 0;
  bool in_string = false;
  size_t comma = 0;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 0) {
      if (comma != 0) return std::nullopt;  // three or more elements
      comma = i;
    }
  }
  if (comma == 0) return std::nullopt;
  return std::make_pair(text.substr(1, comma - 1), text.substr(comma + 1, text.size() - comma - 2));
}

std::string op_context(const History& h, const Event& e) {
  return fmt::format("{}:{}: {} of process {}", h.source, e.line, h.function_name(e), e.process);
}

}  // namespace

Conversion RegisterModel::convert(const History& h, const Operation& o, Op* op,
                                  std::string* error) {
  const Event& inv = h.events[o.invoke];
  const std::string& f = h.function_name(inv);
  if (f == "read") {
    if (o.type != EventType::kOk) return Conversion::kDrop;  // an unknown read constrains nothing
    *op = Op{kRead, h.events[o.completion].value, 0};
    return Conversion::kUse;
  }
  if (f == "write") {
    *op = Op{kWrite, inv.value, 0};
    return Conversion::kUse;
  }
  if (f == "cas") {
    auto it = cas_pairs_.find(inv.value);
    if (it == cas_pairs_.end()) {
      auto pair = split_pair(h.values.text(inv.value));
      int64_t expected = pair ? h.values.find(pair->first) : -1;
      int64_t replacement = pair ? h.values.find(pair->second) : -1;
      if (!pair) {
        *error = fmt::format("{}: expected value [expected, new], got {}", op_context(h, inv),
                             h.values.text(inv.value));
        return Conversion::kBad;
      }
      // Elements never seen as whole values still need ids; interning into
      // the table would need a mutable history, so give them ids past its end.
      auto id_of = [&](int64_t found, std::string_view text) -> uint32_t {
        if (found >= 0) return static_cast<uint32_t>(found);
        auto [extra, inserted] = extra_values_.try_emplace(
            std::string(text), static_cast<uint32_t>(h.values.size() + extra_values_.size()));
        return extra->second;
      };
      it = cas_pairs_
               .emplace(inv.value, std::make_pair(id_of(expected, pair->first),
                                                  id_of(replacement, pair->second)))
               .first;
    }
    *op = Op{kCas, it->second.first, it->second.second};
    return Conversion::kUse;
  }
  *error =
      fmt::format("{}: expected f read, write or cas for the register model", op_context(h, inv));
  return Conversion::kBad;
}

std::string RegisterModel::describe(const State& s) const {
  if (s == kAny) return "any value";
  if (s < history_->values.size()) return history_->values.text(s);
  for (const auto& [text, id] : extra_values_)
    if (id == s) return text;
  return "?";
}

KvModel::KvModel(const History& history) : history_(&history) {}

bool KvModel::step(const State& s, const Op& op, State* next) const {
  const std::string& v = strings_[op.value];
  switch (op.kind) {
    case kGet:
      *next = State{false, v};
      return s.any ? v.ends_with(s.text) : s.text == v;
    case kPut: *next = State{false, v}; return true;
    case kAppend: *next = State{s.any, s.text + v}; return true;
  }
  return false;
}

std::string KvModel::describe(const State& s) const {
  return (s.any ? "(any string)+" : "") + nlohmann::json(s.text).dump();
}

Conversion KvModel::convert(const History& h, const Operation& o, Op* op, std::string* error) {
  const Event& inv = h.events[o.invoke];
  const std::string& f = h.function_name(inv);
  Kind kind;
  uint32_t value;
  if (f == "get") {
    if (o.type != EventType::kOk) return Conversion::kDrop;
    kind = kGet;
    value = h.events[o.completion].value;
  } else if (f == "put" || f == "append") {
    kind = f == "put" ? kPut : kAppend;
    value = inv.value;
  } else {
    *error = fmt::format("{}: expected f get, put or append for the kv model", op_context(h, inv));
    return Conversion::kBad;
  }
  if (strings_.size() < h.values.size()) strings_.resize(h.values.size());
  const nlohmann::json& j = h.values.json(value);
  if (!j.is_string() && !(kind == kGet && j.is_null())) {
    *error = fmt::format("{}: expected a string value, got {}", op_context(h, inv),
                         h.values.text(value));
    return Conversion::kBad;
  }
  if (j.is_string()) strings_[value] = j.get<std::string>();  // null reads as "" (never written)
  *op = Op{kind, value};
  return Conversion::kUse;
}

}  // namespace faultline
