#!/bin/sh
# Link launcher for the fully static `faultline` (cmake/static_deps.cmake):
# runs the link command given as arguments without its shared libraries
# (*.so, *.so.N...). fmt, spdlog and toml++ reach the link line as .so files
# through their CMake targets, but cmake/static_deps.cc compiles them into
# `faultline`, and `ld -static` refuses any .so.
for arg do
  shift
  case "$arg" in
    *.so | *.so.[0-9]*) ;;
    *) set -- "$@" "$arg" ;;
  esac
done
exec "$@"
