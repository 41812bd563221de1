#include "harness/db/diskfs_mount.h"

#include <fmt/format.h>

namespace faultline {

using std::chrono::milliseconds;

namespace {

constexpr milliseconds kCommandTimeout{15000};
constexpr milliseconds kUploadTimeout{60000};

// "the directory is a mount point" (its line in /proc/self/mounts).
std::string mounted_test(const std::string& dir) {
  return fmt::format("awk -v d={} '$2 == d {{ f = 1 }} END {{ exit !f }}' /proc/self/mounts",
                     shell_quote(dir));
}

// Lazily unmounts what covers `dir`, if anything (a diskfs that died leaves
// its mount answering ENOTCONN).
std::string remove_mount_command(const std::string& dir) {
  return fmt::format("if {}; then umount -l {}; fi", mounted_test(dir), shell_quote(dir));
}

}  // namespace

DiskfsMount::DiskfsMount(std::string dir, std::string data_dir, std::string local_binary,
                         std::string durability)
    : data_dir_(std::move(data_dir)),
      local_binary_(std::move(local_binary)),
      durability_(std::move(durability)),
      socket_(dir + "/diskfs.sock") {
  daemon_.dir = dir;
  daemon_.binary = dir + "/faultline-diskfs";
  daemon_.pidfile = dir + "/diskfs.pid";
  daemon_.logfile = dir + "/diskfs.log";
}

Status DiskfsMount::upload(SshPool& pool, const std::string& node) const {
  // Never over a running diskfs's executable (ETXTBSY): it is the same file.
  bool runs = false;
  if (Status st = daemon_running(pool, node, daemon_, &runs); !st.is_ok() || runs) return st;
  return pool.upload(node, local_binary_, daemon_.binary, 0755, kUploadTimeout);
}

Status DiskfsMount::mount(SshPool& pool, const std::string& node) const {
  bool runs = false;
  if (Status st = daemon_running(pool, node, daemon_, &runs); !st.is_ok()) return st;
  if (!runs) {
    if (Status st = exec_checked(pool, node, remove_mount_command(data_dir_), kCommandTimeout);
        !st.is_ok())
      return st;
    if (Status st =
            start_daemon(pool, node, daemon_,
                         {"mount", "--durability", durability_, "--control", socket_, data_dir_});
        !st.is_ok())
      return st;
  }
  return exec_checked(
      pool, node,
      fmt::format("i=0; until {} && [ -S {} ]; do i=$((i+1)); if [ $i -gt 100 ]; then echo "
                  "'faultline-diskfs did not mount {} within 10 s; log tail:' >&2; tail -n 5 {} "
                  ">&2; exit 1; fi; sleep 0.1; done",
                  mounted_test(data_dir_), shell_quote(socket_), data_dir_,
                  shell_quote(daemon_.logfile)),
      kCommandTimeout);
}

Status DiskfsMount::unmount(SshPool& pool, const std::string& node) const {
  if (Status st = signal_daemon(pool, node, daemon_, "TERM", milliseconds(5000)); !st.is_ok())
    return st;
  return exec_checked(pool, node, remove_mount_command(data_dir_), kCommandTimeout);
}

std::string DiskfsMount::control_command(const std::string& command) const {
  return fmt::format("{} ctl {} {}", shell_quote(daemon_.binary), shell_quote(socket_), command);
}

}  // namespace faultline
