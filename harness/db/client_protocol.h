// How the workloads' clients talk to a deployed target (Deployment::protocol):
// the protocol and the choices a target's options make in it. The clients
// themselves are the workloads' (workloads/kv_session.h).
#pragma once

namespace faultline {

struct ClientProtocol {
  // kResp: RESP2 (GET, SET, CAS, INCRBY, ...; workloads/resp_session.h).
  // kEtcdV3: etcd's v3 API through its JSON gateway (harness/db/etcd_http.h).
  enum class Kind { kResp, kEtcdV3 };
  Kind kind = Kind::kResp;
  // kEtcdV3: reads are serializable (served from the member's own state,
  // possibly stale) rather than linearizable (`--opt read=serializable`).
  bool serializable_reads = false;
};

}  // namespace faultline
