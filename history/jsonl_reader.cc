// JSON-lines history parser (format: docs/history.md). Each line is one
// object taken apart field by field with json_text's validating minifier:
// every value is checked to be JSON that the checkers' parser accepts, and
// values are interned by their minified text. (It replaced simdjson, which
// Debian ships only as a shared library: without it `faultline` links
// statically and starts faster; docs/benchmarks.md, "Start-up".)
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <thread>

#include "history/json_text.h"
#include "history/reader.h"

namespace faultline {
namespace {

constexpr int64_t kNoIndex = INT64_MIN;

class LineParser {
 public:
  LineParser(History* history, const std::string& source) : h_(history), source_(source) {}

  // Parses one non-blank line.
  Status parse(std::string_view text, uint32_t line) {
    line_ = line;
    text_ = text;
    at_ = 0;
    space();
    if (at_ >= text_.size() || text_[at_] != '{') {
      // Tell a truncated or broken line from a valid value that is no object.
      if (Status st = next_value("line"); !st.is_ok()) return error("expected valid JSON");
      return error("expected a JSON object (one event per line)");
    }
    ++at_;
    Event e;
    e.line = line;
    e.index = kNoIndex;  // numbered once all pieces are merged
    bool have_process = false, have_type = false, have_f = false;
    space();
    bool more = at_ < text_.size() && text_[at_] != '}';
    if (!more) ++at_;
    while (more) {
      if (Status st = next_field(); !st.is_ok()) return st;
      const std::string_view v = value_;
      Status st;
      if (name_ == "process") {
        st = parse_process(v, &e.process);
        have_process = true;
      } else if (name_ == "type") {
        st = parse_type(v, &e.type);
        have_type = true;
      } else if (name_ == "f") {
        if (!is_string(v)) return error("expected \"f\" to be a string");
        e.f = h_->functions.intern(unescaped(v));
        have_f = true;
      } else if (name_ == "key") {
        st = parse_key(v, &e.key);
      } else if (name_ == "value") {
        e.value = h_->values.intern(v);
      } else if (name_ == "time") {
        if (!integer(v, &e.time) || e.time < 0)
          return error("expected \"time\" to be a non-negative integer (nanoseconds)");
      } else if (name_ == "index") {
        if (!integer(v, &e.index)) return error("expected \"index\" to be an integer");
      } else if (name_ == "error" || name_ == "node") {
        // The recorder's notes (strings); other shapes are kept out, not refused.
        if (is_string(v)) (name_ == "error" ? e.error : e.node) = h_->notes.intern(unescaped(v));
      }
      // Unknown fields are allowed (room for extensions): next_field checked them.
      if (!st.is_ok()) return st;
      space();
      if (at_ >= text_.size()) return error("expected valid JSON (an object is not closed)");
      const char c = text_[at_++];
      if (c == '}') break;
      if (c != ',') return error("expected valid JSON (',' or '}' is missing in an object)");
    }
    space();
    if (at_ != text_.size()) return error("expected one JSON object per line, found more after it");
    if (!have_process) return error("expected a \"process\" field");
    if (!have_type) return error("expected a \"type\" field");
    if (!have_f) return error("expected an \"f\" field");
    h_->events.push_back(e);
    return Status::ok();
  }

 private:
  void space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\r' || text_[at_] == '\n'))
      ++at_;
  }

  // Reads the next value from at_ into value_ (minified, validated).
  Status next_value(std::string_view field) {
    value_.clear();
    size_t used = 0;
    if (const char* why = minify_json_prefix(text_.substr(at_), &used, &value_)) {
      if (field == "line") return error(why);
      return error(fmt::format("expected valid JSON in \"{}\": {}", field, why));
    }
    at_ += used;
    return Status::ok();
  }

  // Reads `"name": value` into name_ and value_.
  Status next_field() {
    space();
    if (at_ >= text_.size() || text_[at_] != '"')
      return error("expected valid JSON (an object key is not a string)");
    if (Status st = next_value("key"); !st.is_ok()) return error("expected valid JSON");
    name_.clear();
    unescape_json_string(value_, &name_);
    space();
    if (at_ >= text_.size() || text_[at_] != ':')
      return error("expected valid JSON (':' is missing after an object key)");
    ++at_;
    return next_value(name_);
  }

  static bool is_string(std::string_view v) { return !v.empty() && v[0] == '"'; }

  std::string_view unescaped(std::string_view v) {
    scratch_.clear();
    unescape_json_string(v, &scratch_);
    return scratch_;
  }

  // A JSON number without fraction or exponent that fits an int64.
  static bool integer(std::string_view v, int64_t* out) {
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
    return ec == std::errc() && end == v.data() + v.size();
  }

  Status parse_process(std::string_view v, int64_t* process) {
    if (!v.empty() && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9'))) {
      if (!integer(v, process) || *process < 0)
        return error("expected \"process\" to be a non-negative integer or \"nemesis\"");
      return Status::ok();
    }
    if (is_string(v) && unescaped(v) == "nemesis") {
      *process = kNemesisProcess;
      return Status::ok();
    }
    return error("expected \"process\" to be an integer or \"nemesis\"");
  }

  Status parse_type(std::string_view v, EventType* type) {
    if (is_string(v)) {
      const std::string_view s = unescaped(v);
      if (s == "invoke") return *type = EventType::kInvoke, Status::ok();
      if (s == "ok") return *type = EventType::kOk, Status::ok();
      if (s == "fail") return *type = EventType::kFail, Status::ok();
      if (s == "info") return *type = EventType::kInfo, Status::ok();
    }
    return error("expected \"type\" to be one of \"invoke\", \"ok\", \"fail\", \"info\"");
  }

  Status parse_key(std::string_view v, uint32_t* key) {
    if (v == "null") {
      *key = History::kNoKey;
      return Status::ok();
    }
    if (v.empty() || v[0] == '{' || v[0] == '[' || v == "true" || v == "false")
      return error("expected \"key\" to be a string, a number or null");
    *key = h_->keys.intern(v);
    return Status::ok();
  }

  Status error(std::string_view what) const {
    return Status::malformed(fmt::format("{}:{}: {}", source_, line_, what));
  }

  History* h_;
  const std::string& source_;
  std::string_view text_;
  size_t at_ = 0;
  std::string name_, value_, scratch_;
  uint32_t line_ = 0;
};

bool blank(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
  return true;
}

// Parses the lines in [begin, end), the first of which is line `first_line`
// of the file. Stops at the first error.
Status parse_lines(const char* begin, const char* end, uint32_t first_line,
                   const std::string& source, History* out) {
  LineParser parser(out, source);
  uint32_t line = first_line;
  for (const char* p = begin; p < end; ++line) {
    const char* nl = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* eol = nl ? nl : end;
    const size_t len = static_cast<size_t>(eol - p);
    if (!blank(p, len)) {
      if (Status st = parser.parse(std::string_view(p, len), line); !st.is_ok()) return st;
    }
    p = eol + 1;
  }
  return Status::ok();
}

// Appends `part`'s events to `out`, re-interning names, keys and values.
void merge(const History& part, History* out) {
  auto remap = [](const Interner& from, auto intern) {
    std::vector<uint32_t> ids(from.size());
    for (uint32_t i = 0; i < from.size(); ++i) ids[i] = intern(from.text(i));
    return ids;
  };
  auto fs = remap(part.functions, [&](std::string_view t) { return out->functions.intern(t); });
  auto ks = remap(part.keys, [&](std::string_view t) { return out->keys.intern(t); });
  auto ns = remap(part.notes, [&](std::string_view t) { return out->notes.intern(t); });
  std::vector<uint32_t> vs(part.values.size());
  for (uint32_t i = 0; i < part.values.size(); ++i) vs[i] = out->values.intern(part.values.text(i));
  for (Event e : part.events) {
    e.f = fs[e.f];
    e.key = ks[e.key];
    e.value = vs[e.value];
    e.error = ns[e.error];
    e.node = ns[e.node];
    out->events.push_back(e);
  }
}

// Below this size one thread parses; above, the file is cut at line ends
// into one piece per core and the pieces are merged in order.
constexpr size_t kParallelBytes = 4 << 20;

}  // namespace

Status parse_jsonl(std::string_view text, const std::string& source, History* out) {
  const char* data = text.data();
  const size_t size = text.size();
  out->source = source;
  const char* end = data + size;
  unsigned pieces = std::max(1u, std::min(std::thread::hardware_concurrency(), 8u));
  if (size < kParallelBytes) pieces = 1;
  std::vector<const char*> cut = {data};
  for (unsigned i = 1; i < pieces; ++i) {
    const char* at = std::max(cut.back(), data + size / pieces * i);
    const char* nl = static_cast<const char*>(memchr(at, '\n', static_cast<size_t>(end - at)));
    cut.push_back(nl ? nl + 1 : end);
  }
  cut.push_back(end);
  std::vector<uint32_t> first_line(pieces + 1, 1);
  for (unsigned i = 0; i < pieces; ++i) {
    uint32_t lines = 0;
    for (const char* p = cut[i];
         (p = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(cut[i + 1] - p)))); ++p)
      ++lines;
    first_line[i + 1] = first_line[i] + lines;
  }

  std::vector<History> parts(pieces);
  std::vector<Status> status(pieces);
  // At most an event per line: no reallocation while parsing or merging.
  out->events.reserve(out->events.size() + first_line[pieces] - 1);
  for (unsigned i = 1; i < pieces; ++i) parts[i].events.reserve(first_line[i + 1] - first_line[i]);
  auto parse_piece = [&](unsigned i) {
    History* into = i == 0 ? out : &parts[i];
    status[i] = parse_lines(cut[i], cut[i + 1], first_line[i], source, into);
  };
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < pieces; ++i) threads.emplace_back(parse_piece, i);
  parse_piece(0);
  for (auto& t : threads) t.join();

  Status result = status[0];
  for (unsigned i = 1; i < pieces && result.is_ok(); ++i) {
    merge(parts[i], out);
    result = status[i];
  }
  // Events without an "index" are numbered by their position in the history.
  for (size_t i = 0; i < out->events.size(); ++i)
    if (out->events[i].index == kNoIndex) out->events[i].index = static_cast<int64_t>(i);
  return result;
}


}  // namespace faultline
