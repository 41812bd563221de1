// Combining stores: `faultline store merge A.db B.db ... -o all.db` (docs/store.md).
// A suite sharded over several machines (faultline suite --shard I/N) leaves
// one store per shard; merging them gives the one store the run browser and
// `faultline runs --suite` read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace faultline {

struct MergeStats {
  int64_t runs_added = 0;
  int64_t runs_present = 0;  // already in the output (same uid): skipped
  int64_t events = 0;        // events copied
};

// Copies into the store at `output` (created if missing) every run of each
// input that it does not hold yet (runs are told apart by uid), with its
// events, checker results and anomalies: merging the same input twice adds
// nothing. Each input is copied in one transaction. Inputs are brought to
// the current schema first (an older store gains uids then). A missing input
// is an io_error, a file that is not a store invalid_argument.
Status merge_stores(const std::string& output, const std::vector<std::string>& inputs,
                    MergeStats* stats);

}  // namespace faultline
