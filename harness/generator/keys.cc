// Independent keys: concurrent_keys runs groups of client threads, each on
// its own key (Jepsen's independent/concurrent-generator).
#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "harness/generator/generator.h"
#include "harness/generator/soonest.h"

namespace faultline::gen {
namespace {

class ConcurrentKeys : public Generator {
 public:
  ConcurrentKeys(int threads_per_key, int64_t ops_per_key, std::shared_ptr<KeySource> keys,
                 std::shared_ptr<PerKeyGen> per_key)
      : threads_per_key_(threads_per_key),
        ops_per_key_(ops_per_key),
        keys_(std::move(keys)),
        per_key_(std::move(per_key)) {}
  ConcurrentKeys(const ConcurrentKeys& other)
      : threads_per_key_(other.threads_per_key_),
        ops_per_key_(other.ops_per_key_),
        keys_(other.keys_),
        per_key_(other.per_key_),
        threads_(other.threads_),
        started_(other.started_),
        proposer_(other.proposer_) {
    for (const Group& g : other.groups_) {
      groups_.push_back(Group{g.threads, g.key, g.gen ? g.gen->clone() : nullptr, g.done, g.fresh});
    }
  }

  Next next(const Context& ctx) override {
    if (!started_) start(ctx);
    Soonest soonest;
    for (size_t i = 0; i < groups_.size(); ++i) {
      Next n = next_of(groups_[i], ctx);
      if (n.is_exhausted()) continue;
      soonest.offer(std::move(n), i);
    }
    Next n = soonest.result();
    proposer_ = soonest.chosen();
    // Only the op chosen gets its key (a copy): the others are dropped.
    if (n.is_op()) n.op->key = groups_[proposer_].key;
    return n;
  }

  void commit(const Context& ctx, const Op& op, int thread) override {
    Group& group = groups_[proposer_];
    group.gen->commit(ctx.restricted(group.threads), op, thread);
  }

  void update(const Context& ctx, const Op& event, int thread) override {
    auto it = std::lower_bound(threads_.begin(), threads_.end(), thread);
    if (it == threads_.end() || *it != thread) return;
    Group& group = groups_[static_cast<size_t>(it - threads_.begin()) / threads_per_key_];
    // Completions of ops on a key the group has moved on from are not its
    // current generator's business.
    if (group.gen && event.key == group.key) {
      group.gen->update(ctx.restricted(group.threads), event, thread);
    }
  }

  GenPtr clone() const override { return std::make_unique<ConcurrentKeys>(*this); }

 private:
  struct Group {
    std::vector<int> threads;
    nlohmann::json key;
    GenPtr gen;          // null: needs a fresh key
    bool done = false;   // no keys left
    bool fresh = false;  // gen has not yet answered anything but exhausted
  };

  void start(const Context& ctx) {
    for (int t : ctx.threads()) {
      if (t != kNemesisThread) threads_.push_back(t);
    }
    size_t n = static_cast<size_t>(threads_per_key_);
    if (threads_.size() % n != 0) {
      throw std::invalid_argument("concurrent_keys: " + std::to_string(threads_.size()) +
                                  " client threads are not a multiple of " +
                                  std::to_string(threads_per_key_) + " threads per key");
    }
    for (size_t first = 0; first < threads_.size(); first += n) {
      Group group;
      group.threads.assign(threads_.begin() + static_cast<ptrdiff_t>(first),
                           threads_.begin() + static_cast<ptrdiff_t>(first + n));
      groups_.push_back(std::move(group));
    }
    started_ = true;
  }

  // The group's proposal, moving it to fresh keys as its generators finish.
  Next next_of(Group& group, const Context& ctx) {
    while (!group.done) {
      if (!group.gen) {
        std::optional<nlohmann::json> key = (*keys_)();
        if (!key) {
          group.done = true;
          break;
        }
        group.key = std::move(*key);
        group.gen = limit(ops_per_key_, (*per_key_)(group.key));
        group.fresh = true;
      }
      Next n = group.gen->next(ctx.restricted(group.threads));
      if (!n.is_exhausted()) {
        group.fresh = false;
        return n;
      }
      if (group.fresh) {
        throw std::invalid_argument("concurrent_keys: the generator for key " + group.key.dump() +
                                    " has no ops");
      }
      group.gen.reset();
    }
    return Next::exhausted();
  }

  int threads_per_key_;
  int64_t ops_per_key_;
  std::shared_ptr<KeySource> keys_;
  std::shared_ptr<PerKeyGen> per_key_;
  std::vector<int> threads_;  // the client threads, ascending; group i has [i*n, (i+1)*n)
  std::vector<Group> groups_;
  bool started_ = false;
  size_t proposer_ = 0;
};

}  // namespace

KeySource sequential_keys(int64_t first) {
  return [next = first]() mutable -> std::optional<nlohmann::json> { return next++; };
}

GenPtr concurrent_keys(int threads_per_key, int64_t ops_per_key, KeySource keys,
                       PerKeyGen per_key) {
  if (threads_per_key < 1) {
    throw std::invalid_argument("concurrent_keys: threads per key must be at least 1");
  }
  if (ops_per_key < 1) {
    throw std::invalid_argument("concurrent_keys: ops per key must be at least 1");
  }
  return std::make_unique<ConcurrentKeys>(threads_per_key, ops_per_key,
                                          std::make_shared<KeySource>(std::move(keys)),
                                          std::make_shared<PerKeyGen>(std::move(per_key)));
}

}  // namespace faultline::gen
