// The cost of faultline-diskfs per file operation (docs/benchmarks.md, "Disk
// faults"): the same operations on a plain directory and on one mounted
// through faultline-diskfs, side by side in one process, so that the ratio
// holds on a noisy machine. Needs root and /dev/fuse.
//   faultline-diskfs-bench [--benchmark_repetitions=3] [--benchmark_min_time=1]
// Argument 0 is the plain directory, 1 the diskfs mount. Wall time: the file
// system runs in the diskfs process, whose CPU time this one does not see.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "nemesis/disk/control.h"
#include "spawn/spawn.h"

namespace {

namespace fs = std::filesystem;

// A temporary root with plain/ and diskfs/ (mounted), for the whole run.
struct Dirs {
  std::string root, plain, mounted;
  pid_t diskfs = 0;

  Dirs() {
    char tmpl[] = "/tmp/faultline-diskfs-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    root = tmpl;
    plain = root + "/plain";
    mounted = root + "/diskfs";
    fs::create_directory(plain);
    fs::create_directory(mounted);
    const std::string log = root + "/diskfs.log";
    if (!faultline::spawn_child(
             {FAULTLINE_DISKFS_BINARY, "mount", "--control", root + "/diskfs.sock", mounted},
             {log, log}, &diskfs)
             .is_ok())
      std::abort();
    for (int i = 0; i < 500 && !faultline::diskfs::mounted(mounted); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!faultline::diskfs::mounted(mounted)) {
      std::fprintf(stderr, "faultline-diskfs did not mount %s (log: %s)\n", mounted.c_str(),
                   log.c_str());
      std::exit(1);
    }
  }
  ~Dirs() {
    faultline::kill_child(diskfs, SIGTERM);
    fs::remove_all(root);
  }
  const std::string& dir(int64_t which) const { return which == 0 ? plain : mounted; }
};

Dirs& dirs() {
  static Dirs d;
  return d;
}

// Appends of `size` bytes to one file, each followed by fdatasync when
// `sync` (a WAL's pattern); the file starts afresh every 16 MiB.
void append(benchmark::State& state, size_t size, bool sync) {
  const std::string path = dirs().dir(state.range(0)) + "/log";
  const std::string block(size, 'x');
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  size_t written = 0;
  for (auto _ : state) {
    if (write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()))
      state.SkipWithError("write failed");
    if (sync && fdatasync(fd) != 0) state.SkipWithError("fdatasync failed");
    written += size;
    if (written >= (16u << 20)) {
      state.PauseTiming();
      if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) state.SkipWithError("truncate");
      if (fdatasync(fd) != 0) state.SkipWithError("fdatasync failed");
      written = 0;
      state.ResumeTiming();
    }
  }
  close(fd);
  unlink(path.c_str());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

void BM_Append4K(benchmark::State& state) { append(state, 4096, false); }
void BM_Append4KFdatasync(benchmark::State& state) { append(state, 4096, true); }

// A durable new file: create, write, fsync, fsync the directory, unlink (a
// snapshot's or segment's life).
void BM_CreateSyncUnlink(benchmark::State& state) {
  const std::string dir = dirs().dir(state.range(0));
  const int dirfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const std::string path = dir + "/segment";
  for (auto _ : state) {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, "segment", 7) != 7 || fsync(fd) != 0 || fsync(dirfd) != 0)
      state.SkipWithError("create failed");
    close(fd);
    if (unlink(path.c_str()) != 0 || fsync(dirfd) != 0) state.SkipWithError("unlink failed");
  }
  close(dirfd);
}

void BM_Read4K(benchmark::State& state) {
  const std::string path = dirs().dir(state.range(0)) + "/data";
  const std::string block(1 << 20, 'd');
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) ||
      fsync(fd) != 0)
    state.SkipWithError("setup failed");
  char buf[4096];
  off_t offset = 0;
  for (auto _ : state) {
    if (pread(fd, buf, sizeof buf, offset) != static_cast<ssize_t>(sizeof buf))
      state.SkipWithError("read failed");
    offset = (offset + 4096) % static_cast<off_t>(block.size());
  }
  close(fd);
  unlink(path.c_str());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * sizeof buf));
}

BENCHMARK(BM_Append4K)->Arg(0)->Arg(1)->UseRealTime();
BENCHMARK(BM_Append4KFdatasync)->Arg(0)->Arg(1)->UseRealTime();
BENCHMARK(BM_CreateSyncUnlink)->Arg(0)->Arg(1)->UseRealTime();
BENCHMARK(BM_Read4K)->Arg(0)->Arg(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
