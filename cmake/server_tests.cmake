# faultline_server_test(NAME SOURCES <src>... LIBRARIES <lib>... SERVERS <server>...
#                       [LABELS <label>])
#
# A GoogleTest executable (its tests discovered by ctest) that runs the
# faultline server executables named in SERVERS: each is built before the
# test, and the test sees its path as the macro FAULTLINE_<NAME>_BINARY
# (faultline-raftkv: FAULTLINE_RAFTKV_BINARY). LABELS labels every test (e.g.
# cluster, for the tests that need root).
function(faultline_server_test name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "LABELS" "SOURCES;LIBRARIES;SERVERS")
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_SOURCES OR NOT ARG_SERVERS)
    message(FATAL_ERROR "faultline_server_test(${name}): expected SOURCES, LIBRARIES, SERVERS "
      "and LABELS, got '${ARGN}'")
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
  if(ARG_LABELS)
    gtest_discover_tests(${name} PROPERTIES LABELS ${ARG_LABELS})
  else()
    gtest_discover_tests(${name})
  endif()
endfunction()
