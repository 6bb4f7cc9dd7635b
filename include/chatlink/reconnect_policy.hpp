//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_RECONNECT_POLICY_HPP
#define CHATLINK_RECONNECT_POLICY_HPP

#include <chatlink/config.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace chatlink {

/// Why the last connection (or attempt) ended, as a reconnect policy sees it.
enum class failure_kind
{
    transient,   ///< Network, timeouts, 1001/1006/1011 and other server closes, 5xx: worth retrying.
    credentials, ///< `auth_rejected` or `not_logged_in`: retrying the same token is pointless.
    fatal        ///< Invalid URL, TLS verification failure: retrying cannot help.
};

/** Classify why a connection ended.

    @param ec The error that ended it (`close_info::error`, or the connect error).
    @param close_code The close code, if a close frame was exchanged.
*/
failure_kind classify(error_code const& ec, std::optional<std::uint16_t> close_code = {}) noexcept;

/** Decides whether, and after how long, the client reconnects.

    A policy may be shared by several clients, on several threads: the
    built-in ones are thread-safe.
*/
class reconnect_policy
{
public:
    virtual ~reconnect_policy() = default;

    /** Return the delay before retry `attempt`, or nothing to give up.

        @param attempt 1 for the first retry after a failure; it grows with
        each failure in a row and starts again at 1 once a connection has
        stayed open for `client_options::reconnect_reset_after`.
        @param cause Why the last connection or attempt ended.
        @param kind `classify(cause, code)`.
    */
    virtual std::optional<std::chrono::milliseconds>
    next_delay(std::size_t attempt, error_code const& cause, failure_kind kind) = 0;
};

/** The same delay before every retry. Retries transient failures; gives up on
    credentials and fatal ones. This is the default, with 300 s, as in the
    original chat client.
*/
std::shared_ptr<reconnect_policy> fixed_delay(std::chrono::milliseconds delay);

/** Exponential back-off with full jitter: before retry n the delay is drawn
    uniformly from [0, min(max, initial * multiplier^(n-1))], afresh for each
    attempt. Retries transient failures; gives up on credentials and fatal ones.

    @param random A source of numbers uniform in [0, 1); empty: a
    `std::mt19937_64` seeded from `std::random_device`. Tests pass their own.
*/
std::shared_ptr<reconnect_policy> exponential_backoff(
    std::chrono::milliseconds initial,
    std::chrono::milliseconds max,
    double multiplier = 2.0,
    std::function<double()> random = {});

/// Never reconnect.
std::shared_ptr<reconnect_policy> never_reconnect();

/// A policy from a callable with `next_delay`'s signature.
std::shared_ptr<reconnect_policy> make_reconnect_policy(
    std::function<std::optional<std::chrono::milliseconds>(std::size_t, error_code const&, failure_kind)> f);

/** The bound of exponential back-off before retry `attempt` (>= 1):
    min(max, initial * multiplier^(attempt-1)). A pure function.
*/
std::chrono::milliseconds backoff_ceiling(std::size_t attempt,
    std::chrono::milliseconds initial, std::chrono::milliseconds max, double multiplier) noexcept;

} // namespace chatlink

#endif
