//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_RECONNECT_POLICY_HPP
#define CHATLINK_RECONNECT_POLICY_HPP

#include <chatlink/config.hpp>
#include <chatlink/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace chatlink {

/** Decides whether, and after how long, the client reconnects.

    A policy may be shared by several clients, on several threads: the
    built-in ones are thread-safe. A policy tells the kinds of failure apart
    with `chatlink::condition`: `cause == condition::transient`.
*/
class CHATLINK_DECL reconnect_policy
{
public:
    virtual ~reconnect_policy() = default;

    /** Return the delay before retry `attempt`, or nothing to give up.

        @param attempt 1 for the first retry after a failure; it grows with
        each failure in a row and starts again at 1 once a connection has
        stayed open for `client_options::reconnect_reset_after`.
        @param cause Why the last connection or attempt ended; compare it
        with `chatlink::condition` for its kind.
        @return The delay before the attempt, or `std::nullopt` to give up
        (the client then stops, with `error::reconnect_exhausted` unless the
        cause itself is final).
    */
    virtual std::optional<std::chrono::milliseconds>
    next_delay(std::size_t attempt, error_code const& cause) = 0;
};

/** The same delay before every retry. Retries transient failures; gives up on
    credentials and fatal ones. This is the default, with 300 s, as in the
    original chat client.

    @param delay The wait before each retry.
    @return The policy (thread-safe; may be shared by several clients).
*/
CHATLINK_DECL std::shared_ptr<reconnect_policy> fixed_delay(std::chrono::milliseconds delay);

/** Exponential back-off with full jitter: before retry n the delay is drawn
    uniformly from [0, min(max, initial * multiplier^(n-1))], afresh for each
    attempt. Retries transient failures; gives up on credentials and fatal ones.

    @param initial The ceiling before the first retry.
    @param max The largest ceiling.
    @param multiplier How much the ceiling grows with each failure in a row.
    @param random A source of numbers uniform in [0, 1); empty: a
    `std::mt19937_64` seeded from `std::random_device`. Tests pass their own.
    @return The policy (thread-safe; may be shared by several clients).
*/
CHATLINK_DECL std::shared_ptr<reconnect_policy> exponential_backoff(
    std::chrono::milliseconds initial,
    std::chrono::milliseconds max,
    double multiplier = 2.0,
    std::function<double()> random = {});

/** Never reconnect: the client stops after the first failure.

    @return The policy.
*/
CHATLINK_DECL std::shared_ptr<reconnect_policy> never_reconnect();

/** A policy from a callable with `reconnect_policy::next_delay`'s signature.

    @param f Called as `next_delay` would be; it must be thread-safe if the
    policy is shared by clients on several threads.
    @return The policy.
*/
CHATLINK_DECL std::shared_ptr<reconnect_policy> make_reconnect_policy(
    std::function<std::optional<std::chrono::milliseconds>(std::size_t, error_code const&)> f);

/** The bound of exponential back-off before retry `attempt`. A pure
    function.

    @param attempt The retry, from 1.
    @param initial The ceiling before the first retry.
    @param max The largest ceiling.
    @param multiplier The growth per retry.
    @return min(max, initial * multiplier^(attempt-1)).
*/
CHATLINK_DECL std::chrono::milliseconds backoff_ceiling(std::size_t attempt,
    std::chrono::milliseconds initial, std::chrono::milliseconds max, double multiplier) noexcept;

} // namespace chatlink

#endif
