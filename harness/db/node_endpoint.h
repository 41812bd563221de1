// Where a node of the system under test serves clients.
#pragma once

#include <string>

namespace faultline {

struct NodeEndpoint {
  std::string name;  // the node's name in the cluster ("n1"), recorded as an op's "node"
  std::string host;
  int port = 0;
};

}  // namespace faultline
