// The transactions of a history, for the transactional checkers
// (list-append, rw-register): every operation with f "txn" and a value that is
// a list of micro-operations, [["append", k, 3], ["r", k, [1, 2]]] or
// [["w", k, 3], ["r", k, 3]], read once into flat arrays. docs/history.md,
// "Transactions", describes the format.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "checkers/workload_support.h"
#include "history/history.h"

namespace faultline {

enum class TxnModel { kListAppend, kRwRegister };

enum class MopKind : uint8_t { kAppend, kRead, kWrite };

// One micro-operation. Elements and register values are integers.
struct Mop {
  MopKind kind = MopKind::kRead;
  // A read's result is known only in an ok transaction; in any other (and on
  // an invoke) the read is a placeholder.
  bool known = false;
  bool nil = false;   // rw-register: the read saw no value (the key's initial state)
  uint32_t key = 0;   // TxnHistory::keys id
  int64_t value = 0;  // append, write: the element or value; rw-register read: the value read
  uint32_t list_begin = 0, list_size = 0;  // list-append read: TxnHistory::elements range
};

struct Txn {
  uint32_t op = 0;                      // index into the operations
  EventType type = EventType::kInfo;    // kOk, kFail, or kInfo (pending counts as info)
  uint32_t mop_begin = 0, mop_end = 0;  // TxnHistory::mops range
};

struct TxnHistory {
  std::vector<Txn> txns;  // in invoke order
  std::vector<Mop> mops;
  std::vector<int64_t> elements;  // list-append reads' lists, end to end
  Interner keys;                  // by canonical JSON text

  // The key as a person reads it: strings without quotes.
  std::string key_name(uint32_t key) const;
};

// Reads the "txn" operations of `ops` (others are ignored): an ok one's
// micro-operations from its completion, any other's from its invoke. On a
// value of the wrong shape returns "file:line: expected ..., got ..." (the
// line holding the value); "" on success. Stops early, with *out_of_time
// set, once `deadline` has passed.
std::string read_txns(const History& history, const std::vector<Operation>& ops, TxnModel model,
                      DeadlineWatch* deadline, TxnHistory* out, bool* out_of_time);

}  // namespace faultline
