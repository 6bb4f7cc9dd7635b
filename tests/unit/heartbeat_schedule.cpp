//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// When the heartbeat timer fires and what is then due
// (src/detail/heartbeat_schedule.hpp), without a socket or a clock.
#include "detail/heartbeat_schedule.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using chatlink::detail::heartbeat_schedule;
using tp = heartbeat_schedule::clock::time_point;

namespace {

chatlink::heartbeat_options hb(std::chrono::milliseconds interval, std::chrono::milliseconds timeout)
{
    chatlink::heartbeat_options o;
    o.interval = interval;
    o.timeout = timeout;
    return o;
}

} // namespace

TEST_CASE("heartbeat_schedule: the timeout defaults to twice the interval, and zero turns each part off", "[heartbeat_schedule]")
{
    heartbeat_schedule d(hb(25s, 0ms));
    CHECK(d.timeout() == 50s);
    CHECK(d.pinging());
    CHECK(d.watching());
    heartbeat_schedule off(hb(0ms, 0ms));
    CHECK_FALSE(off.pinging());
    CHECK_FALSE(off.watching());
    CHECK_FALSE(off.next(true, tp(10s), tp(10s)));
    heartbeat_schedule watch_only(hb(0ms, 400ms));
    CHECK_FALSE(watch_only.pinging());
    CHECK(watch_only.watching());
}

TEST_CASE("heartbeat_schedule: the timer fires at the next ping or the liveness deadline, whichever is first, on the grid", "[heartbeat_schedule]")
{
    // 32 ms interval: a 1 ms grid, so whole milliseconds stay put.
    heartbeat_schedule s(hb(32ms, 100ms));
    CHECK(s.next(true, tp(1032ms), tp(1000ms)) == tp(1032ms)); // the ping first
    CHECK(s.next(true, tp(1200ms), tp(1000ms)) == tp(1100ms)); // the deadline first
    CHECK(s.next(false, tp(1032ms), tp(1000ms)) == tp(1100ms)); // closing: no ping, the deadline
    // Off the grid: rounded up, never down.
    auto const t = s.next(true, tp(1032ms + 300us), tp(1000ms));
    REQUIRE(t);
    CHECK(*t == tp(1033ms));
}

TEST_CASE("heartbeat_schedule: coalescing rounds up by at most 1/32 of the period, and at most 250 ms", "[heartbeat_schedule]")
{
    CHECK(heartbeat_schedule::coalesce(tp(1ms), 25s) == tp(250ms));
    CHECK(heartbeat_schedule::coalesce(tp(250ms), 25s) == tp(250ms));
    CHECK(heartbeat_schedule::coalesce(tp(251ms), 25s) == tp(500ms));
    CHECK(heartbeat_schedule::coalesce(tp(1ms), 3200ms) == tp(100ms));
    CHECK(heartbeat_schedule::coalesce(tp(7ns), 0ms) == tp(7ns)); // no period: no grid
}

TEST_CASE("heartbeat_schedule: dead at the deadline and not before, a ping only when due and open", "[heartbeat_schedule]")
{
    heartbeat_schedule s(hb(100ms, 400ms));
    CHECK_FALSE(s.dead(tp(1399ms), tp(1000ms)));
    CHECK(s.dead(tp(1400ms), tp(1000ms)));
    CHECK_FALSE(s.ping_due(tp(1099ms), true, tp(1100ms)));
    CHECK(s.ping_due(tp(1100ms), true, tp(1100ms)));
    CHECK_FALSE(s.ping_due(tp(1100ms), false, tp(1100ms)));
    heartbeat_schedule unwatched(hb(100ms, 0ms)); // timeout 2 x interval
    CHECK(unwatched.dead(tp(1200ms), tp(1000ms)));
}
