#include "harness/ssh/known_hosts.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>

namespace faultline {
namespace {

int knownhost_key_type(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

struct KnownHostsDeleter {
  void operator()(LIBSSH2_KNOWNHOSTS* kh) const { libssh2_knownhost_free(kh); }
};

}  // namespace

std::string known_hosts_name(const std::string& host, int port) {
  return port == 22 ? host : fmt::format("[{}]:{}", host, port);
}

Status check_host_key(LIBSSH2_SESSION* session, const SshTarget& target,
                      const SshOptions& options) {
  size_t key_len = 0;
  int key_type = 0;
  const char* key = libssh2_session_hostkey(session, &key_len, &key_type);
  if (key == nullptr) return Status::io_error("the server sent no host key");
  const int type_mask = knownhost_key_type(key_type);
  if (type_mask == LIBSSH2_KNOWNHOST_KEY_UNKNOWN)
    return Status::io_error(fmt::format("unsupported host key type {}", key_type));
  if (options.known_hosts.empty())
    return Status::invalid_argument("no known_hosts file given: host keys cannot be checked");

  std::unique_ptr<LIBSSH2_KNOWNHOSTS, KnownHostsDeleter> kh(libssh2_knownhost_init(session));
  if (!kh) return Status::io_error("libssh2_knownhost_init failed");
  struct stat st {};
  const bool exists = stat(options.known_hosts.c_str(), &st) == 0;
  if (exists && libssh2_knownhost_readfile(kh.get(), options.known_hosts.c_str(),
                                           LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
    char* msg = nullptr;
    libssh2_session_last_error(session, &msg, nullptr, 0);
    return Status::io_error(
        fmt::format("cannot read known_hosts file {}: {}", options.known_hosts, msg));
  }
  const int check_mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type_mask;
  libssh2_knownhost* found = nullptr;
  const int result = libssh2_knownhost_checkp(kh.get(), target.host.c_str(), target.port, key,
                                              key_len, check_mask, &found);
  const std::string name = known_hosts_name(target.host, target.port);
  switch (result) {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH: return Status::ok();
    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
      return Status::io_error(fmt::format(
          "HOST KEY MISMATCH for {}: the key it offers differs from the one in {} (the host "
          "was reinstalled, or someone is intercepting the connection); if the change is "
          "expected, remove the old key with `ssh-keygen -R '{}' -f {}`",
          name, options.known_hosts, name, options.known_hosts));
    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND: break;
    default:
      return Status::io_error(
          fmt::format("cannot check the host key against {}", options.known_hosts));
  }
  if (options.host_key_policy != HostKeyPolicy::kAcceptNew)
    return Status::io_error(fmt::format(
        "unknown host {}: its key is not in {}{}; add it (e.g. `ssh-keyscan -p {} {} >> {}`, "
        "after checking the fingerprint) or pass --accept-new-host-keys to record it on first "
        "connect",
        name, options.known_hosts, exists ? "" : " (the file does not exist)", target.port,
        target.host, options.known_hosts));
  libssh2_knownhost* added = nullptr;
  if (libssh2_knownhost_addc(kh.get(), name.c_str(), nullptr, key, key_len, nullptr, 0, check_mask,
                             &added) != 0)
    return Status::io_error("cannot record the new host key");
  char line[8192];
  size_t line_len = 0;
  if (libssh2_knownhost_writeline(kh.get(), added, line, sizeof line, &line_len,
                                  LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
    return Status::io_error("cannot format the new host key");
  // Appended, not rewritten: the rest of the file (comments, other entries)
  // stays as it was. Each entry on a line of its own.
  std::string entry(line, line_len);
  if (entry.empty() || entry.back() != '\n') entry += '\n';
  bool needs_newline = false;  // the file's last line is unterminated
  if (exists && st.st_size > 0) {
    std::ifstream in(options.known_hosts, std::ios::binary);
    in.seekg(-1, std::ios::end);
    needs_newline = in.get() != '\n';
  }
  std::ofstream out(options.known_hosts, std::ios::app);
  if (needs_newline) out << '\n';
  out << entry;
  if (!out.flush())
    return Status::io_error(fmt::format("cannot append to {}", options.known_hosts));
  spdlog::info("ssh {}: recorded the new host key of {} in {}", target.node, name,
               options.known_hosts);
  return Status::ok();
}

}  // namespace faultline
