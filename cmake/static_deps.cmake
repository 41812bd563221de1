# FAULTLINE_STATIC_DEPS: short start-up for `faultline` (issue 13, item 6).
#
# Why: `faultline` is run once per history file by CI scripts, so its start-up
# counts. With 14 shared libraries, `faultline --version` spent nearly all of
# its time in the dynamic loader (LD_DEBUG=statistics: ~90% of it relocating
# libcrypto, libssh2, libsqlite3, ...). Now:
#  - the libraries Debian ships as static archives (.a) are linked statically,
#    into every executable: sqlite3, ssh2, ssl/crypto, zlib, hiredis,
#    boost_system (the find_* calls below prefer .a over .so);
#  - fmt, spdlog and toml++ have no .a in Debian, but their implementation
#    headers are shipped: cmake/static_deps.cc compiles them into `faultline`,
#    and -Wl,--as-needed drops the .so files it no longer uses;
#  - simdjson stays shared (Debian ships no archive and no simdjson.cpp), and
#    with it libstdc++ (libsimdjson.so needs libstdc++.so.6: a static copy in
#    `faultline` would load both).
# `faultline`'s NEEDED list is checked by the ctest faultline_needed_libs
# (cmake/check_needed_libs.cmake).
# Must be included before the find_package() calls. A build dir configured
# without it keeps its cached .so paths: configure a fresh one.
option(FAULTLINE_STATIC_DEPS "Link faultline's dependencies statically where Debian ships archives" ON)

if(FAULTLINE_STATIC_DEPS)
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a .so)  # find_library, FindSQLite3, pkg-config
  set(OPENSSL_USE_STATIC_LIBS TRUE)
  set(Boost_USE_STATIC_LIBS ON)
  # libssh2.a needs zlib; pkg-config's non-static answer does not say so.
  find_library(FAULTLINE_ZLIB_STATIC libz.a REQUIRED)
  string(APPEND CMAKE_CXX_STANDARD_LIBRARIES " ${FAULTLINE_ZLIB_STATIC}")
endif()

# Applied to the `faultline` executable (harness/cli/CMakeLists.txt).
function(faultline_static_deps target)
  if(NOT FAULTLINE_STATIC_DEPS)
    return()
  endif()
  target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/cmake/static_deps.cc)
  target_link_libraries(${target} PRIVATE fmt::fmt spdlog::spdlog tomlplusplus::tomlplusplus)
  # --as-needed: drop every shared library none of whose symbols is used.
  # -no-pie: the loader no longer relocates the executable itself (measured:
  # minimum loader time 2.0M -> 0.9M cycles); `faultline` is a test tool, its
  # own base address is not randomised (its libraries' still are).
  # (-z pack-relative-relocs was measured too: no gain over -no-pie.)
  target_link_options(${target} PRIVATE LINKER:--as-needed LINKER:-O1 -no-pie)
  add_test(NAME ${target}_needed_libs COMMAND ${CMAKE_COMMAND} -DBIN=$<TARGET_FILE:${target}>
    -P ${PROJECT_SOURCE_DIR}/cmake/check_needed_libs.cmake)
endfunction()
