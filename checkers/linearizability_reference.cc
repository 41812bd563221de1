#include "checkers/linearizability_reference.h"

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>
#include <unordered_set>

namespace faultline {
namespace {

using nlohmann::json;

// What an op does, worked out once from its JSON: the search applies it often.
struct Step {
  enum Kind { kRead, kWrite, kCas, kAppend } kind = kRead;
  bool known = false;  // a read whose result is known: it must match
  std::string a, b;    // read: result; write, put: value; cas: expected, new; append: suffix
};

// A value as state text.
std::string text(const std::string& model, const json& v) {
  if (model == "register") return v.dump();
  return v.is_string() ? v.get<std::string>() : "";  // a string store reads null as ""
}

Step step_of(const std::string& model, const RefOp& op, bool known) {
  Step s;
  s.known = known;
  if (op.f == "read" || op.f == "get") {
    s.kind = Step::kRead;
    s.a = text(model, op.result);
  } else if (op.f == "write" || op.f == "put") {
    s.kind = Step::kWrite;
    s.a = text(model, op.value);
  } else if (op.f == "cas") {  // value [expected, new]
    s.kind = Step::kCas;
    s.a = op.value[0].dump();
    s.b = op.value[1].dump();
  } else {
    s.kind = Step::kAppend;
    s.a = text(model, op.value);
  }
  return s;
}

bool apply_step(const Step& s, std::string* state) {
  switch (s.kind) {
    case Step::kRead: return !s.known || *state == s.a;
    case Step::kWrite: *state = s.a; return true;
    case Step::kCas:
      if (*state != s.a) return false;
      *state = s.b;
      return true;
    case Step::kAppend: *state += s.a; return true;
  }
  return false;
}

}  // namespace

std::vector<RefOp> reference_ops(const TestHistory& t) {
  std::vector<RefOp> ops;
  for (const Operation& o : t.ops) {
    if (o.type == EventType::kFail) continue;
    const Event& inv = t.history.events[o.invoke];
    RefOp r;
    r.line = inv.line;
    r.call = o.invoke;
    r.f = t.history.function_name(inv);
    r.value = t.history.values.json(inv.value);
    if (o.type == EventType::kOk) {
      r.ret = o.completion;
      r.result = t.history.values.json(t.history.events[o.completion].value);
    }
    ops.push_back(r);
  }
  return ops;
}

std::string reference_initial(const std::string& model) { return model == "kv" ? "" : "null"; }

bool reference_apply(const std::string& model, const RefOp& op, bool known, std::string* state) {
  return apply_step(step_of(model, op, known), state);
}

bool reference_linearizable(const std::string& model, const std::vector<RefOp>& all_ops,
                            const std::string& initial) {
  // Optional ops (info ops too) that could only matter by being placed are
  // left out: reads, which change nothing, and ops called after every
  // mandatory op returned, which could only go after them all, when the
  // order is complete already.
  size_t last_return = 0;
  for (const RefOp& op : all_ops)
    if (op.ret != SIZE_MAX && !op.optional) last_return = std::max(last_return, op.ret);
  std::vector<RefOp> ops;
  for (const RefOp& op : all_ops) {
    const bool optional = op.optional || op.ret == SIZE_MAX;
    if (!optional || (op.f != "read" && op.f != "get" && op.call < last_return)) ops.push_back(op);
  }
  // One bit per op below: the reference is for small histories only.
  if (ops.size() > 32)
    throw std::invalid_argument("linearizability reference: more than 32 ops to order");
  const size_t n = ops.size();
  auto bit = [](size_t i) { return uint32_t{1} << i; };
  uint32_t mandatory = 0;  // ops every order must place
  std::vector<Step> steps;
  std::vector<uint32_t> before(n, 0), after(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (ops[i].ret != SIZE_MAX && !ops[i].optional) mandatory |= bit(i);
    steps.push_back(step_of(model, ops[i], ops[i].ret != SIZE_MAX));
    for (size_t j = 0; j < n; ++j) {
      // before[i]: mandatory ops that returned before i was called must be
      // placed before i. after[i]: ops called after i returned may not be.
      if (ops[j].ret < ops[i].call && ops[j].ret != SIZE_MAX && !ops[j].optional)
        before[i] |= bit(j);
      if (ops[i].ret != SIZE_MAX && ops[j].call > ops[i].ret) after[i] |= bit(j);
    }
  }
  // (placed, state) pairs already explored, as the state then the 4 bytes of
  // `placed`. Exploring stops at the first success, so every pair seen again
  // is one that cannot be completed.
  std::unordered_set<std::string> seen;
  std::function<bool(uint32_t, const std::string&)> completes = [&](uint32_t placed,
                                                                    const std::string& state) {
    if ((placed & mandatory) == mandatory) return true;
    std::string key = state;
    key.append(reinterpret_cast<const char*>(&placed), sizeof placed);
    if (!seen.insert(std::move(key)).second) return false;
    for (size_t i = 0; i < n; ++i) {
      if ((placed & bit(i)) || (placed & before[i]) != before[i] || (placed & after[i])) continue;
      std::string next = state;
      if (apply_step(steps[i], &next) && completes(placed | bit(i), next)) return true;
    }
    return false;
  };
  return completes(0, initial);
}

bool reference_fails_from_any(const std::string& model, const std::vector<RefOp>& ops) {
  std::set<std::string> tried;
  auto fails_from = [&](const std::string& initial) {
    return !tried.insert(initial).second || !reference_linearizable(model, ops, initial);
  };
  if (!fails_from(text(model, "never-mentioned"))) return false;
  if (model == "register" && !fails_from("null")) return false;
  for (const RefOp& op : ops) {
    for (const json& v : {op.value, op.result}) {
      if (model == "kv") {
        const std::string s = text(model, v);
        for (size_t k = 0; k <= s.size(); ++k)
          if (!fails_from(s.substr(0, k))) return false;
      } else if (v.is_array()) {  // a cas: [expected, new]
        for (const json& e : v)
          if (!fails_from(e.dump())) return false;
      } else if (!fails_from(v.dump())) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace faultline
