//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Failure at every I/O step, like Beast's test::fail_count loops but on real
// sockets (src/detail/fail_count.hpp): one scenario (connect, send, the read
// loop, the heartbeat, a server close and the reconnect, close) is run with
// the n-th I/O completion failing, for n = 0, 1, 2, ... until a run has no
// failure left to inject (at most 200). Each time the scenario still ends,
// every send completes exactly once, nothing arrives twice, at most one
// unexpected connection-level error reaches the app, and no handler runs
// after the destructor. The sanitizer builds run it too.
//
#include <chatlink/client.hpp>

#include "detail/fail_count.hpp"
#include "support/client_helpers.hpp"
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using chatlink_test::drain;
using chatlink_test::options_for;
using chatlink_test::run_until;
using chatlink_test::test_server;

namespace {

struct outcome
{
    bool injected = false;
    std::size_t unexpected = 0; // connection-level errors the scenario did not cause
};

outcome run_scenario(long n)
{
    test_server srv;
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.reconnect = chatlink::fixed_delay(10ms);
    opts.connect_timeout = 2s;
    opts.heartbeat.interval = 30ms;
    auto c = std::make_unique<chatlink::client>(ioc, opts);

    bool gone = false;
    std::size_t late = 0;
    std::vector<chatlink::close_info> closes;
    std::vector<chatlink::reconnect_info> reconnects;
    std::size_t beats = 0;
    c->on_close([&](chatlink::close_info const& i) {
        late += gone;
        closes.push_back(i);
    });
    c->on_reconnect([&](chatlink::reconnect_info const& r) {
        late += gone;
        reconnects.push_back(r);
    });
    c->on_heartbeat([&](std::chrono::microseconds) {
        late += gone;
        ++beats;
    });
    c->on_message([&](boost::json::value const&) { late += gone; });

    std::vector<int> sends; // -1 pending, 0 ok, 1 failed
    auto send = [&](int i) {
        sends.push_back(-1);
        c->async_send(R"({"type":"chat","n":)" + std::to_string(i) + "}",
            [&sends, i, &late, &gone](chatlink::error_code ec, std::size_t) {
                late += gone;
                REQUIRE(sends[static_cast<std::size_t>(i)] == -1); // once
                sends[static_cast<std::size_t>(i)] = ec ? 1 : 0;
            });
    };
    auto all_done = [&] { return std::count(sends.begin(), sends.end(), -1) == 0; };
    auto is_open = [&] { return c->state() == chatlink::state::open; };

    chatlink::detail::arm_fail_count(n);
    std::optional<chatlink::error_code> connected;
    c->async_connect("t", [&](chatlink::error_code ec) { connected = ec; });
    REQUIRE(run_until(ioc, [&] { return connected.has_value(); }, 5s));
    REQUIRE(run_until(ioc, is_open, 5s));
    for(int i = 0; i < 5; ++i)
        send(i);
    REQUIRE(run_until(ioc, all_done, 5s));
    REQUIRE(run_until(ioc, [&] { return beats >= 2; }, 5s));
    std::size_t const before = closes.size();
    srv.close_all(1001);
    REQUIRE(run_until(ioc, [&] { return closes.size() > before; }, 5s));
    REQUIRE(run_until(ioc, is_open, 5s));
    send(5);
    REQUIRE(run_until(ioc, all_done, 5s));
    c->close();
    REQUIRE(run_until(ioc, [&] { return c->state() == chatlink::state::stopped; }, 5s));

    outcome o;
    o.injected = chatlink::detail::disarm_fail_count();
    c.reset();
    gone = true;
    CHECK(drain(ioc, 5s));
    CHECK(late == 0);

    // Nothing arrived twice; a send that succeeded was written on a
    // connection that was open (it may still be lost with it: at most once).
    auto const got = srv.received();
    for(int i = 0; i < 6; ++i)
        CHECK(std::count(got.begin(), got.end(), R"({"type":"chat","n":)" + std::to_string(i) + "}") <= 1);

    // Expected: one reconnect (after the server's 1001) and a clean close at
    // the end. Anything more is the injected failure reaching the app: each
    // failed attempt or connection is followed by exactly one reconnect (a
    // failed first attempt also completes async_connect with its error).
    if(connected && *connected)
        CHECK(reconnects.size() == 2);
    o.unexpected += reconnects.size() - 1;
    if(! closes.empty() && closes.back().requested && closes.back().error)
        ++o.unexpected;
    return o;
}

} // namespace

TEST_CASE("fail_count: the n-th I/O operation fails, for every n, and the client recovers", "[fault][fail_count]")
{
    long n = 0;
    std::size_t injected = 0;
    for(; n < 200; ++n)
    {
        CAPTURE(n);
        auto const o = run_scenario(n);
        if(! o.injected)
            break; // the scenario has fewer than n + 1 I/O operations
        ++injected;
        CHECK(o.unexpected <= 1);
    }
    INFO("I/O operations failed one at a time: " << injected);
    CHECK(n < 200);
    CHECK(injected >= 20); // connect, upgrade, reads and writes at the least
}
