// Exit codes shared by every faultline subcommand (docs/cli.md lists them).
#pragma once

namespace faultline::exit_code {
inline constexpr int kValid = 0;
inline constexpr int kInvalid = 1;
inline constexpr int kUnknown = 2;
inline constexpr int kInfrastructure = 3;  // could not deploy, cluster never recovered, store error
inline constexpr int kUsage = 64;          // EX_USAGE
inline constexpr int kMalformed = 65;      // EX_DATAERR: bad input file
inline constexpr int kNoInput = 66;        // EX_NOINPUT: input file missing or unreadable
inline constexpr int kInterrupted = 130;   // Ctrl-C
}  // namespace faultline::exit_code
