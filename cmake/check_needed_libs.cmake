# ctest faultline_needed_libs: `faultline` is linked statically, so its NEEDED
# list (readelf -d) must be empty: a dependency that arrives as a shared
# library (start-up cost, cmake/static_deps.cmake) fails CI instead of slowing
# every `faultline` process down unnoticed. Not a timing test.
# Run as: cmake -DBIN=path/to/faultline -P check_needed_libs.cmake
execute_process(COMMAND readelf -d ${BIN} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf -d ${BIN} failed")
endif()
string(REGEX MATCHALL "Shared library: \\[[^]]+\\]" lines "${out}")
set(needed)
foreach(line IN LISTS lines)
  string(REGEX REPLACE "Shared library: \\[(.+)\\.so.*\\]" "\\1" name "${line}")
  list(APPEND needed ${name})
endforeach()
list(SORT needed)
if(NOT "${needed}" STREQUAL "")
  message(FATAL_ERROR "faultline NEEDED: ${needed}; expected none\n"
    "A shared library costs every faultline process start-up time: link it "
    "statically (cmake/static_deps.cmake), or update this list and docs/benchmarks.md.")
endif()
message(STATUS "faultline NEEDED: none (static)")
