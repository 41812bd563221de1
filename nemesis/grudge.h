// Grudges: who cannot talk to whom during a partition, computed from a spec
// without touching any node (pure, so unit-tested). A grudge maps each node
// to the nodes whose traffic it drops; every spec here is symmetric (a cuts b
// exactly when b cuts a), and nodes that keep all their links are absent.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"

namespace faultline {

using Grudge = std::map<std::string, std::set<std::string>>;

// The partition specs partition_grudge knows, in a fixed order.
const std::vector<std::string>& partition_specs();

// Every link between different components is cut; links inside one stay.
Grudge components_grudge(const std::vector<std::vector<std::string>>& components);

// The nodes in a ring (in the given order), each seeing itself and its
// nearest neighbours on both sides, as many as make a majority of the
// cluster (one more for even sizes, to keep the window symmetric). Every node
// sees a majority, no two see the same one; with 3 nodes or fewer nothing is
// cut.
Grudge majorities_ring_grudge(const std::vector<std::string>& ring);

// Two halves that cannot talk to each other, and one node (the middle one of
// `nodes`) that talks to both. Needs 3 nodes.
Grudge bridge_grudge(const std::vector<std::string>& nodes);

// The grudge of `spec` on `nodes`:
//   isolate-one     a random node alone | the rest
//   halves          the first floor(n/2) nodes | the rest (in the given order)
//   random-halves   the same after shuffling
//   majorities-ring majorities_ring_grudge of a shuffled ring
//   bridge          bridge_grudge of the shuffled nodes
//   isolate-leader  primaries[0] alone | the rest (an error if there is none)
// `isolated` (optional) gets the nodes cut off alone (the isolate specs).
// An unknown spec, or too few nodes for it, is invalid_argument.
Status partition_grudge(const std::string& spec, const std::vector<std::string>& nodes,
                        const std::vector<std::string>& primaries, std::mt19937_64& rng,
                        Grudge* out, std::vector<std::string>* isolated = nullptr);

// The grudge a partition's completion recorded ({"n1": ["n2", "n3"], ...},
// FaultStart::chosen), checked against `nodes`, for a partition that is
// replayed. `isolated` (optional) gets, when `spec` is an isolate spec, the
// node cut from every other, as partition_grudge reports it. A malformed
// grudge or an unknown node is invalid_argument.
Status recorded_grudge(const nlohmann::json& chosen, const std::string& spec,
                       const std::vector<std::string>& nodes, Grudge* out,
                       std::vector<std::string>* isolated = nullptr);

// Whether a and b can exchange packets under the grudge.
bool can_talk(const Grudge& grudge, const std::string& a, const std::string& b);

}  // namespace faultline
