//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Failure injection for tests, like Beast's test::fail_count but on real
// sockets: when armed with n, the n-th I/O completion (resolve, TCP
// connect, TLS handshake, upgrade, read, write, close) of any session in
// the process reports connection_reset instead of its result, once. Timer
// completions are not counted. Disarmed (-1) in normal use, where it costs
// one relaxed load per I/O completion. Private to the library and its tests
// (tests/unit/fail_count.cpp).
//
#ifndef CHATLINK_DETAIL_FAIL_COUNT_HPP
#define CHATLINK_DETAIL_FAIL_COUNT_HPP

#include <boost/config.hpp>

#include <atomic>

namespace chatlink {
namespace detail {

// Default visibility: the library is built with hidden visibility, and a
// test in another binary arms the one counter the library reads.
BOOST_SYMBOL_VISIBLE inline std::atomic<long> fail_after{-1};

// Arm: the n-th I/O completion from now (0: the next one) fails.
inline void arm_fail_count(long n) noexcept
{
    fail_after.store(n, std::memory_order_relaxed);
}

// Disarm; true if the armed failure was injected.
inline bool disarm_fail_count() noexcept
{
    return fail_after.exchange(-1, std::memory_order_relaxed) == -2;
}

// Called on each I/O completion: true when this one must fail. Once it has
// fired the count stays at -2 (fired), which disarm_fail_count reports.
inline bool fail_now() noexcept
{
    if(fail_after.load(std::memory_order_relaxed) < 0)
        return false;
    if(fail_after.fetch_sub(1, std::memory_order_relaxed) != 0)
        return false;
    fail_after.store(-2, std::memory_order_relaxed);
    return true;
}

} // namespace detail
} // namespace chatlink

#endif
