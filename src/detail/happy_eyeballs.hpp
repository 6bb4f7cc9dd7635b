//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The pure parts of connecting to a name with several addresses (RFC 8305,
// Happy Eyeballs): the hosts of client_options::connect_address, and the
// order the addresses are tried in. The session starts an attempt every
// connection_attempt_delay (or at once when the previous one failed), and
// the first connection made wins (tests/unit/happy_eyeballs.cpp).
//
#ifndef CHATLINK_DETAIL_HAPPY_EYEBALLS_HPP
#define CHATLINK_DETAIL_HAPPY_EYEBALLS_HPP

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace chatlink {
namespace detail {

// RFC 8305 5: 250 ms is the recommended Connection Attempt Delay.
constexpr std::chrono::milliseconds connection_attempt_delay{250};

// "a, b ,c" -> {"a", "b", "c"}; empty items are dropped.
inline std::vector<std::string> split_hosts(std::string_view list)
{
    std::vector<std::string> out;
    std::size_t pos = 0;
    while(pos <= list.size())
    {
        auto comma = list.find(',', pos);
        if(comma == std::string_view::npos)
            comma = list.size();
        auto item = list.substr(pos, comma - pos);
        while(! item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while(! item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
        if(! item.empty())
            out.emplace_back(item);
        pos = comma + 1;
    }
    return out;
}

// RFC 8305 4: alternate the address families, starting with the family of
// the first address, keeping each family's own order; duplicates dropped.
inline std::vector<boost::asio::ip::tcp::endpoint> interleave_families(
    std::vector<boost::asio::ip::tcp::endpoint> const& in)
{
    using ep = boost::asio::ip::tcp::endpoint;
    std::vector<ep> first, other, out;
    for(auto const& e : in)
    {
        bool seen = false;
        for(auto const& f : first)
            seen = seen || f == e;
        for(auto const& o : other)
            seen = seen || o == e;
        if(seen)
            continue;
        (e.address().is_v6() == in.front().address().is_v6() ? first : other).push_back(e);
    }
    for(std::size_t i = 0; i < first.size() || i < other.size(); ++i)
    {
        if(i < first.size())
            out.push_back(first[i]);
        if(i < other.size())
            out.push_back(other[i]);
    }
    return out;
}

} // namespace detail
} // namespace chatlink

#endif
