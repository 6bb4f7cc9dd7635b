//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The layer under a session's WebSocket stream that writes queued messages
// together (src/detail/coalescing_stream.hpp), between a Beast client stream
// and a Beast server on loopback. The socket under it counts the writes it
// is asked for, so each test sees how many send() calls were made.
//
#include "detail/coalescing_stream.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

struct counted_socket : tcp::socket
{
    using tcp::socket::socket;
    std::size_t writes = 0;

    template<class ConstBufferSequence, class WriteToken>
    auto async_write_some(ConstBufferSequence const& b, WriteToken&& token)
    {
        ++writes;
        return tcp::socket::async_write_some(b, std::forward<WriteToken>(token));
    }

    template<class TeardownHandler>
    friend void async_teardown(beast::role_type role, counted_socket& s, TeardownHandler&& h)
    {
        websocket::async_teardown(role, static_cast<tcp::socket&>(s), std::forward<TeardownHandler>(h));
    }
};

using layer_type = chatlink::detail::coalescing_stream<counted_socket>;

// A Beast server that reads text messages until the connection ends, and a
// client stream over the layer, connected on 127.0.0.1.
struct fixture
{
    net::io_context ioc{1};
    tcp::acceptor acceptor{ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
    std::unique_ptr<websocket::stream<tcp::socket>> server;
    beast::flat_buffer server_buf;
    std::vector<std::string> received;
    std::size_t pings = 0;
    error_code server_ec;
    bool server_done = false;
    websocket::stream<layer_type> client{ioc};

    fixture()
    {
        acceptor.async_accept([this](error_code ec, tcp::socket s) {
            REQUIRE(! ec);
            server = std::make_unique<websocket::stream<tcp::socket>>(std::move(s));
            server->control_callback([this](websocket::frame_type t, beast::string_view) {
                if(t == websocket::frame_type::ping)
                    ++pings;
            });
            server->async_accept([this](error_code ec) {
                REQUIRE(! ec);
                read();
            });
        });
        bool open = false;
        beast::get_lowest_layer(client).async_connect(acceptor.local_endpoint(), [&](error_code ec) {
            REQUIRE(! ec);
            client.async_handshake("127.0.0.1", "/", [&](error_code ec) {
                REQUIRE(! ec);
                open = true;
            });
        });
        run_until([&] { return open && server; });
        client.text(true);
    }

    void read()
    {
        server->async_read(server_buf, [this](error_code ec, std::size_t) {
            if(ec)
            {
                server_ec = ec;
                server_done = true;
                return;
            }
            received.push_back(beast::buffers_to_string(server_buf.data()));
            server_buf.consume(server_buf.size());
            read();
        });
    }

    template<class Pred>
    bool run_until(Pred pred)
    {
        auto const limit = std::chrono::steady_clock::now() + 10s;
        while(! pred() && std::chrono::steady_clock::now() < limit)
        {
            ioc.restart();
            ioc.run_for(5ms);
        }
        return pred();
    }

    counted_socket& socket() { return client.next_layer().next_layer(); }

    // Write `msgs` one after the other as a session does: each says whether
    // another follows. Records each write's result.
    void write_all(std::vector<std::string> const& msgs, std::vector<error_code>& results,
        std::vector<std::uint64_t>& ends)
    {
        results.assign(msgs.size(), net::error::would_block);
        ends.assign(msgs.size(), 0);
        write_one(msgs, 0, results, ends);
    }

    void write_one(std::vector<std::string> const& msgs, std::size_t i,
        std::vector<error_code>& results, std::vector<std::uint64_t>& ends)
    {
        client.next_layer().cork_next(i + 1 < msgs.size());
        client.async_write(net::buffer(msgs[i]), [this, &msgs, i, &results, &ends](error_code ec, std::size_t) {
            results[i] = ec;
            ends[i] = client.next_layer().accepted();
            if(! ec && i + 1 < msgs.size())
                write_one(msgs, i + 1, results, ends);
        });
    }
};

std::vector<std::string> messages(std::size_t n, std::size_t size)
{
    std::vector<std::string> v;
    for(std::size_t i = 0; i < n; ++i)
    {
        auto s = "{\"i\":" + std::to_string(i) + ",\"p\":\"";
        s.append(size > s.size() + 2 ? size - s.size() - 2 : 0, 'x');
        v.push_back(s + "\"}");
    }
    return v;
}

} // namespace

TEST_CASE("coalescing_stream: queued messages go out in one write, in order", "[coalescing]")
{
    fixture f;
    auto const before = f.socket().writes;
    auto const msgs = messages(100, 100);
    std::vector<error_code> results;
    std::vector<std::uint64_t> ends;
    f.write_all(msgs, results, ends);
    REQUIRE(f.run_until([&] { return f.received.size() == msgs.size(); }));
    CHECK(f.received == msgs);
    CHECK(results == std::vector<error_code>(msgs.size()));
    // 99 corked, the last one carries them: a single send() for 100 messages.
    CHECK(f.socket().writes - before == 1);
    CHECK(f.client.next_layer().flushed() == f.client.next_layer().accepted());
    CHECK_FALSE(f.client.next_layer().unflushed());
    // Every corked message ended within what was later written.
    for(auto e : ends)
        CHECK(e <= f.client.next_layer().flushed());
}

TEST_CASE("coalescing_stream: without the hint every message is its own write", "[coalescing]")
{
    fixture f;
    auto const before = f.socket().writes;
    auto const msgs = messages(20, 100);
    std::size_t done = 0;
    std::function<void(std::size_t)> next = [&](std::size_t i) {
        f.client.async_write(net::buffer(msgs[i]), [&, i](error_code ec, std::size_t) {
            REQUIRE(! ec);
            ++done;
            CHECK_FALSE(f.client.next_layer().unflushed());
            if(i + 1 < msgs.size())
                next(i + 1);
        });
    };
    next(0);
    REQUIRE(f.run_until([&] { return f.received.size() == msgs.size(); }));
    CHECK(done == msgs.size());
    CHECK(f.received == msgs);
    CHECK(f.socket().writes - before == msgs.size());
}

TEST_CASE("coalescing_stream: a batch is at most max_corked bytes", "[coalescing]")
{
    fixture f;
    auto const before = f.socket().writes;
    auto const msgs = messages(200, 1000); // ~200 KB
    std::vector<error_code> results;
    std::vector<std::uint64_t> ends;
    f.write_all(msgs, results, ends);
    REQUIRE(f.run_until([&] { return f.received.size() == msgs.size(); }));
    CHECK(f.received == msgs);
    auto const writes = f.socket().writes - before;
    std::size_t bytes = 0;
    for(auto const& m : msgs)
        bytes += m.size() + 8; // frame header and mask
    INFO("writes: " << writes << ", bytes: " << bytes);
    // Each batch is at most max_corked bytes plus the write that flushes it.
    CHECK(writes >= bytes / (layer_type::max_corked + 1100));
    CHECK(writes <= bytes / (layer_type::max_corked - 1100) + 1);
}

TEST_CASE("coalescing_stream: a ping is never corked, and the hint waits for the next text frame", "[coalescing]")
{
    fixture f;
    auto const before = f.socket().writes;
    f.client.next_layer().cork_next(true);
    bool pinged = false;
    f.client.async_ping({}, [&](error_code ec) {
        REQUIRE(! ec);
        pinged = true;
    });
    REQUIRE(f.run_until([&] { return pinged && f.pings == 1; }));
    CHECK(f.socket().writes - before == 1);
    CHECK_FALSE(f.client.next_layer().unflushed());

    // The hint still holds: this text frame is corked...
    bool first = false;
    f.client.async_write(net::buffer(std::string("{\"a\":1}")), [&](error_code ec, std::size_t) {
        REQUIRE(! ec);
        first = true;
    });
    REQUIRE(f.run_until([&] { return first; }));
    CHECK(f.client.next_layer().unflushed());
    CHECK(f.socket().writes - before == 1);
    CHECK(f.received.empty());
    // ...and the next one, not hinted, carries it.
    bool second = false;
    f.client.async_write(net::buffer(std::string("{\"b\":2}")), [&](error_code ec, std::size_t) {
        REQUIRE(! ec);
        second = true;
    });
    REQUIRE(f.run_until([&] { return second && f.received.size() == 2; }));
    CHECK(f.received == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
    CHECK(f.socket().writes - before == 2);
    CHECK_FALSE(f.client.next_layer().unflushed());
}

TEST_CASE("coalescing_stream: the closing frame flushes corked messages first", "[coalescing]")
{
    fixture f;
    bool written = false;
    f.client.next_layer().cork_next(true);
    f.client.async_write(net::buffer(std::string("{\"last\":true}")), [&](error_code ec, std::size_t) {
        REQUIRE(! ec);
        written = true;
    });
    REQUIRE(f.run_until([&] { return written; }));
    REQUIRE(f.client.next_layer().unflushed());
    bool closed = false;
    f.client.async_close(websocket::close_code::normal, [&](error_code ec) {
        CHECK(! ec);
        closed = true;
    });
    REQUIRE(f.run_until([&] { return closed && f.server_done; }));
    CHECK(f.received == std::vector<std::string>{"{\"last\":true}"});
    CHECK(f.server_ec == websocket::error::closed);
    CHECK(f.server->reason().code == websocket::close_code::normal);
    CHECK_FALSE(f.client.next_layer().unflushed());
}

TEST_CASE("coalescing_stream: a flush to a reset connection fails, the written prefix is counted", "[coalescing]")
{
    fixture f;
    // The server goes away with RST.
    f.server->next_layer().set_option(net::socket_base::linger(true, 0));
    f.server->next_layer().close();
    f.ioc.restart();
    f.ioc.run_for(100ms); // the RST arrives
    auto const msgs = messages(50, 100);
    std::vector<error_code> results;
    std::vector<std::uint64_t> ends;
    f.write_all(msgs, results, ends);
    auto const failed_at = [&] {
        return std::find_if(results.begin(), results.end(),
            [](error_code ec) { return ec && ec != net::error::would_block; });
    };
    REQUIRE(f.run_until([&] { return failed_at() != results.end(); }));
    // The 49 corked ones were taken; the last, which flushes them, failed,
    // and none of the corked bytes counts as written.
    CHECK(failed_at() - results.begin() == 49);
    CHECK(std::all_of(results.begin(), results.begin() + 49, [](error_code ec) { return ! ec; }));
    CHECK(f.client.next_layer().flushed() <= ends.front() - (msgs.front().size() + 6));
    CHECK(f.client.next_layer().unflushed());
    CHECK(f.client.next_layer().flushed() < f.client.next_layer().accepted());
}
