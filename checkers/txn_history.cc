#include "checkers/txn_history.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace faultline {
namespace {

class TxnReader {
 public:
  TxnReader(const History& history, TxnModel model, TxnHistory* out)
      : history_(history), model_(model), out_(out) {}

  // Appends the transaction of `op` (paired operation `index`); "" or an error.
  std::string read(uint32_t index, const Operation& op) {
    Txn txn;
    txn.op = index;
    txn.type = op.pending() ? EventType::kInfo : op.type;
    const bool ok = txn.type == EventType::kOk;
    const Event& e = history_.events[ok ? op.completion : op.invoke];
    // Parsed without the ValueTable's cache: a history's transactions are
    // mostly distinct values, and caching them all would hold the history
    // twice over as JSON trees.
    const nlohmann::json value =
        nlohmann::json::parse(history_.values.text(e.value), nullptr, /*allow_exceptions=*/false);
    if (!value.is_array())
      return expected(e, "the value of a txn to be a list of micro-operations");
    txn.mop_begin = static_cast<uint32_t>(out_->mops.size());
    for (const nlohmann::json& m : value) {
      if (std::string error = read_mop(e, m, ok); !error.empty()) return error;
    }
    txn.mop_end = static_cast<uint32_t>(out_->mops.size());
    out_->txns.push_back(txn);
    return "";
  }

 private:
  std::string read_mop(const Event& e, const nlohmann::json& m, bool ok) {
    const bool list_append = model_ == TxnModel::kListAppend;
    const char* shape = list_append
                            ? "a micro-operation [\"append\", key, integer] or [\"r\", key, "
                              "null or [integers]]"
                            : "a micro-operation [\"w\", key, integer] or [\"r\", key, "
                              "null or integer]";
    if (!m.is_array() || m.size() != 3 || !m[0].is_string() ||
        !(m[1].is_string() || m[1].is_number_integer()))
      return expected(e, shape, m.dump());
    Mop mop;
    mop.key = out_->keys.intern(m[1].dump());
    const std::string& f = m[0].get_ref<const std::string&>();
    const nlohmann::json& v = m[2];
    if (f == "r") {
      mop.kind = MopKind::kRead;
      mop.known = ok;
      if (ok && list_append && !v.is_null()) {
        if (!v.is_array()) return expected(e, shape, m.dump());
        mop.list_begin = static_cast<uint32_t>(out_->elements.size());
        for (const nlohmann::json& x : v) {
          int64_t element = 0;
          if (!json_int64(x, &element)) return expected(e, shape, m.dump());
          out_->elements.push_back(element);
        }
        mop.list_size = static_cast<uint32_t>(v.size());
      } else if (ok && !list_append) {
        mop.nil = v.is_null();
        if (!mop.nil && !json_int64(v, &mop.value)) return expected(e, shape, m.dump());
      }
    } else if (f == (list_append ? "append" : "w")) {
      mop.kind = list_append ? MopKind::kAppend : MopKind::kWrite;
      if (!json_int64(v, &mop.value)) return expected(e, shape, m.dump());
    } else {
      return expected(e, shape, m.dump());
    }
    // rw-register: the lowest int64 stands for nil (txn_checker.h, kNilValue).
    if (!list_append && !mop.nil && mop.value == INT64_MIN) return expected(e, shape, m.dump());
    out_->mops.push_back(mop);
    return "";
  }

  std::string expected(const Event& e, std::string_view what) const {
    return expected(e, what, history_.values.text(e.value));
  }
  std::string expected(const Event& e, std::string_view what, std::string_view got) const {
    return fmt::format("{}: expected {}, got {}", source_line(history_, e.line), what,
                       excerpt(got));
  }

  const History& history_;
  TxnModel model_;
  TxnHistory* out_;
};

}  // namespace

std::string TxnHistory::key_name(uint32_t key) const {
  const std::string& text = keys.text(key);
  if (text.size() >= 2 && text.front() == '"')
    return nlohmann::json::parse(text).get<std::string>();
  return text;
}

std::string read_txns(const History& history, const std::vector<Operation>& ops, TxnModel model,
                      DeadlineWatch* deadline, TxnHistory* out, bool* out_of_time) {
  const int64_t txn_f = history.functions.find("txn");
  TxnReader reader(history, model, out);
  *out_of_time = false;
  for (uint32_t i = 0; i < ops.size(); ++i) {
    if (deadline->expired()) {
      *out_of_time = true;
      return "";
    }
    if (!has_f(history.events[ops[i].invoke], txn_f)) continue;
    if (std::string error = reader.read(i, ops[i]); !error.empty()) return error;
  }
  return "";
}

}  // namespace faultline
