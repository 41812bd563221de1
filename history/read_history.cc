#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "history/reader.h"

namespace faultline {

Status read_history(const std::string& path, const ReadOptions& options, History* out,
                    std::vector<Operation>* ops) {
  // A directory opens fine but reads as empty; a pipe (/dev/stdin) has no size.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return Status::io_error(fmt::format("{}: cannot read: is a directory", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::string text;
  if (const auto size = std::filesystem::file_size(path, ec); !ec) text.reserve(size);
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk), in.gcount() > 0)
    text.append(chunk, static_cast<size_t>(in.gcount()));
  if (in.bad()) return Status::io_error(fmt::format("{}: read error", path));
  Status st = options.format == HistoryFormat::kEdn
                  ? parse_edn(text, path, options.independent, out)
                  : parse_jsonl(text, path, out);
  if (!st.is_ok()) return st;
  return pair_operations(*out, ops);
}

}  // namespace faultline
