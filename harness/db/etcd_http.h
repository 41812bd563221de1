// EtcdConnection: etcd's v3 API through its JSON gateway (grpc-gateway, served
// on the client port: POST /v3/kv/range, /v3/kv/put, /v3/kv/txn,
// /v3/maintenance/status), over one HTTP/1.1 keep-alive connection
// (HttpClient) whose every step honours the caller's deadline.
//
// Why the gateway and not gRPC: Debian packages libgrpc++ and protobuf, but
// not etcd's .proto files (they live in the Go source tree, with gogoproto
// annotations that protoc cannot compile without the Go tree), so the C++
// stubs cannot be built from Debian packages alone. The gateway is part of
// every etcd 3.4 server, speaks the same v3 messages as JSON (bytes fields in
// base64, 64-bit integers as strings) and reaches the same server code, so
// what a client sees is what a gRPC client would see (docs/targets.md).
//
// Used by EtcdDb (readiness, primaries) and the workloads' etcd client.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "harness/db/http_client.h"

namespace faultline {

// The outcome of one call, sorted as the history needs it: kOk (a 200 answer,
// in `body`), kNotApplied (certainly no effect: nothing was sent, or etcd
// refused the request before acting on it), kUnknown (sent, then no answer or
// an error that may hide an effect, e.g. "etcdserver: request timed out").
struct EtcdReply {
  enum class Kind { kOk, kNotApplied, kUnknown };
  Kind kind = Kind::kOk;
  nlohmann::json body;
  std::string error;      // otherwise: why
  bool answered = false;  // the server answered (200 or an error), the connection works
};

// Whether an error answer of the gateway means the request had no effect: a
// malformed request (gRPC code 3, InvalidArgument), one refused before it was
// proposed (code 8, "etcdserver: too many requests"), or an HTTP error that
// is not etcd's (no JSON "code"). Anything else may have been applied.
bool etcd_error_means_not_applied(int http_status, const nlohmann::json& body);

class EtcdConnection {
 public:
  using Clock = std::chrono::steady_clock;

  // POSTs `request` as JSON to `path` on host:port, connecting (or
  // reconnecting, when the open connection goes elsewhere or was closed by the
  // server) first. Any failure closes the connection.
  EtcdReply post(const std::string& host, int port, std::string_view path,
                 const nlohmann::json& request, Clock::time_point deadline);
  void close() { client_.close(); }

 private:
  HttpClient client_;
};

// Base64 (RFC 4648, padded), as the gateway encodes bytes fields.
std::string base64_encode(std::string_view bytes);
// False on input that is not padded base64.
bool base64_decode(std::string_view text, std::string* bytes);

// One member's view from /v3/maintenance/status: its id and its leader's
// (both decimal strings; the leader is "0" while it knows none).
struct EtcdStatus {
  std::string member_id;
  std::string leader;
};
Status etcd_status(const std::string& host, int port, std::chrono::milliseconds timeout,
                   EtcdStatus* out);

}  // namespace faultline
