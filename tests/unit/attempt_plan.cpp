//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// src/detail/attempt_plan.hpp: what a connection attempt needs, or why it
// cannot start, from the options, the token and the resume id (no socket;
// backends.cpp, happy_eyeballs.cpp and proxy.cpp run the same on sockets).
//
#include "detail/attempt_plan.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using chatlink::detail::plan_attempt;

namespace {

chatlink::client_options options(std::string url)
{
    chatlink::client_options o;
    o.url = std::move(url);
    o.proxy_from_environment = false; // the test machine's environment is not ours
    return o;
}

bool logged(chatlink::detail::attempt_plan const& p, chatlink::log_level level, std::string const& part)
{
    return std::any_of(p.log.begin(), p.log.end(),
        [&](auto const& l) { return l.first == level && l.second.find(part) != std::string::npos; });
}

bool mentions(chatlink::detail::attempt_plan const& p, std::string const& secret)
{
    return std::any_of(p.log.begin(), p.log.end(), [&](auto const& l) { return l.second.find(secret) != std::string::npos; }) ||
        p.detail.find(secret) != std::string::npos || p.ep.redacted.find(secret) != std::string::npos;
}

} // namespace

TEST_CASE("attempt plan: the token in the query, the resume id after it, never logged", "[attempt_plan]")
{
    auto const p = plan_attempt(options("http://example.com:8080"), "s3cret", 42, false);
    REQUIRE(! p.error);
    CHECK(p.ep.host == "example.com");
    CHECK(p.ep.port == "8080");
    CHECK(p.ep.target == "/ws?token=s3cret&since=42");
    CHECK(p.authorization.empty());
    CHECK(p.token_in_clear); // ws:// to a host that is not loopback
    CHECK(! mentions(p, "s3cret"));
    CHECK(p.ep.redacted.find("since=42") != std::string::npos);
    CHECK(logged(p, chatlink::log_level::info, "connecting to ws://example.com:8080/ws?token="));
    CHECK(p.connect.hosts == std::vector<std::string>{"example.com"});
    CHECK(p.connect.port == "8080");
    CHECK(! p.connect.proxy);
}

TEST_CASE("attempt plan: the token in a header, with the store's scheme", "[attempt_plan]")
{
    auto o = options("https://chat.example");
    o.token_in = chatlink::token_placement::header;
    o.token_scheme = "Token";
    auto const p = plan_attempt(o, "abc", std::nullopt, true);
    REQUIRE(! p.error);
    CHECK(p.authorization == "Token abc");
    CHECK(p.ep.target == "/ws");
    CHECK(p.ep.port == "443");
    CHECK(! p.token_in_clear);
    CHECK(! mentions(p, "abc"));
}

TEST_CASE("attempt plan: a token that cannot be a header value is an invalid option, unechoed", "[attempt_plan]")
{
    auto o = options("http://127.0.0.1:1");
    o.token_in = chatlink::token_placement::header;
    auto const p = plan_attempt(o, "bad\r\nX-Injected: 1", std::nullopt, false);
    CHECK(p.error == chatlink::error::invalid_option);
    CHECK(! p.detail.empty());
    CHECK(logged(p, chatlink::log_level::error, "cannot connect: "));
    CHECK(! mentions(p, "X-Injected"));
}

TEST_CASE("attempt plan: a URL whose scheme does not match the stream, and a bad URL", "[attempt_plan]")
{
    auto const tls_for_ws = plan_attempt(options("ws://127.0.0.1:9"), "t", std::nullopt, true);
    CHECK(tls_for_ws.error == chatlink::error::invalid_url);
    CHECK(logged(tls_for_ws, chatlink::log_level::error, "does not match"));
    CHECK(tls_for_ws.connect.hosts.empty()); // nothing to connect to

    auto const bad = plan_attempt(options("ftp://127.0.0.1"), "t", std::nullopt, false);
    CHECK(bad.error);
    CHECK(logged(bad, chatlink::log_level::error, "invalid server URL"));
}

TEST_CASE("attempt plan: connect_address names the hosts raced, the URL's host names the server", "[attempt_plan]")
{
    auto o = options("ws://chat.example:7000");
    o.connect_address = "127.0.0.2, ::1";
    auto const p = plan_attempt(o, "t", std::nullopt, false);
    REQUIRE(! p.error);
    CHECK(p.connect.hosts == std::vector<std::string>{"127.0.0.2", "::1"});
    CHECK(p.connect.port == "7000");
    CHECK(p.ep.host_header == "chat.example:7000");
}

TEST_CASE("attempt plan: through a proxy, its address is connected and the server asked for", "[attempt_plan]")
{
    auto o = options("ws://[::1]:7000");
    o.proxy = "http://user:pw@127.0.0.1:3128";
    o.connect_address = "127.0.0.9"; // not used through a proxy
    auto const p = plan_attempt(o, "t", std::nullopt, false);
    REQUIRE(! p.error);
    REQUIRE(p.connect.proxy);
    CHECK(p.connect.hosts == std::vector<std::string>{"127.0.0.1"});
    CHECK(p.connect.port == "3128");
    CHECK(p.connect.tunnel_target == "[::1]:7000");
    CHECK(! mentions(p, "pw"));
    CHECK(logged(p, chatlink::log_level::info, "through"));

    o.proxy = "socks5://127.0.0.1:1080";
    auto const bad = plan_attempt(o, "t", std::nullopt, false);
    CHECK(bad.error == chatlink::error::invalid_option);
    CHECK(bad.detail.find("proxy URL") != std::string::npos);
}

TEST_CASE("attempt plan: turning verification off is logged as a warning", "[attempt_plan]")
{
    auto o = options("wss://127.0.0.1:1");
    o.tls.insecure_skip_verify = true;
    auto const p = plan_attempt(o, "t", std::nullopt, true);
    REQUIRE(! p.error);
    CHECK(logged(p, chatlink::log_level::warning, "verification is OFF"));
    CHECK(! plan_attempt(options("ws://localhost:1"), "t", std::nullopt, false).token_in_clear);
}
