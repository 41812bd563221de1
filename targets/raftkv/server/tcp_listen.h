// Opening a listening TCP socket, shared by the peer and client listeners.
#pragma once

#include "harness/history/status.h"
#include "targets/raftkv/server/asio.h"
#include "targets/raftkv/server/server_options.h"

namespace faultline::raftkv {

// Resolves `address`, then opens, binds (with SO_REUSEADDR, so that a
// restarted server gets its port back at once) and listens on `acceptor`.
Status listen_on(boost::asio::io_context& io, const Address& address,
                 boost::asio::ip::tcp::acceptor* acceptor);

}  // namespace faultline::raftkv
