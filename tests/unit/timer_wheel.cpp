//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The heartbeats' shared timer (src/detail/timer_wheel.hpp) on a real
// io_context run by one thread: deadlines, order, cancellation, handlers
// that cancel or re-arm, and an io_context destroyed with timers armed.
//
#include "detail/timer_wheel.hpp"

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <random>
#include <vector>

namespace {

namespace net = boost::asio;
using chatlink::detail::timer_wheel;
using chatlink::detail::wheel_timer;
using clk = std::chrono::steady_clock;
using error_code = boost::system::error_code;
using namespace std::chrono_literals;

struct wait_outcome
{
    int calls = 0;
    error_code ec;
    clk::time_point at{};
};

} // namespace

TEST_CASE("wheel: 1000 timers over 20 deadlines each fire once, not early, in deadline order, then run() returns", "[wheel]")
{
    net::io_context ioc{1};
    std::size_t const n = 1000;
    std::vector<std::unique_ptr<wheel_timer>> timers;
    std::vector<wait_outcome> out(n);
    std::vector<clk::time_point> due(n);
    std::vector<std::size_t> order;
    std::mt19937 rng(42);
    auto const t0 = clk::now();
    for(std::size_t i = 0; i < n; ++i)
    {
        due[i] = t0 + 20ms + 10ms * static_cast<int>(rng() % 20); // 20 buckets, 20..210 ms
        timers.push_back(std::make_unique<wheel_timer>(ioc.get_executor()));
        timers.back()->expires_at(due[i]);
        timers.back()->async_wait([&, i](error_code ec) {
            out[i] = {out[i].calls + 1, ec, clk::now()};
            order.push_back(i);
        });
    }
    auto& wheel = net::use_service<timer_wheel>(ioc);
    CHECK(wheel.size() == n);
    ioc.run_for(5s); // returns as soon as the last has fired
    CHECK(clk::now() - t0 < 2s);
    CHECK(wheel.size() == 0);
    REQUIRE(order.size() == n);
    for(std::size_t i = 0; i < n; ++i)
    {
        CHECK(out[i].calls == 1);
        CHECK_FALSE(out[i].ec);
        CHECK(out[i].at >= due[i]);
    }
    CHECK(std::is_sorted(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return due[a] < due[b]; }));
}

TEST_CASE("wheel: cancel completes the wait once with operation_aborted, and leaves the io_context no work", "[wheel]")
{
    net::io_context ioc{1};
    wheel_timer a(ioc.get_executor()), b(ioc.get_executor());
    wait_outcome oa, ob;
    a.expires_at(clk::now() + 10s);
    a.async_wait([&](error_code ec) { oa = {oa.calls + 1, ec, clk::now()}; });
    b.expires_at(clk::now() + 20s);
    b.async_wait([&](error_code ec) { ob = {ob.calls + 1, ec, clk::now()}; });
    CHECK(a.cancel() == 1);
    CHECK(a.cancel() == 0);
    CHECK(b.cancel() == 1);
    CHECK(oa.calls == 0); // posted, not called inside cancel()
    auto const t0 = clk::now();
    ioc.run_for(5s);
    CHECK(clk::now() - t0 < 1s); // nothing left to wait for
    CHECK(oa.calls == 1);
    CHECK(oa.ec == net::error::operation_aborted);
    CHECK(ob.calls == 1);
    CHECK(ob.ec == net::error::operation_aborted);
}

TEST_CASE("wheel: expires_at on an armed timer aborts the earlier wait, the new deadline holds", "[wheel]")
{
    net::io_context ioc{1};
    wheel_timer t(ioc.get_executor());
    std::vector<error_code> got;
    auto const t0 = clk::now();
    t.expires_at(t0 + 10s);
    t.async_wait([&](error_code ec) { got.push_back(ec); });
    CHECK(t.expires_at(t0 + 50ms) == 1);
    t.async_wait([&](error_code ec) { got.push_back(ec); });
    ioc.run_for(5s);
    auto const took = clk::now() - t0;
    CHECK(took >= 50ms);
    CHECK(took < 2s);
    REQUIRE(got.size() == 2);
    CHECK(got[0] == net::error::operation_aborted);
    CHECK_FALSE(got[1]);
}

TEST_CASE("wheel: a handler that cancels a timer due in the same tick stops it from firing", "[wheel]")
{
    net::io_context ioc{1};
    wheel_timer a(ioc.get_executor()), b(ioc.get_executor());
    auto const due = clk::now() + 30ms;
    std::vector<error_code> ga, gb;
    a.expires_at(due);
    b.expires_at(due);
    a.async_wait([&](error_code ec) { ga.push_back(ec); b.cancel(); });
    b.async_wait([&](error_code ec) { gb.push_back(ec); a.cancel(); });
    ioc.run_for(5s);
    // Whichever fired first cancelled the other.
    REQUIRE(ga.size() == 1);
    REQUIRE(gb.size() == 1);
    CHECK(static_cast<bool>(ga[0]) != static_cast<bool>(gb[0]));
}

TEST_CASE("wheel: a handler that re-arms at a deadline already past fires on the next tick, not in a loop", "[wheel]")
{
    net::io_context ioc{1};
    wheel_timer t(ioc.get_executor());
    int fired = 0;
    std::function<void(error_code)> again = [&](error_code ec) {
        if(ec)
            return;
        if(++fired == 50)
            return;
        t.expires_at(clk::now() - 1s); // in the past
        t.async_wait(again);
    };
    t.expires_at(clk::now() + 10ms);
    t.async_wait(again);
    // Each run_one runs at most one tick: 50 fires need 50 of them.
    std::size_t handlers = 0;
    auto const t0 = clk::now();
    while(fired < 50 && clk::now() - t0 < 5s)
        handlers += ioc.run_one_for(1s);
    CHECK(fired == 50);
    CHECK(handlers >= 50);
    CHECK(ioc.run_for(100ms) == 0);
}

TEST_CASE("wheel: timers on different io_contexts use different wheels", "[wheel]")
{
    net::io_context one{1}, two{1};
    wheel_timer a(one.get_executor()), b(two.get_executor());
    int fa = 0, fb = 0;
    a.expires_at(clk::now() + 10ms);
    a.async_wait([&](error_code ec) { fa += ! ec; });
    b.expires_at(clk::now() + 10ms);
    b.async_wait([&](error_code ec) { fb += ! ec; });
    CHECK(net::use_service<timer_wheel>(one).size() == 1);
    CHECK(net::use_service<timer_wheel>(two).size() == 1);
    one.run_for(2s);
    CHECK(fa == 1);
    CHECK(fb == 0);
    two.run_for(2s);
    CHECK(fb == 1);
}

TEST_CASE("wheel: an io_context destroyed with timers armed drops their handlers uncalled", "[wheel]")
{
    auto owner = std::make_shared<int>(7);
    int calls = 0;
    {
        net::io_context ioc{1};
        // Timers owned by their own handlers, as a session owns its timer and
        // its pending handlers own the session.
        struct self_owned
        {
            wheel_timer t;
            explicit self_owned(net::io_context& ioc) : t(ioc.get_executor()) {}
        };
        for(int i = 0; i < 100; ++i)
        {
            auto s = std::make_shared<self_owned>(ioc);
            s->t.expires_at(clk::now() + 10s + std::chrono::milliseconds(i));
            s->t.async_wait([s, owner, &calls](error_code) { ++calls; });
        }
        CHECK(owner.use_count() == 101);
        ioc.run_for(20ms);
    }
    CHECK(owner.use_count() == 1);
    CHECK(calls == 0);
}
