//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_STATE_HPP
#define CHATLINK_STATE_HPP

#include <chatlink/config.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatlink {

/// The connection state of a `client`.
enum class state : std::uint8_t
{
    idle,       ///< Constructed; no connection attempted yet.
    connecting, ///< Resolving, connecting or performing the upgrade.
    open,       ///< The WebSocket is open; messages flow.
    closing,    ///< The closing handshake is under way.
    waiting,    ///< Waiting to reconnect (the policy's delay).
    stopped     ///< Closed as asked, or the policy gave up: nothing more happens.
};

/** Return the name of a state.

    @param s The state.
    @return `"idle"`, `"connecting"`, `"open"`, `"closing"`, `"waiting"` or
    `"stopped"`.
*/
CHATLINK_DECL std::string_view to_string(state s) noexcept;

/** Why and how a connection ended, as given to `client::on_close` handlers.

    `code` is the close code of the closing handshake, or empty when the
    connection dropped without one. `error` is empty for a close the app
    asked for, `error::auth_rejected` for 1008/4401 right after opening,
    `error::closed_by_server` for any other close frame from the server,
    `error::message_too_big` when chatlink closed with 1009, and
    `error::connection_lost` for a dropped connection.
*/
struct close_info
{
    std::optional<std::uint16_t> code; ///< Close code, if a close frame was exchanged.
    std::string reason;                ///< Close reason from the close frame.
    error_code error;                  ///< What ended the connection (empty if requested).
    bool requested = false;            ///< True when the app called `close()`.
};

/// A reconnect about to be made, as given to `client::on_reconnect` handlers.
struct reconnect_info
{
    std::size_t attempt = 0;              ///< The attempt about to be made (2 for the first retry).
    std::chrono::milliseconds delay{0};   ///< The wait before it.
    error_code cause;                     ///< Why the last connection or attempt ended.
    /** The server's own hint, when it gave one: the `Retry-After` of a 503 or
        429 refusal (capped at 10 minutes), or
        `client_options::service_restart_delay` after a close with 1012 or
        1013. `delay` is never shorter than this, whatever the policy chose.
    */
    std::optional<std::chrono::milliseconds> retry_after;
};

/// Counters of a client, as returned by `client::stats()`.
struct client_stats
{
    std::uint64_t messages_sent = 0;            ///< Messages written to the server.
    std::uint64_t messages_received = 0;        ///< Messages received from the server.
    std::uint64_t bytes_sent = 0;               ///< Payload bytes written.
    std::uint64_t bytes_received = 0;           ///< Payload bytes received.
    std::uint64_t reconnects = 0;               ///< Attempts made after the first.
    std::optional<std::chrono::microseconds> last_rtt; ///< Our ping to its pong.
    error_code last_error;                      ///< The last error that ended a connection or attempt.
    /// What the error code cannot say: OpenSSL's reason for
    /// `tls_verify_failed` ("certificate has expired"), "HTTP 503" for
    /// `handshake_failed`. Never holds a token.
    std::string last_error_detail;
    std::size_t queue_depth = 0;                ///< Sends queued or held.
    /// The subprotocol the server chose for the open (or last) connection;
    /// empty when none was offered or chosen.
    std::string subprotocol;
    /// Messages written again on a later connection because their
    /// acknowledgement had not come (`delivery_options::acks`).
    std::uint64_t messages_resent = 0;
    /// Stored messages dropped as duplicates by resume
    /// (`delivery_options::resume`).
    std::uint64_t duplicates_dropped = 0;
    /// Messages written and not yet acknowledged.
    std::size_t unacked = 0;
};

} // namespace chatlink

#endif
