//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// HTTP proxies (client_options::proxy): which proxy a connection uses (the
// option, or the environment as curl reads it, no_proxy included), the
// CONNECT request, and the proxy's answer. Pure: strings in, strings out, no
// I/O (tests/unit/proxy.cpp); the session does the tunnel.
//
#ifndef CHATLINK_DETAIL_PROXY_HPP
#define CHATLINK_DETAIL_PROXY_HPP

#include "detail/upgrade_request.hpp" // iequals_ascii, trim_ows

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace chatlink {
namespace detail {

struct proxy_config
{
    std::string host;       // name or address, without brackets
    std::string port = "1080"; // curl's default
    std::string user, password; // percent-decoded; empty user: no authentication
    std::string display;    // "http://host:port", never the credentials
};

inline int hex_value(char c) noexcept
{
    if(c >= '0' && c <= '9')
        return c - '0';
    if(c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if(c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

inline std::optional<std::string> percent_decode(std::string_view s)
{
    std::string out;
    for(std::size_t i = 0; i < s.size(); ++i)
    {
        if(s[i] != '%')
        {
            out += s[i];
            continue;
        }
        if(i + 2 >= s.size())
            return std::nullopt;
        int const hi = hex_value(s[i + 1]);
        int const lo = hex_value(s[i + 2]);
        if(hi < 0 || lo < 0)
            return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

// "http://[user[:password]@]host[:port][/]"; the scheme may be left out.
// Nothing for anything else (an https:// proxy, a path, a bad port): the
// caller reports invalid_option, without the value (it may hold a password).
inline std::optional<proxy_config> parse_proxy_url(std::string_view url)
{
    url = trim_ows(url);
    auto const sep = url.find("://");
    if(sep != std::string_view::npos)
    {
        if(! iequals_ascii(url.substr(0, sep), "http"))
            return std::nullopt;
        url.remove_prefix(sep + 3);
    }
    if(! url.empty() && url.back() == '/')
        url.remove_suffix(1);
    if(url.empty() || url.find_first_of("/?#") != std::string_view::npos)
        return std::nullopt;
    proxy_config p;
    auto const at = url.rfind('@');
    if(at != std::string_view::npos)
    {
        auto const userinfo = url.substr(0, at);
        auto const colon = userinfo.find(':');
        auto user = percent_decode(userinfo.substr(0, colon));
        auto pass = percent_decode(colon == std::string_view::npos ? std::string_view() : userinfo.substr(colon + 1));
        if(! user || ! pass || user->empty())
            return std::nullopt;
        p.user = std::move(*user);
        p.password = std::move(*pass);
        url.remove_prefix(at + 1);
    }
    std::string_view host = url, port;
    if(! url.empty() && url.front() == '[')
    {
        auto const close = url.find(']');
        if(close == std::string_view::npos)
            return std::nullopt;
        host = url.substr(1, close - 1);
        auto rest = url.substr(close + 1);
        if(! rest.empty())
        {
            if(rest.front() != ':')
                return std::nullopt;
            port = rest.substr(1);
        }
    }
    else if(auto const colon = url.rfind(':'); colon != std::string_view::npos)
    {
        host = url.substr(0, colon);
        port = url.substr(colon + 1);
    }
    if(host.empty())
        return std::nullopt;
    if(! port.empty())
    {
        if(port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
            return std::nullopt;
        auto const n = std::stoul(std::string(port));
        if(n == 0 || n > 65535)
            return std::nullopt;
        p.port = std::string(port);
    }
    p.host = std::string(host);
    bool const v6 = p.host.find(':') != std::string::npos;
    p.display = "http://" + (v6 ? "[" + p.host + "]" : p.host) + ":" + p.port;
    return p;
}

// Whether no_proxy (curl's rules) exempts this host: "*" exempts all; an
// entry matches the host itself or, as a domain, any name under it (a
// leading dot is the same); an entry with ":PORT" matches that port only.
inline bool no_proxy_matches(std::string_view no_proxy, std::string_view host, std::string_view port)
{
    std::size_t pos = 0;
    while(pos <= no_proxy.size())
    {
        auto comma = no_proxy.find(',', pos);
        if(comma == std::string_view::npos)
            comma = no_proxy.size();
        auto entry = trim_ows(no_proxy.substr(pos, comma - pos));
        pos = comma + 1;
        if(entry.empty())
            continue;
        if(entry == "*")
            return true;
        std::string_view entry_port;
        if(entry.front() == '[')
        {
            auto const close = entry.find(']');
            if(close == std::string_view::npos)
                continue;
            if(close + 1 < entry.size() && entry[close + 1] == ':')
                entry_port = entry.substr(close + 2);
            entry = entry.substr(1, close - 1);
        }
        else if(auto const colon = entry.rfind(':');
                colon != std::string_view::npos && entry.find(':') == colon)
        {
            entry_port = entry.substr(colon + 1);
            entry = entry.substr(0, colon);
        }
        if(! entry_port.empty() && entry_port != port)
            continue;
        if(! entry.empty() && entry.front() == '.')
            entry.remove_prefix(1);
        if(entry.empty())
            continue;
        if(iequals_ascii(host, entry))
            return true;
        if(host.size() > entry.size() && host[host.size() - entry.size() - 1] == '.' &&
            iequals_ascii(host.substr(host.size() - entry.size()), entry))
            return true;
    }
    return false;
}

// The proxy URL the environment names for a connection, as curl reads it:
// https_proxy (or HTTPS_PROXY) for wss, http_proxy (lower case only, as in
// curl) for ws, then all_proxy (or ALL_PROXY); none when no_proxy (or
// NO_PROXY) exempts the host. `getenv` is injectable for tests.
inline std::string proxy_from_environment(bool secure, std::string_view host, std::string_view port,
    std::function<char const*(char const*)> const& getenv = [](char const* n) { return std::getenv(n); })
{
    auto get = [&](char const* lower, char const* upper) -> std::string {
        if(char const* v = getenv(lower); v && *v)
            return v;
        if(upper)
            if(char const* v = getenv(upper); v && *v)
                return v;
        return {};
    };
    std::string url = secure ? get("https_proxy", "HTTPS_PROXY") : get("http_proxy", nullptr);
    if(url.empty())
        url = get("all_proxy", "ALL_PROXY");
    if(url.empty())
        return {};
    if(no_proxy_matches(get("no_proxy", "NO_PROXY"), host, port))
        return {};
    return url;
}

// RFC 4648 base64 (Basic authentication).
inline std::string base64_encode(std::string_view in)
{
    static char const table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for(; i + 3 <= in.size(); i += 3)
    {
        unsigned const n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
            static_cast<unsigned char>(in[i + 2]);
        out += table[(n >> 18) & 63];
        out += table[(n >> 12) & 63];
        out += table[(n >> 6) & 63];
        out += table[n & 63];
    }
    if(auto const rest = in.size() - i)
    {
        unsigned n = static_cast<unsigned char>(in[i]) << 16;
        if(rest == 2)
            n |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += table[(n >> 18) & 63];
        out += table[(n >> 12) & 63];
        out += rest == 2 ? table[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

// The CONNECT request for the server at host:port (host as in the Host
// header: an IPv6 address in brackets).
inline std::string connect_request(proxy_config const& p, std::string const& host_port, std::string const& user_agent)
{
    std::string r = "CONNECT " + host_port + " HTTP/1.1\r\nHost: " + host_port + "\r\n";
    if(! user_agent.empty())
        r += "User-Agent: " + user_agent + "\r\n";
    if(! p.user.empty())
        r += "Proxy-Authorization: Basic " + base64_encode(p.user + ":" + p.password) + "\r\n";
    return r + "\r\n";
}

// The status of the proxy's answer ("HTTP/1.x NNN ..."), 0 if it is not HTTP.
inline int proxy_status(std::string_view head) noexcept
{
    if(head.size() < 12 || head.substr(0, 7) != "HTTP/1." || head[8] != ' ')
        return 0;
    int s = 0;
    for(std::size_t i = 9; i < 12; ++i)
    {
        if(head[i] < '0' || head[i] > '9')
            return 0;
        s = s * 10 + (head[i] - '0');
    }
    return s;
}

} // namespace detail
} // namespace chatlink

#endif
