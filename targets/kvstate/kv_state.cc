#include "targets/kvstate/kv_state.h"

#include <algorithm>
#include <vector>

#include "targets/kvstate/byte_codec.h"
#include "targets/resp/resp_parser.h"
#include "targets/resp/resp_writer.h"

namespace faultline::kv {
namespace {

constexpr std::string_view kSnapshotMagic = "FLKV";
constexpr uint8_t kSnapshotVersion = 1;
constexpr uint8_t kStringType = 0;
constexpr uint8_t kSetType = 1;

constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

Status corrupt(const std::string& what, size_t at) {
  return Status::malformed("kv snapshot: " + what + " at byte " + std::to_string(at));
}

}  // namespace

void append_ping_reply(const Command& ping, std::string* reply) {
  if (ping.args.empty()) {
    resp::append_simple_string(reply, "PONG");
  } else {
    resp::append_bulk(reply, ping.args[0]);
  }
}

Status KvState::apply(std::string_view entry, std::string* reply) {
  LogEntry decoded;
  if (Status st = decode_entry(entry, &decoded); !st.is_ok()) return st;
  apply(decoded, reply);
  return Status::ok();
}

void KvState::apply(const LogEntry& entry, std::string* reply) {
  if (entry.batch) resp::append_array_header(reply, entry.commands.size());
  for (const Command& command : entry.commands) execute(command, reply);
}

const KvState::Value* KvState::find(const std::string& key) const {
  auto it = data_.find(key);
  return it == data_.end() ? nullptr : &it->second;
}

void KvState::read(const Command& command, std::string* reply) const {
  switch (command.op) {
    case Op::kGet: {
      const Value* v = find(command.args[0]);
      if (v == nullptr) return resp::append_null_bulk(reply);
      if (const auto* s = std::get_if<std::string>(v)) return resp::append_bulk(reply, *s);
      return resp::append_error(reply, kWrongType);
    }
    case Op::kMGet: {
      // As Redis: a missing key and a key of another type both read as nil.
      resp::append_array_header(reply, command.args.size());
      for (const std::string& key : command.args) {
        const Value* v = find(key);
        const auto* s = v == nullptr ? nullptr : std::get_if<std::string>(v);
        if (s == nullptr) {
          resp::append_null_bulk(reply);
        } else {
          resp::append_bulk(reply, *s);
        }
      }
      return;
    }
    case Op::kSMembers: {
      const Value* v = find(command.args[0]);
      if (v == nullptr) return resp::append_array_header(reply, 0);
      const auto* members = std::get_if<Members>(v);
      if (members == nullptr) return resp::append_error(reply, kWrongType);
      resp::append_array_header(reply, members->size());
      for (const std::string& m : *members) resp::append_bulk(reply, m);
      return;
    }
    case Op::kPing: return append_ping_reply(command, reply);
    default:
      return resp::append_error(reply, "ERR '" + std::string(command_name(command.op)) +
                                           "' writes: it must go through the log");
  }
}

void KvState::execute(const Command& command, std::string* reply) {
  const std::vector<std::string>& args = command.args;
  switch (command.op) {
    case Op::kSet:
      data_.insert_or_assign(args[0], args[1]);
      return resp::append_simple_string(reply, "OK");
    case Op::kDel: {
      int64_t deleted = 0;
      for (const std::string& key : args) deleted += static_cast<int64_t>(data_.erase(key));
      return resp::append_integer(reply, deleted);
    }
    case Op::kCas: {
      auto it = data_.find(args[0]);
      if (it == data_.end()) return resp::append_integer(reply, 0);
      auto* s = std::get_if<std::string>(&it->second);
      if (s == nullptr) return resp::append_error(reply, kWrongType);
      if (*s != args[1]) return resp::append_integer(reply, 0);
      *s = args[2];
      return resp::append_integer(reply, 1);
    }
    case Op::kAppend: {
      auto [it, inserted] = data_.try_emplace(args[0], std::string());
      auto* s = std::get_if<std::string>(&it->second);
      if (s == nullptr) return resp::append_error(reply, kWrongType);
      s->append(args[1]);
      return resp::append_integer(reply, static_cast<int64_t>(s->size()));
    }
    case Op::kIncrBy: return incrby(command, reply);
    case Op::kSAdd: {
      auto it = data_.find(args[0]);
      if (it != data_.end() && !std::holds_alternative<Members>(it->second)) {
        return resp::append_error(reply, kWrongType);
      }
      if (it == data_.end()) it = data_.emplace(args[0], Members()).first;
      auto& members = std::get<Members>(it->second);
      int64_t added = 0;
      for (size_t i = 1; i < args.size(); ++i) added += members.insert(args[i]).second ? 1 : 0;
      return resp::append_integer(reply, added);
    }
    case Op::kGet:
    case Op::kMGet:
    case Op::kSMembers:
    case Op::kPing: return read(command, reply);
  }
}

void KvState::incrby(const Command& command, std::string* reply) {
  int64_t increment = 0, current = 0;
  resp::parse_integer(command.args[1], &increment);  // validated when decoded
  auto it = data_.find(command.args[0]);
  if (it != data_.end()) {
    const auto* s = std::get_if<std::string>(&it->second);
    if (s == nullptr) return resp::append_error(reply, kWrongType);
    if (!resp::parse_integer(*s, &current)) {
      return resp::append_error(reply, "ERR value is not an integer or out of range");
    }
  }
  int64_t result;
  if (__builtin_add_overflow(current, increment, &result)) {
    return resp::append_error(reply, "ERR increment or decrement would overflow");
  }
  data_.insert_or_assign(command.args[0], std::to_string(result));
  resp::append_integer(reply, result);
}

std::string KvState::snapshot() const {
  std::vector<const std::pair<const std::string, Value>*> entries;
  entries.reserve(data_.size());
  for (const auto& entry : data_) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string out(kSnapshotMagic);
  out.push_back(static_cast<char>(kSnapshotVersion));
  put_varint(&out, entries.size());
  for (const auto* entry : entries) {
    const auto* s = std::get_if<std::string>(&entry->second);
    out.push_back(static_cast<char>(s != nullptr ? kStringType : kSetType));
    put_bytes(&out, entry->first);
    if (s != nullptr) {
      put_bytes(&out, *s);
      continue;
    }
    const Members& members = std::get<Members>(entry->second);
    put_varint(&out, members.size());
    for (const std::string& m : members) put_bytes(&out, m);
  }
  return out;
}

Status KvState::restore(std::string_view snapshot) {
  if (snapshot.substr(0, kSnapshotMagic.size()) != kSnapshotMagic) {
    return corrupt("missing \"FLKV\" header", 0);
  }
  ByteReader in(snapshot.substr(kSnapshotMagic.size()));
  const size_t base = kSnapshotMagic.size();
  auto at = [&] { return base + in.offset(); };
  uint8_t version;
  if (!in.read_u8(&version) || version != kSnapshotVersion) {
    return corrupt("unknown version", base);
  }
  uint64_t count;
  const size_t count_at = at();
  // A key takes at least three bytes (type, key length, value length).
  if (!in.read_varint(&count) || count > in.remaining() / 3) {
    return corrupt("bad key count", count_at);
  }
  std::unordered_map<std::string, Value> data;
  data.reserve(static_cast<size_t>(count));
  std::string previous_key;
  for (uint64_t i = 0; i < count; ++i) {
    const size_t start = at();
    uint8_t type;
    std::string key;
    if (!in.read_u8(&type) || !in.read_bytes(&key)) return corrupt("truncated key", start);
    if (i > 0 && key <= previous_key) return corrupt("keys not in increasing order", start);
    if (type == kStringType) {
      std::string value;
      if (!in.read_bytes(&value)) return corrupt("truncated value", at());
      data.emplace(key, std::move(value));
    } else if (type == kSetType) {
      uint64_t size;
      const size_t size_at = at();
      if (!in.read_varint(&size) || size == 0 || size > in.remaining()) {
        return corrupt("bad set size", size_at);
      }
      Members members;
      std::string member;
      for (uint64_t j = 0; j < size; ++j) {
        const size_t member_at = at();
        if (!in.read_bytes(&member)) return corrupt("truncated set member", member_at);
        if (j > 0 && member <= *members.rbegin()) {
          return corrupt("set members not in increasing order", member_at);
        }
        members.insert(members.end(), std::move(member));
      }
      data.emplace(key, std::move(members));
    } else {
      return corrupt("unknown value type " + std::to_string(type), start);
    }
    previous_key = std::move(key);
  }
  if (in.remaining() > 0) return corrupt("trailing bytes", at());
  data_ = std::move(data);
  return Status::ok();
}

}  // namespace faultline::kv
