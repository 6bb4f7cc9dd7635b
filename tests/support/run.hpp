//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_TESTS_SUPPORT_RUN_HPP
#define CHATLINK_TESTS_SUPPORT_RUN_HPP

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <thread>

namespace chatlink_test {

/// The two kinds of io_context a client treats differently, for tests that
/// run on both (GENERATE(one_thread, many_threads)): one run by one thread,
/// whose clients share one heartbeat timer (src/detail/timer_wheel.hpp) and
/// need no strand, and the default one (a strand and a timer per client).
constexpr int one_thread = 1;
constexpr int many_threads = BOOST_ASIO_CONCURRENCY_HINT_DEFAULT;

/// Run `ioc` until `pred()` holds or `limit` passes; returns `pred()`.
/// Bounded in time whatever the client does.
template<class Pred>
bool run_until(boost::asio::io_context& ioc, Pred pred,
    std::chrono::milliseconds limit = std::chrono::seconds(10))
{
    auto const deadline = std::chrono::steady_clock::now() + limit;
    while(! pred())
    {
        if(std::chrono::steady_clock::now() >= deadline)
            return false;
        if(ioc.stopped())
            ioc.restart();
        if(ioc.run_for(std::chrono::milliseconds(2)) == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

/// Run `ioc` until it has no work left, at most `limit`; true if it ran out.
inline bool drain(boost::asio::io_context& ioc,
    std::chrono::milliseconds limit = std::chrono::seconds(10))
{
    auto const deadline = std::chrono::steady_clock::now() + limit;
    if(ioc.stopped())
        ioc.restart();
    while(std::chrono::steady_clock::now() < deadline)
    {
        ioc.run_for(std::chrono::milliseconds(5));
        if(ioc.stopped())
            return true;
    }
    return false;
}

} // namespace chatlink_test

#endif
