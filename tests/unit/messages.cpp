//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// What the server's messages may be (issue 14): raw text and binary
// (message_format::text, on_text, on_binary, async_send_binary), the raw
// handlers in json mode before bad_message, the routing field, and the JSON
// depth limit. Against the in-process Beast server, which echoes text as
// text and binary as binary.
//
#include <chatlink/client.hpp>
#include <chatlink/reconnect_policy.hpp>

#include "support/client_helpers.hpp"
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace std::chrono_literals;
using chatlink_test::run_until;
using chatlink_test::test_server;

namespace {

using chatlink_test::quiet_options;

// An array nested `depth` deep inside an object: {"type":"deep","v":[[...]]}.
std::string nested(std::size_t depth)
{
    return R"({"type":"deep","v":)" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
}

// What the handlers saw, in order, as "kind:payload".
struct seen_events
{
    std::vector<std::string> v;

    void attach(chatlink::client& c)
    {
        c.on_message([this](boost::json::value const& m) { v.push_back("message:" + boost::json::serialize(m)); });
        c.on_text([this](std::string_view t) { v.push_back("text:" + std::string(t)); });
        c.on_binary([this](std::string_view b) { v.push_back("binary:" + std::string(b)); });
        c.on_error([this](chatlink::error_code ec) { v.push_back("error:" + chatlink::error_name(ec)); });
    }
};

} // namespace

TEST_CASE("raw mode: text and binary round trips, nothing parsed, nothing a bad message", "[messages][raw]")
{
    test_server srv;
    boost::asio::io_context ioc(GENERATE(chatlink_test::one_thread, chatlink_test::many_threads));
    auto o = quiet_options(srv.url());
    o.format = chatlink::message_format::text;
    chatlink::client c(ioc, o);
    seen_events seen;
    seen.attach(c);
    chatlink_test::open(ioc, c);
    std::string const bytes("\x00\x01\xff\xfe binary \x80", 13);
    std::vector<chatlink::error_code> results;
    auto done = [&](chatlink::error_code ec, std::size_t) { results.push_back(ec); };
    c.async_send("plain text, not JSON", done);
    c.async_send_binary(bytes, done);
    c.async_send(R"({"type":"chat"})", done);
    c.async_send_binary(std::string(), done); // an empty binary message
    REQUIRE(run_until(ioc, [&] { return seen.v.size() >= 4; }));
    CHECK(results == std::vector<chatlink::error_code>(4));
    CHECK(seen.v == std::vector<std::string>{"text:plain text, not JSON", "binary:" + bytes,
        R"(text:{"type":"chat"})", "binary:"});
    CHECK(srv.received().size() >= 2); // the text ones, as the server read them
}

TEST_CASE("json mode: a binary or non-JSON message reaches the raw handler, then bad_message, and the connection goes on", "[messages][raw]")
{
    test_server srv;
    boost::asio::io_context ioc;
    chatlink::client c(ioc, quiet_options(srv.url()));
    seen_events seen;
    seen.attach(c);
    chatlink_test::open(ioc, c);
    srv.send_all(std::string("\x01\x02", 2), true);
    srv.send_all("not json", false);
    srv.send_all("[1,2]", false);
    srv.send_all(R"({"type":"chat","text":"after"})", false);
    REQUIRE(run_until(ioc, [&] { return seen.v.size() >= 7; }));
    CHECK(seen.v == std::vector<std::string>{std::string("binary:\x01\x02", 9), "error:bad_message",
        "text:not json", "error:bad_message", "text:[1,2]", "error:bad_message",
        R"(message:{"type":"chat","text":"after"})"});
    CHECK(c.state() == chatlink::state::open);
}

TEST_CASE("json mode without raw handlers: a binary frame is only bad_message", "[messages][raw]")
{
    test_server srv;
    boost::asio::io_context ioc;
    chatlink::client c(ioc, quiet_options(srv.url()));
    std::vector<chatlink::error_code> errors;
    c.on_error([&](chatlink::error_code ec) { errors.push_back(ec); });
    chatlink_test::open(ioc, c);
    srv.send_all("xyz", true);
    REQUIRE(run_until(ioc, [&] { return ! errors.empty(); }));
    CHECK(errors[0] == chatlink::error::bad_message);
}

TEST_CASE("the routing field is an option: on(type) matches \"op\" when told so", "[messages]")
{
    test_server srv;
    boost::asio::io_context ioc;
    auto o = quiet_options(srv.url());
    o.type_field = "op";
    chatlink::client c(ioc, o);
    std::vector<std::string> hello;
    c.on("hello", [&](boost::json::value const& m) { hello.push_back(boost::json::serialize(m)); });
    chatlink_test::open(ioc, c);
    srv.send_all(R"({"type":"hello","n":1})", false);
    srv.send_all(R"({"op":"hello","n":2})", false);
    srv.send_all(R"({"op":"other","n":3})", false);
    REQUIRE(run_until(ioc, [&] { return c.stats().messages_received >= 3; }));
    CHECK(hello == std::vector<std::string>{R"({"op":"hello","n":2})"});
}

TEST_CASE("max_json_depth: 32 by default, as Boost.JSON's, deeper documents pass when allowed", "[messages]")
{
    auto const limit = GENERATE(std::size_t(0), std::size_t(64));
    test_server srv;
    boost::asio::io_context ioc;
    auto o = quiet_options(srv.url());
    if(limit)
        o.max_json_depth = limit;
    chatlink::client c(ioc, o);
    seen_events seen;
    seen.attach(c);
    chatlink_test::open(ioc, c);
    srv.send_all(nested(32), false);
    srv.send_all(nested(33), false);
    srv.send_all(nested(64), false);
    srv.send_all(R"({"type":"end"})", false);
    REQUIRE(run_until(ioc, [&] { return ! seen.v.empty() && seen.v.back() == R"(message:{"type":"end"})"; }));
    std::size_t messages = 0, bad = 0;
    for(auto const& e : seen.v)
    {
        messages += e.rfind("message:", 0) == 0;
        bad += e == "error:bad_message";
    }
    CHECK(messages == (limit ? 4u : 2u));
    CHECK(bad == (limit ? 0u : 2u));
}
