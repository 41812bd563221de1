// Test support (linked only into tests): what the DaemonDb cluster tests
// (raftkv_db_test.cc, dht_db_test.cc) share: deploying the target, a command
// through one node, and the stop and wipe that end them.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "harness/db/daemon_db.h"
#include "harness/ssh/ssh_pool.h"
#include "targets/resp/resp_client.h"

namespace faultline {

// Sets up and starts every node of `db` (in parallel), and waits until each
// is ready (10 s at most).
Status deploy(Db& db);

// One command through `node`'s client port, 3 s at most. No reply at all fails
// the test (an error reply is a reply).
RespReply command(DaemonDb& db, const std::string& node, const std::vector<std::string>& argv);

// Stops every node (5 s grace), then checks that none runs and that wipe
// removes each one's data directory; a failed check fails the test.
void stop_and_wipe(DaemonDb& db, SshPool& pool);

}  // namespace faultline
