// The memo of configurations visited by the linearizability search.
//
// A configuration is (set of ok ops linearized, info ops linearized per
// class, model state). Sets of ok ops are stored compactly: every ok op below
// `lo` is linearized (that is what makes a long history cheap), and a bitset
// window covers the rest. Info ops are counted per class of interchangeable
// ops, the counts bit-packed.
//
// With `dominance` on, a configuration is pruned when one with the same ok
// set and state but no more info ops used per class was already visited:
// whatever the pruned one could still do, the visited one could too, since it
// has every info op the pruned one has left. With it off, only equal
// configurations are pruned (Porcupine's memo, for comparison).
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace faultline {

// Heap bytes a model state holds beyond sizeof(State): a model whose state
// owns memory declares `uint64_t heap_bytes(const State&)` beside it, so
// that --max-memory counts that memory too.
template <class State>
uint64_t state_heap_bytes(const State& s) {
  if constexpr (requires { heap_bytes(s); }) {
    return heap_bytes(s);
  } else {
    return 0;
  }
}

// Bit layout of the packed per-class counts.
struct CountLayout {
  std::vector<uint32_t> offset;  // bit offset of class k's field
  std::vector<uint8_t> width;    // bits of class k's field
  uint32_t words = 0;            // uint64 words per packed vector

  void add_class(uint32_t size) {
    uint8_t w = 1;  // enough bits to count 0..size
    while (w < 63 && (uint64_t{1} << w) <= size) ++w;
    uint32_t at = offset.empty() ? 0 : offset.back() + width.back();
    if (at % 64 + w > 64) at = (at / 64 + 1) * 64;  // fields never straddle words
    offset.push_back(at);
    width.push_back(w);
    words = (at + w + 63) / 64;
  }
  uint32_t get(const uint64_t* packed, uint32_t k) const {
    return static_cast<uint32_t>((packed[offset[k] / 64] >> (offset[k] % 64)) & mask(k));
  }
  void add(uint64_t* packed, uint32_t k, int64_t delta) const {
    packed[offset[k] / 64] += static_cast<uint64_t>(delta) << (offset[k] % 64);
  }
  uint64_t mask(uint32_t k) const { return (uint64_t{1} << width[k]) - 1; }
};

template <class State>
class SearchCache {
 public:
  SearchCache(const CountLayout& layout, bool dominance) : layout_(layout), dominance_(dominance) {
    table_.assign(1024, 0);
  }

  // Records the configuration unless it (or, with dominance, one at least as
  // good) was seen. Returns whether it was new. `ok_words` is the whole
  // linearized bitset; only the window [lo, hi) is looked at.
  bool insert(uint64_t hash, uint32_t lo, uint32_t hi, const uint64_t* ok_words, const State& state,
              const uint64_t* counts) {
    const uint32_t first = lo / 64;
    const uint32_t nwords = hi > lo ? (hi - 1) / 64 - first + 1 : 0;
    const uint64_t word0 = nwords > 0 ? ok_words[first] : 0;
    size_t slot = hash & (table_.size() - 1);
    for (; table_[slot] != 0; slot = (slot + 1) & (table_.size() - 1)) {
      Node& n = nodes_[table_[slot] - 1];
      if (n.hash != hash || n.lo != lo || n.nwords != nwords || n.word0 != word0 ||
          !(state_of(n) == state) ||
          (nwords > 1 &&
           std::memcmp(&words_[n.more_words], ok_words + first + 1, (nwords - 1) * 8) != 0))
        continue;
      for (uint32_t c = n.counts; c != kNone; c = next_of(c))
        if (covers(&counts_[c + 1], counts)) return false;
      // Keep the list an antichain: records the new one covers are dropped,
      // so the list stays short however often a configuration comes back.
      if (dominance_) {
        uint32_t prev = kNone;
        for (uint32_t c = n.counts; c != kNone; c = next_of(c)) {
          if (!covers(counts, &counts_[c + 1])) {
            prev = c;
          } else if (prev == kNone) {
            n.counts = next_of(c);
          } else {
            counts_[prev] = next_of(c);
          }
        }
      }
      uint32_t rec = push_counts(counts, n.counts);
      n.counts = rec;
      return true;
    }
    Node n{
        hash, word0, lo, nwords, static_cast<uint32_t>(words_.size()), push_counts(counts, kNone),
        {}};
    if (nwords > 1) words_.insert(words_.end(), ok_words + first + 1, ok_words + first + nwords);
    if constexpr (kInlineState) {
      n.state = state;
    } else {
      n.state = static_cast<uint32_t>(states_.size());
      states_.push_back(state);
      states_heap_ += state_heap_bytes(state);
    }
    nodes_.push_back(n);
    table_[slot] = static_cast<uint32_t>(nodes_.size());
    if (nodes_.size() * 2 > table_.size()) grow();
    return true;
  }

  // Approximate bytes held (what --max-memory limits).
  uint64_t bytes() const {
    return table_.capacity() * 4 + nodes_.capacity() * sizeof(Node) + words_.capacity() * 8 +
           counts_.capacity() * 8 + states_.capacity() * sizeof(State) + states_heap_;
  }
  size_t size() const { return nodes_.size(); }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  // Small states live in the node, so that a lookup touches the table and
  // one node (and the words past the first, rarely): in a big search almost
  // every lookup is a cache miss, and misses are what cost.
  static constexpr bool kInlineState = std::is_trivially_copyable_v<State> && sizeof(State) <= 8;
  struct Node {
    uint64_t hash;
    uint64_t word0;  // the window's first word
    uint32_t lo, nwords;
    uint32_t more_words;  // offset in words_ of the window's other words
    uint32_t counts;      // offset in counts_ of the newest count record, kNone if none
    std::conditional_t<kInlineState, State, uint32_t> state;  // or its index in states_
  };
  const State& state_of(const Node& n) const {
    if constexpr (kInlineState)
      return n.state;
    else
      return states_[n.state];
  }

  // Count records in counts_: [next record offset, packed words...].
  uint32_t push_counts(const uint64_t* counts, uint32_t next) {
    uint32_t at = static_cast<uint32_t>(counts_.size());
    counts_.push_back(next);
    counts_.insert(counts_.end(), counts, counts + layout_.words);
    return at;
  }
  uint32_t next_of(uint32_t rec) const { return static_cast<uint32_t>(counts_[rec]); }

  // Whether a visited configuration with counts `seen` makes `now` redundant.
  bool covers(const uint64_t* seen, const uint64_t* now) const {
    if (!dominance_) return std::memcmp(seen, now, layout_.words * 8) == 0;
    for (uint32_t k = 0; k < layout_.offset.size(); ++k)
      if (layout_.get(seen, k) > layout_.get(now, k)) return false;
    return true;
  }

  void grow() {
    std::vector<uint32_t> bigger(table_.size() * 2, 0);
    for (uint32_t i = 0; i < nodes_.size(); ++i) {
      size_t slot = nodes_[i].hash & (bigger.size() - 1);
      while (bigger[slot] != 0) slot = (slot + 1) & (bigger.size() - 1);
      bigger[slot] = i + 1;
    }
    table_.swap(bigger);
  }

  const CountLayout& layout_;
  const bool dominance_;
  std::vector<uint32_t> table_;  // open addressing: node index + 1, 0 = empty
  std::vector<Node> nodes_;
  std::vector<uint64_t> words_;
  std::vector<uint64_t> counts_;
  std::vector<State> states_;
  uint64_t states_heap_ = 0;  // heap bytes of the states in states_
};

}  // namespace faultline
