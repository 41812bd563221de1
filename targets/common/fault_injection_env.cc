#include "targets/common/fault_injection_env.h"

#include <fmt/format.h>

#include "base/random.h"

namespace faultline::common {
namespace {

std::string parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

class FaultInjectionEnv::File : public WritableFile {
 public:
  File(FaultInjectionEnv* env, std::string path, std::shared_ptr<Inode> inode, size_t offset)
      : env_(env),
        path_(std::move(path)),
        inode_(std::move(inode)),
        epoch_(env->epoch_),
        offset_(offset) {}

  Status append(std::string_view data) override {
    if (Status s = check("append"); !s.is_ok()) return s;
    Inode& i = *inode_;
    if (i.data.size() < offset_ + data.size()) i.data.resize(offset_ + data.size());
    i.data.replace(offset_, data.size(), data);
    if (i.dirty_begin == i.dirty_end) i.dirty_begin = i.dirty_end = offset_;
    i.dirty_begin = std::min(i.dirty_begin, offset_);
    offset_ += data.size();
    i.dirty_end = std::max(i.dirty_end, offset_);
    return Status::ok();
  }

  Status sync() override {
    if (Status s = check("sync"); !s.is_ok()) return s;
    inode_->sync_dirty();
    return Status::ok();
  }

 private:
  Status check(std::string_view op) {
    if (epoch_ != env_->epoch_) {
      return Status::io_error(fmt::format("{} {}: file handle from before a crash", op, path_));
    }
    return env_->mutate(op, path_);
  }

  FaultInjectionEnv* env_;
  std::string path_;
  std::shared_ptr<Inode> inode_;
  uint64_t epoch_;
  size_t offset_;  // the write position
};

Status FaultInjectionEnv::mutate(std::string_view op, const std::string& path) {
  ++mutation_count_;
  if (mutations_left_) {
    if (*mutations_left_ == 0) {
      return Status::io_error(fmt::format("{} {}: injected disk failure", op, path));
    }
    --*mutations_left_;
  }
  return Status::ok();
}

Status FaultInjectionEnv::lookup(const std::string& path, std::shared_ptr<Inode>* inode) const {
  const auto it = live_.find(path);
  if (it == live_.end()) return Status::io_error(fmt::format("{}: no such file", path));
  *inode = it->second;
  return Status::ok();
}

Status FaultInjectionEnv::check_parent(const std::string& path) const {
  if (!dirs_.contains(parent_of(path))) {
    return Status::io_error(fmt::format("{}: no such directory", path));
  }
  return Status::ok();
}

Status FaultInjectionEnv::new_writable_file(const std::string& path,
                                            std::unique_ptr<WritableFile>* out) {
  if (Status s = check_parent(path); !s.is_ok()) return s;
  if (Status s = mutate("create", path); !s.is_ok()) return s;
  auto inode = std::make_shared<Inode>();
  live_[path] = inode;
  *out = std::make_unique<File>(this, path, std::move(inode), 0);
  return Status::ok();
}

Status FaultInjectionEnv::reopen_for_append(const std::string& path,
                                            std::unique_ptr<WritableFile>* out) {
  std::shared_ptr<Inode> inode;
  if (Status s = lookup(path, &inode); !s.is_ok()) return s;
  const size_t end = inode->data.size();
  *out = std::make_unique<File>(this, path, std::move(inode), end);
  return Status::ok();
}

Status FaultInjectionEnv::new_preallocated_file(const std::string& path, uint64_t size,
                                                std::unique_ptr<WritableFile>* out) {
  if (Status s = check_parent(path); !s.is_ok()) return s;
  if (Status s = mutate("create", path); !s.is_ok()) return s;
  auto inode = std::make_shared<Inode>();
  inode->data.assign(size, '\0');
  inode->mark_synced();
  live_[path] = inode;
  *out = std::make_unique<File>(this, path, std::move(inode), 0);
  return Status::ok();
}

Status FaultInjectionEnv::reopen_at(const std::string& path, uint64_t offset,
                                    std::unique_ptr<WritableFile>* out) {
  std::shared_ptr<Inode> inode;
  if (Status s = lookup(path, &inode); !s.is_ok()) return s;
  if (offset > inode->data.size()) {
    return Status::invalid_argument(fmt::format("open {} at offset {}: past its end ({} bytes)",
                                                path, offset, inode->data.size()));
  }
  *out = std::make_unique<File>(this, path, std::move(inode), offset);
  return Status::ok();
}

Status FaultInjectionEnv::read_file(const std::string& path, std::string* contents) {
  std::shared_ptr<Inode> inode;
  if (Status s = lookup(path, &inode); !s.is_ok()) return s;
  *contents = inode->data;
  return Status::ok();
}

Status FaultInjectionEnv::rename_file(const std::string& from, const std::string& to) {
  std::shared_ptr<Inode> inode;
  if (Status s = lookup(from, &inode); !s.is_ok()) return s;
  if (parent_of(from) != parent_of(to)) {
    return Status::invalid_argument(
        fmt::format("rename {} to {}: not the same directory", from, to));
  }
  if (Status s = mutate("rename", from); !s.is_ok()) return s;
  live_.erase(from);
  live_[to] = std::move(inode);
  return Status::ok();
}

Status FaultInjectionEnv::remove_file(const std::string& path) {
  std::shared_ptr<Inode> inode;
  if (Status s = lookup(path, &inode); !s.is_ok()) return s;
  if (Status s = mutate("remove", path); !s.is_ok()) return s;
  live_.erase(path);
  return Status::ok();
}

Status FaultInjectionEnv::truncate_file(const std::string& path, uint64_t size) {
  std::shared_ptr<Inode> inode;
  if (Status s = lookup(path, &inode); !s.is_ok()) return s;
  if (size > inode->data.size()) {
    return Status::invalid_argument(fmt::format("truncate {}: {} is past the end", path, size));
  }
  if (Status s = mutate("truncate", path); !s.is_ok()) return s;
  inode->data.resize(size);
  inode->mark_synced();
  return Status::ok();
}

Status FaultInjectionEnv::list_dir(const std::string& dir, std::vector<std::string>* names) {
  if (!dirs_.contains(dir)) return Status::io_error(fmt::format("{}: no such directory", dir));
  names->clear();
  for (const auto& [path, inode] : live_) {
    if (parent_of(path) == dir) names->push_back(path.substr(dir.size() + 1));
  }
  return Status::ok();  // std::map iterates in order: sorted
}

Status FaultInjectionEnv::sync_dir(const std::string& dir) {
  if (!dirs_.contains(dir)) return Status::io_error(fmt::format("{}: no such directory", dir));
  if (Status s = mutate("sync_dir", dir); !s.is_ok()) return s;
  std::erase_if(durable_, [&](const auto& kv) { return parent_of(kv.first) == dir; });
  for (const auto& [path, inode] : live_) {
    if (parent_of(path) == dir) durable_[path] = inode;
  }
  return Status::ok();
}

Status FaultInjectionEnv::create_dir(const std::string& dir) {
  if (dirs_.contains(dir)) return Status::ok();
  if (Status s = mutate("create_dir", dir); !s.is_ok()) return s;
  dirs_.insert(dir);
  return Status::ok();
}

std::vector<std::string> FaultInjectionEnv::unsynced_entries() const {
  std::map<const Inode*, std::string> durable_name;
  for (const auto& [path, inode] : durable_) durable_name.emplace(inode.get(), path);
  std::set<const Inode*> live_inodes;
  for (const auto& [path, inode] : live_) live_inodes.insert(inode.get());
  std::vector<std::string> out;
  for (const auto& [path, inode] : live_) {
    const auto durable = durable_.find(path);
    if (durable != durable_.end() && durable->second == inode) continue;
    const auto was = durable_name.find(inode.get());
    out.push_back(was == durable_name.end() ? "create " + path
                                            : "rename " + was->second + " -> " + path);
  }
  // A durable name now gone (not renamed: said above, nor replaced by another file).
  for (const auto& [path, inode] : durable_)
    if (!live_.contains(path) && !live_inodes.contains(inode.get()))
      out.push_back("remove " + path);
  return out;
}

FaultInjectionEnv::Loss FaultInjectionEnv::crash_with(
    const std::function<size_t(const Inode&)>& kept) {
  Loss loss;
  loss.entries = unsynced_entries();
  std::set<Inode*> done;  // a file may have two names (a rename not yet synced)
  for (auto& [path, inode] : durable_) done.insert(inode.get());
  // Files whose name goes: their unsynced data goes with them.
  for (auto& [path, inode] : live_) {
    if (!done.insert(inode.get()).second || inode->dirty_end == inode->dirty_begin) continue;
    loss.files.push_back(path);
    loss.bytes += inode->dirty_end - inode->dirty_begin;
  }
  done.clear();
  live_ = durable_;
  for (auto& [path, inode] : live_) {
    if (!done.insert(inode.get()).second) continue;
    const size_t keep = kept(*inode);
    if (const size_t lost = inode->dirty_end - inode->dirty_begin - keep; lost > 0) {
      loss.files.push_back(path);
      loss.bytes += lost;
    }
    std::string after = inode->durable;
    if (after.size() < inode->dirty_begin + keep) after.resize(inode->dirty_begin + keep);
    after.replace(inode->dirty_begin, keep, inode->data, inode->dirty_begin, keep);
    inode->data = std::move(after);
    inode->mark_synced();
  }
  ++epoch_;
  mutations_left_.reset();
  return loss;
}

FaultInjectionEnv::Loss FaultInjectionEnv::crash() {
  return crash_with([](const Inode&) { return 0; });
}

FaultInjectionEnv::Loss FaultInjectionEnv::crash_keeping_unsynced_prefix(uint64_t seed) {
  SplitMix64 random(seed);
  return crash_with(
      [&](const Inode& inode) { return random() % (inode.dirty_end - inode.dirty_begin + 1); });
}

void FaultInjectionEnv::set_durable_contents(const std::string& path, std::string contents) {
  auto inode = std::make_shared<Inode>();
  inode->data = std::move(contents);
  inode->mark_synced();
  live_[path] = inode;
  durable_[path] = inode;
}

void FaultInjectionEnv::remove_files_under(const std::string& dir) {
  for (const std::string& path : files_under(dir)) {
    live_.erase(path);
    durable_.erase(path);
  }
}

std::vector<std::string> FaultInjectionEnv::files_under(const std::string& dir) const {
  std::vector<std::string> out;
  const std::string prefix = dir + "/";
  for (const auto& [path, inode] : live_)
    if (path.starts_with(prefix)) out.push_back(path);
  return out;  // std::map iterates in order: sorted
}

}  // namespace faultline::common
