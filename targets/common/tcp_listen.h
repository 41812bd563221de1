// Opening a listening TCP socket, shared by the peer and client listeners.
#pragma once

#include "base/status.h"
#include "targets/common/address.h"
#include "targets/common/asio.h"

namespace faultline::common {

// Resolves `address`, then opens, binds (with SO_REUSEADDR, so that a
// restarted server gets its port back at once) and listens on `acceptor`.
Status listen_on(boost::asio::io_context& io, const Address& address,
                 boost::asio::ip::tcp::acceptor* acceptor);

}  // namespace faultline::common
