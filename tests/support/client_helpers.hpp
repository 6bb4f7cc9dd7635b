//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Small helpers shared by the client tests (Catch2 assertions inside).
//
#ifndef CHATLINK_TESTS_SUPPORT_CLIENT_HELPERS_HPP
#define CHATLINK_TESTS_SUPPORT_CLIENT_HELPERS_HPP

#include <chatlink/client.hpp>
#include <chatlink/reconnect_policy.hpp>

#include "support/run.hpp"

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>

namespace chatlink_test {

/// Options for a test client: the URL, and a 5 s connect timeout.
inline chatlink::client_options options_for(std::string url)
{
    chatlink::client_options o;
    o.url = std::move(url);
    o.connect_timeout = std::chrono::seconds(5);
    return o;
}

/// Options for a test client that does nothing on its own: no heartbeat,
/// no reconnect (the first failure stops it).
inline chatlink::client_options quiet_options(std::string url)
{
    auto o = options_for(std::move(url));
    o.heartbeat.interval = std::chrono::milliseconds(0);
    o.heartbeat.timeout = std::chrono::milliseconds(0);
    o.reconnect = chatlink::never_reconnect();
    return o;
}

/// Connect and run until the attempt completes; returns its error code.
inline chatlink::error_code connect(boost::asio::io_context& ioc, chatlink::client& c, std::string token)
{
    std::optional<chatlink::error_code> result;
    c.async_connect(std::move(token), [&](chatlink::error_code ec) { result = ec; });
    REQUIRE(run_until(ioc, [&] { return result.has_value(); }));
    return *result;
}

/// Connect with token "t" and require success.
inline void open(boost::asio::io_context& ioc, chatlink::client& c)
{
    REQUIRE_FALSE(connect(ioc, c, "t"));
}

} // namespace chatlink_test

#endif
