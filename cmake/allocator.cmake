# FAULTLINE_TCMALLOC: the servers (faultline-raftkv, faultline-paxos,
# faultline-dht) allocate with tcmalloc, gperftools' minimal build
# (libtcmalloc_minimal.a of Debian's libgoogle-perftools-dev), linked
# statically, so a server uploaded to a node needs no library beyond those it
# already needs.
#
# Why: malloc and free were a fifth of a faultline-paxos node's CPU under
# pipelined writes, spread over dozens of call sites (every message, register
# value and operation owns strings). tcmalloc cut a paxos cluster's CPU per
# write to 0.78 (raftkv's to 0.85); jemalloc did less well (alternated with
# tcmalloc: 1.0-1.26 times its CPU per write). `faultline` itself keeps
# glibc's malloc: tcmalloc's start-up touches 4 MB (1,000 page faults, 4 ms
# of CPU), jemalloc's doubles the CPU of checking a small history file, and
# a check per file is what CI scripts run (docs/benchmarks.md, "Session 13:
# tcmalloc" under "Detection in simulation", has the runs).
option(FAULTLINE_TCMALLOC "Link the servers with tcmalloc" ON)

if(FAULTLINE_TCMALLOC)
  find_library(FAULTLINE_TCMALLOC_LIB libtcmalloc_minimal.a
    DOC "gperftools' tcmalloc_minimal archive (scripts/install-deps.sh: libgoogle-perftools-dev)")
  if(NOT FAULTLINE_TCMALLOC_LIB)
    message(FATAL_ERROR "libtcmalloc_minimal.a not found: run scripts/install-deps.sh "
      "(libgoogle-perftools-dev), or configure with -DFAULTLINE_TCMALLOC=OFF")
  endif()
endif()

# Applied to every faultline-NAME server.
function(faultline_server_allocator target)
  if(FAULTLINE_TCMALLOC)
    target_link_libraries(${target} PRIVATE ${FAULTLINE_TCMALLOC_LIB} Threads::Threads)
  endif()
endfunction()
