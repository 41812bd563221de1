#include "harness/nodes/nodes_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/nodes/test_cluster.h"

namespace faultline {
namespace {

class NodesFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_test_root();
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `text` as nodes.toml and parses it.
  Status parse(const std::string& text, NodesFile* out) {
    path_ = dir_ + "/nodes.toml";
    std::ofstream(path_) << text;
    return parse_nodes_file(path_, out);
  }
  // Parses `text`, expecting a malformed-file error starting "path:line: " and holding `what`.
  void expect_error(const std::string& text, int line, const std::string& what) {
    NodesFile f;
    Status st = parse(text, &f);
    EXPECT_EQ(st.code(), Status::Code::kMalformed) << st.message();
    const std::string where = path_ + ":" + std::to_string(line) + ": ";
    EXPECT_EQ(st.message().rfind(where, 0), 0u) << st.message();
    EXPECT_NE(st.message().find(what), std::string::npos) << st.message();
  }

  std::string dir_, path_;
};

TEST_F(NodesFileTest, ParsesNodesWithDefaultsAndResolvesPaths) {
  NodesFile f;
  Status st = parse(
      "known_hosts = \"hosts/known\"\n"
      "[[node]]\nname = \"n1\"\nhost = \"vm1\"\nkey = \"keys/id\"\n"
      "[[node]]\nname = \"n2\"\nhost = \"vm2\"\nport = 2201\nuser = \"admin\"\n"
      "key = \"/abs/id\"\n"
      "[[node]]\nname = \"n3\"\nhost = \"vm3\"\nuser = \"admin\"\nkey = \"/abs/id\"\n"
      "sudo = false\n",
      &f);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(f.nodes.size(), 3u);
  EXPECT_EQ(f.known_hosts, dir_ + "/hosts/known");
  EXPECT_EQ(f.nodes[0].node, "n1");
  EXPECT_EQ(f.nodes[0].host, "vm1");
  EXPECT_EQ(f.nodes[0].port, 22);
  EXPECT_EQ(f.nodes[0].user, "root");
  EXPECT_EQ(f.nodes[0].key_file, dir_ + "/keys/id");
  EXPECT_FALSE(f.nodes[0].sudo);
  EXPECT_EQ(f.nodes[1].port, 2201);
  EXPECT_TRUE(f.nodes[1].sudo);  // not root: sudo unless told otherwise
  EXPECT_FALSE(f.nodes[2].sudo);
}

TEST_F(NodesFileTest, MissingFieldNamesTheNodeAndItsLine) {
  expect_error("[[node]]\nname = \"n1\"\nkey = \"k\"\n\n[[node]]\nname = \"n2\"\n", 1,
               "node 'n1' has no 'host'");
  expect_error("[[node]]\nname = \"n1\"\nhost = \"h\"\nkey = \"k\"\n[[node]]\nhost = \"h\"\n", 5,
               "[[node]] #2 has no 'name'");
}

TEST_F(NodesFileTest, BadTypesPointAtTheValue) {
  expect_error("[[node]]\nname = \"n1\"\nhost = \"h\"\nkey = \"k\"\nport = \"22\"\n", 5,
               "'port' must be an integer 1..65535");
  expect_error("[[node]]\nname = \"n1\"\nhost = \"h\"\nkey = \"k\"\nport = 70000\n", 5,
               "'port' must be an integer");
  expect_error("[[node]]\nname = \"n1\"\nhost = 7\nkey = \"k\"\n", 3,
               "'host' must be a non-empty string");
  expect_error("[[node]]\nname = \"n1\"\nhost = \"h\"\nkey = \"k\"\nsudo = \"yes\"\n", 5,
               "'sudo' must be true or false");
}

TEST_F(NodesFileTest, UnknownFieldsDuplicatesAndSyntaxErrorsAreReported) {
  expect_error("[[node]]\nname = \"n1\"\nhots = \"h\"\n", 3, "unknown field 'hots'");
  expect_error("nodes = 1\n", 1, "unknown top-level field 'nodes'");
  expect_error(
      "[[node]]\nname = \"a\"\nhost = \"h\"\nkey = \"k\"\n"
      "[[node]]\nname = \"a\"\nhost = \"h\"\nkey = \"k\"\n",
      5, "node 'a' is listed twice");
  expect_error("[[node]]\nname = \"n1\n", 2, "");
  expect_error("known_hosts = \"k\"\n", 1, "no [[node]] tables");
  expect_error("node = 3\n", 1, "written [[node]]");
}

TEST_F(NodesFileTest, MissingFileIsAnIoError) {
  NodesFile f;
  Status st = parse_nodes_file(dir_ + "/absent.toml", &f);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("absent.toml"), std::string::npos);
}

}  // namespace
}  // namespace faultline
