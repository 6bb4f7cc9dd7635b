//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_CLIENT_OPTIONS_HPP
#define CHATLINK_CLIENT_OPTIONS_HPP

#include <chatlink/config.hpp>
#include <chatlink/credential_store.hpp>
#include <chatlink/delivery.hpp>
#include <chatlink/reconnect_policy.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

/// How the heartbeat pings (`heartbeat_options::mode`).
enum class heartbeat_mode
{
    /// `heartbeat_options::ping` as a text message; the server's `pong`
    /// message is the round trip (PROTOCOL.md).
    json,
    /// RFC 6455 ping frames; the pong frame is the round trip. For servers
    /// that do not speak PROTOCOL.md's JSON heartbeat.
    frames
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
    /// Ping with a JSON message (default) or with WebSocket ping frames.
    heartbeat_mode mode = heartbeat_mode::json;
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
enum class log_level
{
    debug,   ///< Each step of an attempt: addresses tried, the proxy's answer, a closing handshake's end.
    info,    ///< The connection's milestones: open, closed with its code, the next reconnect.
    warning, ///< Something the server did wrong that the client survived: a bad message, a stuck close.
    error    ///< Why an attempt failed or the client gave up.
};

/// Where the token travels in the upgrade request (`client_options::token_in`).
enum class token_placement
{
    /// In the URL's query, as `token_param=TOKEN` (PROTOCOL.md's default).
    query,
    /// In an `Authorization: SCHEME TOKEN` header (`client_options::token_scheme`);
    /// then the token is in no URL.
    header
};

/// What the messages of the connection are (`client_options::format`).
enum class message_format
{
    /// JSON objects (PROTOCOL.md): parsed, to `on_message` and `on(type)`.
    /// A binary frame or text that is not a JSON object goes to the
    /// `on_binary` or `on_text` handlers, then is reported as
    /// `error::bad_message`.
    json,
    /// Anything: text messages go to `on_text` as they are, binary ones to
    /// `on_binary`; nothing is parsed, nothing is a bad message.
    text
};

/// One header field added to the upgrade request (`client_options::headers`).
struct header_field
{
    std::string name;  ///< The field name (`Cookie`, `Origin`, `X-Client`).
    std::string value; ///< The field value.
};

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
    /// Where the token travels: the query (default) or an `Authorization` header.
    token_placement token_in = token_placement::query;
    /// The scheme of the `Authorization` header when `token_in` is `header`.
    std::string token_scheme = "Bearer";
    /** Header fields added to every upgrade request, in order. A name that
        would break the handshake (`Host`, `Upgrade`, `Connection`,
        `Content-Length`, `Transfer-Encoding`, any `Sec-WebSocket-*`), a name
        that is not an HTTP token, a CR, LF or NUL in a value, or an
        `Authorization` field while `token_in` is `header`: the connect
        fails before any I/O with `error::invalid_option` (and the policy
        gives up: the condition is fatal). The values of `Authorization`,
        `Cookie` and `Proxy-Authorization` are never logged.
    */
    std::vector<header_field> headers;
    /** Subprotocols offered in `Sec-WebSocket-Protocol`, in order of
        preference; empty offers none. The one the server chose is in
        `client_stats::subprotocol`. A server that chooses one that was not
        offered fails the attempt with `error::handshake_failed` (RFC 6455
        4.1), as does one that chooses none when `require_subprotocol` is set.
    */
    std::vector<std::string> subprotocols;
    /// With `subprotocols` offered, a server that chooses none fails the attempt.
    bool require_subprotocol = true;

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

    /// What the server's messages are: JSON objects (default) or any text
    /// and binary (`on_text`, `on_binary`).
    message_format format = message_format::json;
    /** The field of a JSON message that `client::on(type, ...)` matches and
        that names the heartbeat's messages (`"ping"`, `"pong"`): `"type"`
        as in PROTOCOL.md; other backends use `"op"` or `"event"`.
    */
    std::string type_field = "type";
    /** The deepest nesting of arrays and objects a JSON message may have; a
        deeper one is a bad message. 32 is Boost.JSON's own default.
    */
    std::size_t max_json_depth = 32;
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

    /** The least wait before the next attempt after the server closed with
        1012 (service restart) or 1013 (try again later), whatever the policy
        chooses (PROTOCOL.md); capped at 10 minutes. A 503 or 429 refusal's
        `Retry-After` is honoured the same way.
    */
    std::chrono::milliseconds service_restart_delay{5000};
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

    /// Acknowledged sends, resume and requests (docs/delivery.md); off by default.
    delivery_options delivery;

    /** Connect to this address (or host name) instead of resolving the URL's
        host, like curl's --resolve; several, separated by commas, are all
        tried, as a name's addresses are. The URL's host is still used for
        the Host header, SNI and certificate verification. Empty: resolve the
        URL's host.

        When the name (or the list) gives several addresses, they are tried
        as RFC 8305 (Happy Eyeballs) says: the families alternate, the next
        attempt starts 250 ms after the previous one or as soon as it fails,
        the first connection made wins and the others are closed, all within
        `connect_timeout`.
    */
    std::string connect_address;

    /** Connect through this HTTP proxy: `http://[user:password@]host[:port]`
        (port 1080 by default, as curl's; user and password percent-encoded).
        The connection is a `CONNECT` tunnel to the server, then TLS (for
        wss) and the upgrade through it, all within `connect_timeout`; with
        a user, Basic authentication. A 407 answer (or 401, as tinyproxy
        answers a wrong password) is `error::proxy_auth_failed`, any other refusal `error::proxy_failed`
        (the detail names the status). The credentials are never logged: the
        proxy appears as `http://host:port`. A URL that is not of that form
        (an `https://` proxy, a path): `error::invalid_option`. Empty: see
        `proxy_from_environment`.
    */
    std::string proxy;

    /** With `proxy` empty, take the proxy from the environment as curl does:
        `https_proxy`/`HTTPS_PROXY` for wss, `http_proxy` for ws, then
        `all_proxy`/`ALL_PROXY`; none when `no_proxy`/`NO_PROXY` exempts the
        server's host (`*`, the host itself, or a domain it is under; an
        entry with `:PORT` only for that port). Read before every attempt.
        Off by default.
    */
    bool proxy_from_environment = false;

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
