//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#include <chatlink/error.hpp>
#include <chatlink/url.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>

namespace chatlink {

namespace urls = boost::urls;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) noexcept
{
    return s.size() >= suffix.size() &&
        s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// %XX sequences decoded (others kept as they are), '+' kept.
std::string percent_decoded(std::string_view s)
{
    auto const hex = [](char c) -> int {
        if(c >= '0' && c <= '9')
            return c - '0';
        if(c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if(c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(s.size());
    for(std::size_t i = 0; i < s.size(); ++i)
    {
        if(s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0)
        {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        }
        else
            out += s[i];
    }
    return out;
}

std::string encode_component(std::string_view s)
{
    return urls::encode(urls::string_view(s.data(), s.size()), urls::unreserved_chars);
}

} // namespace

endpoint make_endpoint(
    std::string_view base,
    std::string_view token,
    std::string_view path,
    std::string_view token_param,
    error_code& ec)
{
    ec = {};
    endpoint ep;
    auto fail = [&] { ec = error::invalid_url; return endpoint{}; };

    auto parsed = urls::parse_uri(urls::string_view(base.data(), base.size()));
    if(! parsed)
        return fail();
    urls::url_view const u = *parsed;

    std::string scheme(u.scheme());
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
        [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    bool http = false;
    if(scheme == "http")
        http = true;
    else if(scheme == "https")
        http = true, ep.secure = true;
    else if(scheme == "wss")
        ep.secure = true;
    else if(scheme != "ws")
        return fail();

    if(! u.has_authority())
        return fail();
    switch(u.host_type())
    {
    case urls::host_type::ipv4:
    case urls::host_type::name:
        ep.host = u.host_address();
        ep.host_header = u.encoded_host();
        break;
    case urls::host_type::ipv6:
        ep.host = u.host_address();
        ep.host_header = "[" + ep.host + "]";
        break;
    default:
        return fail();
    }
    if(ep.host.empty())
        return fail();

    std::string const default_port = ep.secure ? "443" : "80";
    if(u.has_port() && ! u.port().empty())
    {
        // Boost.URL takes any digits (and more) as a port; we want 1-65535.
        auto const port = std::string(u.port());
        if(port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(port) == 0 || std::stoul(port) > 65535)
            return fail();
        ep.port = std::to_string(u.port_number());
        if(ep.port != default_port)
            ep.host_header += ":" + ep.port;
    }
    else
    {
        ep.port = default_port;
    }

    std::string p(u.encoded_path());
    // After an authority the path is empty or absolute; Boost.URL 1.81 reads
    // "http://h:port" as host "h", an empty port and the path "port".
    if(! p.empty() && p.front() != '/')
        return fail();
    if(http)
    {
        std::string suffix(path);
        if(suffix.empty() || suffix.front() != '/')
            suffix.insert(suffix.begin(), '/');
        if(! ends_with(p, suffix))
        {
            while(! p.empty() && p.back() == '/')
                p.pop_back();
            p += suffix;
        }
    }
    else if(p.empty())
    {
        p = "/";
    }

    std::string query = u.has_query() ? std::string(u.encoded_query()) : std::string();
    // What is printed: a token already in the URL's query is hidden too.
    // Split by hand: Boost.URL 1.81's params() runs past an empty query
    // into the fragment ("http://h/?#x": found by the url fuzz target).
    std::string shown;
    for(std::size_t pos = 0; pos < query.size();)
    {
        auto end = query.find('&', pos);
        if(end == std::string::npos)
            end = query.size();
        std::string_view const part(query.data() + pos, end - pos);
        auto const key = part.substr(0, part.find('='));
        if(! shown.empty())
            shown += '&';
        if(! token_param.empty() && percent_decoded(key) == token_param)
            shown.append(key.data(), key.size()).append("=***");
        else
            shown.append(part.data(), part.size());
        pos = end + 1;
    }
    if(! token_param.empty())
    {
        auto const key = encode_component(token_param);
        auto const sep = query.empty() ? "" : "&";
        query += sep + key + "=" + encode_component(token);
        shown += sep + key + "=***";
    }

    ep.target = query.empty() ? p : p + "?" + query;
    ep.redacted = std::string(ep.secure ? "wss://" : "ws://") + ep.host_header +
        (shown.empty() ? p : p + "?" + shown);
    return ep;
}

} // namespace chatlink
