// Boost.Asio for the server. Boost 1.74's asio/awaitable.hpp uses
// std::exchange without including <utility> (fixed in later Boosts), and
// GCC 12's standard headers no longer pull it in transitively.
#pragma once

#include <utility>

// Separate block: <utility> must come first.
#include <boost/asio.hpp>
