# FAULTLINE_TCMALLOC: `faultline` and the servers allocate with tcmalloc
# (gperftools' minimal build: libtcmalloc_minimal.a of Debian's
# libgoogle-perftools-dev), linked statically, so a server uploaded to a node
# needs no library beyond those it already needs.
#
# Why: malloc and free were a fifth of a faultline-paxos node's CPU under
# pipelined writes and of a simulated seed's instructions, spread over dozens
# of call sites (every message, register value and operation owns strings).
# tcmalloc's per-thread caches make them cheaper where no single site can be:
# 0.87 of the instructions of a raftkv simulation, 0.88 of a paxos one, and
# 0.78 of a paxos cluster's CPU per write (raftkv's: 0.85). docs/benchmarks.md
# ("tcmalloc") has the runs. Tests keep glibc's malloc: they are not timed.
option(FAULTLINE_TCMALLOC "Link faultline and the servers with tcmalloc" ON)

if(FAULTLINE_TCMALLOC)
  find_library(FAULTLINE_TCMALLOC_LIB libtcmalloc_minimal.a
    DOC "gperftools' tcmalloc_minimal archive (scripts/install-deps.sh: libgoogle-perftools-dev)")
  if(NOT FAULTLINE_TCMALLOC_LIB)
    message(FATAL_ERROR "libtcmalloc_minimal.a not found: run scripts/install-deps.sh "
      "(libgoogle-perftools-dev), or configure with -DFAULTLINE_TCMALLOC=OFF")
  endif()
endif()

# Applied to `faultline` and to every faultline-NAME server.
function(faultline_allocator target)
  if(FAULTLINE_TCMALLOC)
    target_link_libraries(${target} PRIVATE ${FAULTLINE_TCMALLOC_LIB} Threads::Threads)
  endif()
endfunction()
