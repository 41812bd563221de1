#include "reports/run/node_logs.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace faultline {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool icontains(std::string_view text, std::string_view needle) {
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         }) != text.end();
}

bool contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

constexpr std::array<std::string_view, 9> kLevels = {
    "trace", "debug", "info", "warn", "warning", "error", "err", "critical", "fatal"};

bool is_level(std::string_view word) {
  return std::any_of(kLevels.begin(), kLevels.end(),
                     [word](std::string_view level) { return iequals(word, level); });
}

// Reads `n` digits at `*at` as a number; false if they are not all digits.
bool digits(std::string_view s, size_t* at, size_t n, int64_t* out) {
  if (*at + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[*at + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *at += n;
  *out = v;
  return true;
}

bool expect(std::string_view s, size_t* at, char c) {
  if (*at >= s.size() || s[*at] != c) return false;
  ++*at;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "YYYY-mm-dd[ T]HH:MM:SS[.fff...][Z]" at `*at`, as Unix ns.
bool parse_time(std::string_view s, size_t* at, int64_t* unix_ns) {
  int64_t y, mo, d, h, mi, sec;
  if (!digits(s, at, 4, &y) || !expect(s, at, '-') || !digits(s, at, 2, &mo) ||
      !expect(s, at, '-') || !digits(s, at, 2, &d))
    return false;
  if (*at >= s.size() || (s[*at] != ' ' && s[*at] != 'T')) return false;
  ++*at;
  if (!digits(s, at, 2, &h) || !expect(s, at, ':') || !digits(s, at, 2, &mi) ||
      !expect(s, at, ':') || !digits(s, at, 2, &sec))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  int64_t fraction_ns = 0;
  if (*at < s.size() && (s[*at] == '.' || s[*at] == ',')) {
    ++*at;
    int64_t scale = 100'000'000;
    size_t n = 0;
    for (; *at < s.size() && std::isdigit(static_cast<unsigned char>(s[*at])); ++*at, ++n) {
      fraction_ns += (s[*at] - '0') * scale;
      scale /= 10;
    }
    if (n == 0) return false;
  }
  if (*at < s.size() && s[*at] == 'Z') ++*at;
  *unix_ns = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 * 1'000'000'000 +
             sec * 1'000'000'000 + fraction_ns;
  return true;
}

void skip_spaces(std::string_view s, size_t* at) {
  while (*at < s.size() && s[*at] == ' ') ++*at;
}

// A "[...]" tag at `*at` (without its brackets), or nullopt.
std::optional<std::string_view> bracketed(std::string_view s, size_t* at) {
  if (*at >= s.size() || s[*at] != '[') return std::nullopt;
  const size_t close = s.find(']', *at);
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view tag = s.substr(*at + 1, close - *at - 1);
  *at = close + 1;
  return tag;
}

}  // namespace

std::string_view to_string(LogKind kind) {
  switch (kind) {
    case LogKind::kLeader: return "leader";
    case LogKind::kElection: return "election";
    case LogKind::kFollower: return "follower";
    case LogKind::kRestart: return "restart";
    case LogKind::kError: return "error";
    case LogKind::kWarning: return "warning";
  }
  return "?";
}

std::optional<ParsedLogLine> parse_log_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ParsedLogLine out;
  size_t at = 0;
  const bool bracket = expect(line, &at, '[');
  if (!parse_time(line, &at, &out.unix_ns)) return std::nullopt;
  if (bracket && !expect(line, &at, ']')) return std::nullopt;
  // The level: a bracketed tag or a bare word that names one; spdlog's
  // default pattern may put the logger's name ("[raftkv]") before it.
  for (skip_spaces(line, &at); out.level.empty();) {
    const size_t before = at;
    std::optional<std::string_view> tag = bracketed(line, &at);
    if (!tag) {
      const size_t end = std::min(line.find(' ', at), line.size());
      if (is_level(line.substr(at, end - at))) {
        out.level = line.substr(at, end - at);
        at = end;
      } else {
        at = before;
      }
      break;
    }
    skip_spaces(line, &at);
    if (is_level(*tag)) out.level = *tag;
  }
  // Tags after the level ("[node 1]") are not part of the message.
  for (skip_spaces(line, &at); at < line.size() && line[at] == '[';) {
    const size_t before = at;
    if (!bracketed(line, &at)) {
      at = before;
      break;
    }
    skip_spaces(line, &at);
  }
  out.message = line.substr(at);
  return out;
}

std::optional<LogKind> classify_log_line(std::string_view level, std::string_view message) {
  if (iequals(level, "error") || iequals(level, "err") || iequals(level, "critical") ||
      iequals(level, "fatal"))
    return LogKind::kError;
  // raftkv's RaftNode::on_soft_state: "node 1: leader in term 3, leader 1".
  if (contains(message, ": leader in term ")) return LogKind::kLeader;
  if (contains(message, ": candidate in term ") || contains(message, ": pre-candidate in term "))
    return LogKind::kElection;
  if (contains(message, ": follower in term ")) return LogKind::kFollower;
  // raftkv starting (RaftNode::create, main) and stopping.
  if (contains(message, "recovered term ") || contains(message, "serving clients on ") ||
      contains(message, "shutting down") || message.starts_with("recovery: "))
    return LogKind::kRestart;
  if (iequals(level, "warn") || iequals(level, "warning")) return LogKind::kWarning;
  // Other systems' wording.
  if (icontains(message, "became leader") || icontains(message, "elected leader") ||
      icontains(message, "new leader"))
    return LogKind::kLeader;
  if (icontains(message, "election")) return LogKind::kElection;
  if (icontains(message, "restart") || icontains(message, "starting ") ||
      icontains(message, "shutting down"))
    return LogKind::kRestart;
  return std::nullopt;
}

std::vector<LogLine> important_log_lines(std::string_view text, int64_t started_at_unix_ms) {
  std::vector<LogLine> out;
  const int64_t start_ns = started_at_unix_ms * 1'000'000;
  uint32_t number = 0;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    ++number;
    std::optional<ParsedLogLine> parsed = parse_log_line(line);
    if (!parsed) continue;
    std::optional<LogKind> kind = classify_log_line(parsed->level, parsed->message);
    if (!kind) continue;
    out.push_back({parsed->unix_ns - start_ns, *kind, std::string(parsed->level),
                   std::string(parsed->message), number});
  }
  return out;
}

}  // namespace faultline
