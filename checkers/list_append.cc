// list-append: every append adds an element of its own to a key's list, so a
// read names, in order, every write it saw. The longest read of a key gives
// its version order (every other read must be a prefix of it); from that:
// ww edges between consecutive appends' writers, a wr edge from the writer
// of a read's last element to the reader, and an rw edge from the reader to
// the writer of the element after its last. Appends of committed
// transactions that no read saw come after the whole order.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "base/random.h"
#include "checkers/txn_checker.h"

namespace faultline {
namespace {

struct ElementKey {
  uint32_t key;
  int64_t element;
  bool operator==(const ElementKey&) const = default;
};
struct ElementHash {
  size_t operator()(const ElementKey& k) const {
    return mix64(static_cast<uint64_t>(k.element) ^ (uint64_t{k.key} << 40));
  }
};

constexpr uint32_t kNone = UINT32_MAX;

struct Append {
  uint32_t mop = 0;
  uint32_t position = kNone;  // 0-based in its key's version order; kNone: never read
};

class ListAppend {
 public:
  explicit ListAppend(TxnAnalysis* a)
      : a_(*a), h_(a->txns()), mop_txn_(h_.mops.size()), read_ok_(h_.mops.size(), 1) {}

  void run() {
    for (uint32_t t = 0; t < h_.txns.size(); ++t)
      for (uint32_t m = h_.txns[t].mop_begin; m < h_.txns[t].mop_end; ++m) mop_txn_[m] = t;
    if (!index_appends()) return;
    for (uint32_t t = 0; t < h_.txns.size(); ++t)
      if (h_.txns[t].type == EventType::kOk) check_internal(t);
    group_reads();
    std::vector<char> observed(h_.txns.size(), 0);
    for (uint32_t k = 0; k < h_.keys.size(); ++k) {
      if (a_.expired()) return;
      order_key(k, &observed);
    }
    for (uint32_t t = 0; t < h_.txns.size(); ++t)
      committed_.push_back(h_.txns[t].type == EventType::kOk ||
                           (h_.txns[t].type == EventType::kInfo && observed[t]));
    // In history order, so that the edges and the cycles found are too.
    for (uint32_t m = 0; m < h_.mops.size(); ++m) {
      const Mop& mop = h_.mops[m];
      if (mop.kind == MopKind::kAppend && committed_[mop_txn_[m]] &&
          appends_.find({mop.key, mop.value})->second.position == kNone)
        unread_[mop.key].push_back(m);
    }
    for (uint32_t k = 0; k < h_.keys.size(); ++k) {
      if (a_.expired()) return;
      edges_of_key(k);
    }
  }

 private:
  // A key in a message: "key x", "key 3".
  std::string key_label(uint32_t key) const { return "key " + h_.key_name(key); }

  // Maps every (key, element) to its append; false on an element appended twice.
  bool index_appends() {
    appends_.reserve(h_.mops.size());
    for (uint32_t m = 0; m < h_.mops.size(); ++m) {
      const Mop& mop = h_.mops[m];
      if (mop.kind != MopKind::kAppend) continue;
      auto [it, fresh] = appends_.try_emplace({mop.key, mop.value}, Append{m});
      if (!fresh) {
        const Event& e = a_.invoke(mop_txn_[m]);
        a_.input_error(fmt::format(
            "{}: expected every append to a key to add an element of its own, got {} appended "
            "to {} again (first at line {})",
            source_line(a_.history(), e.line), mop.value, key_label(mop.key),
            a_.invoke(mop_txn_[it->second.mop]).line));
        return false;
      }
    }
    return true;
  }

  std::string list_text(const Mop& read) const {
    std::string out = "[";
    for (uint32_t i = 0; i < read.list_size; ++i)
      out += (i ? "," : "") + std::to_string(h_.elements[read.list_begin + i]);
    return out + "]";
  }

  // A read after the transaction's own appends to a key must show them, at
  // the end; after its own earlier read, that read plus its appends since;
  // and no read may show an append the transaction makes after it.
  void check_internal(uint32_t t) {
    const Txn& txn = h_.txns[t];
    for (uint32_t m = txn.mop_begin; m < txn.mop_end; ++m) {
      const Mop& read = h_.mops[m];
      if (read.kind != MopKind::kRead || !read.known) continue;
      std::vector<int64_t> own;  // this txn's appends to the key since its previous read
      int64_t previous = -1;
      for (uint32_t p = m; p-- > txn.mop_begin;) {
        const Mop& q = h_.mops[p];
        if (q.key != read.key) continue;
        if (q.kind == MopKind::kRead) {
          previous = p;
          break;
        }
        own.insert(own.begin(), q.value);
      }
      std::vector<int64_t> expected;
      if (previous >= 0) {
        const Mop& q = h_.mops[previous];
        expected.assign(h_.elements.begin() + q.list_begin,
                        h_.elements.begin() + q.list_begin + q.list_size);
      }
      expected.insert(expected.end(), own.begin(), own.end());
      const int64_t* got = h_.elements.data() + read.list_begin;
      const bool fits =
          previous >= 0 ? std::equal(expected.begin(), expected.end(), got, got + read.list_size)
                        : read.list_size >= own.size() &&
                              std::equal(own.begin(), own.end(), got + read.list_size - own.size());
      int64_t future = 0;  // an element the read holds although the txn appends it later
      bool reads_future = false;
      for (uint32_t p = m + 1; p < txn.mop_end && !reads_future; ++p) {
        const Mop& q = h_.mops[p];
        if (q.kind != MopKind::kAppend || q.key != read.key) continue;
        reads_future = std::find(got, got + read.list_size, q.value) != got + read.list_size;
        future = q.value;
      }
      if (fits && !reads_future) continue;
      read_ok_[m] = 0;
      if (reads_future) {
        a_.anomaly("internal", read.key,
                   fmt::format("{} read {} = {}, which holds {}, an element it appends only "
                               "after that read",
                               a_.label(t), key_label(read.key), list_text(read), future),
                   {t});
        continue;
      }
      a_.anomaly("internal", read.key,
                 fmt::format("{} read {} = {}, but its own earlier operations on {} mean it "
                             "should {} {}",
                             a_.label(t), key_label(read.key), list_text(read), key_label(read.key),
                             previous >= 0 ? "read" : "end with",
                             fmt::format("[{}]", fmt::join(expected, ","))),
                 {t});
    }
  }

  // Groups the known reads (of ok transactions) by key.
  void group_reads() {
    read_start_.assign(h_.keys.size() + 1, 0);
    for (const Mop& m : h_.mops)
      if (m.kind == MopKind::kRead && m.known) ++read_start_[m.key + 1];
    for (uint32_t k = 0; k < h_.keys.size(); ++k) read_start_[k + 1] += read_start_[k];
    reads_.resize(read_start_.back());
    std::vector<uint32_t> next(read_start_.begin(), read_start_.end() - 1);
    for (uint32_t m = 0; m < h_.mops.size(); ++m)
      if (h_.mops[m].kind == MopKind::kRead && h_.mops[m].known) reads_[next[h_.mops[m].key]++] = m;
    longest_.assign(h_.keys.size(), kNone);
  }

  const int64_t* list(uint32_t read) const { return h_.elements.data() + h_.mops[read].list_begin; }

  // The version order of key k: its longest read, checked for duplicates,
  // garbage and aborted writes; marks the info transactions it shows.
  void order_key(uint32_t k, std::vector<char>* observed) {
    uint32_t longest = kNone;
    for (uint32_t i = read_start_[k]; i < read_start_[k + 1]; ++i) {
      const uint32_t r = reads_[i];
      if (read_ok_[r] && (longest == kNone || h_.mops[r].list_size > h_.mops[longest].list_size))
        longest = r;
    }
    if (longest == kNone) return;
    longest_[k] = longest;
    const Mop& read = h_.mops[longest];
    const uint32_t reader = mop_txn_[longest];
    for (uint32_t i = 0; i < read.list_size; ++i) {
      const int64_t element = list(longest)[i];
      auto it = appends_.find({k, element});
      if (it == appends_.end()) {
        a_.anomaly(
            "garbage", k,
            fmt::format("{} read {} = {}, but no transaction appended {} to {}", a_.label(reader),
                        key_label(k), list_text(read), element, key_label(k)),
            {reader});
        continue;
      }
      if (it->second.position != kNone) {
        a_.anomaly("duplicate-elements", k,
                   fmt::format("{} read {} = {}, in which {} appears more than once",
                               a_.label(reader), key_label(k), list_text(read), element),
                   {reader});
        continue;
      }
      it->second.position = i;
      const uint32_t writer = mop_txn_[it->second.mop];
      if (h_.txns[writer].type == EventType::kFail) {
        a_.anomaly(
            "G1a", k,
            fmt::format("{} read {} = {}, with the append of {} by {}, which failed",
                        a_.label(reader), key_label(k), list_text(read), element, a_.label(writer)),
            {reader, writer});
      }
      (*observed)[writer] = 1;
    }
  }

  // The writer of element i of key k's order, or kNone.
  uint32_t writer(uint32_t k, uint32_t i) const {
    auto it = appends_.find({k, list(longest_[k])[i]});
    if (it == appends_.end() || it->second.position != i) return kNone;
    return mop_txn_[it->second.mop];
  }

  void edges_of_key(uint32_t k) {
    const std::vector<uint32_t>& unread = unread_[k];
    if (longest_[k] == kNone) return;  // no read: nothing is known of the order
    const uint32_t n = h_.mops[longest_[k]].list_size;
    const int64_t* order = list(longest_[k]);
    for (uint32_t i = 1; i < n; ++i) {
      const uint32_t a = writer(k, i - 1), b = writer(k, i);
      if (a != kNone && b != kNone) a_.edge(a, b, kWw, k, order[i], order[i - 1]);
    }
    if (n > 0 && writer(k, n - 1) != kNone) {
      for (uint32_t m : unread)
        a_.edge(writer(k, n - 1), mop_txn_[m], kWw, k, h_.mops[m].value, order[n - 1]);
    }
    for (uint32_t i = read_start_[k]; i < read_start_[k + 1]; ++i) {
      const uint32_t r = reads_[i];
      if (!read_ok_[r]) continue;
      const Mop& read = h_.mops[r];
      const uint32_t reader = mop_txn_[r];
      const uint32_t j = read.list_size;
      if (!std::equal(list(r), list(r) + j, order)) {
        a_.anomaly("incompatible-order", k,
                   fmt::format("{} read {} = {}, but {} read {} = {}: neither is a prefix of the "
                               "other",
                               a_.label(reader), key_label(k), list_text(read),
                               a_.label(mop_txn_[longest_[k]]), key_label(k),
                               list_text(h_.mops[longest_[k]])),
                   {reader, mop_txn_[longest_[k]]});
        continue;
      }
      if (j > 0) {
        const uint32_t w = writer(k, j - 1);
        if (w != kNone && w != reader) {
          a_.edge(w, reader, kWr, k, order[j - 1]);
          check_intermediate(k, w, reader, order[j - 1]);
        }
      }
      if (j < n) {
        const uint32_t w = writer(k, j);
        if (w != kNone) a_.edge(reader, w, kRw, k, order[j]);
      } else {
        for (uint32_t m : unread) a_.edge(reader, mop_txn_[m], kRw, k, h_.mops[m].value);
      }
    }
  }

  // G1b: `reader` saw `element` last, but its writer appended to k again.
  void check_intermediate(uint32_t k, uint32_t w, uint32_t reader, int64_t element) {
    const uint32_t m = appends_.find({k, element})->second.mop;
    for (uint32_t p = m + 1; p < h_.txns[w].mop_end; ++p) {
      const Mop& later = h_.mops[p];
      if (later.kind != MopKind::kAppend || later.key != k) continue;
      a_.anomaly("G1b", k,
                 fmt::format("{} read {} ending in {}, an intermediate state of {}, which "
                             "appended {} after it",
                             a_.label(reader), key_label(k), element, a_.label(w), later.value),
                 {reader, w});
      return;
    }
  }

  TxnAnalysis& a_;
  const TxnHistory& h_;
  std::vector<uint32_t> mop_txn_;  // the transaction of each mop
  std::vector<char> read_ok_;      // 0: a read that failed the internal check
  std::unordered_map<ElementKey, Append, ElementHash> appends_;
  std::vector<uint32_t> read_start_, reads_;  // known reads grouped by key
  std::vector<uint32_t> longest_;             // per key: its longest read's mop, or kNone
  std::vector<bool> committed_;
  std::unordered_map<uint32_t, std::vector<uint32_t>> unread_;  // key -> unread appends' mops
};

}  // namespace

void infer_list_append(TxnAnalysis* analysis) { ListAppend(analysis).run(); }

}  // namespace faultline
