//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Heartbeat, dead-peer detection, reconnect, the credential store and the
// outbox, with millisecond options against real servers on loopback.
#include <chatlink/client.hpp>

#include "support/client_helpers.hpp"
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <memory>

using namespace std::chrono_literals;
using chatlink_test::connect;
using chatlink_test::many_threads;
using chatlink_test::one_thread;
using chatlink_test::open;
using chatlink_test::options_for;
using chatlink_test::run_until;
using chatlink_test::test_server;
using clk = std::chrono::steady_clock;

TEST_CASE("a silent server is declared dead within the timeout plus 20%, then the client reconnects", "[heartbeat][reconnect]")
{
    chatlink_test::server_options so;
    so.silent_after_open = true;
    test_server srv(so);
    boost::asio::io_context ioc(GENERATE(one_thread, many_threads));
    auto opts = options_for(srv.url());
    opts.heartbeat.interval = 100ms;
    opts.heartbeat.timeout = 400ms;
    opts.reconnect = chatlink::fixed_delay(50ms);
    chatlink::client c(ioc, opts);
    std::optional<clk::time_point> opened, closed_at;
    std::optional<chatlink::close_info> closed;
    std::vector<chatlink::reconnect_info> reconnects;
    c.on_open([&] { if(! opened) opened = clk::now(); });
    c.on_close([&](chatlink::close_info const& i) { if(! closed) { closed = i; closed_at = clk::now(); } });
    c.on_reconnect([&](chatlink::reconnect_info const& r) { reconnects.push_back(r); });
    // The deadline runs from the last byte received, the 101: after
    // `before`, and before on_open runs. A lower bound is measured from an
    // instant that provably precedes the deadline's start, an upper bound
    // from one that provably follows it, so neither fails on a correct
    // client whatever the scheduler does between them.
    auto const before = clk::now();
    c.connect("t");
    REQUIRE(run_until(ioc, [&] { return closed.has_value(); }, 5s));
    REQUIRE(opened);
    CHECK(*closed_at - before >= 400ms);
    CHECK(*closed_at - *opened <= 480ms);
    CHECK(closed->error == chatlink::error::heartbeat_timeout);
    CHECK_FALSE(closed->code);
    REQUIRE(run_until(ioc, [&] { return srv.tcp_accepted() >= 2; }, 5s));
    REQUIRE_FALSE(reconnects.empty());
    CHECK(reconnects[0].attempt == 2);
    CHECK(reconnects[0].delay == 50ms);
    CHECK(reconnects[0].cause == chatlink::error::heartbeat_timeout);
    CHECK(c.stats().reconnects >= 1);
}

TEST_CASE("pings leave on schedule, a server ping gets its pong, the RTT is reported", "[heartbeat]")
{
    chatlink_test::server_options so;
    so.echo = false; // pings are answered with pongs; nothing else comes back
    test_server srv(so);
    boost::asio::io_context ioc(GENERATE(one_thread, many_threads));
    auto opts = options_for(srv.url());
    opts.heartbeat.interval = 50ms;
    chatlink::client c(ioc, opts);
    std::vector<std::chrono::microseconds> rtts;
    std::vector<boost::json::value> seen;
    c.on_heartbeat([&](std::chrono::microseconds rtt) { rtts.push_back(rtt); });
    c.on_message([&](boost::json::value const& v) { seen.push_back(v); });
    open(ioc, c);
    auto const start = clk::now();
    run_until(ioc, [&] { return clk::now() - start >= 530ms; }, 2s);
    auto const received = srv.received();
    auto const pings = std::count(received.begin(), received.end(), std::string(R"({"type":"ping"})"));
    CHECK(pings >= 8);  // one every 50 ms over 530 ms: 10, with slack for a loaded machine
    CHECK(pings <= 11);
    REQUIRE(rtts.size() >= 8);
    for(auto rtt : rtts)
        CHECK(rtt < 50ms);
    REQUIRE(c.stats().last_rtt);
    CHECK(*c.stats().last_rtt == rtts.back());

    // The server pings us: the app sees the ping and the server gets a pong.
    srv.send_all(R"({"type":"ping"})");
    // The client's io_context must run for the pong to go out.
    REQUIRE(run_until(ioc, [&] {
        auto r = srv.received();
        return std::count(r.begin(), r.end(), std::string(R"({"type":"pong"})")) == 1;
    }, 2s));
    CHECK(std::any_of(seen.begin(), seen.end(), [](auto const& v) { return v.at("type") == "ping"; }));
}

TEST_CASE("a server that restarts on the same port gets all 100 messages sent meanwhile, in order, once", "[reconnect][outbox]")
{
    auto first = std::make_unique<test_server>();
    auto const port = first->port();
    boost::asio::io_context ioc;
    auto opts = options_for(first->url());
    opts.reconnect = chatlink::exponential_backoff(20ms, 100ms, 2.0, [] { return 1.0; });
    chatlink::client c(ioc, opts);
    std::vector<chatlink::reconnect_info> reconnects;
    c.on_reconnect([&](chatlink::reconnect_info const& r) { reconnects.push_back(r); });
    open(ioc, c);
    c.send(R"({"type":"chat","text":"before"})");
    REQUIRE(run_until(ioc, [&] { return first->received().size() == 1; }, 2s));

    first.reset(); // the server goes away
    REQUIRE(run_until(ioc, [&] { return c.state() == chatlink::state::waiting; }, 5s));
    std::vector<int> results(100, -1);
    for(int i = 0; i < 100; ++i)
        c.async_send(R"({"type":"chat","n":)" + std::to_string(i) + "}",
            [&, i](chatlink::error_code ec, std::size_t) { results[i] = ec ? 1 : 0; });
    // Let a few attempts fail while it is away.
    run_until(ioc, [&] { return reconnects.size() >= 3; }, 5s);

    chatlink_test::server_options so;
    so.port = port;
    test_server second(so);
    REQUIRE(run_until(ioc, [&] { return second.received().size() >= 100; }, 10s));
    run_until(ioc, [&] { return std::count(results.begin(), results.end(), 0) == 100; }, 2s);
    auto const got = second.received();
    REQUIRE(got.size() == 100);
    for(int i = 0; i < 100; ++i)
        CHECK(got[static_cast<std::size_t>(i)] == R"({"type":"chat","n":)" + std::to_string(i) + "}");
    CHECK(std::count(results.begin(), results.end(), 0) == 100);
    // The policy's delays: full jitter at u = 1 gives the ceiling, 20, 40, 80, 100.
    REQUIRE(reconnects.size() >= 3);
    CHECK(reconnects[0].delay == 20ms);
    CHECK(reconnects[1].delay == 40ms);
    CHECK(reconnects[2].delay == 80ms);
}

TEST_CASE("401 under the default policy: exactly one attempt, then give_up with auth_rejected", "[reconnect][auth]")
{
    chatlink_test::server_options so;
    so.tokens = {"good"};
    test_server srv(so);
    boost::asio::io_context ioc;
    chatlink::client c(ioc, options_for(srv.url()));
    std::optional<chatlink::error_code> gave_up;
    c.on_give_up([&](chatlink::error_code ec) { gave_up = ec; });
    c.connect("bad");
    REQUIRE(run_until(ioc, [&] { return gave_up.has_value(); }));
    CHECK(*gave_up == chatlink::error::auth_rejected);
    CHECK(c.state() == chatlink::state::stopped);
    run_until(ioc, [] { return false; }, 300ms);
    CHECK(srv.tcp_accepted() == 1);
}

TEST_CASE("the store is read before every attempt: a new token is used, a logout stops", "[reconnect][store]")
{
    test_server srv;
    auto store = std::make_shared<chatlink::memory_store>();
    store->set("chatuser", R"({"token":"first","user":"ann"})");
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.store = store;
    opts.reconnect = chatlink::fixed_delay(200ms);
    chatlink::client c(ioc, opts);
    std::optional<chatlink::error_code> gave_up;
    c.on_give_up([&](chatlink::error_code ec) { gave_up = ec; });
    c.start();
    REQUIRE(run_until(ioc, [&] { return c.state() == chatlink::state::open; }));

    // The server drops us; while the client waits, the token changes.
    srv.close_all(1001);
    REQUIRE(run_until(ioc, [&] { return c.state() == chatlink::state::waiting; }));
    store->set("chatuser", R"({"token":"second","user":"ann"})");
    REQUIRE(run_until(ioc, [&] { return c.state() == chatlink::state::open; }));
    CHECK(srv.tokens() == std::vector<std::string>{"first", "second"});

    // Dropped again; the user logs out while it waits: no further attempt.
    srv.close_all(1001);
    REQUIRE(run_until(ioc, [&] { return c.state() == chatlink::state::waiting; }));
    store->remove("chatuser");
    REQUIRE(run_until(ioc, [&] { return gave_up.has_value(); }));
    CHECK(*gave_up == chatlink::error::not_logged_in);
    CHECK(c.state() == chatlink::state::stopped);
    run_until(ioc, [] { return false; }, 400ms);
    CHECK(srv.tcp_accepted() == 2);
}

TEST_CASE("start() without an entry reports not_logged_in and stays stopped", "[store]")
{
    test_server srv;
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.store = std::make_shared<chatlink::memory_store>();
    chatlink::client c(ioc, opts);
    std::optional<chatlink::error_code> error, gave_up;
    c.on_error([&](chatlink::error_code ec) { error = ec; });
    c.on_give_up([&](chatlink::error_code ec) { gave_up = ec; });
    c.start();
    REQUIRE(run_until(ioc, [&] { return gave_up.has_value(); }));
    CHECK(*error == chatlink::error::not_logged_in);
    CHECK(*gave_up == chatlink::error::not_logged_in);
    CHECK(srv.tcp_accepted() == 0);
}

TEST_CASE("held sends beyond max_queued are queue_full, and close() completes the held ones", "[outbox]")
{
    chatlink_test::server_options so;
    so.never_upgrade = true; // the client stays connecting
    test_server srv(so);
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.max_queued = 3;
    chatlink::client c(ioc, opts);
    c.connect("t");
    REQUIRE(run_until(ioc, [&] { return srv.tcp_accepted() == 1; }));
    std::vector<chatlink::error_code> results(5);
    std::vector<int> calls(5, 0);
    for(int i = 0; i < 5; ++i)
        c.async_send("{\"n\":" + std::to_string(i) + "}",
            [&, i](chatlink::error_code ec, std::size_t) { results[i] = ec; ++calls[i]; });
    ioc.run_for(100ms);
    // Refused, but a refusal never overtakes an earlier send: 3 and 4
    // complete after the held ones do.
    CHECK(calls == std::vector<int>(5, 0));
    CHECK(c.stats().queue_depth == 3);
    c.close();
    REQUIRE(run_until(ioc, [&] { return calls[4] == 1; }));
    for(int i = 0; i < 3; ++i)
        CHECK(results[i] == boost::asio::error::operation_aborted);
    CHECK(results[3] == chatlink::error::queue_full);
    CHECK(results[4] == chatlink::error::queue_full);
    CHECK(c.state() == chatlink::state::stopped);
    CHECK(calls == std::vector<int>(5, 1));
}

TEST_CASE("reconnect_now skips the wait", "[reconnect]")
{
    test_server srv;
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.reconnect = chatlink::fixed_delay(60s);
    chatlink::client c(ioc, opts);
    open(ioc, c);
    srv.close_all(1001);
    REQUIRE(run_until(ioc, [&] { return c.state() == chatlink::state::waiting; }));
    c.reconnect_now();
    REQUIRE(run_until(ioc, [&] { return c.state() == chatlink::state::open; }, 3s));
    CHECK(srv.tcp_accepted() == 2);
}

TEST_CASE("a server that accepts and drops at once does not reset the back-off", "[reconnect]")
{
    chatlink_test::server_options so;
    so.close_after_open = 1011; // open, then an immediate close: flapping
    test_server srv(so);
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.reconnect = chatlink::exponential_backoff(10ms, 1000ms, 2.0, [] { return 1.0; });
    opts.reconnect_reset_after = 5s;
    chatlink::client c(ioc, opts);
    std::vector<chatlink::reconnect_info> reconnects;
    c.on_reconnect([&](chatlink::reconnect_info const& r) { reconnects.push_back(r); });
    c.connect("t");
    REQUIRE(run_until(ioc, [&] { return reconnects.size() >= 4; }, 5s));
    // Each connection opened, yet the delays keep growing: 10, 20, 40, 80.
    CHECK(reconnects[0].delay == 10ms);
    CHECK(reconnects[1].delay == 20ms);
    CHECK(reconnects[2].delay == 40ms);
    CHECK(reconnects[3].delay == 80ms);
    CHECK(reconnects[3].attempt == 5);
    CHECK(reconnects[0].cause == chatlink::error::closed_by_server);
}

TEST_CASE("durations too long for the clock mean never, not an overflow", "[heartbeat][reconnect]")
{
    // now() + milliseconds::max() does not fit the steady clock's
    // nanoseconds; the session clamps every wait to a century (UBSan, in the
    // sanitizer build, reports the overflow this test once hit).
    test_server srv;
    boost::asio::io_context ioc(GENERATE(one_thread, many_threads));
    auto opts = options_for(srv.url());
    opts.connect_timeout = std::chrono::milliseconds::max();
    opts.heartbeat.interval = std::chrono::milliseconds::max();
    opts.reconnect_reset_after = std::chrono::milliseconds::max();
    opts.reconnect = chatlink::fixed_delay(std::chrono::milliseconds::max());
    chatlink::client c(ioc, opts);
    std::vector<std::string> got;
    c.on_message([&](boost::json::value const& v) { got.push_back(boost::json::serialize(v)); });
    std::optional<chatlink::reconnect_info> waiting;
    c.on_reconnect([&](chatlink::reconnect_info const& i) { waiting = i; });
    open(ioc, c);

    c.send(R"({"type":"chat","text":"x"})");
    REQUIRE(run_until(ioc, [&] { return got.size() == 1; }));
    CHECK(got[0] == R"({"type":"chat","text":"x"})");

    // The server goes away: the client waits "forever" for its next attempt.
    srv.close_all(1011);
    REQUIRE(run_until(ioc, [&] { return waiting.has_value(); }));
    CHECK(c.state() == chatlink::state::waiting);
    CHECK(waiting->delay == std::chrono::milliseconds::max());
    std::size_t const accepted = srv.tcp_accepted();
    ioc.run_for(200ms);
    CHECK(srv.tcp_accepted() == accepted);
    CHECK(c.state() == chatlink::state::waiting);
    c.close();
    REQUIRE(run_until(ioc, [&] { return c.state() == chatlink::state::stopped; }));
}
