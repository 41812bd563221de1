#include "harness/sim/ddmin.h"

#include <algorithm>
#include <set>

namespace faultline::sim {
namespace {

// `units` in `parts` chunks of near-equal size, in order.
std::vector<Subset> split(const Subset& units, size_t parts) {
  std::vector<Subset> chunks;
  size_t start = 0;
  for (size_t i = 0; i < parts; ++i) {
    const size_t end = start + (units.size() - start) / (parts - i);
    chunks.emplace_back(units.begin() + static_cast<ptrdiff_t>(start),
                        units.begin() + static_cast<ptrdiff_t>(end));
    start = end;
  }
  return chunks;
}

Subset without(const Subset& units, const Subset& chunk) {
  Subset out;
  std::set_difference(units.begin(), units.end(), chunk.begin(), chunk.end(),
                      std::back_inserter(out));
  return out;
}

}  // namespace

DdminResult ddmin(size_t n, size_t batch, const BatchTest& test) {
  DdminResult result;
  for (size_t i = 0; i < n; ++i) result.kept.push_back(i);
  std::set<Subset> passed;  // never tested twice
  // The index of the first of `candidates` that fails, candidates.size() if
  // none does, or -1 when the budget ran out.
  auto first_failing = [&](const std::vector<Subset>& candidates) -> ptrdiff_t {
    for (size_t from = 0; from < candidates.size(); from += batch) {
      std::vector<Subset> asked;
      std::vector<size_t> index;  // of each one asked in `candidates`
      for (size_t i = from; i < std::min(candidates.size(), from + batch); ++i) {
        if (passed.contains(candidates[i])) continue;
        asked.push_back(candidates[i]);
        index.push_back(i);
      }
      if (asked.empty()) continue;
      const std::vector<bool> fails = test(asked);
      result.tests += static_cast<int64_t>(fails.size());
      for (size_t i = 0; i < fails.size(); ++i) {
        if (fails[i]) return static_cast<ptrdiff_t>(index[i]);
        passed.insert(asked[i]);
      }
      if (fails.size() < asked.size()) return -1;
    }
    return static_cast<ptrdiff_t>(candidates.size());
  };

  if (n == 0) {
    result.complete = true;
    return result;
  }
  switch (first_failing({Subset{}})) {
    case -1: return result;
    case 0:
      result.kept.clear();
      result.complete = true;
      return result;
    default: break;
  }
  size_t granularity = 2;
  while (result.kept.size() >= 2) {
    const std::vector<Subset> chunks = split(result.kept, granularity);
    // The chunks, then (when there are more than two: else they are the
    // same) their complements.
    std::vector<Subset> candidates = chunks;
    if (granularity > 2)
      for (const Subset& c : chunks) candidates.push_back(without(result.kept, c));
    const ptrdiff_t found = first_failing(candidates);
    if (found < 0) return result;
    if (static_cast<size_t>(found) < chunks.size()) {
      result.kept = chunks[static_cast<size_t>(found)];
      granularity = 2;
    } else if (static_cast<size_t>(found) < candidates.size()) {
      result.kept = candidates[static_cast<size_t>(found)];
      granularity = std::max<size_t>(granularity - 1, 2);
    } else if (granularity >= result.kept.size()) {
      break;  // every single unit is needed
    } else {
      granularity = std::min(granularity * 2, result.kept.size());
    }
  }
  result.complete = true;
  return result;
}

}  // namespace faultline::sim
