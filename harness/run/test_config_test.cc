#include "harness/run/test_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace faultline {
namespace {

std::string write_file(const std::string& text) {
  const std::string path = std::filesystem::temp_directory_path() /
                           ("faultline-test-config-" + std::to_string(getpid()) + ".toml");
  std::ofstream(path) << text;
  return path;
}

TEST(TestConfigTest, ReadsEveryKindOfField) {
  const std::string path = write_file(
      "name = \"nightly\"\n"
      "workload = \"set\"\n"
      "nemesis = \"partition:isolate-leader,clock\"\n"
      "nemesis-hold = \"clock\"\n"
      "concurrency = 6\n"
      "rate = 50.5\n"
      "time-limit = 20\n"
      "seed = 42\n"
      "keep-cluster = true\n"
      "[opt]\n"
      "unsafe-failpoint = \"stale-read\"\n"
      "election-ms = 500\n"
      "[nemesis_opt]\n"
      "bump-s = 5\n");
  TestConfig c;
  Status st = read_test_file(path, &c);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(c.test_name(), "nightly");
  EXPECT_EQ(c.workload, "set");
  EXPECT_EQ(c.nemesis_kinds(), (std::vector<std::string>{"partition:isolate-leader", "clock"}));
  EXPECT_EQ(c.held_kinds(), std::vector<std::string>{"clock"});
  EXPECT_EQ(c.concurrency, 6);
  EXPECT_DOUBLE_EQ(c.rate, 50.5);
  EXPECT_DOUBLE_EQ(c.time_limit_s, 20);
  EXPECT_EQ(c.seed, 42u);
  EXPECT_TRUE(c.seed_given);
  EXPECT_TRUE(c.keep_cluster);
  EXPECT_EQ(c.opts.at("unsafe-failpoint"), "stale-read");
  EXPECT_EQ(c.opts.at("election-ms"), "500");
  EXPECT_EQ(c.nemesis_opts.at("bump-s"), "5");
  std::filesystem::remove(path);
}

TEST(TestConfigTest, ErrorsNameTheLine) {
  struct Case {
    const char* text;
    const char* expected;
  } cases[] = {
      {"target = \"raftkv\"\nconcurency = 3\n", ":2: unknown key 'concurency'"},
      {"\n\nconcurrency = 0\n", ":3: concurrency = 0: expected a number from 1 to 1000"},
      {"rate = \"fast\"\n", ":1: rate = fast: expected a number"},
      {"keep-cluster = 1\n", ":1: keep-cluster = 1: expected true or false"},
      {"opt = 3\n", ":1: 'opt' must be a table"},
      {"[nemesis_opt]\nbump-s = [5]\n", ":2: nemesis_opt.bump-s: expected a string"},
      {"name = [1, 2]\n", ":1: name: expected a string, number or boolean"},
      {"name = \"x\n", ":1:"},
      {"workload = \"set\"\n[target]\nname = \"kv\"\n", ":2: target needs 'dir'"},
      {"target-file = \"no-such-target.toml\"\n", ":1: cannot read target file"},
  };
  for (const Case& c : cases) {
    const std::string path = write_file(c.text);
    TestConfig config;
    Status st = read_test_file(path, &config);
    EXPECT_EQ(st.code(), Status::Code::kMalformed) << c.text;
    EXPECT_NE(st.message().find(path + c.expected), std::string::npos)
        << c.text << " -> " << st.message();
    std::filesystem::remove(path);
  }
  TestConfig config;
  EXPECT_EQ(read_test_file("/nonexistent/x.toml", &config).code(), Status::Code::kIoError);
}

// A [target] table defines the target in the test file itself; a
// target-file is found next to the test file; setting target clears both.
TEST(TestConfigTest, TargetTableAndTargetFile) {
  const std::string path = write_file(
      "workload = \"counter\"\n"
      "[target]\n"
      "name = \"kv\"\n"
      "dir = \"/root/kv\"\n"
      "port = 7000\n"
      "start = [\"kv\"]\n"
      "[target.protocol]\n"
      "kind = \"etcd-v3\"\n");
  TestConfig c;
  Status st = read_test_file(path, &c);
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(c.target, "kv");
  EXPECT_EQ(c.target_file, path);
  ASSERT_NE(c.target_def, nullptr);
  EXPECT_EQ(c.target_def->protocol.kind, ClientProtocol::Kind::kEtcdV3);
  EXPECT_EQ(c.test_name(), "kv-counter-partition+kill");
  for (const ConfigField& f : config_fields()) {
    if (std::string(f.name) == "target") {
      ASSERT_TRUE(f.set(&c, "etcd").is_ok());
    }
  }
  EXPECT_EQ(c.target, "etcd");
  EXPECT_EQ(c.target_def, nullptr);
  EXPECT_TRUE(c.target_file.empty());
  std::filesystem::remove(path);

  const std::string test = write_file("target-file = \"raftkv.toml\"\n");
  const std::string target = std::filesystem::path(test).parent_path() / "raftkv.toml";
  std::filesystem::copy_file(FAULTLINE_EXAMPLES_DIR "/targets/raftkv.toml", target,
                             std::filesystem::copy_options::overwrite_existing);
  TestConfig t;
  st = read_test_file(test, &t);
  EXPECT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(t.target, "raftkv-config");
  EXPECT_EQ(t.target_file, target);
  std::filesystem::remove(test);
  std::filesystem::remove(target);
}

TEST(TestConfigTest, DefaultsAreTheMainJob) {
  TestConfig c;
  EXPECT_EQ(c.target, "raftkv");
  EXPECT_EQ(c.workload, "register");
  EXPECT_EQ(c.nemesis_kinds(), (std::vector<std::string>{"partition", "kill"}));
  EXPECT_EQ(c.nodes, 5);
  EXPECT_DOUBLE_EQ(c.time_limit_s, 60);
  EXPECT_EQ(c.test_name(), "raftkv-register-partition+kill");
  EXPECT_TRUE(validate(c).is_ok());
}

TEST(TestConfigTest, FieldsSetFromFlagText) {
  TestConfig c;
  for (const ConfigField& f : config_fields()) {
    const std::string name = f.name;
    if (name == "nemesis") {
      ASSERT_TRUE(f.set(&c, "none").is_ok());
    } else if (name == "seed") {
      ASSERT_TRUE(f.set(&c, "18446744073709551615").is_ok());
    } else if (name == "nodes") {
      EXPECT_FALSE(f.set(&c, "3x").is_ok());
    }
  }
  EXPECT_TRUE(c.nemesis_kinds().empty());
  EXPECT_EQ(c.seed, UINT64_MAX);
  EXPECT_EQ(c.nodes, 5);
  c.nemesis = ",";
  EXPECT_FALSE(validate(c).is_ok());
}

}  // namespace
}  // namespace faultline
