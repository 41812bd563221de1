#include "checkers/memory_budget.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace faultline {
namespace {

// The first number in a file such as memory.max; 0 when absent, "max" or
// unreadable.
uint64_t read_number(const char* path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word.empty() || word == "max") return 0;
  try {
    return std::stoull(word);
  } catch (...) {
    return 0;
  }
}

// Headroom above the budget for what a check maps besides its data: the
// binary and its libraries, 8 MB stacks and 64 MB malloc arenas per thread.
constexpr uint64_t kHeadroom = uint64_t{1} << 30;

}  // namespace

uint64_t default_memory_budget() {
  uint64_t budget = UINT64_MAX;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0)
    budget = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 2;
  for (const char* limit :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    // (cgroup v1 says "no limit" with a huge number, which min() ignores)
    if (uint64_t bytes = read_number(limit); bytes > 0) budget = std::min(budget, bytes);
  }
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    const uint64_t cur = as.rlim_cur;
    budget = std::min(budget, cur > kHeadroom ? cur - kHeadroom : cur / 4);
  }
  return budget;
}

uint64_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t address_space_limit() {
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) != 0 || as.rlim_cur == RLIM_INFINITY) return UINT64_MAX;
  return as.rlim_cur;
}

uint64_t cap_address_space(uint64_t budget) {
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) != 0) return UINT64_MAX;
  const uint64_t wanted = budget > UINT64_MAX - kHeadroom ? UINT64_MAX : budget + kHeadroom;
  if (wanted != UINT64_MAX && (as.rlim_cur == RLIM_INFINITY || wanted < as.rlim_cur)) {
    as.rlim_cur = wanted;
    if (setrlimit(RLIMIT_AS, &as) != 0) getrlimit(RLIMIT_AS, &as);
  }
  return as.rlim_cur == RLIM_INFINITY ? UINT64_MAX : as.rlim_cur;
}

}  // namespace faultline
