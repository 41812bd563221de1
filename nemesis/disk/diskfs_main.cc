// faultline-diskfs: the FUSE file system of the disk nemesis (docs/nemesis.md).
//   faultline-diskfs mount [--backing DIR] [--durability strict|ext4]
//                          --control SOCKET MOUNTPOINT
//       serves in the foreground until unmounted or SIGTERM; the backing
//       directory defaults to the mount point itself (opened before the mount
//       covers it); --durability says when a name change is durable (default
//       strict: an fsync of its directory; ext4: any fsync). SIGUSR1 heals
//       (ends slow and fail).
//   faultline-diskfs ctl SOCKET COMMAND [ARG]
//       sends lose-unsynced | torn SEED | slow MS | fail SECS | heal | status
//       and prints the JSON answer; exit 1 if it says ok: false.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/exit_codes.h"
#include "nemesis/disk/diskfs.h"

namespace {

using namespace faultline;

int usage(const std::string& why) {
  std::cerr
      << "faultline-diskfs: " << why
      << "\nusage: faultline-diskfs mount [--backing DIR] [--durability strict|ext4] --control "
         "SOCKET MOUNTPOINT\n"
         "       faultline-diskfs ctl SOCKET COMMAND [ARG]\n";
  return exit_code::kUsage;
}

int mount_main(const std::vector<std::string>& args) {
  std::string backing, control, mountpoint;
  diskfs::Durability durability = diskfs::Durability::kStrict;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--durability" && i + 1 < args.size()) {
      if (!diskfs::parse_durability(args[++i], &durability))
        return usage("--durability " + args[i] + ": expected strict or ext4");
    } else if ((args[i] == "--backing" || args[i] == "--control") && i + 1 < args.size()) {
      (args[i] == "--backing" ? backing : control) = args[i + 1];
      ++i;
    } else if (args[i].rfind("--", 0) == 0 || !mountpoint.empty()) {
      return usage("unexpected argument '" + args[i] + "'");
    } else {
      mountpoint = args[i];
    }
  }
  if (mountpoint.empty() || control.empty()) return usage("mount needs --control and MOUNTPOINT");
  std::unique_ptr<diskfs::DiskFs> fs;
  Status st = diskfs::DiskFs::open(backing.empty() ? mountpoint : backing, durability, &fs);
  if (st.is_ok()) st = fs->serve(mountpoint, control);
  if (!st.is_ok()) {
    std::cerr << "faultline-diskfs: " << st.message() << "\n";
    return exit_code::kInfrastructure;
  }
  return 0;
}

int ctl_main(const std::vector<std::string>& args) {
  if (args.size() < 2) return usage("ctl needs SOCKET and COMMAND");
  std::string line;
  for (size_t i = 1; i < args.size(); ++i) line += (i > 1 ? " " : "") + args[i];
  diskfs::ControlCommand command;
  if (Status st = diskfs::parse_control(line, &command); !st.is_ok()) return usage(st.message());
  std::string reply;
  if (Status st = diskfs::send_control(args[0], line, &reply); !st.is_ok()) {
    std::cerr << "faultline-diskfs: " << st.message() << "\n";
    return exit_code::kInfrastructure;
  }
  std::cout << reply << "\n";
  const nlohmann::json parsed = nlohmann::json::parse(reply, nullptr, false);
  return parsed.is_object() && parsed.value("ok", false) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage("no command");
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "mount") return mount_main(args);
  if (command == "ctl") return ctl_main(args);
  return usage("unknown command '" + command + "'");
}
