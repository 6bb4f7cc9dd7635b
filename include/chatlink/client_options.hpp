//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_CLIENT_OPTIONS_HPP
#define CHATLINK_CLIENT_OPTIONS_HPP

#include <chatlink/config.hpp>
#include <chatlink/credential_store.hpp>
#include <chatlink/reconnect_policy.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

// OpenSSL's SSL_CTX, declared here so that this header needs no OpenSSL header.
struct ssl_ctx_st;

namespace chatlink {

/** TLS settings for wss:// (and https:// base URLs).

    By default the server is verified against the system trust store: the
    chain, the host name (or IP address) per RFC 6125, with SNI.
*/
struct tls_options
{
    /// Extra CA certificates (PEM file) trusted besides the system's.
    std::string ca_file;

    /// Extra directory of hashed CA certificates trusted besides the system's.
    std::string ca_path;

    /** Do not verify the server's certificate. Development only: anyone on
        the path can read the token. A warning is logged on every connect.
    */
    bool insecure_skip_verify = false;

    /// Called with the `SSL_CTX*` once, before the first connection, to
    /// adjust it (client certificates, pinning, protocol versions).
    std::function<void(ssl_ctx_st*)> context_hook;
};

/** Heartbeat and dead-peer detection.

    While open, `ping` is sent every `interval` through the normal write
    queue; a server message whose `"type"` is `"ping"` is answered with `pong`
    (the app sees both). Any inbound frame proves the peer alive; when nothing
    arrives for `timeout`, the connection is dead: it is dropped at once (no
    closing handshake can complete) with `error::heartbeat_timeout`, and the
    reconnect policy decides what follows.

    One timer serves both; its deadline is rounded up to a grid shared by
    all clients in the process (1/32 of the shorter period, at most 250 ms),
    so that a process holding many connections wakes once for many of them.
*/
struct heartbeat_options
{
    /// How often to send `ping`; 0 turns our pings off.
    std::chrono::milliseconds interval{25000};

    /// Silence that declares the peer dead; 0 means 2 x `interval` (50 s by
    /// default: one lost ping is tolerated, two are not). With both 0, off.
    std::chrono::milliseconds timeout{0};

    /// Our ping (PROTOCOL.md).
    std::string ping = R"({"type":"ping"})";

    /// Our answer to the server's ping (PROTOCOL.md).
    std::string pong = R"({"type":"pong"})";

    /// Answer a server `{"type":"ping"}` with `pong`.
    bool auto_pong = true;
};

/// Severity of a log line passed to `client_options::logger`.
enum class log_level { debug, info, warning, error };

/** Settings of a `client`. Plain data; set fields, then pass to the client.

    The defaults follow PROTOCOL.md and the original chat client.
*/
struct client_options
{
    /// The server: an http(s) base URL or a ws(s) URL (see `make_endpoint`).
    std::string url;

    /// WebSocket path appended to an http(s) base URL.
    std::string path = "/ws";

    /// Name of the query parameter that carries the token.
    std::string token_param = "token";

    /// Resolve + TCP connect + upgrade must finish within this.
    std::chrono::milliseconds connect_timeout{10000};

    /** Every closing handshake ends within this, whoever started it: our
        `close()`, the server's close frame, or chatlink failing the
        connection (1002, 1007, 1009). A server that has not closed TCP by
        then has it dropped, and the close that happened is reported (the
        server's code, or ours). 0: `connect_timeout`.
    */
    std::chrono::milliseconds close_timeout{0};

    /** The largest header block accepted in the server's answer to the
        upgrade (long cookies); a larger one fails the attempt with
        `error::handshake_failed`. The answer's body is never read.
    */
    std::size_t max_upgrade_header_bytes = 64 * 1024;

    /// Largest message accepted from the server, in bytes. A larger one
    /// closes the connection with 1009 and `error::message_too_big`.
    std::size_t max_message_size = 1024 * 1024;

    /// Offer permessage-deflate (off by default: compression costs memory per
    /// connection and can leak secrets mixed with attacker-chosen data).
    bool permessage_deflate = false;

    /// Heartbeat and dead-peer detection.
    heartbeat_options heartbeat;

    /// When and whether to reconnect after a connection the app did not close
    /// ends (or an attempt fails). Empty: `fixed_delay(300 s)`.
    std::shared_ptr<reconnect_policy> reconnect;

    /// A connection that stayed open this long resets the attempt count (so a
    /// server that accepts and drops at once does not reset the back-off).
    std::chrono::milliseconds reconnect_reset_after{30000};

    /// Sends held while not open (connecting, waiting to reconnect), flushed
    /// in order after the next open; a send beyond this completes with
    /// `error::queue_full`. 0: sends while not open fail with `not_connected`.
    std::size_t max_queued = 1000;

    /** Bytes the write queue of an open connection may hold (the message
        being written included). A send that would take a non-empty queue
        past this completes with `error::queue_full`, after every earlier
        send has completed. The default is far above what a healthy
        connection queues in a burst; an app that wants back-pressure awaits
        its sends. Our pings and pongs are never queued twice (one pending
        of each is enough).
    */
    std::size_t max_send_queue_bytes = 64 * 1024 * 1024;

    /** Where `client::start()` reads the credentials, before every attempt:
        the entry `store_key` holds a JSON object with the token in
        `store_token_field` (`{"token":"...","user":"ann"}`).
    */
    std::shared_ptr<credential_store> store;

    /// The store's entry holding the credentials (the app's storage key).
    std::string store_key = "chatuser";

    /// The field of that entry's JSON object holding the token.
    std::string store_token_field = "token";

    /// TLS settings, used for wss:// and https:// URLs.
    tls_options tls;

    /** Connect to this address (or host name) instead of resolving the URL's
        host, like curl's --resolve. The URL's host is still used for the Host
        header, SNI and certificate verification. Empty: resolve the URL's host.
    */
    std::string connect_address;

    /// Value of the User-Agent header of the upgrade request.
    std::string user_agent = "chatlink/0.1";

    /** Receives chatlink's log lines; empty (silent) by default.

        Called on the client's executor. No line ever holds a token: URLs
        are shown with `token=***`.
    */
    std::function<void(log_level, std::string_view)> logger;
};

} // namespace chatlink

#endif
