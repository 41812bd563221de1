// libFuzzer target for what a faultline-paxos server reads from a peer's
// connection: arbitrary bytes as the stream of frames (targets/common/
// frame_format.h), each payload as a batch of paxos messages
// (targets/common/message_batch.h, server/message_codec.h). On any input:
// no crash, no read past the input; a frame or batch that decodes
// re-encodes to the same bytes (the encodings are canonical, so nothing a
// peer sends is read two ways). A violation aborts, which libFuzzer reports.
// scripts/fuzz.sh builds and runs it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "targets/common/frame_format.h"
#include "targets/common/message_batch.h"
#include "targets/paxos/server/message_codec.h"

namespace {

void expect(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

// The batch a receiver would step, if `payload` is one, re-encoded.
void check_batch(std::string_view payload) {
  std::vector<faultline::paxos::Message> messages;
  if (!faultline::common::decode_batch(payload, &messages).is_ok()) return;
  expect(!messages.empty(), "a decoded batch has a message");
  std::string again;
  for (const auto& m : messages) {
    faultline::common::append_to_batch(&again, faultline::paxos::encode_message(m));
  }
  expect(again == payload, "a decoded batch re-encodes to its bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultline::common;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The input as the stream: frames until one is incomplete or bad.
  size_t offset = 0;
  std::string payload, error;
  while (offset < input.size()) {
    size_t used = 0;
    const FrameResult r = decode_frame(input.substr(offset), &payload, &used, &error);
    if (r != FrameResult::kFrame) {
      expect(r == FrameResult::kNeedMore || !error.empty(), "a bad frame says why");
      break;
    }
    expect(used > 0 && used <= input.size() - offset, "a frame lies within the input");
    std::string frame;
    append_frame(&frame, payload);
    expect(frame == input.substr(offset, used), "a decoded frame re-encodes to its bytes");
    check_batch(payload);
    offset += used;
  }
  // And the input as one frame's payload, which the fuzzer reaches far more
  // easily than a payload behind a valid checksum.
  check_batch(input);
  return 0;
}
