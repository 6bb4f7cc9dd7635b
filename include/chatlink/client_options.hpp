//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_CLIENT_OPTIONS_HPP
#define CHATLINK_CLIENT_OPTIONS_HPP

#include <chatlink/config.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
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

    /// Resolve + TCP connect + upgrade must finish within this. Also bounds
    /// the closing handshake.
    std::chrono::milliseconds connect_timeout{10000};

    /// Largest message accepted from the server, in bytes. A larger one
    /// closes the connection with 1009 and `error::message_too_big`.
    std::size_t max_message_size = 1024 * 1024;

    /// Offer permessage-deflate (off by default: compression costs memory per
    /// connection and can leak secrets mixed with attacker-chosen data).
    bool permessage_deflate = false;

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
