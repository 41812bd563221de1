# faultline_unit_test(NAME SOURCES <src>... LIBRARIES <lib>...)
#
# A GoogleTest executable, linked with gmock and gtest_main, whose tests
# ctest discovers.
function(faultline_unit_test name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBRARIES")
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} ${ARG_LIBRARIES} GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name})
endfunction()
