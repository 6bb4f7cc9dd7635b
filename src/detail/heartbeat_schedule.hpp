//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// When the heartbeat timer fires next, and what is due when it does.
//
// One timer per connection does both jobs: it fires at the next ping or at
// the liveness deadline (the last byte received + the timeout), whichever
// comes first. The liveness check reads the time stamp the read path
// leaves: the timer is re-armed only when it fires, never per message.
//
// Timer coalescing: the deadline is rounded up to a grid shared by every
// client in the process, 1/32 of the shorter period and at most 250 ms (a
// 25 s heartbeat is late by at most 1%). A process holding many connections
// then wakes once per grid step for all the deadlines in it, rather than
// once per connection, and the timer wheel (timer_wheel.hpp) keeps one
// bucket per grid step. One connection sees no difference.
//
// Pure: no I/O, never calls the session (tests/unit/heartbeat_schedule.cpp).
//
#ifndef CHATLINK_DETAIL_HEARTBEAT_SCHEDULE_HPP
#define CHATLINK_DETAIL_HEARTBEAT_SCHEDULE_HPP

#include <chatlink/client_options.hpp>

#include <algorithm>
#include <chrono>
#include <optional>

namespace chatlink {
namespace detail {

class heartbeat_schedule
{
public:
    using clock = std::chrono::steady_clock;

    explicit heartbeat_schedule(heartbeat_options const& hb) noexcept
        : interval_(hb.interval), timeout_(hb.timeout.count() > 0 ? hb.timeout : 2 * hb.interval)
    {
    }

    bool pinging() const noexcept { return interval_.count() > 0; }
    bool watching() const noexcept { return timeout_.count() > 0; }
    std::chrono::milliseconds interval() const noexcept { return interval_; }
    std::chrono::milliseconds timeout() const noexcept { return timeout_; }

    // When the timer fires next (none: nothing to watch). `open`: pings are
    // sent only while open; liveness is watched while closing too.
    std::optional<clock::time_point> next(bool open, clock::time_point ping_due, clock::time_point last_rx) const noexcept
    {
        clock::time_point t = clock::time_point::max();
        std::chrono::milliseconds period = interval_;
        if(pinging() && open)
            t = ping_due;
        if(watching())
        {
            t = std::min(t, last_rx + timeout_);
            period = pinging() ? std::min(interval_, timeout_) : timeout_;
        }
        if(t == clock::time_point::max())
            return std::nullopt;
        return coalesce(t, period);
    }

    // Nothing has arrived for the timeout: the peer is dead.
    bool dead(clock::time_point now, clock::time_point last_rx) const noexcept
    {
        return watching() && now >= last_rx + timeout_;
    }

    // A ping is due.
    bool ping_due(clock::time_point now, bool open, clock::time_point due) const noexcept
    {
        return pinging() && open && now >= due;
    }

    // `t` rounded up to the grid for `period`.
    static clock::time_point coalesce(clock::time_point t, std::chrono::milliseconds period) noexcept
    {
        clock::duration const slack = std::min<clock::duration>(std::chrono::milliseconds(250), period / 32);
        if(slack <= clock::duration::zero())
            return t;
        auto const r = t.time_since_epoch() % slack;
        return r == clock::duration::zero() ? t : t + (slack - r);
    }

private:
    std::chrono::milliseconds interval_;
    std::chrono::milliseconds timeout_;
};

} // namespace detail
} // namespace chatlink

#endif
