// libFuzzer target: parse_edn then pair_operations on arbitrary bytes. The
// first byte's low bit chooses --independent ('1' in the seed corpus: on,
// '0': off); the rest is the history.
#include "history/fuzz/check_history.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool independent = data[0] & 1;
  faultline::History h;
  faultline::Status st =
      faultline::parse_edn(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1),
                           "fuzz.edn", independent, &h);
  faultline::fuzz::check_history(st, h);
  return 0;
}
