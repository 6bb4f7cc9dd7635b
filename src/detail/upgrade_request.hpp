//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// What chatlink adds to the upgrade request (client_options::headers, the
// token in an Authorization header, the subprotocols offered) and what it
// requires of the server's 101 in return (RFC 6455 4.1: a subprotocol or an
// extension the client did not offer fails the connection).
//
// Pure: options and header values in, a verdict out, no I/O
// (tests/unit/upgrade_request.cpp). A verdict names the field, never its
// value: a value may be a secret.
//
#ifndef CHATLINK_DETAIL_UPGRADE_REQUEST_HPP
#define CHATLINK_DETAIL_UPGRADE_REQUEST_HPP

#include <chatlink/client_options.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatlink {
namespace detail {

inline bool iequals_ascii(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

// RFC 7230 tchar: the characters of a header name or a subprotocol.
inline bool is_tchar(char c) noexcept
{
    auto const u = static_cast<unsigned char>(c);
    if(std::isalnum(u))
        return u < 0x80;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

inline bool is_http_token(std::string_view s) noexcept
{
    return ! s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

// A value that cannot be written as one header line.
inline bool breaks_header_line(std::string_view v) noexcept
{
    return v.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// Fields whose values are credentials: never logged, never printed.
inline bool is_secret_header(std::string_view name) noexcept
{
    return iequals_ascii(name, "authorization") || iequals_ascii(name, "cookie") ||
        iequals_ascii(name, "proxy-authorization");
}

// Fields the handshake itself sets: a user's copy would break it.
inline bool is_reserved_header(std::string_view name) noexcept
{
    static constexpr std::string_view reserved[] = {
        "host", "upgrade", "connection", "content-length", "transfer-encoding"};
    for(auto r : reserved)
        if(iequals_ascii(name, r))
            return true;
    return name.size() >= 14 && iequals_ascii(name.substr(0, 14), "sec-websocket-");
}

// Why these options cannot make an upgrade request (nullopt: they can).
// Checked before any I/O, on every attempt.
inline std::optional<std::string> check_request_options(client_options const& o)
{
    for(auto const& h : o.headers)
    {
        if(! is_http_token(h.name))
            return "the upgrade header name '" + (breaks_header_line(h.name) ? std::string("?") : h.name) +
                "' is not an HTTP token";
        if(is_reserved_header(h.name))
            return "the upgrade header " + h.name + " is set by the handshake itself";
        if(breaks_header_line(h.value))
            return "the value of the upgrade header " + h.name + " holds CR, LF or NUL";
        if(o.token_in == token_placement::header && iequals_ascii(h.name, "authorization"))
            return "the upgrade header Authorization is set by token_in = header";
    }
    if(o.token_in == token_placement::header && ! is_http_token(o.token_scheme))
        return "token_scheme is not an HTTP token";
    for(auto const& p : o.subprotocols)
        if(! is_http_token(p))
            return "the subprotocol '" + (breaks_header_line(p) ? std::string("?") : p) + "' is not an HTTP token";
    if((o.delivery.acks || o.delivery.resume) && o.format != message_format::json)
        return std::string("acknowledged delivery and resume need message_format::json");
    if(o.delivery.resume && (o.delivery.since_param.empty() ||
        ! std::all_of(o.delivery.since_param.begin(), o.delivery.since_param.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        })))
        return std::string("delivery.since_param is not a query parameter name ([A-Za-z0-9_.-]+)");
    return std::nullopt;
}

// A token that cannot travel in a header (token_in = header).
inline std::optional<std::string> check_header_token(std::string_view token)
{
    for(char c : token)
    {
        auto const u = static_cast<unsigned char>(c);
        if(u < 0x20 || u == 0x7f)
            return std::string("the token holds a control character, which no header can carry");
    }
    return std::nullopt;
}

// "a, b, c" for Sec-WebSocket-Protocol.
inline std::string join_protocols(std::vector<std::string> const& ps)
{
    std::string out;
    for(auto const& p : ps)
    {
        if(! out.empty())
            out += ", ";
        out += p;
    }
    return out;
}

// For the log: each added field, the secret ones' values hidden.
inline std::string describe_headers(std::vector<header_field> const& hs)
{
    std::string out;
    for(auto const& h : hs)
    {
        if(! out.empty())
            out += ", ";
        out += h.name + ": " + (is_secret_header(h.name) ? std::string("***") : h.value);
    }
    return out;
}

inline std::string_view trim_ows(std::string_view v) noexcept
{
    while(! v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while(! v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    return v;
}

// The server's 101, as far as the options are concerned.
struct answer_verdict
{
    std::string subprotocol;          // the one chosen (empty: none)
    std::optional<std::string> error; // why it fails the handshake
};

// `protocol` and `extensions`: the 101's Sec-WebSocket-Protocol and
// Sec-WebSocket-Extensions values (empty when absent).
inline answer_verdict check_answer(client_options const& o, std::string_view protocol, std::string_view extensions)
{
    answer_verdict v;
    protocol = trim_ows(protocol);
    if(! protocol.empty())
    {
        bool offered = false;
        for(auto const& p : o.subprotocols)
            offered = offered || p == protocol;
        if(! offered)
        {
            v.error = o.subprotocols.empty()
                ? "the server chose a subprotocol that was not offered (none was)"
                : "the server chose a subprotocol that was not offered";
            return v;
        }
        v.subprotocol = std::string(protocol);
    }
    else if(! o.subprotocols.empty() && o.require_subprotocol)
    {
        v.error = "the server chose none of the subprotocols offered (" + join_protocols(o.subprotocols) + ")";
        return v;
    }
    // Each extension the server answers with must be one we offered: only
    // permessage-deflate, and only when enabled.
    std::size_t pos = 0;
    while(pos <= extensions.size() && ! extensions.empty())
    {
        auto const comma = extensions.find(',', pos);
        auto item = extensions.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        auto const name = trim_ows(item.substr(0, item.find(';')));
        if(! name.empty() && ! (o.permessage_deflate && iequals_ascii(name, "permessage-deflate")))
        {
            v.error = "the server answered with an extension that was not offered (" +
                std::string(name.substr(0, 64)) + ")";
            return v;
        }
        if(comma == std::string_view::npos)
            break;
        pos = comma + 1;
    }
    return v;
}

} // namespace detail
} // namespace chatlink

#endif
