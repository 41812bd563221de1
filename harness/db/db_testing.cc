#include "harness/db/db_testing.h"

#include <gtest/gtest.h>

#include <chrono>

namespace faultline {

using std::chrono::seconds;

Status deploy(Db& db) {
  return for_each_node(db, [&](const std::string& n) {
    if (Status s = db.setup(n); !s.is_ok()) return s;
    if (Status s = db.start(n); !s.is_ok()) return s;
    return db.wait_ready(n, seconds(10));
  });
}

RespReply command(DaemonDb& db, const std::string& node, const std::vector<std::string>& argv) {
  RespReply reply;
  const Status st = resp_command(db.client_host(node), db.client_port(), argv, seconds(3), &reply);
  EXPECT_TRUE(st.is_ok()) << node << ": " << st.message();
  return reply;
}

void stop_and_wipe(DaemonDb& db, SshPool& pool) {
  const Status st = for_each_node(db, [&](const std::string& n) { return db.stop(n, seconds(5)); });
  ASSERT_TRUE(st.is_ok()) << st.message();
  for (const std::string& n : db.nodes()) {
    bool running = true;
    ASSERT_TRUE(daemon_running(pool, n, db.daemon(), &running).is_ok()) << n;
    EXPECT_FALSE(running) << n;
    EXPECT_TRUE(db.wipe(n).is_ok()) << n;
    std::string out;
    ASSERT_TRUE(exec_checked(pool, n, "test -e " + db.data_dir() + " && echo kept || echo gone",
                             seconds(5), &out)
                    .is_ok());
    EXPECT_EQ(out, "gone\n") << n;
  }
}

}  // namespace faultline
