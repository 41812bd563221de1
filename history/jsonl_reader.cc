// JSON-lines history parser (format: docs/history.md), on simdjson's
// on-demand API: each line is parsed in place, and values are interned by
// their minified JSON text.
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <thread>

#include "history/json_text.h"
#include "history/reader.h"

namespace faultline {
namespace {

using simdjson::ondemand::json_type;

constexpr int64_t kNoIndex = INT64_MIN;

class LineParser {
 public:
  LineParser(History* history, const std::string& source) : h_(history), source_(source) {}

  // Parses one non-blank line at `data` (len bytes; `capacity` bytes readable).
  Status parse(const char* data, size_t len, size_t capacity, uint32_t line) {
    line_ = line;
    simdjson::ondemand::document doc;
    if (auto err = parser_.iterate(data, len, capacity).get(doc)) return json_error(err);
    simdjson::ondemand::object obj;
    if (doc.get_object().get(obj)) return error("expected a JSON object (one event per line)");
    Event e;
    e.line = line;
    e.index = kNoIndex;  // numbered once all pieces are merged
    bool have_process = false, have_type = false, have_f = false;
    for (auto field : obj) {
      std::string_view name;
      if (auto err = field.unescaped_key().get(name)) return json_error(err);
      simdjson::ondemand::value v;
      if (auto err = field.value().get(v)) return json_error(err);
      Status st;
      if (name == "process") {
        st = parse_process(v, &e.process);
        have_process = true;
      } else if (name == "type") {
        st = parse_type(v, &e.type);
        have_type = true;
      } else if (name == "f") {
        std::string_view f;
        if (v.get_string().get(f)) return error("expected \"f\" to be a string");
        e.f = h_->functions.intern(f);
        have_f = true;
      } else if (name == "key") {
        st = parse_key(v, &e.key);
      } else if (name == "value") {
        st = canonical(v, "value");
        if (st.is_ok()) e.value = h_->values.intern(canonical_);
      } else if (name == "time") {
        if (v.get_int64().get(e.time) || e.time < 0)
          return error("expected \"time\" to be a non-negative integer (nanoseconds)");
      } else if (name == "index") {
        if (v.get_int64().get(e.index)) return error("expected \"index\" to be an integer");
      } else if (name == "error" || name == "node") {
        // The recorder's notes (strings); other shapes are kept out, not refused.
        std::string_view text;
        if (!v.get_string().get(text)) {
          (name == "error" ? e.error : e.node) = h_->notes.intern(text);
        } else {
          st = canonical(v, name);
        }
      } else {
        // Unknown fields are allowed (room for extensions), but must be valid JSON.
        st = canonical(v, name);
      }
      if (!st.is_ok()) return st;
    }
    // current_location() fails with OUT_OF_BOUNDS exactly when nothing follows.
    const char* rest = nullptr;
    if (!doc.current_location().get(rest))
      return error("expected one JSON object per line, found more after it");
    if (!have_process) return error("expected a \"process\" field");
    if (!have_type) return error("expected a \"type\" field");
    if (!have_f) return error("expected an \"f\" field");
    h_->events.push_back(e);
    return Status::ok();
  }

 private:
  Status parse_process(simdjson::ondemand::value v, int64_t* process) {
    json_type t;
    if (v.type().get(t)) return error("expected \"process\" to be an integer or \"nemesis\"");
    if (t == json_type::number) {
      if (v.get_int64().get(*process) || *process < 0)
        return error("expected \"process\" to be a non-negative integer or \"nemesis\"");
      return Status::ok();
    }
    std::string_view s;
    if (t == json_type::string && !v.get_string().get(s) && s == "nemesis") {
      *process = kNemesisProcess;
      return Status::ok();
    }
    return error("expected \"process\" to be an integer or \"nemesis\"");
  }

  Status parse_type(simdjson::ondemand::value v, EventType* type) {
    std::string_view s;
    if (!v.get_string().get(s)) {
      if (s == "invoke") return *type = EventType::kInvoke, Status::ok();
      if (s == "ok") return *type = EventType::kOk, Status::ok();
      if (s == "fail") return *type = EventType::kFail, Status::ok();
      if (s == "info") return *type = EventType::kInfo, Status::ok();
    }
    return error("expected \"type\" to be one of \"invoke\", \"ok\", \"fail\", \"info\"");
  }

  Status parse_key(simdjson::ondemand::value v, uint32_t* key) {
    json_type t;
    if (v.type().get(t)) return error("expected \"key\" to be a string, a number or null");
    if (t == json_type::null) {
      bool is_null = false;
      if (v.is_null().get(is_null) || !is_null) return error("expected \"key\" to be null");
      *key = History::kNoKey;
      return Status::ok();
    }
    if (t != json_type::string && t != json_type::number)
      return error("expected \"key\" to be a string, a number or null");
    if (Status st = canonical(v, "key"); !st.is_ok()) return st;
    *key = h_->keys.intern(canonical_);
    return Status::ok();
  }

  // Sets canonical_ to the canonical text of `v` (json_text.h). simdjson's
  // on-demand API neither minifies nor validates the raw text of a value it
  // skips, so that is done here: checkers parse these texts again later.
  Status canonical(simdjson::ondemand::value v, std::string_view field) {
    std::string_view raw;
    if (auto err = simdjson::to_json_string(v).get(raw)) return json_error(err);
    canonical_.clear();
    if (const char* why = minify_json(raw, &canonical_))
      return error(fmt::format("expected valid JSON in \"{}\": {}", field, why));
    return Status::ok();
  }

  Status error(std::string_view what) const {
    return Status::malformed(fmt::format("{}:{}: {}", source_, line_, what));
  }
  Status json_error(simdjson::error_code err) const {
    return error(fmt::format("expected valid JSON ({})", simdjson::error_message(err)));
  }

  History* h_;
  const std::string& source_;
  simdjson::ondemand::parser parser_;
  std::string canonical_;  // scratch for canonical()
  uint32_t line_ = 0;
};

bool blank(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
  return true;
}

// Parses the lines in [begin, end) of a padded buffer whose first line is
// line `first_line` of the file. Stops at the first error.
Status parse_lines(const char* begin, const char* end, const char* buffer_end, uint32_t first_line,
                   const std::string& source, History* out) {
  LineParser parser(out, source);
  uint32_t line = first_line;
  for (const char* p = begin; p < end; ++line) {
    const char* nl = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* eol = nl ? nl : end;
    const size_t len = static_cast<size_t>(eol - p);
    if (!blank(p, len)) {
      const size_t capacity = static_cast<size_t>(buffer_end - p) + simdjson::SIMDJSON_PADDING;
      if (Status st = parser.parse(p, len, capacity, line); !st.is_ok()) return st;
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

Status parse_jsonl_padded(const char* data, size_t size, const std::string& source, History* out) {
  static_assert(kJsonlPadding >= simdjson::SIMDJSON_PADDING);
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
    status[i] = parse_lines(cut[i], cut[i + 1], end, first_line[i], source, into);
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

Status parse_jsonl(std::string_view text, const std::string& source, History* out) {
  std::string padded(text);
  padded.reserve(text.size() + kJsonlPadding);
  return parse_jsonl_padded(padded.data(), text.size(), source, out);
}

}  // namespace faultline
