// Target files (harness/db/target_file.h): the shipped examples read, their
// placeholders expand per node, and every kind of mistake is an error with
// the file's line, before anything could be deployed. Templates alone too.
#include "harness/db/target_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness/db/template.h"

namespace faultline {
namespace {

const std::string kExamples = FAULTLINE_EXAMPLES_DIR;

std::string write_file(const std::string& text) {
  const std::string path = std::filesystem::temp_directory_path() /
                           ("faultline-target-file-" + std::to_string(getpid()) + ".toml");
  std::ofstream(path) << text;
  return path;
}

// A valid file's lines with line `line` (1-based) replaced by `text`: the
// parse must fail naming that line, `why` following path:line.
struct Case {
  size_t line;
  std::string text;
  std::string why;
};

void expect_error(const std::vector<std::string>& good, const Case& c) {
  std::string text;
  for (size_t i = 0; i < good.size(); ++i) text += (i + 1 == c.line ? c.text : good[i]) + "\n";
  const std::string path = write_file(text);
  TargetFile f;
  const Status st = parse_target_file(path, &f);
  EXPECT_EQ(st.code(), Status::Code::kMalformed) << c.text;
  EXPECT_NE(st.message().find(path + c.why), std::string::npos)
      << "line " << c.line << " = " << c.text << ": " << st.message();
}

TEST(Template, ChecksNamesAndBraces) {
  std::set<std::string> used;
  EXPECT_TRUE(template_names("{a}-{b}{{x}}", {"a", "b"}, &used).is_ok());
  EXPECT_EQ(used, (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(expand_template("{a}-{b}{{x}}", {{"a", "1"}, {"b", "2"}}), "1-2{x}");
  for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
           {"{c}", "unknown placeholder {c} (known here: {a}, {b})"},
           {"x{a", "unmatched '{' at 2"},
           {"a}", "unmatched '}' at 2"},
           {"{}", "expected a placeholder name"}}) {
    const Status st = template_names(text, {"a", "b"});
    EXPECT_NE(st.message().find(why), std::string::npos) << text << ": " << st.message();
  }
}

TEST(Template, BindKeepsTheRestATemplate) {
  // An option bound now (with braces of its own), {key} left for later.
  const std::string bound = bind_template("{{\"k\": \"{key}\", \"o\": {opt}}}", {{"opt", "{}"}});
  EXPECT_EQ(bound, "{{\"k\": \"{key}\", \"o\": {{}}}}");
  EXPECT_EQ(expand_template(bound, {{"key", "a"}}), "{\"k\": \"a\", \"o\": {}}");
}

TEST(TargetFile, HttpJsonExampleAndOptionsBound) {
  TargetFile f;
  const Status st = parse_target_file(FAULTLINE_EXAMPLES_DIR "/targets/etcd-http.toml", &f);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(f.protocol.kind, ClientProtocol::Kind::kHttpJson);
  EXPECT_TRUE(f.protocol.has_cas());
  EXPECT_FALSE(f.protocol.has_add());
  EXPECT_EQ(f.protocol.http_not_applied, (std::vector<int>{400, 429}));
  EXPECT_EQ(f.protocol.http_read.value, "/kvs/0/value");
  EXPECT_TRUE(f.protocol.http_read.base64);
  EXPECT_EQ(f.protocol.http_cas.swapped, "/succeeded");
  const ClientProtocol p = bind_protocol(f, {{"serializable", "true"}});
  EXPECT_EQ(expand_template(p.http_read.body, {{"key_base64", "eA=="}}),
            "{\"key\": \"eA==\", \"serializable\": true}");
  EXPECT_EQ(expand_template(bind_protocol(f, {}).http_read.body, {{"key_base64", "eA=="}}),
            "{\"key\": \"eA==\", \"serializable\": false}");
}

// An http-json file with one line replaced: each mistake names its line.
TEST(TargetFile, HttpJsonErrorsNameTheLine) {
  const std::vector<std::string> good = {
      "[target]",                                                                         // 1
      "name = \"kv\"",                                                                    // 2
      "dir = \"/root/kv\"",                                                               // 3
      "port = 8080",                                                                      // 4
      "start = [\"kv\"]",                                                                 // 5
      "[target.protocol]",                                                                // 6
      "kind = \"http-json\"",                                                             // 7
      "not-applied = [503]",                                                              // 8
      "read = { method = \"GET\", path = \"/kv/{key}\", value = \"/v\" }",                // 9
      "write = { method = \"PUT\", path = \"/kv/{key}\", body = '{{\"v\": {value}}}' }",  // 10
      "cas = { method = \"POST\", path = \"/cas/{key}\", kept-status = 412 }",            // 11
  };
  for (const Case& c : std::vector<Case>{
           {7, "kind = \"grpc\"",
            ":7: target.protocol.kind = 'grpc': expected resp, etcd-v3 or http-json"},
           {8, "not-applied = [99]", ":8: target.protocol.not-applied: expected statuses 100..599"},
           {8, "timeout = 3", ":8: unknown key 'timeout' in target.protocol (http-json)"},
           {9, "", ":6: target.protocol needs 'read'"},
           {9, "read = { method = \"GET\", path = \"/kv/{key}\" }",
            ":9: target.protocol.read needs 'value'"},
           {9, "read = { method = \"FETCH\", path = \"/\", value = \"/v\" }",
            ":9: target.protocol.read.method = 'FETCH'"},
           {9, "read = { method = \"GET\", path = \"kv\", value = \"/v\" }",
            ":9: target.protocol.read.path must start with '/'"},
           {9, "read = { method = \"GET\", path = \"/{value}\", value = \"/v\" }",
            ":9: '/{value}': unknown placeholder {value}"},
           {9, "read = { method = \"GET\", path = \"/\", value = \"v\" }",
            ":9: target.protocol.read.value = 'v': expected a JSON pointer"},
           {9, "read = { method = \"GET\", path = \"/\", value = \"/v\", swapped = \"/s\" }",
            ":9: unknown key 'swapped' in target.protocol.read"},
           {10, "write = { method = \"PUT\", path = \"/\", body = '{{\"v\": {value}' }",
            ":10: target.protocol.write.body is not JSON once expanded"},
           {10, "write = { method = \"PUT\", path = \"/\", body = '{\"v\": 1}' }",
            ":10: '{\"v\": 1}': unknown placeholder"},
           {10, "write = [\"PUT\"]", ":10: target.protocol.write must be a table"},
           {11, "cas = { method = \"POST\", path = \"/cas/{key}\" }",
            ":11: target.protocol.cas needs 'swapped'"},
           {11, "cas = { method = \"POST\", path = \"/\", kept-status = 1000 }",
            ":11: target.protocol.cas.kept-status: expected a status 100..599"},
       })
    expect_error(good, c);
  std::string text;
  for (const std::string& line : good) text += line + "\n";
  TargetFile f;
  const Status st = parse_target_file(write_file(text), &f);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_TRUE(f.protocol.has_cas());
  EXPECT_EQ(f.protocol.http_cas.kept_status, 412);
}

TEST(TargetFile, RaftkvExampleReadsAndExpandsPerNode) {
  TargetFile f;
  const Status st = parse_target_file(kExamples + "/targets/raftkv.toml", &f);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(f.name, "raftkv-config");
  EXPECT_EQ(f.port, 7000);
  EXPECT_EQ(f.start[0], "/root/raftkv-config/faultline-raftkv");
  ASSERT_EQ(f.uploads.size(), 1u);
  EXPECT_EQ(f.uploads[0].remote, "/root/raftkv-config/faultline-raftkv");
  EXPECT_TRUE(f.uploads[0].local.ends_with("/build/targets/raftkv/faultline-raftkv"));
  EXPECT_EQ(f.primary, TargetFile::Probe::kRespInfo);
  EXPECT_EQ(f.primary_info, "role:leader");
  EXPECT_TRUE(f.protocol.has_cas());
  const auto v =
      node_values(f, {{"n1", "10.0.0.11"}, {"n2", "10.0.0.12"}}, 1, {{"election-ms", "500"}});
  EXPECT_EQ(v.at("peers"), "1=10.0.0.11:7100,2=10.0.0.12:7100");
  EXPECT_EQ(v.at("index"), "2");
  EXPECT_EQ(v.at("host"), "10.0.0.12");
  EXPECT_EQ(v.at("data_dir"), "/root/raftkv-config/data");
  EXPECT_EQ(v.at("election-ms"), "500");
  EXPECT_EQ(v.at("heartbeat-ms"), "100");
  EXPECT_EQ(v.at("nodes"), "n1,n2");
}

TEST(TargetFile, RedisExampleHasCasAsAScript) {
  TargetFile f;
  const Status st = parse_target_file(kExamples + "/targets/redis.toml", &f);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(f.start[0], "/usr/bin/redis-server");
  EXPECT_EQ(f.protocol.cas[0], "EVAL");
  EXPECT_TRUE(f.uploads.empty());
  EXPECT_EQ(f.stop, "redis-cli -h {host} -p {port} shutdown");
}

TEST(TargetFile, EtcdProtocolAndCommandProbes) {
  TargetFile f;
  const Status st = parse_target_file(write_file(R"([target]
name = "etcd"
dir = "/root/e"
port = 2379
start = ["/usr/bin/etcd", "--name", "{node}", "--initial-cluster", "{cluster}"]
ready = { command = "test -e {data_dir}" }
primary = "etcd-status"
[target.lists]
cluster = "{node}=http://{host}:2380"
[target.protocol]
kind = "etcd-v3"
serializable-reads = true
)"),
                                      &f);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(f.protocol.kind, ClientProtocol::Kind::kEtcdV3);
  EXPECT_TRUE(f.protocol.serializable_reads);
  EXPECT_EQ(f.ready, TargetFile::Probe::kCommand);
  EXPECT_EQ(f.primary, TargetFile::Probe::kEtcdStatus);
}

// A valid file with one line replaced: each mistake names its line.
TEST(TargetFile, ErrorsNameTheLine) {
  const std::vector<std::string> good = {
      "[target]",                                    // 1
      "name = \"kv\"",                               // 2
      "dir = \"/root/kv\"",                          // 3
      "port = 7000",                                 // 4
      "start = [\"kv\", \"--peers\", \"{peers}\"]",  // 5
      "ready = \"resp-ping\"",                       // 6
      "[target.lists]",                              // 7
      "peers = \"{host}:7100\"",                     // 8
      "[target.protocol]",                           // 9
      "kind = \"resp\"",                             // 10
      "read = [\"GET\", \"{key}\"]",                 // 11
      "write = [\"SET\", \"{key}\", \"{value}\"]",   // 12
  };
  for (const Case& c : std::vector<Case>{
           {2, "nme = \"kv\"", ":2: unknown key 'nme' in [target]"},
           {2, "name = \"k v\"", ":2: target.name = 'k v'"},
           {3, "dir = \"kv\"", ":3: target.dir must be an absolute path"},
           {4, "port = 70000", ":4: target.port must be an integer 1..65535"},
           {4, "", ":1: target needs 'port'"},
           {5, "start = [\"kv\", \"{peer}\"]", ":5: '{peer}': unknown placeholder {peer}"},
           {5, "start = [\"{dir}/kv\"]", ":5: target.start[0], the program, takes no placeholders"},
           {5, "start = \"kv\"", ":5: target.start must be an array of strings"},
           {6, "ready = \"ping\"", ":6: target.ready = 'ping': expected resp-ping, etcd-status"},
           {6, "stop = \"kill {pid}\"", ":6: 'kill {pid}': unknown placeholder {pid}"},
           {8, "peers = \"{key}\"", ":8: '{key}': unknown placeholder {key}"},
           {8, "node = \"{host}\"", ":8: target.lists: 'node' cannot name a placeholder"},
           {10, "kind = \"grpc\"", ":10: target.protocol.kind = 'grpc': expected resp, etcd-v3"},
           {11, "read = [\"GET\", \"{value}\"]", ":11: '{value}': unknown placeholder {value}"},
           {12, "", ":9: target.protocol needs 'write'"},
           {12, "write = [\"SET\", \"{key\"]", ":12: '{key': unmatched '{' at 1"},
           {12, "writ = []", ":12: unknown key 'writ' in target.protocol (resp)"},
       })
    expect_error(good, c);
  TargetFile f;
  EXPECT_EQ(parse_target_file("/nonexistent/t.toml", &f).code(), Status::Code::kIoError);
  const Status st = parse_target_file(write_file("workload = \"set\"\n"), &f);
  EXPECT_NE(st.message().find(":1: unknown key 'workload' in a target file"), std::string::npos)
      << st.message();
}

}  // namespace
}  // namespace faultline
