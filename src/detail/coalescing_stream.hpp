//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The layer under a session's websocket::stream that writes several queued
// messages with one write of the next layer.
//
// Beast's websocket::stream writes one message per write, so a client with
// many messages queued makes one send() system call per message. When the
// session knows another message is queued behind the one it writes, it says
// so (cork_next); this layer then copies the frame into its buffer and
// completes the write at once, without touching the socket. The next write
// that is not corked (the last queued message, a control frame, the closing
// frame, or any write once the buffer holds max_corked bytes) goes out
// together with everything buffered, in one gathered write.
//
// Only a frame that starts a text or binary message is ever corked (the
// first byte of the write is a frame header with opcode 1 or 2): the HTTP
// upgrade, pings, pongs and the closing frame always flush. A write the
// session did not cork behaves exactly as the next layer's own.
//
// The session still completes a send only once its bytes have reached the
// next layer: accepted() counts every byte taken, flushed() the bytes the
// next layer has written. A message whose end lies beyond flushed() when its
// Beast write completes is completed later (outbox::settle).
//
// Being the layer right under Beast, it also hosts two hooks of the session:
// - expect_upgrade_response(): the server's answer to the upgrade is read
//   by an upgrade_response (upgrade_response.hpp), which records what
//   happened and hands Beast a compact copy; then reads pass straight
//   through again.
// - close_bound(): every WebSocket teardown of this stream (after our close,
//   the server's close, or Beast failing the connection) ends within this
//   bound: if the server has not closed TCP by then, the socket is closed
//   and the teardown counts as done, so that Beast reports the close that
//   happened (see async_teardown below).
//
#ifndef CHATLINK_DETAIL_COALESCING_STREAM_HPP
#define CHATLINK_DETAIL_COALESCING_STREAM_HPP

#include "detail/upgrade_response.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace chatlink {
namespace detail {

namespace net = boost::asio;

template<class NextLayer>
class coalescing_stream
{
    // Shared with the completions, which may run after the stream is gone.
    struct state
    {
        std::vector<unsigned char> buf; // corked bytes, in order
        std::uint64_t accepted = 0;     // every byte taken by a write
        std::uint64_t flushed = 0;      // every byte the next layer has written
        bool cork_next = false;
        std::unique_ptr<upgrade_response> upgrade; // while the upgrade response is read
        std::chrono::milliseconds close_bound{10000};
        bool alive = true; // false once the stream is destroyed
    };

    NextLayer next_;
    std::shared_ptr<state> st_ = std::make_shared<state>();

    template<class NL, class Handler>
    friend void async_teardown(boost::beast::role_type, coalescing_stream<NL>&, Handler&&);

public:
    // The most a write may add to the buffer; a write that does not fit
    // flushes. The buffer is freed after each flush, so an idle connection
    // holds none.
    static constexpr std::size_t max_corked = 16 * 1024;

    using executor_type = typename NextLayer::executor_type;
    using next_layer_type = NextLayer;

    template<class... Args>
    explicit coalescing_stream(Args&&... args)
        : next_(std::forward<Args>(args)...)
    {
    }

    coalescing_stream(coalescing_stream&&) = delete;

    ~coalescing_stream()
    {
        st_->alive = false;
    }

    NextLayer& next_layer() noexcept { return next_; }
    NextLayer const& next_layer() const noexcept { return next_; }
    executor_type get_executor() noexcept { return next_.get_executor(); }

    // The next write that starts a text or binary message may be corked.
    void cork_next(bool on) noexcept { st_->cork_next = on; }

    std::uint64_t accepted() const noexcept { return st_->accepted; }
    std::uint64_t flushed() const noexcept { return st_->flushed; }
    bool unflushed() const noexcept { return st_->flushed != st_->accepted; }

    // Read the next response as the answer to the upgrade (see above), with
    // a header block of at most `header_limit` bytes.
    void expect_upgrade_response(std::size_t header_limit)
    {
        st_->upgrade = std::make_unique<upgrade_response>(header_limit);
    }

    // The upgrade response being read, or just read (null otherwise).
    upgrade_response const* upgrade() const noexcept { return st_->upgrade.get(); }

    // Stop watching the upgrade (after the handshake, whatever its result).
    // Frame bytes that came with a 101 and that Beast has not read yet are
    // still served first: Beast's handshake reads only what the HTTP parser
    // asks for, and dropping the rest would cut the stream mid-frame. Once
    // drained, reads pass straight through; the stream frees it.
    void upgrade_done() noexcept
    {
        if(st_->upgrade && st_->upgrade->drained())
            st_->upgrade.reset();
    }

    // The longest a teardown may wait for the server to close TCP.
    void close_bound(std::chrono::milliseconds d) noexcept { st_->close_bound = d; }

    template<class MutableBufferSequence, class ReadToken>
    auto async_read_some(MutableBufferSequence const& buffers, ReadToken&& token)
    {
        return net::async_initiate<ReadToken, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, auto const& b) {
                if(st_->upgrade && ! st_->upgrade->drained())
                    upgrade_read_op<decltype(handler), MutableBufferSequence>{st_, next_, b, std::move(handler)}.start();
                else
                    next_.async_read_some(b, std::move(handler));
            },
            token, buffers);
    }

    template<class ConstBufferSequence, class WriteToken>
    auto async_write_some(ConstBufferSequence const& buffers, WriteToken&& token)
    {
        return net::async_initiate<WriteToken, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, auto const& b) { initiate_write(std::move(handler), b); },
            token, buffers);
    }

private:
    // Reads for Beast while the upgrade response is read: from the next
    // layer into the upgrade_response, then its compact copy to Beast.
    template<class Handler, class Buffers>
    struct upgrade_read_op
    {
        std::shared_ptr<state> st;
        NextLayer& next;
        Buffers buffers;
        Handler handler;

        void start()
        {
            if(! serve(false))
                read();
        }

        void read()
        {
            auto& up = *st->upgrade;
            next.async_read_some(net::buffer(up.read_buffer(), upgrade_response::read_buffer_size), std::move(*this));
        }

        void operator()(boost::system::error_code ec, std::size_t n)
        {
            if(! st->alive || ! st->upgrade)
                return std::move(handler)(ec ? ec : net::error::operation_aborted, std::size_t(0));
            if(ec)
                st->upgrade->fail_read(ec);
            else
                st->upgrade->feed(n);
            if(! serve(true))
                read();
        }

        // Complete the read if there is something to give: bytes, or the
        // reason the response failed. `now`: in a completion of our own
        // (else post, since we are inside the initiating call).
        bool serve(bool now)
        {
            auto& up = *st->upgrade;
            boost::system::error_code ec;
            std::size_t n = 0;
            if(! up.output().empty())
            {
                auto const out = up.output();
                n = net::buffer_copy(buffers, net::buffer(out.data(), out.size()));
                up.consume(n);
            }
            else if(up.failed())
                ec = up.error();
            else
                return false;
            if(now)
                std::move(handler)(ec, n);
            else
            {
                auto ex = net::get_associated_executor(handler, next.get_executor());
                net::post(ex, boost::beast::bind_front_handler(std::move(handler), ec, n));
            }
            return true;
        }

        using executor_type = net::associated_executor_t<Handler, typename NextLayer::executor_type>;
        executor_type get_executor() const noexcept
        {
            return net::get_associated_executor(handler, next.get_executor());
        }
    };

    template<class ConstBufferSequence>
    static bool starts_data_frame(ConstBufferSequence const& buffers)
    {
        for(auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it)
        {
            net::const_buffer const b(*it);
            if(b.size() != 0)
            {
                auto const opcode = *static_cast<unsigned char const*>(b.data()) & 0x0f;
                return opcode == 0x1 || opcode == 0x2; // text or binary
            }
        }
        return false;
    }

    template<class Handler, class ConstBufferSequence>
    void initiate_write(Handler handler, ConstBufferSequence const& buffers)
    {
        auto& st = *st_;
        std::size_t const n = net::buffer_size(buffers);
        if(st.cork_next && st.buf.size() + n <= max_corked && starts_data_frame(buffers))
        {
            st.cork_next = false;
            if(st.buf.empty())
                st.buf.reserve(max_corked);
            auto const old = st.buf.size();
            st.buf.resize(old + n);
            net::buffer_copy(net::buffer(st.buf.data() + old, n), buffers);
            st.accepted += n;
            auto ex = net::get_associated_executor(handler, next_.get_executor());
            net::post(ex, boost::beast::bind_front_handler(std::move(handler), boost::system::error_code(), n));
            return;
        }
        if(st.buf.empty())
        {
            // Nothing corked: the next layer's own write. It may write less
            // than n; the caller then writes the rest again.
            next_.async_write_some(buffers,
                [st = st_, h = std::move(handler)](boost::system::error_code ec, std::size_t written) mutable {
                    st->accepted += written;
                    st->flushed += written;
                    std::move(h)(ec, written);
                });
            return;
        }
        // Everything corked, then this write, in one gathered write (Asio's
        // async_write: all of it, or an error). The buffer moves into the
        // completion and stays where it is until the write completes.
        st.accepted += n;
        std::vector<unsigned char> buf = std::move(st.buf);
        st.buf = {};
        net::const_buffer const corked = net::buffer(buf); // moving buf keeps its storage
        // Every byte before the corked ones was written already, so what
        // this write transfers, even when it fails part way, extends the
        // written prefix: a message written whole before a failure counts
        // as written.
        auto done = [st = st_, buf = std::move(buf), n, h = std::move(handler)](
            boost::system::error_code ec, std::size_t transferred) mutable {
            st->flushed += transferred;
            buf = {};
            std::move(h)(ec, ec ? std::size_t(0) : n);
        };
        net::async_write(next_, boost::beast::buffers_cat(corked, buffers), std::move(done));
    }
};

// The socket under a lowest layer: a beast::basic_stream's, or the layer
// itself when it is a socket.
template<class Lowest, class = void>
struct socket_of
{
    static Lowest& get(Lowest& l) noexcept { return l; }
};

template<class Lowest>
struct socket_of<Lowest, std::void_t<decltype(std::declval<Lowest&>().socket())>>
{
    static auto& get(Lowest& l) noexcept { return l.socket(); }
};

// Beast tears the connection down through the layer below, within the
// stream's close bound: a server that never closes TCP (after its close
// frame, after ours, or after Beast failed the connection) has its socket
// closed when the bound passes, and the teardown then counts as done (no
// error), so that Beast reports the close that happened (the server's code,
// or the protocol error), not the teardown's failure.
template<class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, coalescing_stream<NextLayer>& stream,
    TeardownHandler&& handler)
{
    using boost::beast::websocket::async_teardown;
    auto& lowest = boost::beast::get_lowest_layer(stream);
    auto& socket = socket_of<std::decay_t<decltype(lowest)>>::get(lowest);
    using timer_type = net::basic_waitable_timer<std::chrono::steady_clock,
        net::wait_traits<std::chrono::steady_clock>, typename std::decay_t<decltype(socket)>::executor_type>;
    struct deadline
    {
        timer_type timer;
        bool fired = false;
        bool done = false;
    };
    auto d = std::make_shared<deadline>(deadline{timer_type(socket.get_executor()), false, false});
    d->timer.expires_after(stream.st_->close_bound);
    d->timer.async_wait([d, st = stream.st_, &socket](boost::system::error_code ec) {
        // The stream (and its socket) may be gone: st->alive says.
        if(ec || d->done || ! st->alive)
            return;
        d->fired = true;
        boost::system::error_code ignored;
        socket.close(ignored);
    });
    async_teardown(role, stream.next_layer(),
        [d, h = std::forward<TeardownHandler>(handler)](boost::system::error_code ec) mutable {
            d->done = true;
            d->timer.cancel();
            if(d->fired)
                ec = {};
            std::move(h)(ec);
        });
}

} // namespace detail
} // namespace chatlink

#endif
