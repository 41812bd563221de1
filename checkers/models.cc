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
    has_cas_ = true;
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

namespace {

// Polynomial hashing mod the Mersenne prime 2^61 - 1.
constexpr uint64_t kPrime = (uint64_t{1} << 61) - 1, kBase = 1'000'003;

uint64_t mul_mod(uint64_t a, uint64_t b) {
  const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  const uint64_t r = static_cast<uint64_t>(p & kPrime) + static_cast<uint64_t>(p >> 61);
  return r >= kPrime ? r - kPrime : r;
}
uint64_t add_mod(uint64_t a, uint64_t b) {
  const uint64_t r = a + b;
  return r >= kPrime ? r - kPrime : r;
}

}  // namespace

KvModel::KvModel(const History& history) : history_(&history) {}

bool KvModel::State::operator==(const State& o) const {
  if (any != o.any || lost != o.lost || length != o.length || hash != o.hash) return false;
  // Walk both lists while they write the same values; equal pieces (shared
  // history) end it at once. One string split differently ("ab" + "c", "a" +
  // "bc") compares unequal: the memo then keeps both states, which costs
  // some time, never a wrong verdict.
  const Piece *a = last.get(), *b = o.last.get();
  while (a != b && a && b && a->value == b->value) a = a->parent.get(), b = b->parent.get();
  return a == b;
}

std::string KvModel::text(const State& s, const std::vector<std::string>& strings) {
  std::vector<const Piece*> pieces;
  for (const Piece* p = s.last.get(); p; p = p->parent.get()) pieces.push_back(p);
  std::string out;
  out.reserve(s.length);
  for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) out += strings[(*it)->value];
  return out;
}

bool KvModel::ends_with(const State& s, const std::string& v, bool whole) const {
  if (whole ? v.size() != s.length : v.size() < s.length) return false;
  size_t end = v.size();  // v[.., end) is still to match, from the newest piece back
  for (const Piece* p = s.last.get(); p; p = p->parent.get()) {
    const std::string& piece = strings_[p->value];
    end -= piece.size();
    if (v.compare(end, piece.size(), piece) != 0) return false;
  }
  return true;
}

bool KvModel::step(const State& s, const Op& op, State* next) const {
  const uint32_t v = op.value;
  switch (op.kind) {
    case kGet: {
      const std::string& read = strings_[v];
      if (s.any) {
        if (!ends_with(s, read, false)) return false;
        *next = State{false, false, static_cast<uint32_t>(read.size()), hashes_[v],
                      std::make_shared<const Piece>(Piece{nullptr, v})};
        return true;
      }
      // (the hash rules out nearly every wrong string at once)
      if (s.length != read.size() || s.hash != hashes_[v] || !ends_with(s, read, true))
        return false;
      *next = s;
      return true;
    }
    case kPut:
      *next = State{false, false, static_cast<uint32_t>(strings_[v].size()), hashes_[v],
                    std::make_shared<const Piece>(Piece{nullptr, v})};
      return true;
    case kAppend:
      *next = State{s.any, false, s.length + static_cast<uint32_t>(strings_[v].size()),
                    add_mod(mul_mod(s.hash, powers_[v]), hashes_[v]),
                    std::make_shared<const Piece>(Piece{s.last, v})};
      return true;
  }
  return false;
}

bool KvModel::may_see(const State& s, const Op& op) const {
  if (op.kind != kGet) return false;  // puts and appends always go
  const std::string& v = strings_[op.value];
  if (s.length > v.size()) return false;
  if (s.any) {  // the known end of the string must occur in v, anywhere
    std::string known;
    int pieces = 0;
    for (const Piece* p = s.last.get(); p && pieces < kLookaheadPieces;
         p = p->parent.get(), ++pieces)
      known.insert(0, strings_[p->value]);
    return v.find(known) != std::string::npos;
  }
  size_t end = s.length;  // v[.., end) must be the state's string
  int pieces = 0;
  for (const Piece* p = s.last.get(); p && pieces < kLookaheadPieces;
       p = p->parent.get(), ++pieces) {
    const std::string& piece = strings_[p->value];
    end -= piece.size();
    if (v.compare(end, piece.size(), piece) != 0) return false;
  }
  return true;
}

bool KvModel::may_show(const Op& append, const Op& get, uint64_t within) const {
  const std::string& read = strings_[get.value];
  const size_t from = read.size() > within ? read.size() - within : 0;
  return get.kind != kGet || read.find(strings_[append.value], from) != std::string::npos;
}

std::string KvModel::describe(const State& s) const {
  return (s.any ? "(any string)+" : "") + nlohmann::json(text(s, strings_)).dump();
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
  if (strings_.size() < h.values.size()) {
    strings_.resize(h.values.size());
    hashes_.resize(h.values.size(), 0);
    powers_.resize(h.values.size(), 1);
  }
  const nlohmann::json& j = h.values.json(value);
  if (!j.is_string() && !(kind == kGet && j.is_null())) {
    *error = fmt::format("{}: expected a string value, got {}", op_context(h, inv),
                         h.values.text(value));
    return Conversion::kBad;
  }
  if (j.is_string() && strings_[value].empty()) {  // null reads as "" (never written)
    strings_[value] = j.get<std::string>();
    for (unsigned char c : strings_[value]) {
      hashes_[value] = add_mod(mul_mod(hashes_[value], kBase), c + 1u);
      powers_[value] = mul_mod(powers_[value], kBase);
    }
  }
  *op = Op{kind, value};
  return Conversion::kUse;
}

}  // namespace faultline
