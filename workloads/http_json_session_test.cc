// HttpJsonKvSession's reading of answers, against a scripted HTTP server on
// 127.0.0.1 (a real socket, real HTTP/1.1): what each status means for the
// history, JSON pointers, base64, percent-encoded paths, bodies from the
// templates, and a node that does not answer. The live test against etcd
// is in etcd_session_test.cc.
#include "workloads/http_json_session.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <thread>

#include "tests/support/local_servers.h"

namespace faultline {
namespace {

using std::chrono::milliseconds;
using Kind = KvOutcome::Kind;

// Answers each request on 127.0.0.1 with the next scripted (status, body)
// and records the requests (request line and body).
class ScriptedHttpServer {
 public:
  explicit ScriptedHttpServer(std::vector<std::pair<int, std::string>> answers)
      : answers_(std::move(answers)) {
    fd_ = listening_socket(&port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedHttpServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    size_t next = 0;
    while (next < answers_.size()) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string in;
      char buf[4096];
      // Requests on this connection, one answer each, until it closes.
      while (next < answers_.size()) {
        size_t head_end;
        while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
          const ssize_t n = read(c, buf, sizeof buf);
          if (n <= 0) break;
          in.append(buf, static_cast<size_t>(n));
        }
        if (head_end == std::string::npos) break;
        size_t length = 0;
        const size_t cl = in.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) length = std::stoul(in.substr(cl + 16));
        while (in.size() < head_end + 4 + length) {
          const ssize_t n = read(c, buf, sizeof buf);
          if (n <= 0) break;
          in.append(buf, static_cast<size_t>(n));
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back(in.substr(0, in.find("\r\n")) + " " +
                              in.substr(head_end + 4, length));
        }
        in.erase(0, head_end + 4 + length);
        const auto& [status, body] = answers_[next++];
        const std::string out = "HTTP/1.1 " + std::to_string(status) +
                                " X\r\nContent-Length: " + std::to_string(body.size()) +
                                "\r\n\r\n" + body;
        if (write(c, out.data(), out.size()) < 0) break;
      }
      close(c);
    }
  }

  std::vector<std::pair<int, std::string>> answers_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

ClientContext context_for(int port) {
  ClientContext c;
  c.nodes = {{"n1", "127.0.0.1", port}};
  return c;
}

KvSession::Clock::time_point soon() { return KvSession::Clock::now() + milliseconds(2000); }

ClientProtocol protocol() {
  ClientProtocol p;
  p.kind = ClientProtocol::Kind::kHttpJson;
  p.http_read = {"GET", "/kv/{key}", "", "/node/value", false, 404, "", 0};
  p.http_write = {"PUT", "/kv/{key}", "{{\"value\": {value}}}", "", false, 0, "", 0};
  p.http_cas = {"POST", "/cas/{key}", "{{\"from\": {expected}, \"to\": \"{value_base64}\"}}",
                "",     false,        0,
                "",     412};
  p.http_add = {"POST", "/add/{key}?by={delta}", "", "", false, 0, "", 0};
  p.http_not_applied = {503};
  return p;
}

TEST(HttpJsonSession, AnswersBecomeOutcomes) {
  ScriptedHttpServer server({{200, R"({"node": {"value": "12"}})"},
                             {404, "no such key"},
                             {200, R"({"node": {"value": 7}})"},
                             {200, R"({"node": {}})"},
                             {200, "not json"},
                             {500, "boom"},
                             {204, ""},
                             {503, "not leader"},
                             {500, "boom"},
                             {200, "{}"},
                             {412, "changed"},
                             {409, "conflict"},
                             {200, ""}});
  HttpJsonKvSession s(context_for(server.port()), protocol());
  KvOutcome o = s.read("register:1", soon());
  ASSERT_EQ(o.kind, Kind::kOk) << o.error;
  EXPECT_EQ(o.value, 12);  // a decimal string is the integer
  EXPECT_EQ(o.node, "n1");
  o = s.read("register:1", soon());  // absent-status
  ASSERT_EQ(o.kind, Kind::kOk) << o.error;
  EXPECT_TRUE(o.value.is_null());
  EXPECT_EQ(s.read("k", soon()).value, 7);
  o = s.read("k", soon());  // pointer not there: absent
  EXPECT_EQ(o.kind, Kind::kOk);
  EXPECT_TRUE(o.value.is_null());
  EXPECT_EQ(s.read("k", soon()).kind, Kind::kNotApplied);  // not JSON: a read changed nothing
  EXPECT_EQ(s.read("k", soon()).kind, Kind::kNotApplied);  // 500 on a read
  EXPECT_EQ(s.write("k", 5, soon()).kind, Kind::kOk);      // any 2xx
  o = s.write("k", 5, soon());
  EXPECT_EQ(o.kind, Kind::kNotApplied);  // 503 is listed as not applied
  EXPECT_NE(o.error.find("HTTP 503: not leader"), std::string::npos) << o.error;
  EXPECT_EQ(s.write("k", 5, soon()).kind, Kind::kUnknown);  // 500 may hide an effect
  EXPECT_EQ(s.cas("k", 1, 2, soon()).value, true);          // 2xx, no swapped pointer
  o = s.cas("k", 1, 2, soon());                             // kept-status
  ASSERT_EQ(o.kind, Kind::kOk) << o.error;
  EXPECT_EQ(o.value, false);
  EXPECT_EQ(s.cas("k", 1, 2, soon()).kind, Kind::kUnknown);  // another status
  EXPECT_EQ(s.add("counter", -3, soon()).kind, Kind::kOk);
  const std::vector<std::string> r = server.requests();
  ASSERT_EQ(r.size(), 13u);
  EXPECT_EQ(r[0], "GET /kv/register%3A1 HTTP/1.1 ");
  EXPECT_EQ(r[6], "PUT /kv/k HTTP/1.1 {\"value\": 5}");
  EXPECT_EQ(r[9], "POST /cas/k HTTP/1.1 {\"from\": 1, \"to\": \"Mg==\"}");
  EXPECT_EQ(r[12], "POST /add/counter?by=-3 HTTP/1.1 ");
}

TEST(HttpJsonSession, SwappedPointerAndBase64Values) {
  ScriptedHttpServer server({{200, R"({"kvs": [{"value": "NDI="}]})"},
                             {200, R"({"kvs": [{"value": "%%%"}]})"},
                             {200, R"({"succeeded": true})"},
                             {200, R"({"header": {}})"},
                             {200, R"({"succeeded": "yes"})"}});
  ClientProtocol p = protocol();
  p.http_read.value = "/kvs/0/value";
  p.http_read.base64 = true;
  p.http_cas.swapped = "/succeeded";
  HttpJsonKvSession s(context_for(server.port()), p);
  EXPECT_EQ(s.read("k", soon()).value, 42);
  EXPECT_EQ(s.read("k", soon()).kind, Kind::kNotApplied);  // not base64
  EXPECT_EQ(s.cas("k", 1, 2, soon()).value, true);
  KvOutcome o = s.cas("k", 1, 2, soon());  // missing: not swapped (etcd leaves false out)
  ASSERT_EQ(o.kind, Kind::kOk) << o.error;
  EXPECT_EQ(o.value, false);
  EXPECT_EQ(s.cas("k", 1, 2, soon()).kind, Kind::kUnknown);  // not a boolean
}

TEST(HttpJsonSession, NodeThatDoesNotAnswer) {
  ClientContext c = context_for(free_port());  // refused: nothing was sent
  HttpJsonKvSession refused(c, protocol());
  EXPECT_EQ(refused.write("k", 1, soon()).kind, Kind::kNotApplied);
  // Listening, never accepting: the request is sent, no answer comes.
  uint16_t port = 0;
  const int fd = listening_socket(&port);
  HttpJsonKvSession silent(context_for(port), protocol());
  const auto deadline = KvSession::Clock::now() + milliseconds(300);
  EXPECT_EQ(silent.write("k", 1, deadline).kind, Kind::kUnknown);
  EXPECT_EQ(silent.read("k", KvSession::Clock::now() + milliseconds(300)).kind, Kind::kNotApplied);
  close(fd);
}

TEST(HttpJsonSession, PercentEncoding) {
  EXPECT_EQ(percent_encode("register:7"), "register%3A7");
  EXPECT_EQ(percent_encode("a b/c~d-e_f.g"), "a%20b%2Fc~d-e_f.g");
  EXPECT_EQ(percent_encode(""), "");
}

}  // namespace
}  // namespace faultline
