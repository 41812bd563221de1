// rw-register: every write puts a value of its own into a key, so a read
// names the write it saw (nil: none yet). Reads alone do not order the
// writes; the orders known for sure are Elle's: the initial state (nil)
// comes before every write, and a transaction that read v1 from a key and
// then wrote v2 to it put v2 after v1. From those: a wr edge from the writer
// of a value to each reader, ww edges from v1's writer to v2's, and rw edges
// from every reader of v1 (of nil: before every writer) to v2's writer.
#include <fmt/format.h>

#include <unordered_map>

#include "base/random.h"
#include "checkers/txn_checker.h"

namespace faultline {
namespace {

struct ValueKey {
  uint32_t key;
  int64_t value;
  bool operator==(const ValueKey&) const = default;
};
struct ValueHash {
  size_t operator()(const ValueKey& k) const {
    return mix64(static_cast<uint64_t>(k.value) ^ (uint64_t{k.key} << 40));
  }
};

constexpr int64_t kNil = kNilValue;

class RwRegister {
 public:
  explicit RwRegister(TxnAnalysis* a) : a_(*a), h_(a->txns()), mop_txn_(h_.mops.size()) {}

  void run() {
    for (uint32_t t = 0; t < h_.txns.size(); ++t)
      for (uint32_t m = h_.txns[t].mop_begin; m < h_.txns[t].mop_end; ++m) mop_txn_[m] = t;
    if (!index_writes()) return;
    for (uint32_t t = 0; t < h_.txns.size(); ++t) {
      if (a_.expired()) return;
      if (h_.txns[t].type == EventType::kOk) read_txn(t);
    }
    for (const auto& [vk, readers] : readers_) {
      if (a_.expired()) return;
      auto next = successors_.find(vk);
      if (next == successors_.end()) continue;
      for (uint32_t w : next->second)
        for (uint32_t r : readers) a_.edge(r, mop_txn_[w], kRw, vk.key, h_.mops[w].value, vk.value);
    }
  }

 private:
  // A key in a message: "key x", "key 3".
  std::string key_label(uint32_t key) const { return "key " + h_.key_name(key); }

  bool index_writes() {
    for (uint32_t m = 0; m < h_.mops.size(); ++m) {
      const Mop& mop = h_.mops[m];
      if (mop.kind != MopKind::kWrite) continue;
      auto [it, fresh] = writes_.try_emplace({mop.key, mop.value}, m);
      if (!fresh) {
        a_.input_error(fmt::format(
            "{}: expected every write to a key to write a value of its own, got {} written to {} "
            "again (first at line {})",
            source_line(a_.history(), a_.invoke(mop_txn_[m]).line), mop.value, key_label(mop.key),
            a_.invoke(mop_txn_[it->second]).line));
        return false;
      }
      // Every write follows the initial state.
      if (h_.txns[mop_txn_[m]].type != EventType::kFail) successors_[{mop.key, kNil}].push_back(m);
    }
    return true;
  }

  std::string value_text(const Mop& read) const {
    return read.nil ? "nil" : std::to_string(read.value);
  }

  // One ok transaction's reads (and its writes after a read of the same key).
  void read_txn(uint32_t t) {
    const Txn& txn = h_.txns[t];
    for (uint32_t m = txn.mop_begin; m < txn.mop_end; ++m) {
      const Mop& mop = h_.mops[m];
      // The txn's previous mop on this key: what it should read now.
      int64_t previous = -1;
      for (uint32_t p = m; p-- > txn.mop_begin;) {
        if (h_.mops[p].key == mop.key) {
          previous = p;
          break;
        }
      }
      if (mop.kind == MopKind::kWrite) {
        // Read v1, then wrote v2: v1 < v2.
        if (previous >= 0 && h_.mops[previous].kind == MopKind::kRead && !h_.mops[previous].nil) {
          const Mop& read = h_.mops[previous];
          successors_[{mop.key, read.value}].push_back(m);
          auto w = writes_.find({mop.key, read.value});
          if (w != writes_.end())
            a_.edge(mop_txn_[w->second], t, kWw, mop.key, mop.value, read.value);
        }
        continue;
      }
      if (previous >= 0) {  // internal: the same value as the txn's own last read or write
        const Mop& q = h_.mops[previous];
        if (q.nil != mop.nil || q.value != mop.value) {
          a_.anomaly("internal", mop.key,
                     fmt::format("{} read {} = {}, but it {} {} just before", a_.label(t),
                                 key_label(mop.key), value_text(mop),
                                 q.kind == MopKind::kWrite ? "wrote" : "read", value_text(q)),
                     {t});
        }
        continue;
      }
      readers_[{mop.key, mop.nil ? kNil : mop.value}].push_back(t);
      if (mop.nil) continue;
      auto w = writes_.find({mop.key, mop.value});
      if (w == writes_.end()) {
        a_.anomaly("garbage", mop.key,
                   fmt::format("{} read {} = {}, which no transaction wrote", a_.label(t),
                               key_label(mop.key), mop.value),
                   {t});
        continue;
      }
      const uint32_t writer = mop_txn_[w->second];
      if (h_.txns[writer].type == EventType::kFail) {
        a_.anomaly("G1a", mop.key,
                   fmt::format("{} read {} = {}, written by {}, which failed", a_.label(t),
                               key_label(mop.key), mop.value, a_.label(writer)),
                   {t, writer});
        continue;
      }
      a_.edge(writer, t, kWr, mop.key, mop.value);
      for (uint32_t p = w->second + 1; p < h_.txns[writer].mop_end; ++p) {
        if (h_.mops[p].kind == MopKind::kWrite && h_.mops[p].key == mop.key) {
          a_.anomaly(
              "G1b", mop.key,
              fmt::format("{} read {} = {}, an intermediate value of {}, which then wrote {}",
                          a_.label(t), key_label(mop.key), mop.value, a_.label(writer),
                          h_.mops[p].value),
              {t, writer});
          break;
        }
      }
    }
  }

  TxnAnalysis& a_;
  const TxnHistory& h_;
  std::vector<uint32_t> mop_txn_;
  std::unordered_map<ValueKey, uint32_t, ValueHash> writes_;  // (key, value) -> write mop
  // (key, value or kNil) -> the writes known to come after that version
  std::unordered_map<ValueKey, std::vector<uint32_t>, ValueHash> successors_;
  // (key, value or kNil) -> the ok transactions that read it (external reads)
  std::unordered_map<ValueKey, std::vector<uint32_t>, ValueHash> readers_;
};

}  // namespace

void infer_rw_register(TxnAnalysis* analysis) { RwRegister(analysis).run(); }

}  // namespace faultline
