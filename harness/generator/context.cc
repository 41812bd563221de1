// ContextState and Context: the run's state as generators see it.
#include <random>
#include <stdexcept>

#include "harness/generator/generator.h"

namespace faultline {

ContextState::ContextState(int concurrency, bool nemesis, uint64_t seed)
    : concurrency_(concurrency),
      nemesis_(nemesis),
      rng_(seed),
      free_(static_cast<size_t>(concurrency) + 1, 1),
      process_(static_cast<size_t>(concurrency) + 1, 0) {
  if (concurrency < 1) {
    throw std::invalid_argument("concurrency must be at least 1, got " +
                                std::to_string(concurrency));
  }
  if (nemesis) threads_.push_back(kNemesisThread);
  for (int t = 0; t < concurrency; ++t) {
    threads_.push_back(t);
    set_process(t, t);
  }
  set_process(kNemesisThread, kNemesisProcess);
  if (!nemesis) set_free(kNemesisThread, false);
}

std::optional<int> Context::some_free_thread() const {
  size_t free = 0;
  for (int thread : *threads_) free += state_->is_free(thread) ? 1 : 0;
  if (free == 0) return std::nullopt;
  size_t pick = std::uniform_int_distribution<size_t>(0, free - 1)(rng());
  for (int thread : *threads_) {
    if (state_->is_free(thread) && pick-- == 0) return thread;
  }
  return std::nullopt;
}

}  // namespace faultline
