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
// Only a frame that starts a text message is ever corked (the first byte of
// the write is a frame header with opcode 1): the HTTP upgrade, pings,
// pongs and the closing frame always flush. A write the session did not
// cork behaves exactly as the next layer's own.
//
// The session still completes a send only once its bytes have reached the
// next layer: accepted() counts every byte taken, flushed() the bytes the
// next layer has written. A message whose end lies beyond flushed() when its
// Beast write completes is completed later (session::settle_corked).
//
#ifndef CHATLINK_DETAIL_COALESCING_STREAM_HPP
#define CHATLINK_DETAIL_COALESCING_STREAM_HPP

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
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
    };

    NextLayer next_;
    std::shared_ptr<state> st_ = std::make_shared<state>();

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

    NextLayer& next_layer() noexcept { return next_; }
    NextLayer const& next_layer() const noexcept { return next_; }
    executor_type get_executor() noexcept { return next_.get_executor(); }

    // The next write that starts a text message may be corked.
    void cork_next(bool on) noexcept { st_->cork_next = on; }

    std::uint64_t accepted() const noexcept { return st_->accepted; }
    std::uint64_t flushed() const noexcept { return st_->flushed; }
    bool unflushed() const noexcept { return st_->flushed != st_->accepted; }

    template<class MutableBufferSequence, class ReadToken>
    auto async_read_some(MutableBufferSequence const& buffers, ReadToken&& token)
    {
        return next_.async_read_some(buffers, std::forward<ReadToken>(token));
    }

    template<class ConstBufferSequence, class WriteToken>
    auto async_write_some(ConstBufferSequence const& buffers, WriteToken&& token)
    {
        return net::async_initiate<WriteToken, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, auto const& b) { initiate_write(std::move(handler), b); },
            token, buffers);
    }

private:
    template<class ConstBufferSequence>
    static bool starts_text_frame(ConstBufferSequence const& buffers)
    {
        for(auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it)
        {
            net::const_buffer const b(*it);
            if(b.size() != 0)
                return (*static_cast<unsigned char const*>(b.data()) & 0x0f) == 0x1;
        }
        return false;
    }

    template<class Handler, class ConstBufferSequence>
    void initiate_write(Handler handler, ConstBufferSequence const& buffers)
    {
        auto& st = *st_;
        std::size_t const n = net::buffer_size(buffers);
        if(st.cork_next && st.buf.size() + n <= max_corked && starts_text_frame(buffers))
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

// Beast tears the connection down through the layer below.
template<class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, coalescing_stream<NextLayer>& stream,
    TeardownHandler&& handler)
{
    using boost::beast::websocket::async_teardown;
    async_teardown(role, stream.next_layer(), std::forward<TeardownHandler>(handler));
}

} // namespace detail
} // namespace chatlink

#endif
