//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_ERROR_HPP
#define CHATLINK_ERROR_HPP

#include <chatlink/config.hpp>

#include <string>
#include <type_traits>

namespace chatlink {

/** Errors reported by chatlink.

    The enumerator names are stable: `chatlink-cli` prints them, and scripts
    match on them (see `error_name`). Values are never reused.
*/
enum class error
{
    /// The server refused the credentials: HTTP 401/403 on the upgrade, or
    /// close code 1008/4401 on a connection that had just opened.
    auth_rejected = 1,

    /// No credentials are stored (the user is logged out).
    not_logged_in,

    /// Resolve, TCP connect and WebSocket upgrade did not finish in time.
    connect_timeout,

    /// The server answered the upgrade with a status other than 101, 401 or 403.
    handshake_failed,

    /// Nothing arrived from the server for longer than the heartbeat timeout.
    heartbeat_timeout,

    /// A frame that is not a protocol message: a binary frame, text that is
    /// not JSON, or JSON that is not an object. The connection goes on.
    bad_message,

    /// A message from the server was larger than `client_options::max_message_size`.
    message_too_big,

    /// The outgoing queue is full.
    queue_full,

    /// The server's TLS certificate could not be verified.
    tls_verify_failed,

    /// The server URL could not be parsed or mapped to a WebSocket URL.
    invalid_url,

    /// A send was made while the connection is not open.
    not_connected,

    /// The connection ended without a closing handshake (TCP dropped).
    connection_lost,

    /// The server closed the connection with a close frame (the close code
    /// is in `close_info::code`).
    closed_by_server,

    /// `connect` was called while a connection is being made or is open.
    already_connected,

    /// The reconnect policy gave up.
    reconnect_exhausted,

    /// A credential store's file is not a JSON object of strings; it is
    /// reported and left as it is, never wiped.
    store_corrupt,

    /// The server broke the WebSocket protocol (RFC 6455): a reserved bit or
    /// opcode, a bad fragment sequence, an oversized or fragmented control
    /// frame, a masked frame, a bad close frame, or invalid UTF-8 in a text
    /// message. The client failed the connection as the RFC requires, with
    /// close code 1002 (1007 for invalid UTF-8), given in `close_info::code`.
    protocol_error,

    /// A client option cannot be used (`client_stats::last_error_detail` says
    /// which): an upgrade header that would break the handshake or holds CR,
    /// LF or NUL, a subprotocol that is not an HTTP token, a token with a
    /// control character when it travels in a header. Reported before any
    /// I/O; retrying cannot help.
    invalid_option,

    /// The HTTP proxy refused our credentials (407 to `CONNECT`, or 401 as
    /// tinyproxy answers a wrong password). Retrying with the same ones
    /// cannot help.
    proxy_auth_failed,

    /// The HTTP proxy refused the tunnel, or did not answer as an HTTP proxy
    /// (`client_stats::last_error_detail` has its status).
    proxy_failed,
    /// With acknowledged sends: no acknowledgement came within
    /// `delivery_options::ack_timeout`; the connection was dropped and what
    /// it had not acknowledged is sent again on the next one.
    ack_timeout,
    /// The server refused a message (`{"type":"error","cid":...}`): it was
    /// not processed and is not sent again. `client_stats::last_error_detail`
    /// has the server's error name.
    server_rejected,
    /// A message was written but its acknowledgement never came, and the
    /// client stopped (`close()`, the policy gave up, or it was destroyed):
    /// the server may or may not have processed it.
    delivery_unknown,
    /// `client::async_request`: no reply within
    /// `delivery_options::request_timeout`.
    request_timeout
};

/** Kinds of failure, as a reconnect policy sees them: Boost.System error
    conditions, compared with any error code (`ec == condition::credentials`).

    Every non-empty code is exactly one of the three.
*/
enum class condition
{
    /// Network errors, timeouts, server closes (1001, 1006, 1011, ...), 5xx
    /// and other refused upgrades, message_too_big, heartbeat_timeout: the
    /// cause may go away on its own, worth retrying.
    transient = 1,

    /// `auth_rejected`, `not_logged_in`, `store_corrupt`: retrying with the
    /// same credentials is pointless; the user must log in again.
    credentials,

    /// `invalid_url`, `tls_verify_failed`, `invalid_option`,
    /// `proxy_auth_failed`, `server_rejected`: retrying cannot help.
    fatal
};

/** Return the category of `chatlink::condition` (its name is
    "chatlink.condition").

    @return The one category object.
*/
CHATLINK_DECL boost::system::error_category const& condition_category() noexcept;

/** Make an `error_condition` from a `chatlink::condition`.

    @param c The condition.
    @return The condition, in `condition_category()`.
*/
inline boost::system::error_condition make_error_condition(condition c) noexcept
{
    return boost::system::error_condition(static_cast<int>(c), condition_category());
}

/** Return the category of `chatlink::error` codes.

    @return The one category object, whose `name()` is `"chatlink"`.
*/
CHATLINK_DECL boost::system::error_category const& error_category() noexcept;

/** Make an `error_code` from a `chatlink::error` (found by argument-dependent
    lookup, so `ec == chatlink::error::queue_full` works).

    @param e The error.
    @return The code, in `error_category()`.
*/
inline error_code make_error_code(error e) noexcept
{
    return error_code(static_cast<int>(e), error_category());
}

/** Return a stable name for an error code.

    A `chatlink::error` is named by its enumerator (`"auth_rejected"`); any
    other code by its category name and value (`"system:111"`). An empty
    code gives `"success"`.

    @param ec Any error code.
    @return Its name, as `chatlink-cli` prints it.
*/
CHATLINK_DECL std::string error_name(error_code const& ec);

} // namespace chatlink

namespace boost { namespace system {
template<>
struct is_error_code_enum<::chatlink::error> : std::true_type {};
template<>
struct is_error_condition_enum<::chatlink::condition> : std::true_type {};
} } // namespace boost::system

#endif
