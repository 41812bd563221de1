// Jepsen history.edn parser (format: docs/history.md): the operation maps
// half; edn_forms.h turns the EDN syntax into canonical JSON.
#include <fmt/format.h>

#include <charconv>

#include "history/edn_forms.h"
#include "history/reader.h"

namespace faultline {
namespace {

using edn::Form;
using edn::Kind;

bool to_int64(std::string_view text, int64_t* v) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *v);
  return ec == std::errc() && end == text.data() + text.size();
}

class EdnReader {
 public:
  EdnReader(std::string_view text, const std::string& source, bool independent, History* h)
      : in_(text, source), independent_(independent), h_(h) {}

  // The whole file: operation maps one after another, or in one vector or list.
  Status read_all() {
    if (Status st = in_.skip(0); !st.is_ok()) return st;
    const char open = in_.peek();
    if (in_.at_end() || (open != '[' && open != '(')) {
      while (!in_.at_end()) {
        if (Status st = read_event(0); !st.is_ok()) return st;
        if (Status st = in_.skip(0); !st.is_ok()) return st;
      }
      return Status::ok();
    }
    const char close = open == '[' ? ']' : ')';
    const uint32_t open_line = in_.line();
    in_.advance();
    while (true) {
      if (Status st = in_.skip(1); !st.is_ok()) return st;
      if (!in_.at_end() && in_.peek() == close) break;
      if (in_.at_end() || edn::is_closer(in_.peek()))
        return in_.error(
            fmt::format("expected '{}' to close the top-level {} opened at line {}, got {}", close,
                        open == '[' ? "vector" : "list", open_line, in_.got()));
      if (Status st = read_event(1); !st.is_ok()) return st;
    }
    in_.advance();
    if (Status st = in_.skip(0); !st.is_ok()) return st;
    if (!in_.at_end())
      return in_.error(fmt::format(
          "expected the end of input after the top-level collection of operations, got {}",
          in_.got()));
    return Status::ok();
  }

 private:
  // One operation: a map, maybe tagged (#jepsen.history.Op{...}).
  Status read_event(int depth) {
    const uint32_t line = in_.line();
    while (in_.peek() == '#' && edn::is_symbol_start(in_.peek(1))) {
      in_.advance();
      in_.read_token();
      if (Status st = in_.skip(depth + 1); !st.is_ok()) return st;
    }
    if (in_.at_end() || in_.peek() != '{')
      return in_.error(fmt::format("expected a map (one operation), got {}", in_.got()));
    const uint32_t open_line = in_.line();
    in_.advance();
    Event e;
    e.line = line;
    e.index = static_cast<int64_t>(h_->events.size());
    bool have_process = false, have_type = false, have_f = false;
    value_ = "null";
    value_form_.kind = Kind::kNil;
    uint32_t value_line = line;
    while (true) {
      if (Status st = in_.skip(depth + 1); !st.is_ok()) return st;
      if (!in_.at_end() && in_.peek() == '}') break;
      if (in_.at_end() || edn::is_closer(in_.peek()))
        return in_.error(
            fmt::format("expected '}}' to close the operation map opened at line {}, got {}",
                        open_line, in_.got()));
      key_.clear();
      if (Status st = in_.parse_form(&key_, &key_form_, depth + 1); !st.is_ok()) return st;
      if (Status st = in_.skip(depth + 1); !st.is_ok()) return st;
      if (in_.at_end() || edn::is_closer(in_.peek()))
        return in_.error(fmt::format("expected a value after the map key {}, got {}",
                                     edn::excerpt(key_), in_.got()));
      const uint32_t field_line = in_.line();
      const std::string_view k =
          key_form_.kind == Kind::kKeyword ? std::string_view(key_form_.name) : "";
      if (k == "value") {
        value_.clear();
        if (Status st = in_.parse_form(&value_, &value_form_, depth + 1); !st.is_ok()) return st;
        value_line = field_line;
        continue;
      }
      field_.clear();
      if (Status st = in_.parse_form(&field_, &field_form_, depth + 1); !st.is_ok()) return st;
      Status st;
      if (k == "process") {
        have_process = true;
        st = set_process(&e, field_line);
      } else if (k == "type") {
        have_type = true;
        st = set_type(&e, field_line);
      } else if (k == "f") {
        have_f = true;
        if (!named()) return in_.error_at(field_line, "expected :f to be a keyword or a string");
        e.f = h_->functions.intern(field_form_.name);
      } else if (k == "time") {
        if (field_form_.kind != Kind::kInteger || !to_int64(field_, &e.time) || e.time < 0)
          return in_.error_at(field_line,
                              "expected :time to be a non-negative integer (nanoseconds)");
      } else if (k == "key") {  // Porcupine's and some Jepsen tests' logs: one key per op
        st = set_key(&e, field_line);
      } else if (k == "index") {
        if (field_form_.kind != Kind::kInteger || !to_int64(field_, &e.index))
          return in_.error_at(field_line, "expected :index to be an integer");
      }
      if (!st.is_ok()) return st;
    }
    in_.advance();
    if (!have_process) return in_.error_at(line, "expected a :process key in the operation map");
    if (!have_type) return in_.error_at(line, "expected a :type key in the operation map");
    if (!have_f) return in_.error_at(line, "expected an :f key in the operation map");
    if (Status st = set_value(&e, value_line); !st.is_ok()) return st;
    h_->events.push_back(e);
    return Status::ok();
  }

  // Whether the field just parsed is a keyword or string (its text in field_form_.name).
  bool named() const {
    return field_form_.kind == Kind::kKeyword || field_form_.kind == Kind::kString;
  }

  Status set_process(Event* e, uint32_t line) {
    if (named() && field_form_.name == "nemesis") {
      e->process = kNemesisProcess;
    } else if (field_form_.kind != Kind::kInteger || !to_int64(field_, &e->process) ||
               e->process < 0) {
      return in_.error_at(line, "expected :process to be a non-negative integer or :nemesis");
    }
    return Status::ok();
  }

  Status set_type(Event* e, uint32_t line) {
    const std::string_view name = field_form_.name;
    if (named() && name == "invoke") return e->type = EventType::kInvoke, Status::ok();
    if (named() && name == "ok") return e->type = EventType::kOk, Status::ok();
    if (named() && name == "fail") return e->type = EventType::kFail, Status::ok();
    if (named() && name == "info") return e->type = EventType::kInfo, Status::ok();
    return in_.error_at(line, "expected :type to be :invoke, :ok, :fail or :info");
  }

  // A :key field: a number, a string, a keyword or nil (no key).
  Status set_key(Event* e, uint32_t line) {
    const Kind kind = field_form_.kind;
    if (kind != Kind::kNil && kind != Kind::kInteger && kind != Kind::kFloat &&
        !edn::is_string_like(kind))
      return in_.error_at(line, "expected :key to be a number, a string, a keyword or nil");
    e->key = kind == Kind::kNil ? History::kNoKey : h_->keys.intern(field_);
    return Status::ok();
  }

  // Sets e's key and value from value_; with --independent a client
  // operation's value is a jepsen.independent tuple [key value].
  Status set_value(Event* e, uint32_t value_line) {
    if (!independent_ || e->is_nemesis() || value_form_.kind == Kind::kNil) {
      e->value = h_->values.intern(value_);
      return Status::ok();
    }
    if (e->key != History::kNoKey)
      return in_.error_at(value_line,
                          "expected either a :key or an independent [key value] :value, not both");
    const Kind kind = value_form_.kind;
    if ((kind != Kind::kVector && kind != Kind::kList) || value_form_.count != 2)
      return in_.error_at(
          value_line,
          "expected :value to be an independent [key value] pair or nil (--independent)");
    const size_t split = value_form_.first_end;  // value_ is "[key,value]"
    const Kind key_kind = value_form_.first_kind;
    if (key_kind != Kind::kNil && key_kind != Kind::kInteger && key_kind != Kind::kFloat &&
        !edn::is_string_like(key_kind))
      return in_.error_at(value_line,
                          "expected the key of an independent [key value] to be a number, a "
                          "string, a keyword or nil");
    const std::string_view v = value_;
    e->key = key_kind == Kind::kNil ? History::kNoKey : h_->keys.intern(v.substr(1, split - 1));
    e->value = h_->values.intern(v.substr(split + 1, v.size() - split - 2));
    return Status::ok();
  }

  edn::FormReader in_;
  const bool independent_;
  History* h_;
  // Scratch for read_event, reused from one operation to the next.
  std::string key_, field_, value_;
  Form key_form_, field_form_, value_form_;
};

}  // namespace

Status parse_edn(std::string_view text, const std::string& source, bool independent, History* out) {
  out->source = source;
  return EdnReader(text, source, independent, out).read_all();
}

}  // namespace faultline
