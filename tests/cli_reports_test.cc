// End-to-end tests of `faultline runs`, `faultline report` and `faultline
// serve` on a store made by `faultline check --db` plus a test run whose row
// points at a copy of the fixture run directory (reports/testdata/store/).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/cli_support.h"

namespace {

using namespace cli_support;

const std::string kFaultline = FAULTLINE_BIN;
const fs::path kExamples = FAULTLINE_EXAMPLES_DIR;
const fs::path kRunFixture =
    fs::path(FAULTLINE_REPORTS_TESTDATA) / "store/raftkv-register/20261126T113300Z";

void exec_sql(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
  sqlite3_free(error);
  sqlite3_close(db);
}

// "GET `path`" on 127.0.0.1:`port`: the status line's code and the whole response.
std::pair<int, std::string> http_get(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return {-1, ""};
  }
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[65536];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, n);
  close(fd);
  std::smatch m;
  if (!std::regex_search(response, m, std::regex("^HTTP/1\\.1 (\\d{3})"))) return {0, response};
  return {std::stoi(m[1]), response};
}

class cli_reports : public testing::Test {
 protected:
  // The store: two checks (valid, then invalid) and the fixture's test run,
  // recorded last, whose directory is a copy the test may write into.
  void SetUp() override {
    db_ = tmp_.path() / "store" / "faultline.db";
    run_dir_ = tmp_.path() / "store" / "raftkv-register" / "20261126T113300Z";
    fs::create_directories(run_dir_.parent_path());
    fs::copy(kRunFixture, run_dir_, fs::copy_options::recursive);
    for (const char* history : {"register-valid.jsonl", "register-stale-read.jsonl"}) {
      Result r = faultline({"check", "--db", db_.string(), (kExamples / history).string()});
      ASSERT_LE(r.code, 1) << said(r);
    }
    exec_sql(db_,
             "INSERT INTO runs (kind, name, target, workload, nemesis, model, seed, "
             "started_at, ended_at, status, verdict, config, store_dir) VALUES ('test', "
             "'raftkv-register', 'raftkv', 'register', 'partition-random-node', 'register', "
             "42, 4102444800000, 4102444803100, 'done', 'invalid', '{}', '" +
                 run_dir_.string() + "')");
  }

  Result faultline(const std::vector<std::string>& args) {
    return spawn(tmp_.path(), kFaultline, args);
  }

  TempDir tmp_;
  fs::path db_, run_dir_;
};

TEST_F(cli_reports, runs_lists_newest_first_as_a_table) {
  Result r = faultline({"runs", "--db", db_.string()});
  ASSERT_EQ(r.code, 0) << said(r);
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_TRUE(std::regex_search(lines[0], std::regex("^ID +STARTED \\(UTC\\) +NAME +TARGET +"
                                                     "WORKLOAD +NEMESIS +DURATION +OPS +VERDICT$")))
      << lines[0];
  EXPECT_TRUE(std::regex_search(
      lines[1], std::regex("^3 +2100-01-01 00:00:00 +raftkv-register +raftkv +register +"
                           "partition-random-node +3.1 s +7 +invalid$")))
      << lines[1];
  EXPECT_TRUE(std::regex_search(lines[2], std::regex("^2 .*register-stale-read.jsonl +- +- +- .* "
                                                     "+3 +invalid$")))
      << lines[2];
  EXPECT_TRUE(std::regex_search(lines[3], std::regex("register-valid.jsonl .* valid$")))
      << lines[3];
}

TEST_F(cli_reports, runs_json_limit_and_filters) {
  Result r = faultline({"runs", "--db", db_.string(), "--json", "--limit", "2"});
  ASSERT_EQ(r.code, 0) << said(r);
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  const nlohmann::json first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["id"], 3);
  EXPECT_EQ(first["kind"], "test");
  EXPECT_EQ(first["duration_ms"], 3100);
  EXPECT_EQ(first["ops"],
            nlohmann::json({{"ok", 5}, {"fail", 1}, {"info", 1}, {"pending", 0}, {"total", 7}}));
  EXPECT_EQ(first["store_dir"], run_dir_.string());
  r = faultline({"runs", "--db", db_.string(), "--json", "--verdict", "valid"});
  ASSERT_EQ(lines_of(r.out).size(), 1u) << said(r);
  EXPECT_EQ(nlohmann::json::parse(r.out)["id"], 1);
  r = faultline({"runs", "--db", db_.string(), "--target", "etcd"});
  EXPECT_EQ(r.code, 0) << said(r);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("no runs in"), std::string::npos) << said(r);
}

TEST_F(cli_reports, runs_without_a_store_exits_66) {
  Result r = faultline({"runs", "--db", (tmp_.path() / "none.db").string()});
  EXPECT_EQ(r.code, 66) << said(r);
  EXPECT_NE(r.err.find("none.db: no store here"), std::string::npos) << said(r);
  EXPECT_FALSE(fs::exists(tmp_.path() / "none.db"));
  r = faultline({"runs", "--db", db_.string(), "--verdict", "maybe"});
  EXPECT_EQ(r.code, 64) << said(r);
}

TEST_F(cli_reports, report_of_a_run_directory_and_of_a_run_id) {
  Result r = faultline({"report", run_dir_.string(), "-o", (tmp_.path() / "r.html").string()});
  ASSERT_EQ(r.code, 0) << said(r);
  EXPECT_EQ(r.out, (tmp_.path() / "r.html").string() + "\n");
  const std::string page = read_file(tmp_.path() / "r.html");
  EXPECT_NE(page.find("id=\"report-data\""), std::string::npos);
  EXPECT_NE(page.find("\"href\":\"./store/raftkv-register/20261126T113300Z/nodes/n1/raftkv.log\""),
            std::string::npos);
  EXPECT_NE(page.find("node 2: leader in term 2, leader 2"), std::string::npos);
  // By id, the default is the run directory's report.html.
  ASSERT_FALSE(fs::exists(run_dir_ / "report.html"));
  r = faultline({"report", "3", "--db", db_.string()});
  ASSERT_EQ(r.code, 0) << said(r);
  EXPECT_EQ(r.out, (run_dir_ / "report.html").string() + "\n");
  EXPECT_NE(read_file(run_dir_ / "report.html").find("\"href\":\"./nodes/n1/raftkv.log\""),
            std::string::npos);
}

TEST_F(cli_reports, report_errors) {
  Result r = faultline({"report", "9", "--db", db_.string()});
  EXPECT_EQ(r.code, 66) << said(r);
  EXPECT_NE(r.err.find("faultline.db: no run 9"), std::string::npos) << said(r);
  r = faultline({"report", "1", "--db", db_.string()});
  EXPECT_EQ(r.code, 66) << said(r);
  EXPECT_NE(r.err.find("has no store directory; for a checked history, use faultline check "
                       "--report"),
            std::string::npos)
      << said(r);
  r = faultline({"report", (tmp_.path() / "nowhere").string()});
  EXPECT_EQ(r.code, 66) << said(r);
  EXPECT_NE(r.err.find("nowhere: not a directory"), std::string::npos) << said(r);
  std::ofstream(run_dir_ / "run.json") << "{\"checkers\": 3}";
  r = faultline({"report", run_dir_.string()});
  EXPECT_EQ(r.code, 65) << said(r);
  EXPECT_NE(r.err.find("run.json: expected \"checkers\" to be an array"), std::string::npos)
      << said(r);
  r = faultline({"report", "3", "--db", db_.string(), "-o", "/nonexistent/dir/r.html"});
  EXPECT_EQ(r.code, 65) << said(r);  // run.json is still broken: read errors come first
  r = faultline({"report"});
  EXPECT_EQ(r.code, 64) << said(r);
}

TEST_F(cli_reports, report_that_cannot_be_written_exits_3) {
  Result r = faultline({"report", run_dir_.string(), "-o", "/nonexistent/dir/r.html"});
  EXPECT_EQ(r.code, 3) << said(r);
  EXPECT_NE(r.err.find("/nonexistent/dir/r.html: cannot open for writing"), std::string::npos)
      << said(r);
}

// `faultline serve --port 0` on the store: the index lists the runs, a run's
// file is served, and nothing outside its directory is.
TEST_F(cli_reports, serve_browses_the_store_read_only) {
  std::ofstream(tmp_.path() / "store" / "secret.txt") << "TOP-SECRET";
  const pid_t pid = start(tmp_.path(), kFaultline, {"serve", "--db", db_.string(), "--port", "0"});
  ASSERT_GT(pid, 0);
  const fs::path out_path = tmp_.path() / "stdout";
  int port = 0;
  std::smatch m;
  for (int i = 0; i < 100 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::string said = read_file(out_path);
    if (std::regex_search(said, m, std::regex("http://127\\.0\\.0\\.1:(\\d+)/")))
      port = std::stoi(m[1]);
  }
  ASSERT_NE(port, 0) << read_file(out_path);
  auto [status, page] = http_get(port, "/");
  EXPECT_EQ(status, 200) << page;
  EXPECT_NE(page.find("<table id=\"runs\""), std::string::npos);
  EXPECT_NE(page.find("data-run-id=\"3\""), std::string::npos);
  std::tie(status, page) = http_get(port, "/runs/3/nodes/n3/raftkv.log");
  EXPECT_EQ(status, 200) << page;
  EXPECT_NE(page.find("signal 15: shutting down"), std::string::npos);
  EXPECT_NE(page.find("X-Content-Type-Options: nosniff"), std::string::npos);
  for (const char* path : {"/runs/3/../../secret.txt", "/runs/3/%2e%2e/%2e%2e/secret.txt"}) {
    std::tie(status, page) = http_get(port, path);
    EXPECT_EQ(status, 403) << path << "\n" << page;
    EXPECT_EQ(page.find("TOP-SECRET"), std::string::npos) << path;
  }
  faultline::kill_child(pid, SIGTERM);
}

}  // namespace
