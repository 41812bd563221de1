#include "checkers/set_checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "checkers/workload_support.h"

namespace faultline {
namespace {

// How many add ops an anomaly lists per element, and how many elements the
// recovered/never_read lists in details hold; counts are always exact.
constexpr size_t kMaxListed = 10;
constexpr size_t kMaxDetailElements = 20;
constexpr uint32_t kNever = UINT32_MAX;

// Everything known about one element of one key's set. Elements are told
// apart as the history tells values apart, by their minified JSON text
// (docs/history.md); `text` views the ValueTable's copy, which never moves.
struct Element {
  std::string_view text;
  uint32_t key = History::kNoKey;
  std::vector<uint32_t> adds;             // indices into ops, in invoke order
  bool acknowledged = false;              // some add is ok
  bool attempted = false;                 // some add is ok, info or pending
  uint32_t first_ok_completion = kNever;  // event index of the earliest ok add's completion
  int64_t first_read = -1;                // op index of the first ok read holding it
  bool in_final_read = false;
};

struct KeyState {
  bool used = false;                                        // some add or read names this key
  std::unordered_map<std::string_view, uint32_t> elements;  // text -> index into elements_
  int64_t final_read = -1;  // op index of the ok read that completed last
};

struct Counts {
  uint64_t add_ops = 0, attempted = 0, acknowledged = 0, ok = 0, lost = 0, unexpected = 0,
           recovered = 0, never_read = 0;
};

// The elements of a JSON array, as views into `text`, which must be a value's
// canonical text as ValueTable holds it (valid, minified JSON). Returns false,
// leaving `out` empty, if the value is not an array.
bool array_elements(std::string_view text, std::vector<std::string_view>* out) {
  out->clear();
  if (text.size() < 2 || text.front() != '[') return false;
  if (text == "[]") return true;
  // Minified, so the separators are the commas outside strings and nested values.
  int depth = 0;
  bool in_string = false;
  size_t start = 1;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character, which may be '"'
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{': ++depth; break;
      case ']':
      case '}': --depth; break;
      case ',':
        if (depth == 0) {
          out->push_back(text.substr(start, i - start));
          start = i + 1;
        }
        break;
    }
  }
  out->push_back(text.substr(start, text.size() - 1 - start));
  return true;
}

class SetAnalysis {
 public:
  SetAnalysis(const History& history, const std::vector<Operation>& ops,
              const CheckOptions& options)
      : history_(history), ops_(ops), deadline_(options.deadline), keys_(history.keys.size()) {}

  CheckResult run() {
    const int64_t add = history_.functions.find("add");
    const int64_t read = history_.functions.find("read");
    std::vector<uint32_t> ok_reads;
    for (uint32_t i = 0; i < ops_.size(); ++i) {
      if (deadline_.expired()) return deadline_result("set");
      const Operation& op = ops_[i];
      const Event& inv = history_.events[op.invoke];
      if (has_f(inv, add)) {
        record_add(i);
      } else if (has_f(inv, read)) {
        KeyState& ks = keys_[inv.key];
        ks.used = true;
        if (op.type != EventType::kOk) continue;
        const Event& done = history_.events[op.completion];
        if (history_.values.text(done.value).front() != '[')
          return input_error_result(
              "set",
              fmt::format("{}: expected the ok value of read to be a list of elements, got {}",
                          source_line(history_, done.line),
                          excerpt(history_.values.text(done.value))));
        ok_reads.push_back(i);
        if (ks.final_read < 0 || ops_[ks.final_read].completion < op.completion) ks.final_read = i;
      }
    }
    for (uint32_t r : ok_reads) {
      if (!scan_read(r)) return deadline_result("set");
    }
    return classify();
  }

 private:
  // The index of `key`'s element `text`, created on first sight.
  uint32_t element(uint32_t key, std::string_view text) {
    KeyState& ks = keys_[key];
    ks.used = true;
    if (auto it = ks.elements.find(text); it != ks.elements.end()) return it->second;
    const uint32_t index = static_cast<uint32_t>(elements_.size());
    ks.elements.emplace(text, index);
    elements_.push_back(Element{});
    elements_.back().text = text;
    elements_.back().key = key;
    return index;
  }

  void record_add(uint32_t i) {
    const Operation& op = ops_[i];
    const Event& inv = history_.events[op.invoke];
    ++counts_.add_ops;
    Element& e = elements_[element(inv.key, history_.values.text(inv.value))];
    e.adds.push_back(i);
    if (op.type == EventType::kFail) return;
    e.attempted = true;
    if (op.type == EventType::kOk) {
      e.acknowledged = true;
      e.first_ok_completion = std::min(e.first_ok_completion, op.completion);
    }
  }

  // Notes which elements ok read `r` holds. False if the deadline passed.
  bool scan_read(uint32_t r) {
    const Operation& op = ops_[r];
    const uint32_t key = history_.events[op.invoke].key;
    const bool final_read = keys_[key].final_read == r;
    array_elements(history_.values.text(completion_value(history_, op)), &items_);
    for (std::string_view item : items_) {
      if (deadline_.expired()) return false;
      Element& e = elements_[element(key, item)];
      if (e.first_read < 0) e.first_read = r;
      if (final_read) e.in_final_read = true;
    }
    return true;
  }

  nlohmann::json adds_evidence(const Element& e) const {
    nlohmann::json adds = nlohmann::json::array();
    for (size_t i = 0; i < e.adds.size() && i < kMaxListed; ++i)
      adds.push_back(op_evidence(history_, ops_[e.adds[i]]));
    return adds;
  }

  // "line 5" or "lines 5, 9" for an element's add ops.
  std::string add_lines(const Element& e) const {
    std::string out = e.adds.size() == 1 ? "line " : "lines ";
    for (size_t i = 0; i < e.adds.size() && i < kMaxListed; ++i)
      out += fmt::format("{}{}", i ? ", " : "", history_.events[ops_[e.adds[i]].invoke].line);
    if (e.adds.size() > kMaxListed) out += ", ...";
    return out;
  }

  nlohmann::json element_entry(const Element& e) const {
    return {{"key", history_.key_name(e.key)},
            {"element", nlohmann::json::parse(e.text)},
            {"adds", adds_evidence(e)}};
  }

  void report_unexpected(const Element& e) {
    const Operation& read = ops_[e.first_read];
    const uint32_t read_line = history_.events[read.completion].line;
    std::string description =
        e.adds.empty()
            ? fmt::format("element {} was read (line {}) but no add of it was attempted",
                          excerpt(e.text), read_line)
            : fmt::format("element {} was read (line {}) but every add of it failed ({})",
                          excerpt(e.text), read_line, add_lines(e));
    anomalies_.add({"unexpected",
                    history_.key_name(e.key),
                    std::move(description),
                    {{"element", nlohmann::json::parse(e.text)},
                     {"read", op_evidence(history_, read, false)},
                     {"adds", adds_evidence(e)},
                     {"add_count", e.adds.size()}}});
    ++counts_.unexpected;
    if (unexpected_examples_.size() < 3) unexpected_examples_.push_back(excerpt(e.text, 20));
  }

  void report_lost(const Element& e, const Operation& final_read) {
    anomalies_.add(
        {"lost",
         history_.key_name(e.key),
         fmt::format("element {} was acknowledged ({}) but is missing from the final "
                     "read (line {})",
                     excerpt(e.text), add_lines(e), history_.events[final_read.completion].line),
         {{"element", nlohmann::json::parse(e.text)},
          {"adds", adds_evidence(e)},
          {"add_count", e.adds.size()},
          {"final_read", op_evidence(history_, final_read, false)}}});
    ++counts_.lost;
    if (lost_examples_.size() < 3) lost_examples_.push_back(excerpt(e.text, 20));
  }

  CheckResult classify() {
    nlohmann::json recovered = nlohmann::json::array();
    nlohmann::json never_read = nlohmann::json::array();
    for (const Element& e : elements_) {
      counts_.attempted += e.attempted;
      counts_.acknowledged += e.acknowledged;
      if (!e.attempted) {
        if (e.first_read >= 0) report_unexpected(e);
        continue;
      }
      const int64_t final_read = keys_[e.key].final_read;
      if (final_read < 0) continue;  // the key was never read: see unread_keys
      const Operation& read = ops_[final_read];
      if (e.in_final_read) {
        ++counts_.ok;
        if (!e.acknowledged && counts_.recovered++ < kMaxDetailElements)
          recovered.push_back(element_entry(e));
      } else if (e.acknowledged) {
        // Only an add acknowledged before the final read began must be in it;
        // a later one may take effect after the read.
        if (e.first_ok_completion < read.invoke) {
          report_lost(e, read);
        } else if (counts_.never_read++ < kMaxDetailElements) {
          never_read.push_back(element_entry(e));
        }
      }
    }
    CheckResult result;
    result.checker = "set";
    nlohmann::json unread_keys = nlohmann::json::array();
    size_t used_keys = 0;
    for (uint32_t k = 0; k < keys_.size(); ++k) {
      if (!keys_[k].used) continue;
      ++used_keys;
      if (keys_[k].final_read < 0) unread_keys.push_back(history_.key_name(k));
    }
    result.details = {{"add_ops", counts_.add_ops},
                      {"attempt_count", counts_.attempted},
                      {"acknowledged_count", counts_.acknowledged},
                      {"ok_count", counts_.ok},
                      {"lost_count", counts_.lost},
                      {"unexpected_count", counts_.unexpected},
                      {"recovered_count", counts_.recovered},
                      {"never_read_count", counts_.never_read},
                      {"recovered", std::move(recovered)},
                      {"never_read", std::move(never_read)},
                      {"keys", used_keys},
                      {"unread_keys", unread_keys}};
    anomalies_.move_into(&result);
    if (counts_.lost > 0 || counts_.unexpected > 0) {
      result.verdict = Verdict::kInvalid;
      std::vector<std::string> parts;
      if (counts_.lost > 0)
        parts.push_back(fmt::format("{} lost element{} (e.g. {})", counts_.lost,
                                    counts_.lost == 1 ? "" : "s", fmt::join(lost_examples_, ", ")));
      if (counts_.unexpected > 0)
        parts.push_back(fmt::format("{} unexpected element{} (e.g. {})", counts_.unexpected,
                                    counts_.unexpected == 1 ? "" : "s",
                                    fmt::join(unexpected_examples_, ", ")));
      result.summary = fmt::to_string(fmt::join(parts, ", "));
    } else if (used_keys == 0) {
      result.verdict = Verdict::kUnknown;
      result.summary = "no add or read operations: the set was never read";
    } else if (!unread_keys.empty()) {
      result.verdict = Verdict::kUnknown;
      result.summary =
          used_keys == 1
              ? fmt::format("the set was never read (no ok read), {} adds", counts_.add_ops)
              : fmt::format("{} of {} sets were never read (no ok read), e.g. key {}",
                            unread_keys.size(), used_keys,
                            excerpt(unread_keys[0].get<std::string>(), 20));
    } else {
      result.summary = fmt::format("{} adds{}, 0 lost, 0 unexpected, {} recovered", counts_.add_ops,
                                   used_keys > 1 ? fmt::format(" on {} keys", used_keys) : "",
                                   counts_.recovered);
    }
    return result;
  }

  const History& history_;
  const std::vector<Operation>& ops_;
  DeadlineWatch deadline_;
  std::vector<KeyState> keys_;  // indexed by key id
  std::vector<Element> elements_;
  std::vector<std::string_view> items_;  // scratch: the elements of one read
  Counts counts_;
  AnomalyCollector anomalies_;
  std::vector<std::string> lost_examples_, unexpected_examples_;
};

}  // namespace

CheckResult SetChecker::check(const History& history, const std::vector<Operation>& ops,
                              const CheckOptions& options) const {
  return SetAnalysis(history, ops, options).run();
}

}  // namespace faultline
