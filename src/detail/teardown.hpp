//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The TCP stream type of a session, and its WebSocket teardown.
//
// When Beast fails a connection from inside a read (a message over the
// limit, a protocol violation, invalid UTF-8) it sends the close frame and
// then tears the TCP connection down. Boost 1.81's TCP teardown is meant to
// read until the server's EOF, but it stops after the first read that
// returns data (it tests the coroutine's argument, always 0, instead of the
// bytes read). A server still sending then has its data discarded, the
// kernel answers with RST, and the server may never see our close frame and
// its code. Found by the fault-matrix test "an oversized message closes with
// 1009" under ThreadSanitizer's timing.
//
// Beast finds teardown by argument-dependent lookup on the stream type. Our
// stream names chatlink::detail::rate_policy, so the overload below is found
// too, and is chosen as the more specialised one: it reads until EOF or an
// error (Beast's close timer bounds the wait), then shuts down and closes.
//
#ifndef CHATLINK_DETAIL_TEARDOWN_HPP
#define CHATLINK_DETAIL_TEARDOWN_HPP

#include <boost/asio/compose.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/core/role.hpp>

#include <array>
#include <limits>
#include <memory>
#include <utility>

namespace chatlink {
namespace detail {

namespace net = boost::asio;

// beast::unlimited_rate_policy under our own name (see above).
class rate_policy
{
    friend class boost::beast::rate_policy_access;

    static std::size_t available_read_bytes() noexcept { return (std::numeric_limits<std::size_t>::max)(); }
    static std::size_t available_write_bytes() noexcept { return (std::numeric_limits<std::size_t>::max)(); }
    void transfer_read_bytes(std::size_t) const noexcept {}
    void transfer_write_bytes(std::size_t) const noexcept {}
    void on_timer() const noexcept {}
};

template<class Strand>
using tcp_stream_on = boost::beast::basic_stream<net::ip::tcp, Strand, rate_policy>;

template<class Socket>
class teardown_op : net::coroutine
{
    Socket& s_;
    boost::beast::role_type role_;
    std::unique_ptr<std::array<char, 4096>> buf_ = std::make_unique<std::array<char, 4096>>();

public:
    teardown_op(Socket& s, boost::beast::role_type role) : s_(s), role_(role) {}

    template<class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t = 0)
    {
        BOOST_ASIO_CORO_REENTER(*this)
        {
            if(role_ == boost::beast::role_type::server)
                s_.shutdown(net::socket_base::shutdown_send, ec);
            while(! ec)
                BOOST_ASIO_CORO_YIELD s_.async_read_some(net::buffer(*buf_), std::move(self));
            if(ec == net::error::eof)
            {
                ec = {};
                if(role_ == boost::beast::role_type::client)
                    s_.shutdown(net::socket_base::shutdown_send, ec);
            }
            {
                boost::system::error_code ignored;
                s_.close(ignored);
            }
            buf_.reset();
            self.complete(ec);
        }
    }
};

template<class Strand, class TeardownHandler>
void async_teardown(boost::beast::role_type role, tcp_stream_on<Strand>& stream,
    TeardownHandler&& handler)
{
    auto& s = stream.socket();
    net::async_compose<TeardownHandler, void(boost::system::error_code)>(
        teardown_op<std::decay_t<decltype(s)>>(s, role), handler, s);
}

} // namespace detail
} // namespace chatlink

#endif
