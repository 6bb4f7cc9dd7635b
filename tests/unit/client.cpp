//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Test that header file is self-contained.
#include <chatlink/client.hpp>

#include "support/client_helpers.hpp"
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <thread>

using namespace std::chrono_literals;
using chatlink_test::run_until;
using chatlink_test::test_server;

using chatlink_test::connect;
using chatlink_test::options_for;

TEST_CASE("a token with reserved and non-ASCII characters reaches the server intact", "[client]")
{
    test_server srv;
    boost::asio::io_context ioc;
    chatlink::client c(ioc, options_for(srv.url()));
    std::string const token = "a+b/c=d&e?f% g\xe4\xbd\xa0\xe5\xa5\xbd\xc3\xa9";
    REQUIRE_FALSE(connect(ioc, c, token));
    CHECK(c.state() == chatlink::state::open);
    REQUIRE(srv.tokens().size() == 1);
    CHECK(srv.tokens()[0] == token);
    auto target = srv.targets().at(0);
    CHECK(target.find(' ') == std::string::npos);
    CHECK(target.rfind("/ws?token=", 0) == 0);
}

TEST_CASE("base URLs map to the right server path over a real socket", "[client][url]")
{
    test_server srv;
    std::string const port = std::to_string(srv.port());
    struct row { std::string base; std::string path; };
    std::vector<row> const table = {
        {"http://127.0.0.1:" + port, "/ws"},
        {"http://localhost:" + port, "/ws"},          // a host containing "s"
        {"http://127.0.0.1:" + port + "/api", "/api/ws"},
        {"http://127.0.0.1:" + port + "/chat/ws", "/chat/ws"},
        {"ws://127.0.0.1:" + port + "/ws", "/ws"},
        {"ws://localhost:" + port, "/"},
        {"ws://127.0.0.1:" + port + "/socket?v=2", "/socket"},
    };
    for(std::size_t i = 0; i < table.size(); ++i)
    {
        INFO(table[i].base);
        boost::asio::io_context ioc;
        chatlink::client c(ioc, options_for(table[i].base));
        REQUIRE_FALSE(connect(ioc, c, "tok"));
        REQUIRE(srv.targets().size() == i + 1);
        auto const target = srv.targets()[i];
        CHECK(target.substr(0, target.find('?')) == table[i].path);
        CHECK(srv.tokens().at(i) == "tok");
    }
    CHECK(srv.targets()[6] == "/socket?v=2&token=tok");
}

TEST_CASE("an unknown token refused with 401 or 403 is auth_rejected", "[client][auth]")
{
    for(int status : {401, 403})
    {
        INFO(status);
        chatlink_test::server_options so;
        so.tokens = {"good"};
        if(status == 403)
            so.refuse_status = 403;
        test_server srv(so);
        boost::asio::io_context ioc;
        std::vector<std::string> logs;
        auto opts = options_for(srv.url());
        opts.logger = [&](chatlink::log_level, std::string_view s) { logs.emplace_back(s); };
        chatlink::client c(ioc, opts);
        CHECK(connect(ioc, c, "bad-secret") == chatlink::error::auth_rejected);
        CHECK(c.last_http_status() == status);
        CHECK(c.state() == chatlink::state::stopped);
        REQUIRE_FALSE(logs.empty());
        for(auto const& line : logs)
            CHECK(line.find("bad-secret") == std::string::npos);
    }
}

TEST_CASE("another refused upgrade is handshake_failed with its status", "[client][auth]")
{
    chatlink_test::server_options so;
    so.refuse_status = 500;
    test_server srv(so);
    boost::asio::io_context ioc;
    chatlink::client c(ioc, options_for(srv.url()));
    CHECK(connect(ioc, c, "t") == chatlink::error::handshake_failed);
    CHECK(c.last_http_status() == 500);
    CHECK(c.stats().last_error_detail == "HTTP 500");
}

TEST_CASE("close 1008 or 4401 right after open is auth_rejected", "[client][auth]")
{
    for(std::uint16_t code : {std::uint16_t(1008), std::uint16_t(4401)})
    {
        INFO(code);
        chatlink_test::server_options so;
        so.close_after_open = code;
        test_server srv(so);
        boost::asio::io_context ioc;
        chatlink::client c(ioc, options_for(srv.url()));
        bool opened = false;
        std::optional<chatlink::close_info> closed;
        c.on_open([&] { opened = true; });
        c.on_close([&](chatlink::close_info const& i) { closed = i; });
        c.connect("t");
        REQUIRE(run_until(ioc, [&] { return closed.has_value(); }));
        CHECK(opened);
        CHECK(closed->error == chatlink::error::auth_rejected);
        REQUIRE(closed->code);
        CHECK(*closed->code == code);
        CHECK_FALSE(closed->requested);
    }
}

TEST_CASE("a server that accepts TCP but never upgrades gives connect_timeout", "[client][timeout]")
{
    chatlink_test::server_options so;
    so.never_upgrade = true;
    test_server srv(so);
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.connect_timeout = 200ms;
    chatlink::client c(ioc, opts);
    auto const start = std::chrono::steady_clock::now();
    CHECK(connect(ioc, c, "t") == chatlink::error::connect_timeout);
    auto const elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed >= 190ms);
    CHECK(elapsed < 3s);
    CHECK(srv.tcp_accepted() == 1);
    CHECK(c.state() == chatlink::state::waiting);
}

TEST_CASE("a malformed URL is invalid_url through both paths", "[client][url]")
{
    boost::asio::io_context ioc;
    chatlink::client c(ioc, options_for("http//nope"));
    CHECK(connect(ioc, c, "t") == chatlink::error::invalid_url);

    std::optional<chatlink::error_code> reported;
    c.on_error([&](chatlink::error_code ec) { reported = ec; });
    c.connect("t");
    REQUIRE(run_until(ioc, [&] { return reported.has_value(); }));
    CHECK(*reported == chatlink::error::invalid_url);
}

TEST_CASE("frames that are not JSON objects are bad_message and the connection goes on", "[client][message]")
{
    test_server srv;
    boost::asio::io_context ioc;
    chatlink::client c(ioc, options_for(srv.url()));
    std::vector<chatlink::error_code> errors;
    std::vector<boost::json::value> messages;
    std::vector<boost::json::value> routed;
    c.on_error([&](chatlink::error_code ec) { errors.push_back(ec); });
    c.on_message([&](boost::json::value const& v) { messages.push_back(v); });
    c.on("chat", [&](boost::json::value const& v) { routed.push_back(v); });
    REQUIRE_FALSE(connect(ioc, c, "t"));

    srv.send_all("this is not json");
    srv.send_all("[1,2,3]");
    srv.send_all("{\"type\":\"chat\",\"text\":\"binary\"}", true);
    REQUIRE(run_until(ioc, [&] { return errors.size() == 3; }));
    for(auto ec : errors)
        CHECK(ec == chatlink::error::bad_message);
    CHECK(messages.empty());
    CHECK(c.state() == chatlink::state::open);

    // Still usable both ways: our message goes out, the echo comes back.
    c.send(boost::json::value{{"type", "chat"}, {"text", "still here"}});
    c.send(boost::json::value{{"type", "other"}});
    REQUIRE(run_until(ioc, [&] { return messages.size() == 2; }));
    CHECK(messages[0].at("text") == "still here");
    REQUIRE(routed.size() == 1);
    CHECK(routed[0].at("type") == "chat");
}

TEST_CASE("an oversized message closes with 1009 and message_too_big", "[client][message]")
{
    test_server srv;
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.max_message_size = 64 * 1024;
    chatlink::client c(ioc, opts);
    std::optional<chatlink::close_info> closed;
    c.on_close([&](chatlink::close_info const& i) { closed = i; });
    REQUIRE_FALSE(connect(ioc, c, "t"));

    // One message at the limit is fine; one byte more is not.
    std::string const fits = "{\"type\":\"x\",\"p\":\"" + std::string(64 * 1024 - 19, 'a') + "\"}";
    REQUIRE(fits.size() == 64 * 1024);
    std::size_t got = 0;
    c.on_message([&](boost::json::value const&) { ++got; });
    srv.send_all(fits);
    REQUIRE(run_until(ioc, [&] { return got == 1; }));

    // 4 MiB: the server is still sending when the client fails the
    // connection. The client must drain until the server's EOF, not reset
    // the connection (Boost 1.81's teardown did; see detail/teardown.hpp).
    srv.send_all("{\"type\":\"x\",\"p\":\"" + std::string(4 * 1024 * 1024, 'b') + "\"}");
    REQUIRE(run_until(ioc, [&] { return closed.has_value(); }));
    CHECK(closed->error == chatlink::error::message_too_big);
    REQUIRE(closed->code);
    CHECK(*closed->code == 1009);
    CHECK(got == 1);
    CHECK(srv.wait_for([&] {
        auto codes = srv.close_codes();
        return codes.size() == 1 && codes[0] == 1009;
    }, 5s));
    CHECK(srv.wait_for([&] { return srv.open_sessions() == 0; }, 5s));
    // The server's write may end aborted by the closing handshake, never
    // by a reset.
    for(auto const& e : srv.write_errors())
    {
        INFO("server write: " << e.message());
        CHECK(e != boost::asio::error::connection_reset);
        CHECK(e != boost::asio::error::broken_pipe);
    }
}

TEST_CASE("close() runs the closing handshake and reports a requested close", "[client][close]")
{
    test_server srv;
    boost::asio::io_context ioc;
    chatlink::client c(ioc, options_for(srv.url()));
    std::optional<chatlink::close_info> closed;
    c.on_close([&](chatlink::close_info const& i) { closed = i; });
    REQUIRE_FALSE(connect(ioc, c, "t"));
    c.close(1000, "bye");
    CHECK_FALSE(closed); // never inside the call
    REQUIRE(run_until(ioc, [&] { return closed.has_value(); }));
    CHECK(closed->requested);
    CHECK_FALSE(closed->error);
    REQUIRE(closed->code);
    CHECK(*closed->code == 1000);
    CHECK(c.state() == chatlink::state::stopped);
    CHECK(srv.wait_for([&] { return srv.close_codes() == std::vector<std::uint16_t>{1000}; }, 5s));
}

TEST_CASE("handlers never run inside the call that started the operation", "[client]")
{
    boost::asio::io_context ioc;
    chatlink::client c(ioc, options_for("http://127.0.0.1:1"));
    bool called = false;
    c.async_send("x", [&](chatlink::error_code ec, std::size_t) {
        called = true;
        CHECK(ec == chatlink::error::not_connected);
    });
    CHECK_FALSE(called);
    REQUIRE(run_until(ioc, [&] { return called; }));
}

TEST_CASE("a second connect while open is already_connected", "[client]")
{
    test_server srv;
    boost::asio::io_context ioc;
    chatlink::client c(ioc, options_for(srv.url()));
    REQUIRE_FALSE(connect(ioc, c, "t"));
    CHECK(connect(ioc, c, "t") == chatlink::error::already_connected);
    CHECK(c.state() == chatlink::state::open);
}

TEST_CASE("async_send works with use_future from another thread", "[client][token]")
{
    test_server srv;
    boost::asio::io_context ioc;
    chatlink::client c(ioc, options_for(srv.url()));
    REQUIRE_FALSE(connect(ioc, c, "t"));
    auto guard = boost::asio::make_work_guard(ioc);
    std::thread runner([&] { ioc.run_for(10s); });
    auto fut = c.async_send(boost::json::value{{"type", "chat"}}, boost::asio::use_future);
    REQUIRE(fut.wait_for(5s) == std::future_status::ready);
    CHECK(fut.get() == std::string("{\"type\":\"chat\"}").size());
    guard.reset();
    ioc.stop();
    runner.join();
    CHECK(srv.wait_for([&] { return srv.received().size() == 1; }, 5s));
}

TEST_CASE("a token sent over ws:// to a host that is not loopback warns once", "[client][security]")
{
    test_server srv;
    auto warnings_for = [&](std::string const& host, int connects) {
        boost::asio::io_context ioc;
        auto opts = options_for("ws://" + host + ":" + std::to_string(srv.port()));
        opts.connect_address = "127.0.0.1"; // stay on loopback whatever the URL says
        int warnings = 0;
        opts.logger = [&](chatlink::log_level level, std::string_view s) {
            if(level == chatlink::log_level::warning && s.find("unencrypted") != std::string_view::npos)
                ++warnings;
            CHECK(s.find("secret") == std::string_view::npos);
        };
        chatlink::client c(ioc, opts);
        for(int i = 0; i < connects; ++i)
        {
            REQUIRE_FALSE(connect(ioc, c, "secret"));
            c.close();
            REQUIRE(run_until(ioc, [&] { return c.state() == chatlink::state::stopped; }));
        }
        return warnings;
    };
    CHECK(warnings_for("chat.example.test", 2) == 1);
    CHECK(warnings_for("127.0.0.1", 1) == 0);
    CHECK(warnings_for("localhost", 1) == 0);
}
