// HttpJsonKvSession: the KvSession of config-defined targets whose protocol
// is `http-json` (docs/targets.md): each operation is one HTTP request made
// from the target file's templates (ClientProtocol::HttpCall), its answer
// read with a JSON pointer. No redirects: like EtcdKvSession it stays on its
// thread's node and moves on only when a node does not answer.
//
// How an answer becomes the history's outcome:
//   not sent (no connection)                 fail (no effect)
//   sent, no answer (timeout, reset)         info, but fail for a read
//   2xx                                      ok (read: the value at the pointer;
//                                            cas: the boolean at `swapped`)
//   read's absent-status                     ok, null
//   cas's kept-status                        ok, false (not swapped)
//   a status listed in not-applied           fail
//   any other status                         info, but fail for a read
// Values in paths are percent-encoded; in bodies they are inserted as they
// are (keys are register:N and counter, values decimal integers).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/db/http_client.h"
#include "workloads/kv_session.h"

namespace faultline {

class HttpJsonKvSession : public KvSession {
 public:
  HttpJsonKvSession(const ClientContext& context, const ClientProtocol& protocol)
      : nodes_(context), protocol_(protocol) {}
  KvOutcome read(const std::string& key, Clock::time_point deadline) override;
  KvOutcome write(const std::string& key, int64_t value, Clock::time_point deadline) override;
  KvOutcome cas(const std::string& key, int64_t expected, int64_t value,
                Clock::time_point deadline) override;
  KvOutcome add(const std::string& key, int64_t delta, Clock::time_point deadline) override;

 private:
  // Sends `call` with `values`; an ok outcome leaves the status and the JSON
  // answer (null when the body is empty, discarded when it is not JSON) in
  // *status and *body.
  // `accepted` is a non-2xx status the caller reads itself (absent, kept).
  KvOutcome send(const ClientProtocol::HttpCall& call,
                 const std::map<std::string, std::string>& values, bool read_only, int accepted,
                 Clock::time_point deadline, int* status, nlohmann::json* body);

  NodeCursor nodes_;
  ClientProtocol protocol_;
  HttpClient client_;
};

// `text` percent-encoded as a path segment (RFC 3986: all but A-Z a-z 0-9 - . _ ~).
std::string percent_encode(const std::string& text);

}  // namespace faultline
