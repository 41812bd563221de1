// Fault intervals for reports: when each fault the nemesis injected was in
// force, shaded behind the timeline and the plots (docs/reports.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "history/history.h"

namespace faultline {

struct NemesisInterval {
  std::string name;  // "partition" for start-partition/stop-partition; else the f that began it
  int64_t start = 0;
  int64_t end = 0;
  bool open = false;  // never stopped: `end` is the end of the history
};

// Pairs nemesis events into intervals, Jepsen-style by name: an f of
// "start-X" (or "start_X", "startX") begins X, "stop-X" ends it; a repeated
// start (Jepsen's invoke then info) does not restart it and a repeated stop
// extends its end. Without a start-/stop- name, an f beginning with
// "heal", "resume", "recover" or "end" ends the fault begun last, and any
// other f begins one named by its f. Times are the events' (`with_times`) or
// their positions in the history.
std::vector<NemesisInterval> nemesis_intervals(const History& history, bool with_times);

}  // namespace faultline
