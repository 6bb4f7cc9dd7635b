//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// What one connection attempt needs, made from the options, the token and
// the resume id without touching a socket: the endpoint, the Authorization
// value, where to connect (connector.hpp), and the lines to log; or why the
// attempt cannot start. The session logs the lines and carries it out.
//
#ifndef CHATLINK_DETAIL_ATTEMPT_PLAN_HPP
#define CHATLINK_DETAIL_ATTEMPT_PLAN_HPP

#include "detail/connector.hpp"
#include "detail/happy_eyeballs.hpp"
#include "detail/proxy.hpp"
#include "detail/upgrade_request.hpp"
#include <chatlink/client_options.hpp>
#include <chatlink/error.hpp>
#include <chatlink/url.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace chatlink {
namespace detail {

struct attempt_plan
{
    error_code error;   // set: the attempt cannot start (no I/O is done)
    std::string detail; // why, for last_error_detail(), when it is an option
    endpoint ep;        // the target carries the token, or not (header mode)
    std::string authorization; // "Bearer T" when the token travels in a header
    connect_plan connect;
    // The token would cross a non-loopback network in clear (ws://).
    bool token_in_clear = false;
    std::vector<std::pair<log_level, std::string>> log; // in order
};

inline bool is_loopback_host(std::string const& host)
{
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// `q` appended to a URL's query.
inline void add_query(std::string& target, std::string const& q)
{
    target += (target.find('?') == std::string::npos ? '?' : '&') + q;
}

// `secure`: the session's stream is TLS (it must match the URL's scheme).
// The proxy comes from the option, else from the environment (read now).
inline attempt_plan plan_attempt(client_options const& o, std::string const& token,
    std::optional<std::uint64_t> since, bool secure)
{
    attempt_plan p;
    auto refuse = [&p](error_code ec, std::string why) {
        p.log.emplace_back(log_level::error, "cannot connect: " + why);
        p.error = ec;
        p.detail = std::move(why);
        return std::move(p);
    };
    bool const in_header = o.token_in == token_placement::header;
    auto bad = check_request_options(o);
    if(! bad && in_header)
        bad = check_header_token(token);
    if(bad)
        return refuse(error::invalid_option, *bad);

    p.authorization = in_header ? o.token_scheme + " " + token : std::string();
    p.ep = make_endpoint(o.url, token, o.path, in_header ? std::string_view() : o.token_param, p.error);
    if(! p.error && since)
    {
        // Resume from the highest id delivered (PROTOCOL.md).
        std::string const q = o.delivery.since_param + "=" + std::to_string(*since);
        add_query(p.ep.target, q);
        add_query(p.ep.redacted, q);
    }
    if(! p.error && p.ep.secure != secure)
    {
        // The stream type was chosen from the same URL at construction.
        p.log.emplace_back(log_level::error, "the URL's scheme does not match this client: " + p.ep.redacted);
        p.error = error::invalid_url;
    }
    if(p.error)
    {
        p.log.emplace_back(log_level::error, "invalid server URL");
        p.authorization.clear();
        return p;
    }

    std::string proxy_url = o.proxy;
    if(proxy_url.empty() && o.proxy_from_environment)
        proxy_url = proxy_from_environment(secure, p.ep.host, p.ep.port);
    auto& c = p.connect;
    if(! proxy_url.empty())
    {
        c.proxy = parse_proxy_url(proxy_url);
        if(! c.proxy) // not echoed: it may hold a password
            return refuse(error::invalid_option, "the proxy URL is not http://[user:password@]host[:port]");
    }
    if(secure && o.tls.insecure_skip_verify)
        p.log.emplace_back(log_level::warning, "TLS certificate verification is OFF (insecure_skip_verify): " + p.ep.redacted);
    p.token_in_clear = ! secure && (in_header || ! o.token_param.empty()) && ! is_loopback_host(p.ep.host);

    // Through a proxy, the proxy's address (the proxy resolves the server's
    // name; connect_address is not used).
    c.hosts = c.proxy ? std::vector<std::string>{c.proxy->host}
        : o.connect_address.empty() ? std::vector<std::string>{p.ep.host}
                                    : split_hosts(o.connect_address);
    if(c.hosts.empty())
        c.hosts.push_back(p.ep.host);
    c.port = c.proxy ? c.proxy->port : p.ep.port;
    c.tunnel_target = (p.ep.host.find(':') != std::string::npos ? "[" + p.ep.host + "]" : p.ep.host) + ":" + p.ep.port;
    c.user_agent = o.user_agent;
    c.max_answer_bytes = o.max_upgrade_header_bytes;

    p.log.emplace_back(log_level::info, "connecting to " + p.ep.redacted + (c.proxy ? " through " + c.proxy->display : std::string()));
    if(! o.headers.empty())
        p.log.emplace_back(log_level::debug, "upgrade request headers: " + describe_headers(o.headers));
    return p;
}

} // namespace detail
} // namespace chatlink

#endif
