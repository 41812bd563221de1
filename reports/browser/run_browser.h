// The run browser behind `faultline serve` (docs/reports.md): read-only web
// pages over the store, as a function from a request to a response, so the
// HTTP server around it (harness/cli/serve_command.cc) stays small and every
// page and check here is tested without a socket.
//
//   GET /                    runs newest first, filters (?name= &target= &workload=
//                            &verdict= &limit=), and the pass/fail trend per test
//   GET /runs.json           the same runs as JSON (run_listing_json), same filters
//   GET /runs/ID/            the run's files, linked
//   GET /runs/ID/PATH        a file from inside the run's store directory
//   GET /suites/NAME         the suite's regression registry (suite_history.h)
//
// Files are served only from inside the run's store_dir: a path with a ".."
// segment, or one that resolves (through symlinks) outside it, is refused.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"
#include "reports/run/run_listing.h"
#include "reports/store.h"

namespace faultline {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
};

class RunBrowser {
 public:
  // `store` must outlive the browser; calls to handle() must not overlap.
  explicit RunBrowser(Store& store) : store_(store) {}

  // `target` is the request's path and query, e.g. "/?verdict=invalid".
  // Methods other than GET and HEAD get 405 (the server sends no body for HEAD).
  HttpResponse handle(std::string_view method, std::string_view target);

 private:
  HttpResponse index(const std::map<std::string, std::string>& query);
  HttpResponse runs_json(const std::map<std::string, std::string>& query);
  HttpResponse run_file(int64_t run_id, const std::string& path);

  Store& store_;
  OpCountCache op_counts_;  // finished checks' ops: counting scans their events
};

// Resolves `relative` (a decoded URL path) inside `root`. invalid_argument
// for a ".." segment, an absolute path, a NUL or a path that leaves `root`
// through a symlink; io_error if it names no regular file or directory.
Status resolve_inside(const std::filesystem::path& root, const std::string& relative,
                      std::filesystem::path* out);

// Decodes %XX escapes (and '+' as a space when `form`); false on a bad escape.
bool percent_decode(std::string_view text, bool form, std::string* out);

}  // namespace faultline
