//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The benchmarks' peer, on the io_context it is given (one thread):
// - a WebSocket echo server: every text message comes back as it came,
//   except {"type":"ping"}, which is answered with {"type":"pong"};
// - a plain TCP echo server on a second port, for the floor under any
//   WebSocket client.
// Both listen on 127.0.0.1. The throughput runs put it on the client's own
// thread, so that a round trip costs CPU work only, never a wake-up of a
// sleeping process; chatlink-bench-server runs it as a process of its own.
//
#ifndef CHATLINK_BENCH_ECHO_SERVER_HPP
#define CHATLINK_BENCH_ECHO_SERVER_HPP

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <cstring>
#include <memory>
#include <type_traits>

namespace bench {
namespace echo {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using boost::system::error_code;


inline constexpr char ping[] = R"({"type":"ping"})";
inline constexpr char pong[] = R"({"type":"pong"})";

class ws_session : public std::enable_shared_from_this<ws_session>
{
    websocket::stream<tcp::socket> ws_;
    beast::flat_buffer buf_;

public:
    explicit ws_session(tcp::socket s) : ws_(std::move(s)) {}

    void start()
    {
        ws_.auto_fragment(false);
        ws_.read_message_max(1 << 20);
        ws_.async_accept([self = shared_from_this()](error_code ec) {
            if(! ec)
                self->read();
        });
    }

private:
    void read()
    {
        ws_.async_read(buf_, [self = shared_from_this()](error_code ec, std::size_t) {
            if(ec)
                return;
            self->reply();
        });
    }

    void reply()
    {
        ws_.text(ws_.got_text());
        auto const data = buf_.data();
        bool const is_ping = data.size() == sizeof(ping) - 1 &&
            std::memcmp(data.data(), ping, data.size()) == 0;
        auto const out = is_ping ? net::const_buffer(pong, sizeof(pong) - 1) : net::const_buffer(data);
        ws_.async_write(out, [self = shared_from_this()](error_code ec, std::size_t) {
            if(ec)
                return;
            self->buf_.consume(self->buf_.size());
            self->read();
        });
    }
};

class tcp_session : public std::enable_shared_from_this<tcp_session>
{
    tcp::socket s_;
    char buf_[65536];

public:
    explicit tcp_session(tcp::socket s) : s_(std::move(s)) {}

    void read()
    {
        s_.async_read_some(net::buffer(buf_), [self = shared_from_this()](error_code ec, std::size_t n) {
            if(ec)
                return;
            net::async_write(self->s_, net::buffer(self->buf_, n), [self](error_code ec, std::size_t) {
                if(! ec)
                    self->read();
            });
        });
    }
};

template<class Session>
void accept_loop(tcp::acceptor& a)
{
    a.async_accept([&a](error_code ec, tcp::socket s) {
        if(! ec)
        {
            s.set_option(tcp::no_delay(true), ec);
            auto p = std::make_shared<Session>(std::move(s));
            if constexpr(std::is_same_v<Session, ws_session>)
                p->start();
            else
                p->read();
        }
        accept_loop<Session>(a);
    });
}

inline tcp::acceptor make_acceptor(net::io_context& ioc, unsigned short port)
{
    tcp::endpoint const ep(net::ip::make_address("127.0.0.1"), port);
    tcp::acceptor a(ioc);
    a.open(ep.protocol());
    a.set_option(net::socket_base::reuse_address(true));
    a.bind(ep);
    a.listen(net::socket_base::max_listen_connections);
    return a;
}

} // namespace echo

// Both servers; destroy it before its io_context.
class echo_server
{
    echo::tcp::acceptor ws_;
    echo::tcp::acceptor tcp_;

public:
    explicit echo_server(boost::asio::io_context& ioc, unsigned short ws_port = 0, unsigned short tcp_port = 0)
        : ws_(echo::make_acceptor(ioc, ws_port))
        , tcp_(echo::make_acceptor(ioc, tcp_port))
    {
        echo::accept_loop<echo::ws_session>(ws_);
        echo::accept_loop<echo::tcp_session>(tcp_);
    }

    unsigned short ws_port() const { return ws_.local_endpoint().port(); }
    unsigned short tcp_port() const { return tcp_.local_endpoint().port(); }
};

} // namespace bench

#endif
