// Disk corruption on a crashed node: SIGKILL its server (Db::kill), damage
// its data directory (Db::data_dir()), start it again (Db::start) and record
// whether it came up. Specs, on one random node:
//   truncate-wal  cut 1..truncate_max_bytes bytes off the newest WAL segment
//                 (the last file matching wal_glob by name): a lost tail
//   flip-bits     flip flip_bits random bits of one random non-empty file
//   delete-data   remove the whole data directory: the node forgets everything
// A server that refuses to start is an outcome, not a nemesis error: the
// completion says "restarted": false with the start error. stop-corrupt starts
// every server that does not run (like stop-kill).
#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "harness/ssh/ssh_session.h"
#include "nemesis/fault_kind.h"
#include "nemesis/node_commands.h"
#include "nemesis/random.h"
#include "nemesis/storage_choices.h"

namespace faultline {
namespace {

class CorruptFault : public FaultKind {
 public:
  CorruptFault(const NemesisContext& context, std::mt19937_64* rng)
      : context_(context), rng_(*rng) {}

  std::string name() const override { return "corrupt"; }

  Status start(const std::string& spec, nlohmann::json* done) override {
    const std::vector<std::string> s = fault_specs(name());
    if (std::find(s.begin(), s.end(), spec) == s.end()) return unknown_spec("corrupt", spec, s);
    const std::string node = choose(node_names(context_), 1, rng_)[0];
    (*done)["spec"] = spec;
    (*done)["node"] = node;
    if (Status st = context_.db.kill(node); !st.is_ok()) return st;
    (*done)["killed"] = true;
    Status st = spec == "truncate-wal" ? truncate_wal(node, done)
                : spec == "flip-bits"  ? flip_bits(node, done)
                                       : delete_data(node, done);
    if (!st.is_ok()) return st;
    Status started = context_.db.start(node);
    (*done)["restarted"] = started.is_ok();
    if (!started.is_ok()) (*done)["start_error"] = started.message();
    return Status::ok();
  }

  Status stop(nlohmann::json* done) override {
    std::vector<std::string> started;
    Status st = start_stopped_servers(context_, &started);
    (*done)["restarted"] = started;
    return st;
  }

 private:
  Status truncate_wal(const std::string& node, nlohmann::json* done) {
    const std::string dir = context_.db.data_dir();
    const uint64_t cut = truncate_cut(context_.options, rng_);
    // The glob stays unquoted so that the shell expands it.
    const std::string command = fmt::format(
        "cd {dir} && f=$(ls -1 -- {glob} 2>/dev/null | tail -n 1) && [ -n \"$f\" ] || "
        "{{ echo 'no file matching {glob} in {dir}' >&2; exit 1; }}; s=$(stat -c %s -- \"$f\"); "
        "n={cut}; [ \"$n\" -le \"$s\" ] || n=$s; truncate -s $((s-n)) -- \"$f\" && "
        "echo \"$f $s $((s-n))\"",
        fmt::arg("dir", shell_quote(dir)), fmt::arg("glob", context_.options.wal_glob),
        fmt::arg("cut", cut));
    std::string out;
    if (Status st = run_on_node(context_, node, command, &out); !st.is_ok()) return st;
    std::istringstream in(out);
    std::string file;
    uint64_t before = 0, after = 0;
    if (!(in >> file >> before >> after))
      return Status::io_error(fmt::format("node {}: truncate printed '{}'", node, out));
    (*done)["file"] = dir + "/" + file;
    (*done)["size_before"] = before;
    (*done)["size_after"] = after;
    return Status::ok();
  }

  Status flip_bits(const std::string& node, nlohmann::json* done) {
    const std::string dir = context_.db.data_dir();
    std::string listing;
    if (Status st = run_on_node(
            context_, node,
            fmt::format("find {} -type f -size +0 -exec stat -c '%s %n' {{}} +", shell_quote(dir)),
            &listing);
        !st.is_ok())
      return st;
    std::vector<std::pair<uint64_t, std::string>> files;
    std::istringstream in(listing);
    uint64_t size;
    std::string path;
    while (in >> size && std::getline(in >> std::ws, path)) files.emplace_back(size, path);
    if (files.empty())
      return Status::io_error(fmt::format("node {}: no non-empty file in {}", node, dir));
    const auto& [file_size, file] = files[random_below(rng_, files.size())];
    const nlohmann::json flips = draw_bit_flips(file_size, context_.options, rng_);
    std::string command = "set -e; ";
    for (const nlohmann::json& flip : flips) {
      const uint64_t offset = flip["offset"];
      const int bit = flip["bit"];
      // Reads the byte, flips the bit, writes it back in place.
      command += fmt::format(
          "b=$(od -An -tu1 -j {off} -N1 -- {f} | tr -d ' '); "
          "printf \"\\\\$(printf %03o $((b ^ {mask})))\" | "
          "dd of={f} bs=1 seek={off} count=1 conv=notrunc status=none; ",
          fmt::arg("off", offset), fmt::arg("f", shell_quote(file)), fmt::arg("mask", 1 << bit));
    }
    (*done)["file"] = file;
    (*done)["flips"] = flips;
    return run_on_node(context_, node, command);
  }

  Status delete_data(const std::string& node, nlohmann::json* done) {
    const std::string dir = context_.db.data_dir();
    (*done)["deleted"] = dir;
    // Under disk faults the directory is a diskfs mount point, which rm
    // empties but cannot remove: empty is as good as gone to the server.
    return run_on_node(
        context_, node,
        fmt::format("rm -rf -- {0} 2>/dev/null || [ -z \"$(ls -A -- {0})\" ]", shell_quote(dir)));
  }

  const NemesisContext& context_;
  std::mt19937_64& rng_;
};

}  // namespace

std::unique_ptr<FaultKind> make_corrupt_fault(const NemesisContext& context, std::mt19937_64* rng) {
  return std::make_unique<CorruptFault>(context, rng);
}

}  // namespace faultline
