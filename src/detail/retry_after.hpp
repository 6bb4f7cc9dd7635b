//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// A server's hint of when to come back (PROTOCOL.md): the Retry-After field
// of a 503 or 429 (RFC 9110 10.2.3: delay-seconds or an HTTP-date), capped at
// ten minutes. Pure: a field value and the time now in, a delay out
// (tests/unit/retry_after.cpp).
//
#ifndef CHATLINK_DETAIL_RETRY_AFTER_HPP
#define CHATLINK_DETAIL_RETRY_AFTER_HPP

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace chatlink {
namespace detail {

// No hint waits longer than this, whatever the server says.
constexpr std::chrono::milliseconds max_retry_hint = std::chrono::minutes(10);

namespace retry_after_impl {

inline bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) noexcept
{
    if(pos + n > s.size())
        return false;
    int v = 0;
    for(std::size_t i = pos; i < pos + n; ++i)
    {
        if(s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

inline int month_of(std::string_view s) noexcept
{
    static constexpr std::array<std::string_view, 12> names = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for(std::size_t i = 0; i < names.size(); ++i)
        if(s == names[i])
            return static_cast<int>(i) + 1;
    return 0;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept
{
    y -= m <= 2;
    std::int64_t const era = (y >= 0 ? y : y - 399) / 400;
    auto const yoe = static_cast<unsigned>(y - era * 400);
    unsigned const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

inline std::optional<std::chrono::system_clock::time_point> make_time(
    int year, int month, int day, int h, int m, int sec) noexcept
{
    if(month < 1 || day < 1 || day > 31 || h > 23 || m > 59 || sec > 60)
        return std::nullopt;
    auto const days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(days * 86400 + h * 3600 + m * 60 + sec)));
}

// "HH:MM:SS" at `pos`.
inline bool time_of_day(std::string_view s, std::size_t pos, int& h, int& m, int& sec) noexcept
{
    return pos + 8 <= s.size() && s[pos + 2] == ':' && s[pos + 5] == ':' && digits(s, pos, 2, h) &&
        digits(s, pos + 3, 2, m) && digits(s, pos + 6, 2, sec);
}

// "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate, the form servers send).
inline std::optional<std::chrono::system_clock::time_point> imf_fixdate(std::string_view s) noexcept
{
    int day = 0, year = 0, h = 0, m = 0, sec = 0;
    if(s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
        return std::nullopt;
    if(! digits(s, 5, 2, day) || ! digits(s, 12, 4, year) || ! time_of_day(s, 17, h, m, sec))
        return std::nullopt;
    return make_time(year, month_of(s.substr(8, 3)), day, h, m, sec);
}

// The two obsolete forms RFC 9110 5.6.7 still requires a recipient to read:
// "Sunday, 06-Nov-94 08:49:37 GMT" (RFC 850) and "Sun Nov  6 08:49:37 1994"
// (asctime).
inline std::optional<std::chrono::system_clock::time_point> obsolete_date(std::string_view s) noexcept
{
    int day = 0, year = 0, h = 0, m = 0, sec = 0;
    auto const comma = s.find(", ");
    if(comma != std::string_view::npos)
    {
        auto const r = s.substr(comma + 2); // "06-Nov-94 08:49:37 GMT"
        if(r.size() != 22 || r[2] != '-' || r[6] != '-' || r[9] != ' ' || r.substr(18) != " GMT" ||
            ! digits(r, 0, 2, day) || ! digits(r, 7, 2, year) || ! time_of_day(r, 10, h, m, sec))
            return std::nullopt;
        year += year < 70 ? 2000 : 1900;
        return make_time(year, month_of(r.substr(3, 3)), day, h, m, sec);
    }
    if(s.size() != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ')
        return std::nullopt;
    if(s[8] == ' ' ? ! digits(s, 9, 1, day) : ! digits(s, 8, 2, day))
        return std::nullopt;
    if(! time_of_day(s, 11, h, m, sec) || ! digits(s, 20, 4, year))
        return std::nullopt;
    return make_time(year, month_of(s.substr(4, 3)), day, h, m, sec);
}

} // namespace retry_after_impl

// The wait a Retry-After value asks for, at most max_retry_hint; nothing
// when the value is neither delay-seconds nor an HTTP-date (any of RFC
// 9110's three forms). A date in the past asks for no wait.
inline std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view v, std::chrono::system_clock::time_point now) noexcept
{
    while(! v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while(! v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    if(v.empty())
        return std::nullopt;
    if(v.find_first_not_of("0123456789") == std::string_view::npos)
    {
        // delay-seconds; anything over the cap is the cap (no overflow).
        std::int64_t secs = 0;
        for(char c : v)
        {
            secs = secs * 10 + (c - '0');
            if(secs >= max_retry_hint.count() / 1000)
                return max_retry_hint;
        }
        return std::chrono::milliseconds(secs * 1000);
    }
    auto at = retry_after_impl::imf_fixdate(v);
    if(! at)
        at = retry_after_impl::obsolete_date(v);
    if(! at)
        return std::nullopt;
    if(*at <= now)
        return std::chrono::milliseconds(0);
    auto const wait = std::chrono::duration_cast<std::chrono::milliseconds>(*at - now);
    return wait < max_retry_hint ? wait : max_retry_hint;
}

} // namespace detail
} // namespace chatlink

#endif
