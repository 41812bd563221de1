# faultline_discover_tests(TARGET CLUSTER <gtest filter>)
#
# Discovers the GoogleTest tests of TARGET, an executable that mixes pure
# tests with tests on local clusters (namespaces, sshd: root). The tests that
# CLUSTER matches (a gtest filter, e.g. "LocalClusterTest.*") get the label
# cluster; the others are pure and get no label, so `ctest -LE cluster` runs
# them (docs/testing.md). An executable of cluster tests only keeps
# gtest_discover_tests(... PROPERTIES LABELS cluster).
function(faultline_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "CLUSTER" "")
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_CLUSTER)
    message(FATAL_ERROR "faultline_discover_tests(${target}): expected CLUSTER <filter>, "
      "got '${ARGN}'")
  endif()
  gtest_discover_tests(${target} TEST_FILTER "${ARG_CLUSTER}" PROPERTIES LABELS cluster)
  gtest_discover_tests(${target} TEST_FILTER "-${ARG_CLUSTER}")
endfunction()
