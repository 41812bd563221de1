// What the nemesis runs on the nodes, shared by the fault kinds: the shell
// commands for the FAULTLINE chain (kNemesisChain, the chain `faultline
// cluster heal` flushes) and the clock offset file, and running something on
// several nodes at once. docs/nemesis.md lists the commands.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "base/status.h"
#include "nemesis/nemesis.h"

namespace faultline {

// Creates the chain and the jumps from INPUT and OUTPUT where they are
// missing (a remote host; `cluster up` made them on a local cluster), then
// appends one DROP rule per match ("-s 10.77.0.12"), tagged with the comment
// faultline-<tag> so that stop can remove exactly its own rules. Applied with
// one iptables-restore --noflush, so all or none.
std::string add_drop_rules_command(const std::string& tag, const std::vector<std::string>& matches);
// Deletes the chain's rules tagged faultline-<tag>; nothing if there is no chain.
std::string delete_tagged_rules_command(const std::string& tag);
// Replaces the rules of the chain of the same name in the nat table (made,
// and jumped to from nat OUTPUT, where missing) with `rules` ("-d 10.77.0.12
// -p tcp ... -j REDIRECT ..."), after one that lets packets marked
// `skip_mark` through untouched. All or none.
std::string nat_rules_command(uint32_t skip_mark, const std::vector<std::string>& rules);
// Empties the chain, in the filter and the nat table (every nemesis rule);
// nothing where there is no chain.
std::string flush_chain_command();
// Writes a libfaketime offset ("+5s") to the file, atomically (rename).
std::string write_offset_command(const std::string& file, const std::string& offset);

// Runs a command on the node; a non-zero exit is an error naming the node
// and carrying its stderr.
Status run_on_node(const NemesisContext& context, const std::string& node,
                   const std::string& command, std::string* stdout_text = nullptr);
// fn(node) on each node in parallel; the first error (in the given order).
Status on_each(const std::vector<std::string>& nodes,
               const std::function<Status(const std::string&)>& fn);

std::vector<std::string> node_names(const NemesisContext& context);
// Deletes the rules tagged faultline-<tag> on every node (a network fault's
// stop) and records the nodes as "healed" in *done.
Status heal_tagged_rules(const NemesisContext& context, const std::string& tag,
                         nlohmann::json* done);
std::string node_address(const NemesisContext& context, const std::string& node);

// The victims of a kill or pause spec: one, minority ((n-1)/2, at least 1),
// majority (n/2+1), all, or leader (from Db::primaries; an error if none
// leads). `allowed` lists the specs the caller takes.
Status choose_victims(const NemesisContext& context, std::mt19937_64& rng, const std::string& spec,
                      const std::vector<std::string>& allowed, std::vector<std::string>* victims);
// The same choice among `nodes`, with `primaries` the nodes that lead (for
// spec leader); pure, so that the simulator (harness/sim) picks the same.
Status choose_victims(const std::vector<std::string>& nodes,
                      const std::vector<std::string>& primaries, std::mt19937_64& rng,
                      const std::string& spec, const std::vector<std::string>& allowed,
                      std::vector<std::string>* victims);

// The victims of a replayed fault: `spec` (checked against `allowed`, as
// choose_victims does) with the nodes its earlier start recorded
// (FaultStart::chosen: an array of distinct names of `nodes`) instead of a
// random choice. Anything else is invalid_argument naming what is wrong.
Status recorded_victims(const std::string& spec, const std::vector<std::string>& allowed,
                        const nlohmann::json& chosen, const std::vector<std::string>& nodes,
                        std::vector<std::string>* victims);

// Starts the server on every node where it does not run; `started` gets
// those nodes, in order. A node that fails to start does not stop the others;
// the first failure is returned.
Status start_stopped_servers(const NemesisContext& context, std::vector<std::string>* started);

// Sends SIGCONT (Db::resume) to the server on every node where it runs;
// `resumed` gets those nodes, in order.
Status resume_running_servers(const NemesisContext& context, std::vector<std::string>* resumed);

// "unknown <what> spec 'x' (known: a, b)".
Status unknown_spec(const std::string& what, const std::string& spec,
                    const std::vector<std::string>& known);

}  // namespace faultline
