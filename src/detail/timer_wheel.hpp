//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// One Asio timer for all the heartbeats on an io_context run by one thread.
//
// Asio keeps its timers in one binary heap per io_context. Each time a timer
// fires or is re-armed, the heap is re-ordered, and every step writes the
// index of the timer it moves into that timer's own object: with 10,000
// connections that is about 14 cache misses per heartbeat, each in a
// different connection. It was the largest single item in the profile of
// 10,000 idle clients (docs/benchmarks.md).
//
// timer_wheel keeps the deadlines in buckets, one per distinct deadline; the
// session rounds its heartbeat deadlines to a grid shared by the process, so
// 10,000 connections with a 25 s heartbeat share about 100 buckets. Arming a
// wheel_timer appends it to its bucket; cancelling it clears its slot. The
// wheel holds one Asio timer, set to the earliest bucket, and only while a
// wheel_timer is armed: an io_context whose clients have all closed still
// runs out of work.
//
// No locking: wheel_timer is only used by sessions whose executor is the
// io_context's own, which the io_context's concurrency hint promises is run
// by one thread (session.hpp, make_io_session). Every call below is made on
// that thread.
//
#ifndef CHATLINK_DETAIL_TIMER_WHEEL_HPP
#define CHATLINK_DETAIL_TIMER_WHEEL_HPP

#include <boost/asio/error.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

namespace chatlink {
namespace detail {

class wheel_timer;

class timer_wheel : public boost::asio::execution_context::service
{
public:
    using clock = std::chrono::steady_clock;

    inline static boost::asio::execution_context::id id;

    // Made by use_service on an io_context only (wheel_timer's constructor).
    explicit timer_wheel(boost::asio::execution_context& ctx)
        : service(ctx)
        , timer_(static_cast<boost::asio::io_context&>(ctx).get_executor())
    {
    }

    // Armed wheel_timers.
    std::size_t size() const noexcept { return live_; }

private:
    friend class wheel_timer;
    using bucket = std::vector<wheel_timer*>;

    std::map<clock::time_point, bucket> buckets_;
    std::size_t live_ = 0;
    boost::asio::steady_timer timer_;
    clock::time_point armed_ = clock::time_point::max();
    std::uint64_t arm_gen_ = 0;
    bool ticking_ = false;
    clock::time_point tick_now_{};

    inline void add(wheel_timer& t, clock::time_point due);
    inline void remove(wheel_timer& t) noexcept;
    inline void tick();
    inline void shutdown() override;

    void arm(clock::time_point due)
    {
        armed_ = due;
        timer_.expires_at(due);
        timer_.async_wait([this, g = ++arm_gen_](boost::system::error_code ec) {
            if(! ec && g == arm_gen_)
                tick();
        });
    }

    void disarm() noexcept
    {
        ++arm_gen_;
        armed_ = clock::time_point::max();
        timer_.cancel();
    }
};

// The subset of basic_waitable_timer a session uses (expires_at, async_wait,
// cancel), with the same completion rules: the handler runs once, with
// success when the deadline passes or operation_aborted (posted) when the
// wait is cancelled or replaced.
class wheel_timer
{
public:
    using clock = timer_wheel::clock;
    using executor_type = boost::asio::io_context::executor_type;

    explicit wheel_timer(executor_type const& ex)
        : wheel_(&boost::asio::use_service<timer_wheel>(ex.context()))
        , ex_(ex)
    {
    }

    wheel_timer(wheel_timer const&) = delete;
    wheel_timer& operator=(wheel_timer const&) = delete;

    ~wheel_timer() { cancel(); }

    std::size_t expires_at(clock::time_point t)
    {
        auto const n = cancel();
        due_ = t;
        return n;
    }

    template<class Handler>
    void async_wait(Handler&& h)
    {
        cancel();
        handler_ = std::forward<Handler>(h);
        wheel_->add(*this, due_);
    }

    std::size_t cancel()
    {
        if(! slot_)
            return 0;
        wheel_->remove(*this);
        auto h = std::exchange(handler_, nullptr);
        boost::asio::post(ex_, [h = std::move(h)]() mutable { h(boost::asio::error::operation_aborted); });
        return 1;
    }

private:
    friend class timer_wheel;

    timer_wheel* wheel_;
    executor_type ex_;
    clock::time_point due_{};
    std::function<void(boost::system::error_code)> handler_;
    timer_wheel::bucket* slot_ = nullptr; // armed: the bucket holding us, at index_
    std::size_t index_ = 0;

    // Called by the wheel once it has taken us out of our bucket.
    void fire()
    {
        auto h = std::exchange(handler_, nullptr);
        h(boost::system::error_code());
    }

    // The io_context is being destroyed: drop the handler uncalled, as Asio
    // does with pending operations.
    void drop() noexcept
    {
        auto h = std::exchange(handler_, nullptr);
        (void)h; // may own the owner of *this: nothing is touched after it goes
    }
};

void timer_wheel::add(wheel_timer& t, clock::time_point due)
{
    // A deadline already due while a tick runs fires on the next tick, so
    // that one tick always ends.
    if(ticking_ && due <= tick_now_)
        due = tick_now_ + clock::duration(1);
    auto& b = buckets_[due];
    t.index_ = b.size();
    b.push_back(&t);
    t.slot_ = &b;
    ++live_;
    if(due < armed_)
        arm(due);
}

void timer_wheel::remove(wheel_timer& t) noexcept
{
    (*t.slot_)[t.index_] = nullptr;
    t.slot_ = nullptr;
    if(--live_ != 0)
        return;
    disarm();
    if(! ticking_)
        buckets_.clear();
}

void timer_wheel::tick()
{
    armed_ = clock::time_point::max();
    ticking_ = true;
    tick_now_ = clock::now();
    while(! buckets_.empty() && buckets_.begin()->first <= tick_now_)
    {
        auto it = buckets_.begin();
        // Index, not iterator: nothing is added to a bucket that is due (see
        // add), but a fired handler may cancel others in it.
        for(std::size_t i = 0; i < it->second.size(); ++i)
        {
            wheel_timer* t = it->second[i];
            if(! t)
                continue;
            it->second[i] = nullptr;
            t->slot_ = nullptr;
            --live_;
            t->fire();
        }
        buckets_.erase(it);
    }
    ticking_ = false;
    if(live_ == 0)
        buckets_.clear(); // emptied slots only; no wait is pending (any armed during the tick was disarmed by remove())
    else if(buckets_.begin()->first < armed_)
        arm(buckets_.begin()->first);
}

void timer_wheel::shutdown()
{
    // As in tick(), one slot at a time: dropping a handler may destroy other
    // wheel_timers, which then take themselves out through remove().
    ticking_ = true;
    for(auto& b : buckets_)
        for(std::size_t i = 0; i < b.second.size(); ++i)
            if(wheel_timer* t = b.second[i])
            {
                b.second[i] = nullptr;
                t->slot_ = nullptr;
                --live_;
                t->drop();
            }
    ticking_ = false;
    buckets_.clear();
    disarm();
}

} // namespace detail
} // namespace chatlink

#endif
