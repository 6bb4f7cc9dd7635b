// The same program by hand on Boost.Beast over TLS (wss://): resolve, connect,
// upgrade, a read loop parsing JSON, one write. Timed at -O2 by the benchmark.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

class session : public std::enable_shared_from_this<session>
{
    tcp::resolver resolver_;
    net::ssl::context& ctx_;
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_;
    beast::flat_buffer buffer_;
    std::string out_ = R"({"type":"chat","to":"all","text":"hello"})";

public:
    session(net::io_context& ioc, net::ssl::context& ctx) : resolver_(ioc), ctx_(ctx), ws_(ioc, ctx) {}

    void run()
    {
        resolver_.async_resolve("127.0.0.1", "8080",
            [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
                if(ec)
                    return std::cerr << ec.message() << "\n", void();
                beast::get_lowest_layer(self->ws_).expires_after(std::chrono::seconds(10));
                beast::get_lowest_layer(self->ws_).async_connect(r,
                    [self](beast::error_code ec, tcp::endpoint) { self->on_connect(ec); });
            });
    }

    void on_connect(beast::error_code ec)
    {
        if(ec)
            return std::cerr << ec.message() << "\n", void();
        SSL_set_tlsext_host_name(ws_.next_layer().native_handle(), "chat.example.com");
        ws_.next_layer().set_verify_callback(net::ssl::host_name_verification("chat.example.com"));
        ws_.next_layer().async_handshake(net::ssl::stream_base::client,
            [self = shared_from_this()](beast::error_code ec) { self->on_tls(ec); });
    }

    void on_tls(beast::error_code ec)
    {
        if(ec)
            return std::cerr << ec.message() << "\n", void();
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        ws_.async_handshake("127.0.0.1:8080", "/ws?token=secret-token",
            [self = shared_from_this()](beast::error_code ec) {
                if(ec)
                    return std::cerr << ec.message() << "\n", void();
                self->read();
                self->ws_.async_write(net::buffer(self->out_), [](beast::error_code, std::size_t) {});
            });
    }

    void read()
    {
        ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if(ec)
                return std::cerr << ec.message() << "\n", void();
            auto v = boost::json::parse(beast::buffers_to_string(self->buffer_.data()), ec);
            if(! ec)
                std::cout << v << "\n";
            self->buffer_.consume(self->buffer_.size());
            self->read();
        });
    }
};

int main()
{
    net::io_context ioc;
    net::ssl::context ctx(net::ssl::context::tls_client);
    ctx.set_default_verify_paths();
    ctx.set_verify_mode(net::ssl::verify_peer);
    std::make_shared<session>(ioc, ctx)->run();
    ioc.run();
}
