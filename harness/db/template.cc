#include "harness/db/template.h"

#include <fmt/format.h>

namespace faultline {
namespace {

// Walks `text`, calling literal(ch) for plain characters and name(n) for
// each placeholder; an error for an unmatched brace or an empty name.
template <typename Literal, typename Name>
Status walk(const std::string& text, Literal literal, Name name) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if ((ch == '{' || ch == '}') && i + 1 < text.size() && text[i + 1] == ch) {
      literal(ch);
      ++i;
    } else if (ch == '}') {
      return Status::invalid_argument(
          fmt::format("'{}': unmatched '}}' at {} (write '}}}}' for a brace)", text, i + 1));
    } else if (ch == '{') {
      const size_t close = text.find('}', i);
      if (close == std::string::npos)
        return Status::invalid_argument(
            fmt::format("'{}': unmatched '{{' at {} (write '{{{{' for a brace)", text, i + 1));
      const std::string n = text.substr(i + 1, close - i - 1);
      if (n.empty() || n.find('{') != std::string::npos)
        return Status::invalid_argument(
            fmt::format("'{}': expected a placeholder name after '{{' at {}", text, i + 1));
      if (Status st = name(n); !st.is_ok()) return st;
      i = close;
    } else {
      literal(ch);
    }
  }
  return Status::ok();
}

}  // namespace

Status template_names(const std::string& text, const std::set<std::string>& allowed,
                      std::set<std::string>* used) {
  return walk(
      text, [](char) {},
      [&](const std::string& n) {
        if (allowed.count(n) == 0) {
          std::string known;
          for (const std::string& a : allowed) known += (known.empty() ? "{" : ", {") + a + "}";
          return Status::invalid_argument(
              fmt::format("'{}': unknown placeholder {{{}}} (known here: {})", text, n, known));
        }
        if (used != nullptr) used->insert(n);
        return Status::ok();
      });
}

std::string expand_template(const std::string& text,
                            const std::map<std::string, std::string>& values) {
  std::string out;
  walk(
      text, [&](char ch) { out += ch; },
      [&](const std::string& n) {
        const auto it = values.find(n);
        if (it != values.end()) out += it->second;
        return Status::ok();
      });
  return out;
}

std::string bind_template(const std::string& text,
                          const std::map<std::string, std::string>& values) {
  const auto escaped = [](char ch) {
    return ch == '{' ? std::string("{{") : ch == '}' ? std::string("}}") : std::string(1, ch);
  };
  std::string out;
  walk(
      text, [&](char ch) { out += escaped(ch); },
      [&](const std::string& n) {
        const auto it = values.find(n);
        if (it == values.end()) {
          out += "{" + n + "}";
        } else {
          for (char ch : it->second) out += escaped(ch);
        }
        return Status::ok();
      });
  return out;
}

}  // namespace faultline
