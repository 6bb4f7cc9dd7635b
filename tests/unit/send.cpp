//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Sending: the write queue, ordering across threads, close() and
// destruction with operations in flight. Every send completes exactly once.
#include <chatlink/client.hpp>

#include "support/client_helpers.hpp"
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <memory>
#include <thread>

using namespace std::chrono_literals;
using chatlink_test::run_until;
using chatlink_test::test_server;

using chatlink_test::connect;
using chatlink_test::open;
using chatlink_test::options_for;

TEST_CASE("4 threads x 1000 sends all arrive, in per-thread order", "[send][threads]")
{
    chatlink_test::server_options so;
    so.echo = false;
    test_server srv(so);
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.max_queued = 10000; // all 4000 may be queued at once
    chatlink::client c(ioc, opts);
    open(ioc, c);

    constexpr int threads = 4, per_thread = 1000;
    std::atomic<int> ok{0}, failed{0};
    // The io_context runs on two threads while four others send.
    auto guard = boost::asio::make_work_guard(ioc);
    std::vector<std::thread> runners;
    for(int i = 0; i < 2; ++i)
        runners.emplace_back([&] { ioc.run_for(60s); });
    std::vector<std::thread> senders;
    for(int t = 0; t < threads; ++t)
        senders.emplace_back([&, t] {
            for(int i = 0; i < per_thread; ++i)
                c.async_send(boost::json::value{{"type", "seq"}, {"t", t}, {"i", i}},
                    [&](chatlink::error_code ec, std::size_t) { (ec ? failed : ok)++; });
        });
    for(auto& s : senders)
        s.join();
    bool const all = srv.wait_for([&] { return srv.received().size() == threads * per_thread; }, 30s);
    guard.reset();
    ioc.stop();
    for(auto& r : runners)
        r.join();
    REQUIRE(all);
    CHECK(ok == threads * per_thread);
    CHECK(failed == 0);

    std::vector<int> next(threads, 0);
    bool in_order = true;
    for(auto const& text : srv.received())
    {
        auto v = boost::json::parse(text);
        auto t = static_cast<int>(v.at("t").as_int64());
        auto i = static_cast<int>(v.at("i").as_int64());
        in_order = in_order && i == next[t];
        next[t] = i + 1;
    }
    CHECK(in_order);
    CHECK(next == std::vector<int>(threads, per_thread));
}

TEST_CASE("close() with sends queued completes each with operation_aborted", "[send][close]")
{
    test_server srv;
    boost::asio::io_context ioc;
    chatlink::client c(ioc, options_for(srv.url()));
    open(ioc, c);

    constexpr int n = 50;
    std::vector<int> calls(n, 0);
    std::vector<chatlink::error_code> results(n);
    std::string const big(256 * 1024, 'x');
    for(int i = 0; i < n; ++i)
        c.async_send("{\"type\":\"big\",\"p\":\"" + big + "\"}",
            [&, i](chatlink::error_code ec, std::size_t) { ++calls[i]; results[i] = ec; });
    c.close();
    bool closed = false;
    c.on_close([&](chatlink::close_info const&) { closed = true; });
    REQUIRE(run_until(ioc, [&] {
        return closed && std::all_of(calls.begin(), calls.end(), [](int k) { return k > 0; });
    }));
    CHECK(calls == std::vector<int>(n, 1));
    // The first was being written when close() came; it completes with its own result.
    CHECK((! results[0] || results[0] == boost::asio::error::operation_aborted));
    for(int i = 1; i < n; ++i)
    {
        INFO(i);
        CHECK(results[i] == boost::asio::error::operation_aborted);
    }
    CHECK(srv.received().size() <= 1);
}

TEST_CASE("a client destroyed mid-connect completes its connect once, aborted", "[lifetime]")
{
    chatlink_test::server_options so;
    so.never_upgrade = true;
    test_server srv(so);
    for(int phase = 0; phase < 2; ++phase)
    {
        INFO("phase " << phase); // 0: before resolve ran; 1: while waiting for the upgrade
        boost::asio::io_context ioc;
        auto c = std::make_unique<chatlink::client>(ioc, options_for(srv.url()));
        int calls = 0;
        chatlink::error_code result;
        bool event_after_destroy = false;
        c->on_error([&](chatlink::error_code) { event_after_destroy = true; });
        c->on_close([&](chatlink::close_info const&) { event_after_destroy = true; });
        c->async_connect("t", [&](chatlink::error_code ec) { ++calls; result = ec; });
        if(phase == 1)
            REQUIRE(run_until(ioc, [&] { return srv.tcp_accepted() >= 1; }));
        c.reset();
        CHECK(chatlink_test::drain(ioc));
        CHECK(calls == 1);
        CHECK(result == boost::asio::error::operation_aborted);
        CHECK_FALSE(event_after_destroy);
    }
}

TEST_CASE("a client destroyed mid-send completes every send once", "[lifetime]")
{
    chatlink_test::server_options so;
    so.echo = false; // so that no message can arrive before the destruction
    test_server srv(so);
    boost::asio::io_context ioc;
    auto c = std::make_unique<chatlink::client>(ioc, options_for(srv.url()));
    bool event_after_destroy = false;
    open(ioc, *c);
    c->on_close([&](chatlink::close_info const&) { event_after_destroy = true; });
    c->on_message([&](boost::json::value const&) { event_after_destroy = true; });

    constexpr int n = 20;
    std::vector<int> calls(n, 0);
    std::string const big(256 * 1024, 'y');
    for(int i = 0; i < n; ++i)
        c->async_send("{\"p\":\"" + big + "\"}", [&, i](chatlink::error_code, std::size_t) { ++calls[i]; });
    // Let the first write start, then destroy the client.
    ioc.poll();
    c.reset();
    CHECK(chatlink_test::drain(ioc));
    CHECK(calls == std::vector<int>(n, 1));
    CHECK_FALSE(event_after_destroy);
    // The client said goodbye with 1001 rather than dropping the TCP connection.
    CHECK(srv.wait_for([&] {
        auto codes = srv.close_codes();
        return codes.size() == 1 && codes[0] == 1001;
    }, 5s));
}

TEST_CASE("a client destroyed from inside its own message handler", "[lifetime]")
{
    test_server srv;
    boost::asio::io_context ioc;
    auto c = std::make_unique<chatlink::client>(ioc, options_for(srv.url()));
    open(ioc, *c);
    int messages = 0;
    c->on_message([&](boost::json::value const&) { ++messages; c.reset(); });
    c->on_message([&](boost::json::value const&) { ++messages; }); // must not run after reset
    c->send(boost::json::value{{"type", "echo"}});
    REQUIRE(run_until(ioc, [&] { return c == nullptr; }));
    CHECK(chatlink_test::drain(ioc));
    CHECK(messages == 1);
}

// A burst is written by the coalescing layer (src/detail/coalescing_stream.hpp)
// in batches; each send still completes once, after its own bytes were
// written, in the order the sends were made.
TEST_CASE("a burst of 3000 sends completes once each, in order, and arrives in order", "[send][coalescing]")
{
    chatlink_test::server_options so;
    so.echo = false;
    test_server srv(so);
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.max_queued = 10000;
    chatlink::client c(ioc, opts);
    open(ioc, c);

    constexpr int n = 3000;
    std::vector<int> order;
    std::vector<int> calls(n, 0);
    std::size_t failed = 0;
    for(int i = 0; i < n; ++i)
        c.async_send(boost::json::value{{"type", "seq"}, {"i", i}},
            [&, i](chatlink::error_code ec, std::size_t) {
                ++calls[i];
                order.push_back(i);
                failed += ec ? 1 : 0;
            });
    REQUIRE(run_until(ioc, [&] { return order.size() == n && srv.received().size() == n; }, 30s));
    CHECK(calls == std::vector<int>(n, 1));
    CHECK(failed == 0);
    CHECK(std::is_sorted(order.begin(), order.end()));
    auto const got = srv.received();
    bool in_order = true;
    for(int i = 0; i < n; ++i)
        in_order = in_order && boost::json::parse(got[i]).at("i").as_int64() == i;
    CHECK(in_order);
    CHECK(c.stats().messages_sent == n);
    CHECK(c.stats().queue_depth == 0);
}

TEST_CASE("the connection is reset during a burst: sends before the loss succeed, the rest fail, none twice", "[send][coalescing]")
{
    chatlink_test::server_options so;
    so.echo = false;
    test_server srv(so);
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.max_queued = 50000;
    opts.reconnect = chatlink::never_reconnect();
    chatlink::client c(ioc, opts);
    open(ioc, c);

    constexpr int n = 20000;
    std::string const pad(200, 'x');
    std::vector<int> order;
    std::vector<int> calls(n, 0);
    std::vector<chatlink::error_code> results(n);
    for(int i = 0; i < n; ++i)
        c.async_send(boost::json::value{{"type", "seq"}, {"i", i}, {"p", pad}},
            [&, i](chatlink::error_code ec, std::size_t) {
                ++calls[i];
                order.push_back(i);
                results[i] = ec;
            });
    bool dropped = false;
    REQUIRE(run_until(ioc, [&] {
        if(! dropped && srv.received().size() >= 100)
        {
            srv.drop_all(true);
            dropped = true;
        }
        return order.size() == n;
    }, 30s));
    CHECK(calls == std::vector<int>(n, 1));
    // Completions come in send order, except the write in flight when the
    // connection was lost: giving up fails the sends held behind it at once,
    // and it completes (failed) when its own write returns, last.
    auto in_flight = order.end();
    if(! std::is_sorted(order.begin(), order.end()))
    {
        in_flight = std::prev(order.end());
        CHECK(*in_flight < order[order.size() - 2]);
        CHECK(results[*in_flight]);
    }
    CHECK(std::is_sorted(order.begin(), in_flight));
    // Success means written to the socket: no success after the first failure.
    auto const first_failure = std::find_if(results.begin(), results.end(),
        [](chatlink::error_code ec) { return !! ec; });
    auto const successes = static_cast<std::size_t>(first_failure - results.begin());
    CHECK(std::none_of(first_failure, results.end(), [](chatlink::error_code ec) { return ! ec; }));
    INFO("successes: " << successes << ", received: " << srv.received().size());
    // What arrived is a prefix of what succeeded, each once, in order.
    auto const got = srv.received();
    CHECK(got.size() <= successes);
    bool in_order = true;
    for(std::size_t i = 0; i < got.size(); ++i)
        in_order = in_order && boost::json::parse(got[i]).at("i").as_int64() == static_cast<std::int64_t>(i);
    CHECK(in_order);
}

TEST_CASE("a send made from a send's completion, with more queued, is written once, in order", "[send]")
{
    chatlink_test::server_options so;
    so.echo = false;
    test_server srv(so);
    boost::asio::io_context ioc;
    chatlink::client c(ioc, options_for(srv.url()));
    open(ioc, c);

    // "a" completes while "b" waits behind it; its handler sends "c". The
    // completion runs inside the write loop, which must not then start a
    // second write of its own.
    int done = 0;
    chatlink::error_code first_error;
    auto note = [&](chatlink::error_code ec, std::size_t) {
        ++done;
        if(ec && ! first_error)
            first_error = ec;
    };
    c.async_send(std::string(R"({"m":"a"})"), [&](chatlink::error_code ec, std::size_t n) {
        note(ec, n);
        c.async_send(std::string(R"({"m":"c"})"), note);
    });
    c.async_send(std::string(R"({"m":"b"})"), note);
    REQUIRE(run_until(ioc, [&] { return done == 3 && srv.received().size() >= 3; }));
    CHECK(! first_error);
    // Anything written twice would arrive by now.
    run_until(ioc, [] { return false; }, 200ms);
    CHECK(srv.received() == std::vector<std::string>{R"({"m":"a"})", R"({"m":"b"})", R"({"m":"c"})"});
}
