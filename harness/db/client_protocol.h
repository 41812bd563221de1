// How the workloads' clients talk to a deployed target (Deployment::protocol):
// the protocol and the choices a target makes in it. The clients themselves
// are the workloads' (workloads/kv_session.h).
#pragma once

#include <string>
#include <vector>

namespace faultline {

struct ClientProtocol {
  // kResp: RESP2 (workloads/resp_session.h) with the commands below.
  // kEtcdV3: etcd's v3 API through its JSON gateway (harness/db/etcd_http.h).
  enum class Kind { kResp, kEtcdV3 };
  Kind kind = Kind::kResp;
  // kEtcdV3: reads are serializable (served from the member's own state,
  // possibly stale) rather than linearizable (`--opt read=serializable`).
  bool serializable_reads = false;
  // kResp: the register's and counter's commands, as templates (harness/db/
  // template.h) of {key}, {value}, {expected}, {delta}. Replies: read a bulk
  // string or nil, write a simple string, cas :1 (swapped) or :0 (not), add
  // an integer. A target file may change them, or leave cas or add out
  // (empty): the workloads that need them are then refused.
  std::vector<std::string> read = {"GET", "{key}"};
  std::vector<std::string> write = {"SET", "{key}", "{value}"};
  std::vector<std::string> cas = {"CAS", "{key}", "{expected}", "{value}"};
  std::vector<std::string> add = {"INCRBY", "{key}", "{delta}"};

  bool has_cas() const { return kind == Kind::kEtcdV3 || !cas.empty(); }
  bool has_add() const { return kind == Kind::kEtcdV3 || !add.empty(); }
};

}  // namespace faultline
