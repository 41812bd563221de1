// libFuzzer target: parse_jsonl then pair_operations on arbitrary bytes.
#include "history/fuzz/check_history.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  faultline::History h;
  faultline::Status st = faultline::parse_jsonl(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.jsonl", &h);
  faultline::fuzz::check_history(st, h);
  return 0;
}
