// libFuzzer target for the RESP request parser. On arbitrary bytes it checks:
// - the parser never crashes, and stays within its (small, fuzz-sized) limits;
// - splitting the stream into chunks (sizes drawn from the input's first
//   byte) yields exactly the commands and the error of one whole feed;
// - round trip: each parsed command, encoded as a multibulk array and parsed
//   again, gives the same arguments and nothing more.
// A violation aborts, which libFuzzer reports.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "targets/resp/resp_parser.h"
#include "targets/resp/resp_writer.h"

namespace {

using faultline::resp::ParseResult;
using faultline::resp::ParserLimits;
using faultline::resp::RequestParser;
using Args = std::vector<std::string>;

void expect(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

// Small limits, so that the fuzzer reaches them.
ParserLimits fuzz_limits() {
  ParserLimits limits;
  limits.max_bulk_bytes = 256;
  limits.max_args = 16;
  limits.max_inline_bytes = 64;
  limits.max_request_bytes = 300;
  return limits;
}

struct Outcome {
  std::vector<Args> commands;
  std::string error;
};

void drain(RequestParser* p, Outcome* out) {
  Args args;
  while (true) {
    const ParseResult r = p->next(&args);
    if (r == ParseResult::kNeedMore) return;
    if (r == ParseResult::kError) {
      out->error = p->error();
      expect(!out->error.empty(), "an error has a message");
      return;
    }
    const ParserLimits limits = fuzz_limits();
    expect(!args.empty() && args.size() <= limits.max_args, "argument count within limits");
    size_t total = 0;
    for (const std::string& a : args) {
      expect(a.size() <= limits.max_bulk_bytes, "argument within limits");
      total += a.size();
    }
    expect(total <= limits.max_request_bytes, "request within limits");
    out->commands.push_back(args);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const unsigned split_seed = data[0];
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  const size_t n = size - 1;

  Outcome whole;
  RequestParser once(fuzz_limits());
  once.feed(bytes, n);
  drain(&once, &whole);
  expect(whole.error.empty() || once.buffered() == 0, "an error drops the buffer");

  Outcome chunked;
  RequestParser pieces(fuzz_limits());
  uint32_t state = split_seed * 2654435761u + 1;
  for (size_t at = 0; at < n;) {
    state = state * 1103515245u + 12345u;
    const size_t len = std::min<size_t>(n - at, 1 + (state >> 16) % 9);
    pieces.feed(bytes + at, len);
    drain(&pieces, &chunked);
    at += len;
  }
  expect(chunked.commands == whole.commands, "chunked feed gives the same commands");
  expect(chunked.error == whole.error, "chunked feed gives the same error");

  for (const Args& args : whole.commands) {
    std::string wire;
    faultline::resp::append_command(&wire, args);
    RequestParser again(fuzz_limits());
    again.feed(wire.data(), wire.size());
    Args parsed;
    expect(again.next(&parsed) == ParseResult::kCommand && parsed == args, "round trip");
    expect(again.next(&parsed) == ParseResult::kNeedMore && again.buffered() == 0,
           "round trip leaves nothing");
  }
  return 0;
}
