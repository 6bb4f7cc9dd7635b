//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The value parsers of chatlink-cli (CLI.md): durations, counts and reconnect
// policies. In a header of their own so that fuzz/cli_parsers.cpp runs the
// very code the CLI runs.
//
#ifndef CHATLINK_CLI_PARSE_HPP
#define CHATLINK_CLI_PARSE_HPP

#include <chatlink/reconnect_policy.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace chatlink_cli {

using namespace std::chrono_literals;

// Bad usage: exit status 2, with this message.
struct usage_error : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

// "250ms", "10s", "5m", "1h"; a bare "0" is zero. At most a year (8760h):
// anything longer is surely a mistake.
inline std::chrono::milliseconds parse_duration(std::string const& opt, std::string const& s)
{
    if(s == "0")
        return 0ms;
    auto const bad = [&] {
        return usage_error(opt + ": '" + s + "' is not a duration (like 250ms, 10s, 5m, 1h)");
    };
    std::size_t digits = 0;
    while(digits < s.size() && s[digits] >= '0' && s[digits] <= '9')
        ++digits;
    if(digits == 0 || digits > 12)
        throw bad();
    auto const n = std::stoll(s.substr(0, digits));
    auto const unit = s.substr(digits);
    std::chrono::milliseconds d;
    if(unit == "ms")
        d = std::chrono::milliseconds(n);
    else if(unit == "s")
        d = std::chrono::seconds(n);
    else if(unit == "m")
        d = std::chrono::minutes(n);
    else if(unit == "h")
        d = std::chrono::hours(n);
    else
        throw bad();
    if(d > std::chrono::hours(8760))
        throw usage_error(opt + ": '" + s + "' is longer than a year (8760h)");
    return d;
}

inline std::size_t parse_count(std::string const& opt, std::string const& v, bool allow_zero)
{
    if(v.empty() || v.size() > 12 || v.find_first_not_of("0123456789") != std::string::npos ||
        (! allow_zero && std::stoull(v) == 0))
        throw usage_error(opt + " takes a " + (allow_zero ? "" : "positive ") + "whole number");
    return static_cast<std::size_t>(std::stoull(v));
}

// fixed:DUR, backoff:MIN..MAX, never
inline std::shared_ptr<chatlink::reconnect_policy> parse_policy(std::string const& v)
{
    if(v == "never")
        return chatlink::never_reconnect();
    if(v.rfind("fixed:", 0) == 0)
        return chatlink::fixed_delay(parse_duration("--reconnect", v.substr(6)));
    if(v.rfind("backoff:", 0) == 0)
    {
        auto const range = v.substr(8);
        auto const dots = range.find("..");
        if(dots == std::string::npos)
            throw usage_error("--reconnect: backoff takes MIN..MAX, like backoff:1s..60s");
        auto const lo = parse_duration("--reconnect", range.substr(0, dots));
        auto const hi = parse_duration("--reconnect", range.substr(dots + 2));
        if(lo.count() <= 0 || hi < lo)
            throw usage_error("--reconnect: backoff needs 0 < MIN <= MAX");
        return chatlink::exponential_backoff(lo, hi);
    }
    throw usage_error("--reconnect: '" + v + "' is not fixed:DUR, backoff:MIN..MAX or never");
}

// Text safe to print on a terminal: C0 control characters (newlines and
// ESC included), DEL and the C1 controls (U+0080 to U+009F, which some
// terminals obey) are written as \xNN or \u00NN; everything else, UTF-8
// included, is kept.
inline std::string terminal_safe(std::string_view s)
{
    static char const hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for(std::size_t i = 0; i < s.size(); ++i)
    {
        auto const c = static_cast<unsigned char>(s[i]);
        if(c < 0x20 || c == 0x7f)
        {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
        else if(c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
            static_cast<unsigned char>(s[i + 1]) <= 0x9f)
        {
            auto const d = static_cast<unsigned char>(s[++i]);
            out += "\\u00";
            out += hex[d >> 4];
            out += hex[d & 0xf];
        }
        else
            out += static_cast<char>(c);
    }
    return out;
}

// RFC 4648 base64, with padding: the `binary` event's bytes.
inline std::string base64(std::string_view in)
{
    static char const table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for(; i + 3 <= in.size(); i += 3)
    {
        auto const n = (static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16) |
            (static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8) |
            static_cast<unsigned char>(in[i + 2]);
        out += table[(n >> 18) & 63];
        out += table[(n >> 12) & 63];
        out += table[(n >> 6) & 63];
        out += table[n & 63];
    }
    if(auto const rest = in.size() - i)
    {
        unsigned n = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16;
        if(rest == 2)
            n |= static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8;
        out += table[(n >> 18) & 63];
        out += table[(n >> 12) & 63];
        out += rest == 2 ? table[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

} // namespace chatlink_cli

#endif
