// The random choices of the storage faults (disk, corrupt), pure, so that
// faultline sim's simulated disk (harness/sim/sim_nemesis.cc) draws the same
// victims, cuts and bit flips from the same seed as the real nemesis
// (disk.cc, corrupt.cc), and records them in the same words.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "nemesis/nemesis.h"

namespace faultline {

// lose-unsynced and torn: disk_nodes of `nodes` at random (0, or as many
// as there are: all of them, in order).
std::vector<std::string> disk_victims(const std::vector<std::string>& nodes,
                                      const NemesisOptions& options, std::mt19937_64& rng);

// truncate-wal: how many bytes to cut, 1..truncate_max_bytes (the caller
// cuts at most the file's size).
uint64_t truncate_cut(const NemesisOptions& options, std::mt19937_64& rng);

// Whether `name` (a file name, no directory) is a WAL segment by wal_glob.
bool is_wal_segment(const std::string& name, const NemesisOptions& options);

// flip-bits: flip_bits (at least 1) bits of a file of `file_size` bytes
// (> 0), as the completion's "flips": [{"offset": O, "bit": B}, ...].
nlohmann::json draw_bit_flips(uint64_t file_size, const NemesisOptions& options,
                              std::mt19937_64& rng);

}  // namespace faultline
