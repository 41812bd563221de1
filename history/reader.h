// Reading histories from files: JSON lines (faultline's own format) and
// Jepsen's history.edn. Every error names the file and line and says what was
// expected; no input makes these functions crash.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "history/history.h"

namespace faultline {

enum class HistoryFormat { kJsonl, kEdn };

struct ReadOptions {
  HistoryFormat format = HistoryFormat::kJsonl;
  // EDN only: a :value of [k v] is a jepsen.independent tuple of key and value.
  bool independent = false;
};

// Reads `path` into `out` (which must be empty) and pairs its events into
// `ops` (see pair_operations). On error `out` holds the events read before it.
Status read_history(const std::string& path, const ReadOptions& options, History* out,
                    std::vector<Operation>* ops);

// Parsers over text already in memory; `source` names it in messages. They
// parse only: call pair_operations to check the invoke/completion structure.
Status parse_jsonl(std::string_view text, const std::string& source, History* out);
Status parse_edn(std::string_view text, const std::string& source, bool independent, History* out);

// Pairs every client invoke with the next event of the same process. Errors
// (with file:line) for a completion without an invoke, and for an invoke
// while the process still has an operation in flight. Invokes with no
// completion become pending operations (they count as info). Nemesis events
// are skipped. Operations are in invoke order.
Status pair_operations(const History& history, std::vector<Operation>* ops);

}  // namespace faultline
