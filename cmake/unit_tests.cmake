# faultline_unit_test(NAME SOURCES <src>... LIBRARIES <lib>...)
#
# A GoogleTest executable, linked with gmock and gtest_main, whose tests
# ctest discovers.
function(faultline_unit_test name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBRARIES")
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_SOURCES)
    message(FATAL_ERROR "faultline_unit_test(${name}): expected SOURCES and LIBRARIES, got "
                        "${ARG_UNPARSED_ARGUMENTS}")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} ${ARG_LIBRARIES} GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name})
endfunction()
