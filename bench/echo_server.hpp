//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The benchmarks' peer, on the io_context it is given (one thread):
// - a WebSocket echo server: every text message comes back as it came,
//   except {"type":"ping"}, which is answered with {"type":"pong"}, and a
//   message that begins with a cid (chatlink's acknowledged delivery), which
//   is answered with {"type":"ack","cid":...}; replies that queue up are
//   written together (see ws_session);
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

#include "detail/coalescing_stream.hpp"

#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <memory>
#include <type_traits>

namespace bench {
namespace echo {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using boost::system::error_code;

// The io_context's own executor, not any_io_executor: the server's share of
// each round trip is the same for every client, and kept small.
using socket_type = net::basic_stream_socket<tcp, net::io_context::executor_type>;
using acceptor_type = net::basic_socket_acceptor<tcp, net::io_context::executor_type>;


inline constexpr char ping[] = R"({"type":"ping"})";
inline constexpr char pong[] = R"({"type":"pong"})";

// Reads on while replies are written, and writes replies that queue up
// together (chatlink's coalescing_stream): with many messages in flight the
// server makes one send() per batch, not one per message, so its own cost
// per message stays small next to the client's, which is what the pipelined
// run compares. With one message in flight (sequential runs) each reply is
// written at once, as before.
class ws_session : public std::enable_shared_from_this<ws_session>
{
    struct reply_msg
    {
        std::string data;
        bool text;
    };

    // The socket, counting the reads Beast starts on it.
    struct counted_socket : socket_type
    {
        using socket_type::socket_type;
        explicit counted_socket(socket_type&& s) : socket_type(std::move(s)) {}
        std::size_t reads = 0;

        template<class MutableBufferSequence, class ReadToken>
        auto async_read_some(MutableBufferSequence const& b, ReadToken&& token)
        {
            ++reads;
            return socket_type::async_read_some(b, std::forward<ReadToken>(token));
        }

        template<class TeardownHandler>
        friend void async_teardown(beast::role_type role, counted_socket& s, TeardownHandler&& h)
        {
            websocket::async_teardown(role, static_cast<socket_type&>(s), std::forward<TeardownHandler>(h));
        }
    };

    websocket::stream<chatlink::detail::coalescing_stream<counted_socket>> ws_;
    beast::flat_buffer buf_;
    std::deque<reply_msg> out_; // replies not yet written; out_.front() is being written
    bool reading_ = false;
    bool writing_ = false;
    bool failed_ = false;

    // Replies queued at most; the server stops reading until they drain.
    static constexpr std::size_t max_out = 1024;

public:
    explicit ws_session(socket_type s) : ws_(std::move(s)) {}

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
        reading_ = true;
        ws_.async_read(buf_, [self = shared_from_this()](error_code ec, std::size_t) {
            self->reading_ = false;
            if(ec)
            {
                self->failed_ = true;
                return;
            }
            self->queue_reply();
        });
    }

    void queue_reply()
    {
        auto const data = buf_.data();
        bool const is_ping = data.size() == sizeof(ping) - 1 &&
            std::memcmp(data.data(), ping, data.size()) == 0;
        static constexpr char cid_head[] = R"({"cid":")";
        bool const has_cid = data.size() > sizeof(cid_head) - 1 &&
            std::memcmp(data.data(), cid_head, sizeof(cid_head) - 1) == 0;
        if(is_ping)
            out_.push_back({std::string(pong, sizeof(pong) - 1), true});
        else if(has_cid)
        {
            // Acknowledged delivery (PROTOCOL.md): chatlink puts the cid
            // first; the answer is the ack, not the echo.
            std::string_view const rest(static_cast<char const*>(data.data()) + sizeof(cid_head) - 1,
                data.size() - (sizeof(cid_head) - 1));
            auto const cid = rest.substr(0, rest.find('"'));
            std::string ack = R"({"type":"ack","cid":")";
            ack.append(cid.data(), cid.size());
            ack += "\"}";
            out_.push_back({std::move(ack), true});
        }
        else
            out_.push_back({std::string(static_cast<char const*>(data.data()), data.size()), ws_.got_text()});
        buf_.consume(buf_.size());
        bool next_buffered = false;
        if(out_.size() < max_out)
        {
            // Beast reads the socket only when it holds no whole frame.
            auto const reads = ws_.next_layer().next_layer().reads;
            read();
            next_buffered = ws_.next_layer().next_layer().reads == reads;
        }
        // While the next message is already here, reply to it too before
        // writing: the replies then go out together.
        if(! writing_ && ! next_buffered)
            write();
    }

    void write()
    {
        writing_ = true;
        ws_.text(out_.front().text);
        ws_.next_layer().cork_next(out_.size() > 1);
        ws_.async_write(net::buffer(out_.front().data), [self = shared_from_this()](error_code ec, std::size_t) {
            self->writing_ = false;
            if(ec)
            {
                self->failed_ = true;
                return;
            }
            self->out_.pop_front();
            if(! self->out_.empty())
                self->write();
            if(! self->reading_ && ! self->failed_ && self->out_.size() < max_out)
                self->read();
        });
    }
};

class tcp_session : public std::enable_shared_from_this<tcp_session>
{
    socket_type s_;
    char buf_[65536];

public:
    explicit tcp_session(socket_type s) : s_(std::move(s)) {}

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
void accept_loop(acceptor_type& a)
{
    a.async_accept([&a](error_code ec, socket_type s) {
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

inline acceptor_type make_acceptor(net::io_context& ioc, unsigned short port)
{
    tcp::endpoint const ep(net::ip::make_address("127.0.0.1"), port);
    acceptor_type a(ioc);
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
    echo::acceptor_type ws_;
    echo::acceptor_type tcp_;

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
