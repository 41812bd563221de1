#include "targets/kvstate/kv_command.h"

#include <cstddef>
#include <limits>

#include "targets/kvstate/byte_codec.h"
#include "targets/resp/resp_parser.h"

namespace faultline::kv {
namespace {

constexpr uint8_t kEntryVersion = 1;
constexpr uint8_t kSingle = 1;
constexpr uint8_t kBatch = 2;

constexpr size_t kAnyCount = std::numeric_limits<size_t>::max();

struct Spec {
  std::string_view name;
  Op op;
  size_t min_args;  // arguments after the name
  size_t max_args;
  bool read_only;
};

constexpr Spec kSpecs[] = {
    {"get", Op::kGet, 1, 1, true},
    {"set", Op::kSet, 2, kAnyCount, false},  // more than 2: "syntax error", as Redis
    {"del", Op::kDel, 1, kAnyCount, false},
    {"cas", Op::kCas, 3, 3, false},
    {"append", Op::kAppend, 2, 2, false},
    {"incrby", Op::kIncrBy, 2, 2, false},
    {"mget", Op::kMGet, 1, kAnyCount, true},
    {"sadd", Op::kSAdd, 2, kAnyCount, false},
    {"smembers", Op::kSMembers, 1, 1, true},
    {"ping", Op::kPing, 0, 1, true},
};

const Spec* find_spec(Op op) {
  for (const Spec& spec : kSpecs) {
    if (spec.op == op) return &spec;
  }
  return nullptr;
}

// Case-insensitive, as Redis.
const Spec* find_spec(std::string_view name) {
  for (const Spec& spec : kSpecs) {
    if (spec.name.size() != name.size()) continue;
    size_t i = 0;
    while (i < name.size() && (name[i] == spec.name[i] || name[i] - 'A' + 'a' == spec.name[i])) ++i;
    if (i == name.size()) return &spec;
  }
  return nullptr;
}

// The checks a command's arguments must pass, in the client's path and when
// a log entry is decoded alike. Returns the RESP error message, or "".
std::string argument_error(const Spec& spec, const std::vector<std::string>& args) {
  if (args.size() < spec.min_args || args.size() > spec.max_args) {
    return "ERR wrong number of arguments for '" + std::string(spec.name) + "' command";
  }
  if (spec.op == Op::kSet && args.size() > 2) return "ERR syntax error";
  int64_t increment;
  if (spec.op == Op::kIncrBy && !resp::parse_integer(args[1], &increment)) {
    return "ERR value is not an integer or out of range";
  }
  return "";
}

void put_command(std::string* out, const Command& command) {
  out->push_back(static_cast<char>(command.op));
  put_varint(out, command.args.size());
  for (const std::string& arg : command.args) put_bytes(out, arg);
}

Status corrupt(const std::string& what, size_t at) {
  return Status::malformed("kv log entry: " + what + " at byte " + std::to_string(at));
}

Status read_command(ByteReader* in, Command* command) {
  const size_t start = in->offset();
  uint8_t code;
  if (!in->read_u8(&code)) return corrupt("truncated command", start);
  const Spec* spec = find_spec(static_cast<Op>(code));
  if (spec == nullptr) return corrupt("unknown op code " + std::to_string(code), start);
  uint64_t argc;
  // Each argument takes at least its length byte: a larger count is corrupt
  // (and must not size a vector).
  if (!in->read_varint(&argc) || argc > in->remaining()) {
    return corrupt("bad argument count", start + 1);
  }
  command->op = spec->op;
  command->args.resize(static_cast<size_t>(argc));
  for (std::string& arg : command->args) {
    const size_t at = in->offset();
    if (!in->read_bytes(&arg)) return corrupt("truncated argument", at);
  }
  if (std::string error = argument_error(*spec, command->args); !error.empty()) {
    return corrupt("invalid " + std::string(spec->name) + " command (" + error + ")", start);
  }
  return Status::ok();
}

}  // namespace

std::string_view command_name(Op op) { return find_spec(op)->name; }

bool is_read_only(Op op) { return find_spec(op)->read_only; }

Status validate(std::vector<std::string> request, Command* command) {
  if (request.empty()) return Status::invalid_argument("ERR empty command");
  const Spec* spec = find_spec(request[0]);
  if (spec == nullptr) {
    constexpr size_t kMaxEcho = 128;  // as Redis: don't echo a huge name back
    return Status::invalid_argument("ERR unknown command '" + request[0].substr(0, kMaxEcho) + "'");
  }
  request.erase(request.begin());
  if (std::string error = argument_error(*spec, request); !error.empty()) {
    return Status::invalid_argument(std::move(error));
  }
  command->op = spec->op;
  command->args = std::move(request);
  return Status::ok();
}

std::string encode_entry(const Command& command) {
  std::string out{static_cast<char>(kEntryVersion), static_cast<char>(kSingle)};
  put_command(&out, command);
  return out;
}

std::string encode_batch(const std::vector<Command>& commands) {
  std::string out{static_cast<char>(kEntryVersion), static_cast<char>(kBatch)};
  put_varint(&out, commands.size());
  for (const Command& command : commands) put_command(&out, command);
  return out;
}

Status decode_entry(std::string_view data, LogEntry* entry) {
  ByteReader in(data);
  uint8_t version, kind;
  if (!in.read_u8(&version)) return corrupt("empty entry", 0);
  if (version != kEntryVersion) return corrupt("unknown version " + std::to_string(version), 0);
  if (!in.read_u8(&kind) || (kind != kSingle && kind != kBatch)) {
    return corrupt("unknown entry kind", 1);
  }
  uint64_t count = 1;
  // A command takes at least two bytes (op, argument count).
  if (kind == kBatch && (!in.read_varint(&count) || count == 0 || count > in.remaining() / 2)) {
    return corrupt("bad command count", 2);
  }
  LogEntry decoded;
  decoded.batch = kind == kBatch;
  decoded.commands.resize(static_cast<size_t>(count));
  for (Command& command : decoded.commands) {
    if (Status st = read_command(&in, &command); !st.is_ok()) return st;
  }
  if (in.remaining() > 0) return corrupt("trailing bytes", in.offset());
  *entry = std::move(decoded);
  return Status::ok();
}

}  // namespace faultline::kv
