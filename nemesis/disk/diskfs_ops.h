// The FUSE operations of faultline-diskfs (libfuse3 high-level API): each
// passes through to DiskFs::root() (the backing directory) and tells the
// tracker what it changed. The DiskFs is the fuse private data.
#pragma once

struct fuse_operations;

namespace faultline::diskfs {

const fuse_operations& diskfs_operations();

}  // namespace faultline::diskfs
