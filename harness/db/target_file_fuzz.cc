// libFuzzer target for target files (harness/db/target_file.h): arbitrary
// bytes as a TOML file. On any input: the parser never crashes; what it
// accepts has the invariants the deployment relies on (a name, an absolute
// dir and program, a port in range, read and write commands for RESP), and
// expanding its placeholders for a node never crashes either. A violation
// aborts, which libFuzzer reports. scripts/fuzz.sh builds and runs it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/db/target_file.h"
#include "harness/db/template.h"

namespace {

void expect(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultline;
  toml::table root;
  try {
    root = toml::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const toml::parse_error&) {
    return 0;
  }
  const toml::node* target = root.get("target");
  if (target == nullptr || !target->is_table()) return 0;
  TargetFile f;
  if (!parse_target_table(*target->as_table(), "fuzz.toml", &f).is_ok()) return 0;
  expect(!f.name.empty() && f.dir.starts_with("/"), "name and absolute dir");
  expect(!f.start.empty() && f.start[0].starts_with("/"), "absolute program");
  expect(f.port >= 1 && f.port <= 65535, "port in range");
  expect(f.protocol.kind != ClientProtocol::Kind::kResp ||
             (!f.protocol.read.empty() && !f.protocol.write.empty()),
         "resp read and write");
  const auto values = node_values(f, {{"n1", "10.0.0.11"}, {"n2", "10.0.0.12"}}, 1, {});
  for (const std::string& arg : f.start) expand_template(arg, values);
  for (const std::string& command : f.setup) expand_template(command, values);
  // http-json: the options bound, every operation's request made.
  const ClientProtocol p = bind_protocol(f, {});
  expect(p.kind != ClientProtocol::Kind::kHttpJson ||
             (!p.http_read.method.empty() && !p.http_write.method.empty()),
         "http-json read and write");
  for (const ClientProtocol::HttpCall* c :
       {&p.http_read, &p.http_write, &p.http_cas, &p.http_add}) {
    expand_template(c->path, {{"key", "k"}});
    expand_template(c->body, {{"key", "k"}, {"value", "1"}});
  }
  return 0;
}
