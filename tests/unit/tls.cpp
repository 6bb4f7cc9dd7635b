//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// wss:// against the loopback test server, with certificates made at test
// time: verification on by default, SNI, host names, wildcards, IPs.
#include <chatlink/client.hpp>

#include "support/client_helpers.hpp"
#include "support/run.hpp"
#include "support/test_pki.hpp"
#include "support/executor_roundtrip.hpp"
#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using chatlink_test::connect;
using chatlink_test::options_for;
using chatlink_test::run_until;
using chatlink_test::test_pki;
using chatlink_test::test_server;

namespace {

test_pki const& pki()
{
    static test_pki const p;
    return p;
}

chatlink_test::server_options tls_server(chatlink_test::pem_pair const& leaf)
{
    chatlink_test::server_options so;
    so.tls_cert_pem = leaf.cert;
    so.tls_key_pem = leaf.key;
    return so;
}

chatlink::client_options trusting(std::string url)
{
    auto o = options_for(std::move(url));
    o.tls.ca_file = pki().ca_file();
    return o;
}

} // namespace

TEST_CASE("wss:// verified through a CA: messages both ways, SNI sent", "[tls]")
{
    test_server srv(tls_server(pki().issue("DNS:localhost,IP:127.0.0.1")));
    auto const port = std::to_string(srv.port());
    for(std::string url : {"wss://localhost:" + port + "/ws", "https://localhost:" + port, "wss://127.0.0.1:" + port})
    {
        INFO(url);
        boost::asio::io_context ioc;
        std::vector<std::string> logs;
        auto opts = trusting(url);
        opts.logger = [&](chatlink::log_level, std::string_view s) { logs.emplace_back(s); };
        chatlink::client c(ioc, opts);
        std::vector<boost::json::value> got;
        c.on_message([&](boost::json::value const& v) { got.push_back(v); });
        REQUIRE_FALSE(connect(ioc, c, "tls-token"));
        c.send(boost::json::value{{"type", "chat"}, {"text", "over tls"}});
        REQUIRE(run_until(ioc, [&] { return got.size() == 1; }));
        CHECK(got[0].at("text") == "over tls");
        for(auto const& line : logs)
            CHECK(line.find("tls-token") == std::string::npos);
    }
    // https://localhost:PORT mapped to wss://localhost:PORT/ws.
    CHECK(srv.targets().at(1) == "/ws?token=tls-token");
    // SNI for host names, none for IP literals (RFC 6066).
    CHECK(srv.sni_names() == std::vector<std::string>{"localhost", "localhost"});
}

TEST_CASE("wss:// on each kind of executor: hint-1 io_context, thread pool", "[tls][executor]")
{
    test_server srv(tls_server(pki().issue("DNS:localhost")));
    auto const url = "wss://localhost:" + std::to_string(srv.port());
    SECTION("an io_context with concurrency hint 1")
    {
        boost::asio::io_context ioc{1};
        chatlink::client c(ioc, trusting(url));
        chatlink_test::executor_roundtrip(c, "tls hint one", [&] { ioc.run_for(std::chrono::milliseconds(2)); });
    }
    SECTION("a thread pool with two threads")
    {
        boost::asio::thread_pool pool(2);
        {
            chatlink::client c(pool.get_executor(), trusting(url));
            chatlink_test::executor_roundtrip(c, "tls pool", [] {});
        }
        pool.join();
    }
    CHECK(srv.received().size() == 1);
}

TEST_CASE("untrusted, expired and wrong-host certificates are tls_verify_failed", "[tls]")
{
    struct row { char const* what; chatlink_test::pem_pair leaf; char const* reason; };
    std::vector<row> const rows = {
        {"self-signed", test_pki::self_signed("DNS:localhost"), "self-signed"},
        {"expired", pki().issue("DNS:localhost", -7200, -3600), "expired"},
        {"other host", pki().issue("DNS:other.example"), "hostname mismatch"},
    };
    for(auto const& r : rows)
    {
        INFO(r.what);
        test_server srv(tls_server(r.leaf));
        std::string const url = "wss://localhost:" + std::to_string(srv.port());
        {
            boost::asio::io_context ioc;
            std::string log_text;
            auto opts = trusting(url);
            opts.logger = [&](chatlink::log_level, std::string_view s) { log_text += std::string(s) + "\n"; };
            chatlink::client c(ioc, opts);
            std::optional<chatlink::error_code> gave_up;
            c.on_give_up([&](chatlink::error_code ec) { gave_up = ec; });
            CHECK(connect(ioc, c, "t") == chatlink::error::tls_verify_failed);
            CHECK(log_text.find(r.reason) != std::string::npos);
            CHECK(c.stats().last_error == chatlink::error::tls_verify_failed);
            CHECK(c.stats().last_error_detail.find(r.reason) != std::string::npos);
            // Fatal under the default policy: given up, no second attempt.
            REQUIRE(run_until(ioc, [&] { return gave_up.has_value(); }));
            CHECK(*gave_up == chatlink::error::tls_verify_failed);
            run_until(ioc, [] { return false; }, 200ms);
            CHECK(srv.tcp_accepted() == 1);
            CHECK(srv.targets().empty()); // the token never left the client
        }
        {
            boost::asio::io_context ioc;
            std::string log_text;
            auto opts = options_for(url);
            opts.tls.insecure_skip_verify = true;
            opts.logger = [&](chatlink::log_level, std::string_view s) { log_text += std::string(s) + "\n"; };
            chatlink::client c(ioc, opts);
            CHECK_FALSE(connect(ioc, c, "t"));
            CHECK(log_text.find("verification is OFF") != std::string::npos);
        }
    }
}

TEST_CASE("a wildcard certificate covers one label only", "[tls]")
{
    test_server srv(tls_server(pki().issue("DNS:*.example.test")));
    auto const port = std::to_string(srv.port());
    auto attempt = [&](std::string const& host) {
        boost::asio::io_context ioc;
        auto opts = trusting("wss://" + host + ":" + port);
        opts.connect_address = "127.0.0.1";
        chatlink::client c(ioc, opts);
        return connect(ioc, c, "t");
    };
    CHECK_FALSE(attempt("chat.example.test"));
    CHECK(attempt("a.b.example.test") == chatlink::error::tls_verify_failed);
    CHECK(attempt("example.test") == chatlink::error::tls_verify_failed);
    CHECK(srv.sni_names().at(0) == "chat.example.test");
}

TEST_CASE("a TLS server that never completes the handshake gives connect_timeout", "[tls][timeout]")
{
    chatlink_test::server_options so;
    so.never_upgrade = true; // accepts TCP, never answers the ClientHello
    test_server srv(so);
    boost::asio::io_context ioc;
    auto opts = trusting("wss://127.0.0.1:" + std::to_string(srv.port()));
    opts.connect_timeout = 200ms;
    chatlink::client c(ioc, opts);
    auto const start = std::chrono::steady_clock::now();
    CHECK(connect(ioc, c, "t") == chatlink::error::connect_timeout);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK(srv.tcp_accepted() == 1);
}

TEST_CASE("an unreadable CA file fails the connect, not the process", "[tls]")
{
    boost::asio::io_context ioc;
    auto opts = options_for("wss://127.0.0.1:1");
    opts.tls.ca_file = "/nonexistent/ca.pem";
    chatlink::client c(ioc, opts);
    auto ec = connect(ioc, c, "t");
    CHECK(ec);
    CHECK(ec != chatlink::error::tls_verify_failed);
}

TEST_CASE("over wss:// the heartbeat measures RTT and the client reconnects", "[tls][heartbeat][reconnect]")
{
    test_server srv(tls_server(pki().issue("DNS:localhost,IP:127.0.0.1")));
    boost::asio::io_context ioc(GENERATE(chatlink_test::one_thread, chatlink_test::many_threads));
    auto opts = trusting("wss://localhost:" + std::to_string(srv.port()));
    opts.heartbeat.interval = 50ms;
    opts.reconnect = chatlink::fixed_delay(50ms);
    chatlink::client c(ioc, opts);
    std::size_t opens = 0;
    std::vector<std::chrono::microseconds> rtts;
    c.on_open([&] { ++opens; });
    c.on_heartbeat([&](std::chrono::microseconds rtt) { rtts.push_back(rtt); });
    REQUIRE_FALSE(connect(ioc, c, "t"));
    REQUIRE(run_until(ioc, [&] { return rtts.size() >= 3; }, 3s));
    srv.close_all(1011);
    REQUIRE(run_until(ioc, [&] { return opens == 2 && c.state() == chatlink::state::open; }, 3s));
    CHECK(srv.tcp_accepted() == 2);
    CHECK(srv.sni_names().size() == 2);
}
