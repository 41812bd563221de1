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
  // kHttpJson: one templated HTTP request per operation (http_read, ...).
  enum class Kind { kResp, kEtcdV3, kHttpJson };
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

  // kHttpJson: an operation's request, and how its answer reads. Templates
  // of {key}, {value}, {expected}, {delta} and {key_base64},
  // {value_base64}, {expected_base64} (RFC 4648). A 2xx answer is done; see
  // the fields for the other answers and workloads/http_json_session.h.
  struct HttpCall {
    std::string method;  // empty: the operation is not declared
    std::string path;    // with its query
    std::string body;    // empty: none
    // read: a JSON pointer to the value in the answer (missing or null: the
    // key is absent; a string holding a decimal integer counts as that
    // integer), base64-encoded if `base64`; and a status meaning "absent".
    std::string value;
    bool base64 = false;
    int absent_status = 0;
    // cas: a JSON pointer to a boolean saying whether it swapped (false or
    // missing: not), and/or a status meaning "not swapped" (no effect).
    std::string swapped;
    int kept_status = 0;
  };
  HttpCall http_read, http_write, http_cas, http_add;
  // kHttpJson: statuses meaning the request certainly had no effect (e.g.
  // 503 from a node that refuses before acting). Any other non-2xx answer
  // to a write, cas or add is an unknown outcome.
  std::vector<int> http_not_applied;

  bool has_cas() const {
    return kind == Kind::kEtcdV3 ||
           (kind == Kind::kHttpJson ? !http_cas.method.empty() : !cas.empty());
  }
  bool has_add() const {
    return kind == Kind::kEtcdV3 ||
           (kind == Kind::kHttpJson ? !http_add.method.empty() : !add.empty());
  }
};

}  // namespace faultline
