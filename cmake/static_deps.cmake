# FAULTLINE_STATIC_DEPS: short start-up for `faultline` (issue 13, item 6).
#
# Why: `faultline` is run once per history file by CI scripts, so its start-up
# counts. With 14 shared libraries, `faultline --version` spent nearly all of
# its time in the dynamic loader. Now `faultline` is one static executable
# (no ld.so, no relocations, no shared library to map):
#  - the libraries Debian ships as static archives (.a) are linked statically,
#    into every executable: sqlite3, ssh2, ssl/crypto, zlib, hiredis,
#    boost_system (the find_* calls below prefer .a over .so), and libstdc++
#    and glibc for `faultline`;
#  - fmt, spdlog and toml++ have no .a in Debian, but their implementation
#    headers are shipped: cmake/static_deps.cc compiles them into `faultline`,
#    and cmake/static_link.sh takes their .so files off its link line;
#  - the JSON-lines reader does without simdjson (Debian ships it only as a
#    shared library; history/jsonl_reader.cc).
# glibc's getaddrinfo (host names in nodes files) then loads the NSS modules
# of the same glibc at run time, as the linker warns: faultline is built on
# the machine it runs on (scripts/build.sh), so they match.
# `faultline`'s NEEDED list (none) is checked by the ctest faultline_needed_libs
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
  # -static: not position-independent, so nothing to relocate at start-up;
  # `faultline` is a test tool, its base address is not randomised.
  target_link_options(${target} PRIVATE -static LINKER:-O1)
  set_property(TARGET ${target} PROPERTY RULE_LAUNCH_LINK ${PROJECT_SOURCE_DIR}/cmake/static_link.sh)
  add_test(NAME ${target}_needed_libs COMMAND ${CMAKE_COMMAND} -DBIN=$<TARGET_FILE:${target}>
    -P ${PROJECT_SOURCE_DIR}/cmake/check_needed_libs.cmake)
endfunction()
