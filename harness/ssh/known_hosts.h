// Host-key checking against an OpenSSH known_hosts file, the way `ssh` does
// with StrictHostKeyChecking=yes (or =accept-new under HostKeyPolicy::kAcceptNew).
#pragma once

#include <libssh2.h>

#include "base/status.h"
#include "harness/ssh/ssh_session.h"

namespace faultline {

// Checks the key `session` (after its handshake) got from the server against
// options.known_hosts. Unknown host: an error, unless the policy is
// kAcceptNew, which appends the key to the file. A different key: always an
// error. Messages name the file and say what to do.
Status check_host_key(LIBSSH2_SESSION* session, const SshTarget& target, const SshOptions& options);

// The known_hosts name for host:port: "host" for port 22, else "[host]:port".
std::string known_hosts_name(const std::string& host, int port);

}  // namespace faultline
