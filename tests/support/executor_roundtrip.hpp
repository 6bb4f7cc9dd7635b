//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// One connect / send / echo / close through a client on any executor, run by
// whatever threads the caller runs; waits with futures, bounded.
//
#ifndef CHATLINK_TESTS_SUPPORT_EXECUTOR_ROUNDTRIP_HPP
#define CHATLINK_TESTS_SUPPORT_EXECUTOR_ROUNDTRIP_HPP

#include <chatlink/client.hpp>

#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <string>

namespace chatlink_test {

// `drive` is called while waiting; it runs the executor's context for a
// moment (an io_context on this thread), or does nothing (a thread pool).
template<class Drive>
void executor_roundtrip(chatlink::client& c, std::string const& text, Drive drive)
{
    auto got = std::make_shared<std::promise<std::string>>();
    c.on_message([got](boost::json::value const& v) {
        if(auto const* t = v.as_object().if_contains("text"))
            got->set_value(std::string(t->as_string()));
    });
    auto wait = [&](auto& fut) {
        auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while(fut.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready &&
            std::chrono::steady_clock::now() < deadline)
            drive();
        return fut.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    };

    auto connected = c.async_connect("t", boost::asio::use_future);
    REQUIRE(wait(connected));
    connected.get(); // throws on failure
    CHECK(c.state() == chatlink::state::open);

    auto sent = c.async_send(boost::json::value{{"type", "chat"}, {"text", text}}, boost::asio::use_future);
    REQUIRE(wait(sent));
    CHECK(sent.get() > 0);
    auto echoed = got->get_future();
    REQUIRE(wait(echoed));
    CHECK(echoed.get() == text);
}

} // namespace chatlink_test

#endif
