// Templates of config-defined targets (docs/targets.md): text with
// placeholders `{name}`, and `{{` / `}}` for literal braces. A template is
// checked once, when its file is read (an unknown placeholder or an unmatched
// brace is an error there, before anything is deployed), and expanded for
// each node or operation.
#pragma once

#include <map>
#include <set>
#include <string>

#include "base/status.h"

namespace faultline {

// The placeholders `text` uses, or an invalid_argument error saying what is
// wrong (an unmatched brace, an empty or unknown name; `allowed` lists the
// known ones).
Status template_names(const std::string& text, const std::set<std::string>& allowed,
                      std::set<std::string>* used = nullptr);

// `text` with every placeholder replaced by its value in `values` (a
// checked template: names missing from `values` expand to "").
std::string expand_template(const std::string& text,
                            const std::map<std::string, std::string>& values);

// `text` with the placeholders named in `values` replaced (their braces
// doubled, so that the result is again a template) and every other
// placeholder and doubled brace kept: binds some names now (a target's
// options, at deployment) and leaves the rest for expand_template (an
// operation's key and value).
std::string bind_template(const std::string& text,
                          const std::map<std::string, std::string>& values);

}  // namespace faultline
