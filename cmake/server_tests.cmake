# faultline_server_test(NAME SOURCES <src>... LIBRARIES <lib>... SERVERS <server>...
#                       [CLUSTER <gtest filter>])
#
# A GoogleTest executable (its tests discovered by ctest) that runs the
# faultline server executables named in SERVERS: each is built before the
# test, and the test sees its path as the macro FAULTLINE_<NAME>_BINARY
# (faultline-raftkv: FAULTLINE_RAFTKV_BINARY). CLUSTER names the tests that
# run on a local cluster and need root (faultline_discover_tests: label cluster).
function(faultline_server_test name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "CLUSTER" "SOURCES;LIBRARIES;SERVERS")
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_SOURCES OR NOT ARG_SERVERS)
    message(FATAL_ERROR "faultline_server_test(${name}): expected SOURCES, LIBRARIES, SERVERS "
      "and CLUSTER, got '${ARGN}'")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} ${ARG_LIBRARIES} GTest::gtest_main)
  foreach(server IN LISTS ARG_SERVERS)
    string(REGEX REPLACE "^faultline-" "" short "${server}")
    string(TOUPPER "${short}" short)
    target_compile_definitions(${name} PRIVATE
      FAULTLINE_${short}_BINARY="$<TARGET_FILE:${server}>")
    add_dependencies(${name} ${server})
  endforeach()
  if(ARG_CLUSTER)
    faultline_discover_tests(${name} CLUSTER "${ARG_CLUSTER}")
  else()
    gtest_discover_tests(${name})
  endif()
endfunction()
