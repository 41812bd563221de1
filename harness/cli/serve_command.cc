#include "harness/cli/serve_command.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <iostream>
#include <mutex>
#include <thread>

#include "base/exit_codes.h"
#include "reports/browser/run_browser.h"
#include "reports/run/run_listing.h"

namespace faultline {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct ServeArgs {
  std::string db = kDefaultStorePath;
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;
};

// The browser is one store connection: requests take turns.
struct Shared {
  RunBrowser* browser;
  std::mutex mutex;
};

// Serves one connection's requests until it closes, idles for 30 s, or sends
// something that is not HTTP.
void serve_connection(tcp::socket socket, Shared* shared) {
  const timeval idle{30, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &idle, sizeof idle);
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    boost::system::error_code ec;
    http::read(socket, buffer, request, ec);
    if (ec) break;
    HttpResponse page;
    {
      std::lock_guard lock(shared->mutex);
      page = shared->browser->handle(std::string(request.method_string()),
                                     std::string(request.target()));
    }
    http::response<http::string_body> response{static_cast<http::status>(page.status),
                                               request.version()};
    response.set(http::field::server, "faultline");
    response.set(http::field::content_type, page.content_type);
    response.set("X-Content-Type-Options", "nosniff");
    response.set(http::field::cache_control, "no-store");
    response.keep_alive(request.keep_alive());
    const size_t length = page.body.size();
    if (request.method() != http::verb::head) response.body() = std::move(page.body);
    response.content_length(length);
    http::write(socket, response, ec);
    if (ec || !response.keep_alive()) break;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

int run_serve(const ServeArgs& args) {
  std::unique_ptr<Store> store;
  if (Status st = open_existing_store(args.db, &store); !st.is_ok()) {
    std::cerr << "faultline serve: " << st.message() << "\n";
    return store ? exit_code::kInfrastructure : exit_code::kNoInput;
  }
  RunBrowser browser(*store);
  Shared shared{&browser, {}};
  asio::io_context io;
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(args.bind, ec);
  if (ec) {
    std::cerr << "faultline serve: --bind " << args.bind << ": not an IP address\n";
    return exit_code::kUsage;
  }
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(address, args.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "faultline serve: cannot listen on " << args.bind << ":" << args.port << ": "
              << ec.message() << "\n";
    return exit_code::kInfrastructure;
  }
  const tcp::endpoint local = acceptor.local_endpoint();
  const std::string host = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                                   : local.address().to_string();
  // Tests and scripts read the port from this line (--port 0 picks a free one).
  std::cout << "faultline serve: http://" << host << ":" << local.port() << "/ (" << store->path()
            << ", read-only; Ctrl-C stops)" << std::endl;
  for (;;) {
    tcp::socket socket(io);
    acceptor.accept(socket, ec);
    if (ec) continue;  // a connection that went away before it was accepted
    std::thread(serve_connection, std::move(socket), &shared).detach();
  }
}

}  // namespace

void add_serve_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Browse recorded runs in a web browser (read-only)");
  cmd->add_option("--db", args->db, "The store to browse")->capture_default_str();
  cmd->add_option("--port,-p", args->port, "The port to listen on (0: any free port)")
      ->capture_default_str();
  cmd->add_option("--bind", args->bind,
                  "The address to listen on; other hosts can reach the "
                  "runs and their logs if it is not a loopback address")
      ->capture_default_str();
  cmd->callback([args, exit_code] { *exit_code = run_serve(*args); });
}

}  // namespace faultline
