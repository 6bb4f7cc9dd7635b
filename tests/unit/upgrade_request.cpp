//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// src/detail/upgrade_request.hpp: what the options add to the upgrade
// request, and what they require of the 101 (no socket; backends.cpp has
// the same on real sockets).
//
#include "detail/upgrade_request.hpp"

#include <catch2/catch.hpp>

using chatlink::detail::check_answer;
using chatlink::detail::check_header_token;
using chatlink::detail::check_request_options;
using chatlink::detail::describe_headers;

namespace {

chatlink::client_options with_header(std::string name, std::string value)
{
    chatlink::client_options o;
    o.headers.push_back({std::move(name), std::move(value)});
    return o;
}

} // namespace

TEST_CASE("upgrade headers: ordinary fields pass, those that break the handshake do not", "[upgrade_request]")
{
    CHECK_FALSE(check_request_options(with_header("Cookie", "a=b; c=d")));
    CHECK_FALSE(check_request_options(with_header("X-Trace_Id.v2", "")));
    CHECK_FALSE(check_request_options(with_header("Origin", "https://app.example")));
    for(auto name : {"Host", "upgrade", "CONNECTION", "Content-Length", "Transfer-Encoding",
            "Sec-WebSocket-Key", "sec-websocket-protocol", "Sec-WebSocket-Version"})
    {
        INFO(name);
        auto const why = check_request_options(with_header(name, "v"));
        REQUIRE(why);
        CHECK(why->find("set by the handshake") != std::string::npos);
    }
    for(auto name : {"", "Bad Name", "X:Y", "X\r\nY", "Caf\xc3\xa9"})
    {
        INFO(name);
        CHECK(check_request_options(with_header(name, "v")));
    }
    for(auto value : {std::string("a\rb"), std::string("a\nb"), std::string("a\0b", 3)})
    {
        auto const why = check_request_options(with_header("X-Value", value));
        REQUIRE(why);
        CHECK(why->find("CR, LF or NUL") != std::string::npos);
        CHECK(why->find("X-Value") != std::string::npos); // names the field,
        CHECK(why->find(value) == std::string::npos);     // never the value
    }
}

TEST_CASE("upgrade headers: Authorization belongs to token_in = header when it is set", "[upgrade_request]")
{
    auto o = with_header("authorization", "Basic x");
    CHECK_FALSE(check_request_options(o));
    o.token_in = chatlink::token_placement::header;
    CHECK(check_request_options(o));
    o.headers.clear();
    CHECK_FALSE(check_request_options(o));
    o.token_scheme = "Two Words";
    CHECK(check_request_options(o));
    CHECK(check_header_token("abc\x7f"));
    CHECK(check_header_token("abc\n"));
    CHECK_FALSE(check_header_token("eyJhbGciOi.J9-_x+/="));
}

TEST_CASE("describe_headers hides the values of Authorization, Cookie and Proxy-Authorization", "[upgrade_request]")
{
    std::vector<chatlink::header_field> hs{{"X-A", "1"}, {"cookie", "s"}, {"Proxy-Authorization", "p"},
        {"AUTHORIZATION", "q"}};
    CHECK(describe_headers(hs) == "X-A: 1, cookie: ***, Proxy-Authorization: ***, AUTHORIZATION: ***");
}

TEST_CASE("the 101's subprotocol must be one offered, none fails only when required", "[upgrade_request]")
{
    chatlink::client_options o;
    CHECK_FALSE(check_answer(o, "", "").error);
    CHECK(check_answer(o, "chat", "").error); // none offered
    o.subprotocols = {"a.v2", "a.v1"};
    auto v = check_answer(o, " a.v1 ", "");
    CHECK_FALSE(v.error);
    CHECK(v.subprotocol == "a.v1");
    CHECK(check_answer(o, "a.v3", "").error);
    CHECK(check_answer(o, "a.v2, a.v1", "").error); // a list is not a choice
    CHECK(check_answer(o, "", "").error);
    o.require_subprotocol = false;
    v = check_answer(o, "", "");
    CHECK_FALSE(v.error);
    CHECK(v.subprotocol.empty());
}

TEST_CASE("the 101's extensions must be ones offered", "[upgrade_request]")
{
    chatlink::client_options o;
    CHECK_FALSE(check_answer(o, "", "").error);
    CHECK(check_answer(o, "", "permessage-deflate").error);
    CHECK(check_answer(o, "", "x-webkit-deflate-frame").error);
    o.permessage_deflate = true;
    CHECK_FALSE(check_answer(o, "", "permessage-deflate; server_no_context_takeover").error);
    CHECK_FALSE(check_answer(o, "", "Permessage-Deflate").error);
    CHECK(check_answer(o, "", "permessage-deflate, foo").error);
    CHECK(check_answer(o, "", " foo ; a=1").error);
    CHECK_FALSE(check_answer(o, "", " , ").error); // empty items are no extension
}
