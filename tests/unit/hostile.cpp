//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Hostile servers, every byte written by hand on a real socket
// (support/raw_server.hpp): a close that the server never finishes, a ping
// flood that never reads, and upgrade responses that lie, stop, or are too
// big. Each must end in a named error within its documented bound.
#include <chatlink/client.hpp>

#include "support/client_helpers.hpp"
#include "support/raw_server.hpp"
#include "support/run.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using chatlink_test::many_threads;
using chatlink_test::one_thread;
using chatlink_test::options_for;
using chatlink_test::raw_conn;
using chatlink_test::raw_server;
using chatlink_test::run_until;
using chatlink_test::ws_close_frame;
using chatlink_test::ws_frame;
using clk = std::chrono::steady_clock;

namespace {

struct ended
{
    std::optional<chatlink::close_info> info;
    std::optional<clk::time_point> at;
};

// A client whose close bound is `bound`, heartbeat off (so that only the
// close bound can end a stuck close), no reconnect.
chatlink::client_options hostile_options(std::string url, std::chrono::milliseconds bound)
{
    auto o = options_for(std::move(url));
    o.connect_timeout = bound; // the close bound's default
    o.heartbeat.interval = 0ms;
    o.heartbeat.timeout = 0ms;
    o.reconnect = chatlink::never_reconnect();
    return o;
}

void watch(chatlink::client& c, ended& e)
{
    c.on_close([&](chatlink::close_info const& i) {
        if(! e.info)
        {
            e.info = i;
            e.at = clk::now();
        }
    });
}

} // namespace

//------------------------------------------------------------------------------
// The closing handshake is bounded on every path

TEST_CASE("a server that sends its close frame and then holds TCP silently: closed_by_server with its code within the bound", "[hostile][close]")
{
    std::atomic<bool> sent{false};
    clk::time_point sent_at;
    raw_server srv([&](raw_conn& conn) {
        if(! conn.read_request() || ! conn.accept_upgrade())
            return;
        conn.hold(100ms);
        sent_at = clk::now(); // precedes the client's reading of the frame
        sent = true;
        conn.write(ws_close_frame(1001, "maintenance"));
        conn.hold(10s); // never reads, never closes
    });
    boost::asio::io_context ioc(GENERATE(one_thread, many_threads));
    chatlink::client c(ioc, hostile_options(srv.url(), 500ms));
    ended e;
    watch(c, e);
    c.connect("t");
    REQUIRE(run_until(ioc, [&] { return e.info.has_value(); }, 8s));
    REQUIRE(sent);
    CHECK(*e.at - sent_at < 500ms + 1s);
    CHECK(e.info->error == chatlink::error::closed_by_server);
    REQUIRE(e.info->code);
    CHECK(*e.info->code == 1001);
    CHECK(e.info->reason == "maintenance");
    CHECK(c.state() == chatlink::state::stopped);
}

TEST_CASE("a server that sends its close frame and keeps sending data: closed_by_server within the bound", "[hostile][close]")
{
    clk::time_point sent_at;
    raw_server srv([&](raw_conn& conn) {
        if(! conn.read_request() || ! conn.accept_upgrade())
            return;
        sent_at = clk::now();
        conn.write(ws_close_frame(4000, "go"));
        auto const until = clk::now() + 8s;
        while(clk::now() < until && conn.write(ws_frame(1, R"({"type":"chat"})")))
            conn.drain_for(10ms); // reads, never closes
    });
    boost::asio::io_context ioc;
    chatlink::client c(ioc, hostile_options(srv.url(), 500ms));
    ended e;
    watch(c, e);
    c.connect("t");
    REQUIRE(run_until(ioc, [&] { return e.info.has_value(); }, 8s));
    CHECK(*e.at - sent_at < 500ms + 1s);
    CHECK(e.info->error == chatlink::error::closed_by_server);
    REQUIRE(e.info->code);
    CHECK(*e.info->code == 4000);
}

TEST_CASE("a protocol violation from a server that then never closes TCP: protocol_error 1002 within the bound", "[hostile][close]")
{
    clk::time_point sent_at;
    std::string from_client;
    std::atomic<bool> done{false};
    raw_server srv([&](raw_conn& conn) {
        if(! conn.read_request() || ! conn.accept_upgrade())
            return;
        sent_at = clk::now();
        conn.write(ws_frame(3, "reserved opcode"));
        conn.drain_for(3s); // reads our close frame, never closes
        from_client = conn.received();
        done = true;
    });
    boost::asio::io_context ioc;
    chatlink::client c(ioc, hostile_options(srv.url(), 500ms));
    ended e;
    watch(c, e);
    c.connect("t");
    REQUIRE(run_until(ioc, [&] { return e.info.has_value(); }, 8s));
    CHECK(*e.at - sent_at < 500ms + 1s);
    CHECK(e.info->error == chatlink::error::protocol_error);
    REQUIRE(e.info->code);
    CHECK(*e.info->code == 1002);
    REQUIRE(srv.wait_for([&] { return done.load(); }, 8s));
    auto const codes = chatlink_test::client_close_codes(from_client);
    REQUIRE(codes.size() == 1);
    CHECK(codes[0] == 1002);
}

TEST_CASE("an oversized message from a server that then never closes TCP: message_too_big 1009 within the bound", "[hostile][close]")
{
    clk::time_point sent_at;
    raw_server srv([&](raw_conn& conn) {
        if(! conn.read_request() || ! conn.accept_upgrade())
            return;
        sent_at = clk::now();
        conn.write(ws_frame(1, "\"" + std::string(2000, 'x') + "\""));
        conn.drain_for(3s);
    });
    boost::asio::io_context ioc;
    auto opts = hostile_options(srv.url(), 500ms);
    opts.max_message_size = 1000;
    chatlink::client c(ioc, opts);
    ended e;
    watch(c, e);
    c.connect("t");
    REQUIRE(run_until(ioc, [&] { return e.info.has_value(); }, 8s));
    CHECK(*e.at - sent_at < 500ms + 1s);
    CHECK(e.info->error == chatlink::error::message_too_big);
    REQUIRE(e.info->code);
    CHECK(*e.info->code == 1009);
}

TEST_CASE("close() to a server that reads but never answers ends within close_timeout", "[hostile][close]")
{
    raw_server srv([&](raw_conn& conn) {
        if(conn.read_request() && conn.accept_upgrade())
            conn.drain_for(5s);
    });
    boost::asio::io_context ioc;
    auto opts = hostile_options(srv.url(), 5s);
    opts.close_timeout = 300ms; // shorter than the connect timeout
    std::string log;
    opts.logger = [&](chatlink::log_level, std::string_view text) { log.append(text).append("\n"); };
    chatlink::client c(ioc, opts);
    ended e;
    watch(c, e);
    chatlink_test::open(ioc, c);
    auto const asked = clk::now();
    c.close(1000, "bye");
    REQUIRE(run_until(ioc, [&] { return e.info.has_value(); }, 8s));
    INFO("log:\n" << log << "code " << (e.info->code ? *e.info->code : 0));
    CHECK(*e.at - asked >= 300ms);
    CHECK(*e.at - asked < 300ms + 1s);
    CHECK(e.info->requested);
    CHECK(e.info->error == chatlink::error::connection_lost);
}

//------------------------------------------------------------------------------
// Dribbling servers: a byte at a time, never finishing

TEST_CASE("a server that dribbles its 101 a byte at a time: connect_timeout within the bound", "[hostile][dribble]")
{
    raw_server srv([&](raw_conn& conn) {
        if(! conn.read_request())
            return;
        std::string const answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\nSec-WebSocket-Accept: " + conn.accept_key() + "\r\n\r\n";
        for(char ch : answer) // about 6 s in all
        {
            if(! conn.write(std::string_view(&ch, 1)))
                return;
            std::this_thread::sleep_for(50ms);
        }
    });
    boost::asio::io_context ioc;
    auto opts = hostile_options(srv.url(), 500ms);
    chatlink::client c(ioc, opts);
    std::optional<chatlink::error_code> result;
    std::optional<clk::time_point> done;
    auto const before = clk::now(); // precedes the connect timer's start
    c.async_connect("t", [&](chatlink::error_code ec) { result = ec; done = clk::now(); });
    REQUIRE(run_until(ioc, [&] { return result.has_value(); }, 8s));
    CHECK(*result == chatlink::error::connect_timeout);
    CHECK(*done - before >= 500ms);
    CHECK(*done - before < 500ms + 1s);
}

TEST_CASE("a server that dribbles a message a byte at a time is declared dead: a byte is not a message", "[hostile][dribble]")
{
    raw_server srv([&](raw_conn& conn) {
        if(! conn.read_request() || ! conn.accept_upgrade())
            return;
        // A text frame that announces 1000 bytes, then one byte per 50 ms.
        std::string const head = "\x81\x7e\x03\xe8";
        if(! conn.write(head))
            return;
        for(int i = 0; i < 200 && conn.write("x"); ++i)
            std::this_thread::sleep_for(50ms);
    });
    boost::asio::io_context ioc;
    auto opts = hostile_options(srv.url(), 500ms);
    opts.heartbeat.timeout = 400ms;
    chatlink::client c(ioc, opts);
    ended e;
    watch(c, e);
    std::optional<clk::time_point> opened;
    c.on_open([&] { opened = clk::now(); });
    auto const before = clk::now();
    c.connect("t");
    REQUIRE(run_until(ioc, [&] { return e.info.has_value(); }, 8s));
    REQUIRE(opened);
    CHECK(e.info->error == chatlink::error::heartbeat_timeout);
    CHECK(*e.at - before >= 400ms);
    CHECK(*e.at - *opened < 400ms + 1s);
}

//------------------------------------------------------------------------------
// Automatic pongs

TEST_CASE("a ping flood from a server that never reads queues at most one pong, and close ends within its bound", "[hostile][pong]")
{
    std::atomic<std::size_t> pings{0};
    raw_server srv([&](raw_conn& conn) {
        if(! conn.read_request() || ! conn.accept_upgrade())
            return;
        std::string batch;
        for(int i = 0; i < 256; ++i)
            batch += ws_frame(1, R"({"type":"ping"})");
        // Until the client has read 30,000 (or 30 s): ASan under load reads
        // a few thousand a second.
        auto const until = clk::now() + 30s;
        while(pings < 30000 && clk::now() < until && conn.write(batch, 2s))
            pings += 256;
        conn.hold(10s);
    });
    boost::asio::io_context ioc;
    auto opts = hostile_options(srv.url(), 500ms);
    chatlink::client c(ioc, opts);
    ended e;
    watch(c, e);
    std::size_t received = 0, max_depth = 0;
    c.on_message([&](boost::json::value const&) {
        ++received;
        max_depth = std::max(max_depth, c.stats().queue_depth);
    });
    chatlink_test::open(ioc, c);
    // 5,000 answered pings, each of which would queue a pong without the
    // bound, is flood enough: ASan under a loaded CI machine read 15,000 in
    // 30 s (20,000, the bar before, failed there twice).
    run_until(ioc, [&] { return received >= 5000; }, 30s);
    INFO("pings written " << pings << ", received " << received << ", queue depth " << c.stats().queue_depth);
    REQUIRE(received >= 5000);
    CHECK(max_depth <= 1);
    auto const asked = clk::now();
    c.close();
    REQUIRE(run_until(ioc, [&] { return e.info.has_value(); }, 8s));
    CHECK(clk::now() - asked < 500ms + 1s);
}

//------------------------------------------------------------------------------
// The upgrade response: what happened, not "HTTP 500"

namespace {

struct upgrade_outcome
{
    chatlink::error_code ec;
    int status = -1;
    std::string detail;
};

upgrade_outcome try_upgrade(raw_server::script s, std::size_t header_limit = 0)
{
    raw_server srv(std::move(s));
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.reconnect = chatlink::never_reconnect();
    if(header_limit)
        opts.max_upgrade_header_bytes = header_limit;
    chatlink::client c(ioc, opts);
    std::optional<chatlink::error_code> result;
    c.async_connect("t", [&](chatlink::error_code ec) { result = ec; });
    REQUIRE(run_until(ioc, [&] { return result.has_value(); }, 8s));
    upgrade_outcome o;
    o.ec = *result;
    o.status = c.last_http_status();
    o.detail = c.stats().last_error_detail;
    c.close();
    return o;
}

} // namespace

TEST_CASE("upgrade: frames in the same segment as the 101, beyond one read, all arrive in order", "[hostile][upgrade]")
{
    // The upgrade response is read before Beast sees it; the frames that
    // came with it must all reach Beast, however little its reads take.
    constexpr int count = 2000; // about 40 KB behind the 101
    raw_server srv([&](raw_conn& conn) {
        if(! conn.read_request())
            return;
        std::string bytes = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Accept: " + conn.accept_key() + "\r\n\r\n";
        for(int i = 0; i < count; ++i)
            bytes += ws_frame(1, "{\"n\":" + std::to_string(i) + "}");
        if(conn.write(bytes))
            conn.drain_for(10s);
    });
    boost::asio::io_context ioc;
    chatlink::client c(ioc, hostile_options(srv.url(), 500ms));
    std::vector<std::int64_t> got;
    c.on_message([&](boost::json::value const& v) { got.push_back(v.at("n").as_int64()); });
    std::vector<chatlink::error_code> errors;
    c.on_error([&](chatlink::error_code ec) { errors.push_back(ec); });
    c.connect("t");
    run_until(ioc, [&] { return got.size() >= std::size_t(count) || ! errors.empty(); }, 10s);
    REQUIRE(got.size() == std::size_t(count));
    for(int i = 0; i < count; ++i)
        REQUIRE(got[std::size_t(i)] == i);
    CHECK(errors.empty());
    CHECK(c.state() == chatlink::state::open);
}

TEST_CASE("upgrade: the server closes before answering: status 0, the detail says so", "[hostile][upgrade]")
{
    auto const o = try_upgrade([](raw_conn& conn) {
        if(conn.read_request())
            conn.close();
    });
    CHECK(o.ec == chatlink::error::handshake_failed);
    CHECK(o.status == 0);
    CHECK(o.detail.find("closed") != std::string::npos);
    CHECK(o.detail.find("500") == std::string::npos);
}

TEST_CASE("upgrade: the server resets after the request: status 0, reset", "[hostile][upgrade]")
{
    auto const o = try_upgrade([](raw_conn& conn) {
        if(conn.read_request())
            conn.reset();
    });
    CHECK(o.ec == chatlink::error::handshake_failed);
    CHECK(o.status == 0);
    CHECK(o.detail.find("reset") != std::string::npos);
}

TEST_CASE("upgrade: bytes that are not HTTP: status 0, not HTTP", "[hostile][upgrade]")
{
    auto const o = try_upgrade([](raw_conn& conn) {
        if(conn.read_request())
            conn.write("SSH-2.0-OpenSSH_9.2\r\n\r\n"), conn.hold(2s);
    });
    CHECK(o.ec == chatlink::error::handshake_failed);
    CHECK(o.status == 0);
    CHECK(o.detail.find("not HTTP") != std::string::npos);
}

TEST_CASE("upgrade: a truncated 101: the status is kept, the detail says the header was cut", "[hostile][upgrade]")
{
    auto const o = try_upgrade([](raw_conn& conn) {
        if(conn.read_request())
            conn.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConn"), conn.close();
    });
    CHECK(o.ec == chatlink::error::handshake_failed);
    CHECK(o.status == 101);
    CHECK(o.detail.find("closed") != std::string::npos);
}

TEST_CASE("upgrade: 10 KB of headers (long cookies) are accepted", "[hostile][upgrade]")
{
    auto const o = try_upgrade([](raw_conn& conn) {
        std::string cookies;
        for(int i = 0; i < 10; ++i)
            cookies += "Set-Cookie: c" + std::to_string(i) + "=" + std::string(1000, 'a' + i) + "\r\n";
        if(conn.read_request() && conn.accept_upgrade(cookies))
            conn.hold(2s);
    });
    CHECK_FALSE(o.ec);
    CHECK(o.status == 101);
}

TEST_CASE("upgrade: a header block over the limit: handshake_failed, the detail names the limit", "[hostile][upgrade]")
{
    auto const o = try_upgrade([](raw_conn& conn) {
        std::string cookies;
        for(int i = 0; i < 40; ++i)
            cookies += "Set-Cookie: c" + std::to_string(i) + "=" + std::string(1000, 'z') + "\r\n";
        if(conn.read_request() && conn.accept_upgrade(cookies))
            conn.hold(2s);
    }, 16 * 1024);
    CHECK(o.ec == chatlink::error::handshake_failed);
    CHECK(o.status == 101); // the status line was read
    CHECK(o.detail.find("16384") != std::string::npos);
}

TEST_CASE("upgrade: a 401 with a body too long is still auth_rejected, at once", "[hostile][upgrade]")
{
    auto const start = clk::now();
    auto const o = try_upgrade([](raw_conn& conn) {
        if(! conn.read_request())
            return;
        conn.write("HTTP/1.1 401 Unauthorized\r\nContent-Length: 100000000\r\n\r\n");
        std::string const chunk(64 * 1024, 'x');
        for(int i = 0; i < 64 && conn.write(chunk, 100ms); ++i) {}
        conn.hold(3s);
    });
    CHECK(o.ec == chatlink::error::auth_rejected);
    CHECK(o.status == 401);
    CHECK(clk::now() - start < 3s);
}
