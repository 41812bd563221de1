#include "harness/sim/sim_storage_faults.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "nemesis/node_commands.h"
#include "nemesis/random.h"
#include "nemesis/storage_choices.h"

namespace faultline::sim {

namespace {

constexpr int64_t kNsPerMs = 1'000'000;

size_t index_of(SimCluster& cluster, const std::string& node) {
  return static_cast<size_t>(cluster.index_of(node));
}

// Paths as faultline-diskfs reports them: relative to the data directory.
nlohmann::json relative(const std::vector<std::string>& paths) {
  const std::string dir = std::string(SimNode::kDataDir) + "/";
  nlohmann::json out = nlohmann::json::array();
  for (std::string path : paths) {
    for (size_t at; (at = path.find(dir)) != std::string::npos;) path.erase(at, dir.size());
    out.push_back(path);
  }
  return out;
}

// The file's name without its directory.
std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// The newest WAL segment of the node's data directory (the last by name),
// cut by truncate_cut bytes.
Status truncate_wal(const std::string& node, common::FaultInjectionEnv& disk,
                    const NemesisOptions& options, std::mt19937_64& rng, nlohmann::json* done) {
  const std::string dir = SimNode::kDataDir;
  std::optional<std::string> newest;
  for (const std::string& path : disk.files_under(dir))
    if (path.rfind('/') == dir.size() && is_wal_segment(base_name(path), options)) newest = path;
  if (!newest)
    return Status::io_error(
        fmt::format("node {}: no file matching {} in {}", node, options.wal_glob, dir));
  std::string data;
  if (Status st = disk.read_file(*newest, &data); !st.is_ok()) return st;
  const uint64_t before = data.size();
  const uint64_t after = before - std::min(truncate_cut(options, rng), before);
  data.resize(after);
  disk.set_durable_contents(*newest, std::move(data));
  (*done)["file"] = *newest;
  (*done)["size_before"] = before;
  (*done)["size_after"] = after;
  return Status::ok();
}

// Bits of a random non-empty file under the data directory, flipped.
Status flip_bits(const std::string& node, common::FaultInjectionEnv& disk,
                 const NemesisOptions& options, std::mt19937_64& rng, nlohmann::json* done) {
  std::vector<std::pair<std::string, std::string>> files;  // path, contents
  for (const std::string& path : disk.files_under(SimNode::kDataDir)) {
    std::string data;
    if (Status st = disk.read_file(path, &data); !st.is_ok()) return st;
    if (!data.empty()) files.emplace_back(path, std::move(data));
  }
  if (files.empty())
    return Status::io_error(
        fmt::format("node {}: no non-empty file in {}", node, SimNode::kDataDir));
  auto& [file, data] = files[random_below(rng, files.size())];
  const nlohmann::json flips = draw_bit_flips(data.size(), options, rng);
  for (const nlohmann::json& flip : flips)
    data[flip["offset"].get<size_t>()] ^= static_cast<char>(1 << flip["bit"].get<int>());
  disk.set_durable_contents(file, std::move(data));
  (*done)["file"] = file;
  (*done)["flips"] = flips;
  return Status::ok();
}

}  // namespace

Status start_disk_fault(SimCluster& cluster, const std::string& spec, const NemesisOptions& options,
                        std::mt19937_64& rng, nlohmann::json* done) {
  const std::vector<std::string>& all = cluster.names();
  if (spec == "slow" || spec == "fail") {
    const std::string node = choose(all, 1, rng)[0];
    (*done)["node"] = node;
    SimNode& n = cluster.node(index_of(cluster, node));
    if (spec == "slow") {
      (*done)["ms"] = options.disk_slow_ms;
      n.slow_disk(options.disk_slow_ms * kNsPerMs);
    } else {
      (*done)["seconds"] = options.disk_fail_s;
      n.fail_disk(options.disk_fail_s * 1000 * kNsPerMs);
    }
    return Status::ok();
  }
  if (spec != "lose-unsynced" && spec != "torn")
    return unknown_spec("disk", spec, fault_specs("disk"));
  const std::vector<std::string> victims = disk_victims(all, options, rng);
  (*done)["nodes"] = victims;
  // A power cut: every victim is down before any restarts.
  nlohmann::json lost = nlohmann::json::object();
  for (const std::string& node : victims) {
    const std::optional<uint64_t> torn =
        spec == "torn" ? std::optional<uint64_t>(rng()) : std::nullopt;
    const common::FaultInjectionEnv::Loss loss =
        cluster.node(index_of(cluster, node)).power_cut(torn);
    lost[node] = {{"files", relative(loss.files)},
                  {"bytes", loss.bytes},
                  {"entries", relative(loss.entries)}};
  }
  (*done)["lost"] = lost;
  nlohmann::json start_errors = nlohmann::json::object();
  for (const std::string& node : victims)
    if (Status st = cluster.restart(index_of(cluster, node)); !st.is_ok())
      start_errors[node] = st.message();
  (*done)["restarted"] = start_errors.empty();
  if (!start_errors.empty()) (*done)["start_errors"] = start_errors;
  return Status::ok();
}

Status start_corrupt_fault(SimCluster& cluster, const std::string& spec,
                           const NemesisOptions& options, std::mt19937_64& rng,
                           nlohmann::json* done) {
  const std::vector<std::string>& specs = fault_specs("corrupt");
  if (std::find(specs.begin(), specs.end(), spec) == specs.end())
    return unknown_spec("corrupt", spec, specs);
  const std::string node = choose(cluster.names(), 1, rng)[0];
  (*done)["node"] = node;
  const size_t i = index_of(cluster, node);
  cluster.crash(i);
  (*done)["killed"] = true;
  common::FaultInjectionEnv& disk = cluster.node(i).disk();
  if (spec == "delete-data") {
    // Emptied, as a diskfs mount point is: empty is as good as gone to the server.
    disk.remove_files_under(SimNode::kDataDir);
    (*done)["deleted"] = SimNode::kDataDir;
  } else if (Status st = spec == "truncate-wal" ? truncate_wal(node, disk, options, rng, done)
                                                : flip_bits(node, disk, options, rng, done);
             !st.is_ok()) {
    return st;
  }
  const Status started = cluster.restart(i);
  (*done)["restarted"] = started.is_ok();
  if (!started.is_ok()) (*done)["start_error"] = started.message();
  return Status::ok();
}

void heal_disks(SimCluster& cluster) {
  for (size_t i = 0; i < cluster.names().size(); ++i) cluster.node(i).heal_disk();
}

}  // namespace faultline::sim
