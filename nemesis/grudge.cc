#include "nemesis/grudge.h"

#include <fmt/format.h>

#include <algorithm>

#include "nemesis/random.h"

namespace faultline {

const std::vector<std::string>& partition_specs() {
  static const std::vector<std::string> specs = {"isolate-one",     "halves", "random-halves",
                                                 "majorities-ring", "bridge", "isolate-leader"};
  return specs;
}

Grudge components_grudge(const std::vector<std::vector<std::string>>& components) {
  Grudge g;
  for (size_t i = 0; i < components.size(); ++i)
    for (size_t j = 0; j < components.size(); ++j)
      if (i != j)
        for (const std::string& a : components[i])
          for (const std::string& b : components[j]) g[a].insert(b);
  return g;
}

Grudge majorities_ring_grudge(const std::vector<std::string>& ring) {
  const size_t n = ring.size();
  const size_t majority = n / 2 + 1;
  // Neighbours seen on each side; the window 2*reach+1 is at least a majority.
  const size_t reach = majority / 2;
  Grudge g;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const size_t d = i > j ? i - j : j - i;
      if (std::min(d, n - d) > reach) g[ring[i]].insert(ring[j]);
    }
  }
  return g;
}

Grudge bridge_grudge(const std::vector<std::string>& nodes) {
  const size_t mid = nodes.size() / 2;
  std::vector<std::string> left(nodes.begin(), nodes.begin() + mid);
  std::vector<std::string> right(nodes.begin() + mid + 1, nodes.end());
  return components_grudge({left, right});
}

bool can_talk(const Grudge& grudge, const std::string& a, const std::string& b) {
  for (const auto& [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
    auto it = grudge.find(x);
    if (it != grudge.end() && it->second.count(y) != 0) return false;
  }
  return true;
}

Status partition_grudge(const std::string& spec, const std::vector<std::string>& nodes,
                        const std::vector<std::string>& primaries, std::mt19937_64& rng,
                        Grudge* out, std::vector<std::string>* isolated) {
  const size_t n = nodes.size();
  const size_t needed = spec == "bridge" ? 3 : 2;
  auto isolate = [&](const std::string& victim) {
    std::vector<std::string> rest;
    for (const std::string& x : nodes)
      if (x != victim) rest.push_back(x);
    *out = components_grudge({{victim}, rest});
    if (isolated != nullptr) *isolated = {victim};
  };
  auto halves = [&](const std::vector<std::string>& order) {
    *out = components_grudge({std::vector<std::string>(order.begin(), order.begin() + n / 2),
                              std::vector<std::string>(order.begin() + n / 2, order.end())});
  };
  bool known = false;
  for (const std::string& s : partition_specs()) known = known || s == spec;
  if (!known) {
    std::string list;
    for (const std::string& s : partition_specs()) list += (list.empty() ? "" : ", ") + s;
    return Status::invalid_argument(
        fmt::format("unknown partition spec '{}' (known: {})", spec, list));
  }
  if (n < needed)
    return Status::invalid_argument(
        fmt::format("partition spec '{}' needs at least {} nodes, got {}", spec, needed, n));
  if (isolated != nullptr) isolated->clear();
  if (spec == "isolate-one") {
    isolate(nodes[random_below(rng, n)]);
  } else if (spec == "halves") {
    halves(nodes);
  } else if (spec == "random-halves") {
    halves(shuffled(nodes, rng));
  } else if (spec == "majorities-ring") {
    *out = majorities_ring_grudge(shuffled(nodes, rng));
  } else if (spec == "bridge") {
    *out = bridge_grudge(shuffled(nodes, rng));
  } else {  // isolate-leader
    if (primaries.empty())
      return Status::invalid_argument("isolate-leader: no node considers itself leader");
    isolate(primaries[0]);
  }
  return Status::ok();
}

Status recorded_grudge(const nlohmann::json& chosen, const std::string& spec,
                       const std::vector<std::string>& nodes, Grudge* out,
                       std::vector<std::string>* isolated) {
  auto known = [&](const std::string& n) {
    return std::find(nodes.begin(), nodes.end(), n) != nodes.end();
  };
  const std::vector<std::string>& specs = partition_specs();
  if (std::find(specs.begin(), specs.end(), spec) == specs.end())
    return Status::invalid_argument(fmt::format("unknown partition spec '{}'", spec));
  if (!chosen.is_object())
    return Status::invalid_argument(fmt::format(
        "recorded grudge: expected {{\"node\": [nodes it cuts], ...}}, got {}", chosen.dump()));
  Grudge g;
  for (const auto& [node, cut] : chosen.items()) {
    if (!known(node))
      return Status::invalid_argument(
          fmt::format("recorded grudge: '{}' is not a node of this cluster", node));
    if (!cut.is_array())
      return Status::invalid_argument(
          fmt::format("recorded grudge: {}: expected an array of node names", node));
    for (const nlohmann::json& other : cut) {
      if (!other.is_string() || !known(other.get<std::string>()))
        return Status::invalid_argument(fmt::format(
            "recorded grudge: {}: {} is not a node of this cluster", node, other.dump()));
      g[node].insert(other.get<std::string>());
    }
  }
  if (isolated != nullptr) {
    isolated->clear();
    if (spec.starts_with("isolate-"))
      for (const std::string& n : nodes)
        if (g.contains(n) && g.at(n).size() + 1 == nodes.size()) isolated->push_back(n);
  }
  *out = std::move(g);
  return Status::ok();
}

}  // namespace faultline
