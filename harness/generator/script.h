// gen::script: exactly the ops given, each on its own thread at its time —
// how a recorded scenario is replayed (harness/run/scenario.h).
#pragma once

#include <vector>

#include "harness/generator/generator.h"

namespace faultline::gen {

// One op of a script: the thread to run it on, and the op (op.time: the
// earliest time it may start).
struct ScriptedOp {
  int thread = 0;
  Op op;
};

// Exactly these ops, each on its own thread, in the order given per thread:
// an op starts at its time, or as soon after as its thread is free (its
// earlier ops done). Of the ops that could start, the earliest goes first
// (ties: the order given). Exhausted after the last. A thread that is not
// the context's is std::invalid_argument.
GenPtr script(std::vector<ScriptedOp> ops);

}  // namespace faultline::gen
