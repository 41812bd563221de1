// The memory a check may use: what --max-memory counts against, and the
// default when it is not given, so that no history can make the kernel's
// out-of-memory killer end a check (or the CI job running it).
#pragma once

#include <cstdint>

namespace faultline {

// The default budget: the lower of half the physical memory, the cgroup's
// memory limit (cgroup v2 memory.max, v1 memory.limit_in_bytes) and three
// quarters of the address-space limit (ulimit -v), whichever are set.
uint64_t default_memory_budget();

// The process's resident memory now (/proc/self/statm), 0 if unknown.
uint64_t resident_bytes();

// The address-space limit (RLIMIT_AS) in force, UINT64_MAX if none.
uint64_t address_space_limit();

// Lowers the address-space limit (RLIMIT_AS) to `budget` plus headroom for
// code, thread stacks and allocator arenas, unless it is lower already: an
// allocation past it then fails (std::bad_alloc, which the check reports as
// `unknown`) instead of the kernel killing the process. Returns the limit
// in force afterwards (UINT64_MAX: none).
uint64_t cap_address_space(uint64_t budget);

}  // namespace faultline
