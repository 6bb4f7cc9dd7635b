//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Other backends' upgrade requests and answers (issue 14): headers added to
// the request, the token in an Authorization header, subprotocols, and what
// RFC 6455 4.1 requires of the 101. Each server is a raw_server: it reads
// the request as the client wrote it and answers with hand-written bytes.
//
#include <chatlink/client.hpp>
#include <chatlink/credential_store.hpp>
#include <chatlink/reconnect_policy.hpp>

#include "support/client_helpers.hpp"
#include "support/log_lines.hpp"
#include "support/raw_server.hpp"
#include "support/test_server.hpp"
#include "support/run.hpp"

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using chatlink_test::log_lines;
using chatlink_test::raw_conn;
using chatlink_test::raw_server;

namespace {

using chatlink_test::quiet_options;

// A server that records the request, then answers with 101 and `extra`.
struct recording_server
{
    std::mutex mtx;
    std::string request;
    raw_server srv;

    explicit recording_server(std::string extra = "")
        : srv([this, extra](raw_conn& conn) {
            if(! conn.read_request())
                return;
            {
                std::lock_guard<std::mutex> lock(mtx);
                request = conn.request();
            }
            if(conn.accept_upgrade(extra))
                conn.drain_for(3s);
        })
    {
    }

    std::string seen()
    {
        std::lock_guard<std::mutex> lock(mtx);
        return request;
    }
};

// The request line (first line) of a request head.
std::string request_line(std::string const& head)
{
    return head.substr(0, head.find("\r\n"));
}

} // namespace

TEST_CASE("custom headers arrive, and the values of secret ones appear in no log line", "[backends][headers]")
{
    recording_server server;
    boost::asio::io_context ioc;
    auto o = quiet_options(server.srv.url());
    o.headers = {{"Origin", "https://app.example"}, {"X-Client", "demo-42"},
        {"Cookie", "sid=c00kie-secret"}, {"Authorization", "Basic YXV0aC1zZWNyZXQ="}};
    log_lines logs;
    logs.attach(o);
    chatlink::client c(ioc, o);
    REQUIRE_FALSE(chatlink_test::connect(ioc, c, "t"));
    auto const req = server.seen();
    CHECK(req.find("\r\nOrigin: https://app.example\r\n") != std::string::npos);
    CHECK(req.find("\r\nX-Client: demo-42\r\n") != std::string::npos);
    CHECK(req.find("\r\nCookie: sid=c00kie-secret\r\n") != std::string::npos);
    CHECK(req.find("\r\nAuthorization: Basic YXV0aC1zZWNyZXQ=\r\n") != std::string::npos);
    // The log lists the headers, with the secret values hidden.
    CHECK(logs.any_contains("X-Client: demo-42"));
    CHECK(logs.any_contains("Cookie: ***"));
    CHECK_FALSE(logs.any_contains("c00kie-secret"));
    CHECK_FALSE(logs.any_contains("YXV0aC1zZWNyZXQ="));
}

TEST_CASE("token_in header: the token arrives as Authorization: Bearer and is in no URL or log line", "[backends][headers]")
{
    recording_server server;
    boost::asio::io_context ioc;
    auto o = quiet_options(server.srv.url());
    o.token_in = chatlink::token_placement::header;
    log_lines logs;
    logs.attach(o);
    chatlink::client c(ioc, o);
    REQUIRE_FALSE(chatlink_test::connect(ioc, c, "t0ken-in-header"));
    auto const req = server.seen();
    CHECK(request_line(req) == "GET /ws HTTP/1.1");
    CHECK(req.find("\r\nAuthorization: Bearer t0ken-in-header\r\n") != std::string::npos);
    CHECK(logs.any_contains("connecting to ws://127.0.0.1:"));
    CHECK_FALSE(logs.any_contains("t0ken-in-header"));
    CHECK_FALSE(logs.any_contains("token="));
}

TEST_CASE("token_in header with another scheme, from the credential store before each attempt", "[backends][headers]")
{
    recording_server server;
    boost::asio::io_context ioc;
    auto o = quiet_options(server.srv.url());
    o.token_in = chatlink::token_placement::header;
    o.token_scheme = "Token";
    auto store = std::make_shared<chatlink::memory_store>();
    chatlink::write_login(*store, o.store_key, "st0red", "ann", o.store_token_field);
    o.store = store;
    chatlink::client c(ioc, o);
    c.start();
    REQUIRE(chatlink_test::run_until(ioc, [&] { return c.state() == chatlink::state::open; }));
    auto const req = server.seen();
    CHECK(request_line(req) == "GET /ws HTTP/1.1");
    CHECK(req.find("\r\nAuthorization: Token st0red\r\n") != std::string::npos);
}

TEST_CASE("a header that would break the handshake is refused before any I/O, its value never shown", "[backends][headers]")
{
    raw_server srv([](raw_conn& conn) {
        if(conn.read_request())
            conn.accept_upgrade();
    });
    struct bad_case
    {
        std::vector<chatlink::header_field> headers;
        chatlink::token_placement token_in;
        std::string token;
    };
    auto const bad = GENERATE(
        bad_case{{{"X-Evil", "a\r\nX-Injected: s3cret-value"}}, chatlink::token_placement::query, "t"},
        bad_case{{{"X-Evil", std::string("a\0b s3cret-value", 16)}}, chatlink::token_placement::query, "t"},
        bad_case{{{"X-Evil\r\nX-Injected", "s3cret-value"}}, chatlink::token_placement::query, "t"},
        bad_case{{{"Sec-WebSocket-Key", "s3cret-value"}}, chatlink::token_placement::query, "t"},
        bad_case{{{"Host", "s3cret-value"}}, chatlink::token_placement::query, "t"},
        bad_case{{{"Bad Name", "s3cret-value"}}, chatlink::token_placement::query, "t"},
        bad_case{{{"Authorization", "s3cret-value"}}, chatlink::token_placement::header, "t"},
        bad_case{{}, chatlink::token_placement::header, "s3cret-value\r\nX-Injected: 1"});
    boost::asio::io_context ioc;
    auto o = quiet_options(srv.url());
    o.headers = bad.headers;
    o.token_in = bad.token_in;
    log_lines logs;
    logs.attach(o);
    chatlink::client c(ioc, o);
    auto const ec = chatlink_test::connect(ioc, c, bad.token);
    CHECK(ec == chatlink::error::invalid_option);
    CHECK(ec == chatlink::condition::fatal);
    CHECK(c.state() == chatlink::state::stopped);
    CHECK_FALSE(c.stats().last_error_detail.empty());
    CHECK(c.stats().last_error_detail.find("s3cret") == std::string::npos);
    CHECK_FALSE(logs.any_contains("s3cret"));
    // Nothing reached the server: give a connection that was made time to
    // be accepted, then look.
    std::this_thread::sleep_for(50ms);
    CHECK(srv.accepted() == 0);
}

TEST_CASE("subprotocols: the one chosen is reported, one not offered, or none when required, fails", "[backends][subprotocol]")
{
    SECTION("chosen among those offered")
    {
        recording_server server("Sec-WebSocket-Protocol: chat.v1\r\n");
        boost::asio::io_context ioc;
        auto o = quiet_options(server.srv.url());
        o.subprotocols = {"chat.v2", "chat.v1"};
        chatlink::client c(ioc, o);
        std::string at_open;
        c.on_open([&] { at_open = c.stats().subprotocol; });
        REQUIRE_FALSE(chatlink_test::connect(ioc, c, "t"));
        CHECK(server.seen().find("\r\nSec-WebSocket-Protocol: chat.v2, chat.v1\r\n") != std::string::npos);
        CHECK(at_open == "chat.v1");
        CHECK(c.stats().subprotocol == "chat.v1");
    }
    SECTION("none chosen, one required: handshake_failed")
    {
        recording_server server;
        boost::asio::io_context ioc;
        auto o = quiet_options(server.srv.url());
        o.subprotocols = {"chat.v2"};
        chatlink::client c(ioc, o);
        CHECK(chatlink_test::connect(ioc, c, "t") == chatlink::error::handshake_failed);
        CHECK(c.stats().last_error_detail.find("none of the subprotocols") != std::string::npos);
        CHECK(c.state() == chatlink::state::stopped);
    }
    SECTION("none chosen, none required: open, no subprotocol")
    {
        recording_server server;
        boost::asio::io_context ioc;
        auto o = quiet_options(server.srv.url());
        o.subprotocols = {"chat.v2"};
        o.require_subprotocol = false;
        chatlink::client c(ioc, o);
        REQUIRE_FALSE(chatlink_test::connect(ioc, c, "t"));
        CHECK(c.stats().subprotocol.empty());
    }
    SECTION("one not offered is forced on us: handshake_failed")
    {
        auto const offered = GENERATE(std::vector<std::string>{}, std::vector<std::string>{"chat.v2"});
        recording_server server("Sec-WebSocket-Protocol: evil.v9\r\n");
        boost::asio::io_context ioc;
        auto o = quiet_options(server.srv.url());
        o.subprotocols = offered;
        chatlink::client c(ioc, o);
        std::size_t opens = 0;
        c.on_open([&] { ++opens; });
        CHECK(chatlink_test::connect(ioc, c, "t") == chatlink::error::handshake_failed);
        INFO(c.stats().last_error_detail);
        CHECK(c.stats().last_error_detail.find("not offered") != std::string::npos);
        CHECK(opens == 0);
        CHECK(c.stats().subprotocol.empty());
    }
}

TEST_CASE("an extension in the 101 that was not offered fails the handshake", "[backends][extensions]")
{
    auto const answer = GENERATE(std::string("Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n"),
        std::string("Sec-WebSocket-Extensions: permessage-deflate\r\n"),
        std::string("Sec-WebSocket-Extensions: permessage-deflate, x-custom; a=1\r\n"));
    recording_server server(answer);
    boost::asio::io_context ioc;
    auto o = quiet_options(server.srv.url());
    o.permessage_deflate = answer.find("x-custom") != std::string::npos; // offered, but not x-custom
    chatlink::client c(ioc, o);
    CHECK(chatlink_test::connect(ioc, c, "t") == chatlink::error::handshake_failed);
    CHECK(c.stats().last_error_detail.find("extension that was not offered") != std::string::npos);
}

TEST_CASE("server retry hints: a 503 with Retry-After and a 1013 close delay the next attempt past a 100 ms policy", "[backends][retry_after]")
{
    using clk = std::chrono::steady_clock;
    enum class hint { status_503, status_429_date, close_1013 };
    auto const kind = GENERATE(hint::status_503, hint::status_429_date, hint::close_1013);
    std::atomic<int> conns{0};
    std::mutex mtx;
    clk::time_point refused_at, second_at;
    raw_server srv([&](raw_conn& conn) {
        int const n = ++conns;
        if(! conn.read_request())
            return;
        if(n == 1)
        {
            {
                std::lock_guard<std::mutex> lock(mtx);
                refused_at = clk::now(); // precedes the client's reading of the answer
            }
            if(kind == hint::close_1013)
            {
                if(conn.accept_upgrade())
                    conn.write(chatlink_test::ws_close_frame(1013, "try again later"));
                conn.wait_closed(3s);
                return;
            }
            std::string const after = kind == hint::status_503 ? "2"
                : chatlink_test::http_date(std::chrono::system_clock::now() + 3s);
            conn.write(std::string(kind == hint::status_503 ? "HTTP/1.1 503 Service Unavailable\r\n"
                                                             : "HTTP/1.1 429 Too Many Requests\r\n") +
                "Retry-After: " + after + "\r\nContent-Length: 0\r\n\r\n");
            conn.wait_closed(3s);
            return;
        }
        {
            std::lock_guard<std::mutex> lock(mtx);
            second_at = clk::now();
        }
        if(conn.accept_upgrade())
            conn.drain_for(3s);
    });
    boost::asio::io_context ioc;
    auto o = quiet_options(srv.url());
    o.reconnect = chatlink::fixed_delay(100ms);
    o.service_restart_delay = 2s;
    chatlink::client c(ioc, o);
    std::vector<chatlink::reconnect_info> reconnects;
    c.on_reconnect([&](chatlink::reconnect_info const& r) { reconnects.push_back(r); });
    c.connect("t");
    REQUIRE(chatlink_test::run_until(ioc, [&] { return conns >= 2 && c.state() == chatlink::state::open; }, 15s));
    REQUIRE(reconnects.size() == 1);
    auto const& r = reconnects[0];
    CHECK(r.cause == chatlink::condition::transient);
    REQUIRE(r.retry_after);
    // The 429's date is whole seconds: between 2 and 3 s from when it was written.
    CHECK(*r.retry_after >= (kind == hint::status_429_date ? 1000ms : 2000ms));
    CHECK(r.delay == *r.retry_after);
    std::lock_guard<std::mutex> lock(mtx);
    CHECK(second_at - refused_at >= r.delay);
    CHECK(second_at - refused_at >= 1s);
}

TEST_CASE("frame heartbeat: a server that never answers JSON pings stays alive, one that stops answering frames is dead", "[backends][heartbeat]")
{
    using clk = std::chrono::steady_clock;
    chatlink_test::server_options so;
    so.answer_pings = false; // JSON pings go unanswered...
    so.echo = false;         // ...and are not echoed either
    chatlink_test::test_server srv(so);

    auto const mode = GENERATE(chatlink::heartbeat_mode::json, chatlink::heartbeat_mode::frames);
    boost::asio::io_context ioc(GENERATE(chatlink_test::one_thread, chatlink_test::many_threads));
    auto o = quiet_options(srv.url("ws"));
    o.heartbeat.mode = mode;
    o.heartbeat.interval = 100ms;
    o.heartbeat.timeout = 400ms;
    chatlink::client c(ioc, o);
    std::size_t rtts = 0;
    std::optional<chatlink::close_info> closed;
    c.on_heartbeat([&](std::chrono::microseconds) { ++rtts; });
    c.on_close([&](chatlink::close_info const& i) { closed = i; });
    chatlink_test::open(ioc, c);
    auto const until = clk::now() + 1200ms;
    chatlink_test::run_until(ioc, [&] { return closed.has_value() || clk::now() >= until; }, 3s);
    if(mode == chatlink::heartbeat_mode::json)
    {
        // The control case: unanswered JSON pings and nothing else arriving.
        REQUIRE(closed);
        CHECK(closed->error == chatlink::error::heartbeat_timeout);
        CHECK(rtts == 0);
    }
    else
    {
        CHECK_FALSE(closed);
        CHECK(c.state() == chatlink::state::open);
        CHECK(rtts >= 3); // a pong frame for (nearly) every 100 ms ping
        CHECK(c.stats().last_rtt);
        CHECK(srv.received().empty()); // no JSON ping was sent
    }
}

TEST_CASE("frame heartbeat: a server that stops reading (no pong frames) is declared dead", "[backends][heartbeat]")
{
    chatlink_test::server_options so;
    so.silent_after_open = true;
    chatlink_test::test_server srv(so);
    boost::asio::io_context ioc;
    auto o = quiet_options(srv.url());
    o.heartbeat.mode = chatlink::heartbeat_mode::frames;
    o.heartbeat.interval = 100ms;
    o.heartbeat.timeout = 400ms;
    chatlink::client c(ioc, o);
    std::optional<chatlink::close_info> closed;
    c.on_close([&](chatlink::close_info const& i) { closed = i; });
    chatlink_test::open(ioc, c);
    REQUIRE(chatlink_test::run_until(ioc, [&] { return closed.has_value(); }, 5s));
    CHECK(closed->error == chatlink::error::heartbeat_timeout);
    CHECK(c.stats().last_rtt == std::nullopt);
}
