//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_URL_HPP
#define CHATLINK_URL_HPP

#include <chatlink/config.hpp>

#include <string>
#include <string_view>

namespace chatlink {

/** Where to connect: the result of mapping a base URL and a token.

    `host` is ready for a resolver (an IPv6 literal has no brackets);
    `host_header` is the value of the HTTP Host header (brackets, and the
    port when it is not the scheme's default).
*/
struct endpoint
{
    bool secure = false;     ///< True for wss.
    std::string host;        ///< Host name or address, for the resolver.
    std::string port;        ///< Port, always set ("80", "443" by default).
    std::string host_header; ///< Value of the Host header.
    std::string target;      ///< Path and query, with the token percent-encoded.

    /// The full ws(s):// URL with the token shown as `***`; safe to print.
    std::string redacted;
};

/** Map an application base URL and a token to a WebSocket endpoint.

    `http` becomes `ws` and `https` becomes `wss`; host and port are kept.
    For http(s) base URLs, `path` is appended to the base URL's path unless
    that path already ends with `path`. A `ws://` or `wss://` URL is used as
    given (an empty path is `/`). The token is percent-encoded (RFC 3986
    unreserved characters stay as they are) into the query parameter
    `token_param`; an empty `token_param` adds no parameter.

    @param base The base URL (`http`, `https`, `ws` or `wss`).
    @param token The token, as the app holds it (not encoded).
    @param path The WebSocket path for http(s) base URLs (PROTOCOL.md: "/ws").
    @param token_param The query parameter name (PROTOCOL.md: "token").
    @param ec Set to `error::invalid_url` if the URL cannot be mapped.
    @return The endpoint; unspecified when `ec` is set.
*/
CHATLINK_DECL endpoint make_endpoint(
    std::string_view base,
    std::string_view token,
    std::string_view path,
    std::string_view token_param,
    error_code& ec);

} // namespace chatlink

#endif
