#include "targets/common/tcp_listen.h"

#include <fmt/format.h>

namespace faultline::common {

using boost::asio::ip::tcp;

Status listen_on(boost::asio::io_context& io, const Address& address, tcp::acceptor* acceptor) {
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(address.host, std::to_string(address.port), ec);
  if (ec || endpoints.empty()) {
    return Status::io_error(fmt::format("resolve {}: {}", address.to_string(), ec.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::io_error(fmt::format("listen on {}: {}", address.to_string(), ec.message()));
  }
  return Status::ok();
}

}  // namespace faultline::common
