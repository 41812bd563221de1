#include "nemesis/storage_choices.h"

#include <fnmatch.h>

#include <algorithm>

#include "nemesis/random.h"

namespace faultline {

std::vector<std::string> disk_victims(const std::vector<std::string>& nodes,
                                      const NemesisOptions& options, std::mt19937_64& rng) {
  const int n = options.disk_nodes;
  return n <= 0 || static_cast<size_t>(n) >= nodes.size() ? nodes : choose(nodes, n, rng);
}

uint64_t truncate_cut(const NemesisOptions& options, std::mt19937_64& rng) {
  return 1 + random_below(rng, std::max(1, options.truncate_max_bytes));
}

bool is_wal_segment(const std::string& name, const NemesisOptions& options) {
  return fnmatch(options.wal_glob.c_str(), name.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0;
}

nlohmann::json draw_bit_flips(uint64_t file_size, const NemesisOptions& options,
                              std::mt19937_64& rng) {
  nlohmann::json flips = nlohmann::json::array();
  for (int i = 0; i < std::max(1, options.flip_bits); ++i) {
    const uint64_t offset = random_below(rng, file_size);
    const int bit = static_cast<int>(random_below(rng, 8));
    flips.push_back({{"offset", offset}, {"bit", bit}});
  }
  return flips;
}

}  // namespace faultline
