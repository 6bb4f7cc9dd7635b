//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// How a connection ended, mapped to close_info (src/detail/connection_end.hpp),
// without a socket.
#include "detail/connection_end.hpp"

#include <boost/beast/core/error.hpp>

#include <catch2/catch.hpp>

namespace websocket = boost::beast::websocket;
using chatlink::detail::connection_end;
using chatlink::detail::describe;

TEST_CASE("connection_end: the server's close frame wins over how TCP ended after it", "[connection_end]")
{
    connection_end e;
    e.peer_code = 1001;
    e.peer_reason = "maintenance";
    e.got_message = true;
    e.read_ec = boost::asio::error::operation_aborted; // our close bound dropped TCP
    auto const i = describe(e);
    CHECK(i.error == chatlink::error::closed_by_server);
    CHECK(i.code == 1001);
    CHECK(i.reason == "maintenance");
    CHECK_FALSE(i.requested);
}

TEST_CASE("connection_end: 1008 or 4401 before any message is auth_rejected", "[connection_end]")
{
    for(std::uint16_t code : {std::uint16_t(1008), std::uint16_t(4401)})
    {
        connection_end e;
        e.peer_code = code;
        e.read_ec = websocket::error::closed;
        CHECK(describe(e).error == chatlink::error::auth_rejected);
        e.got_message = true;
        CHECK(describe(e).error == chatlink::error::closed_by_server);
    }
}

TEST_CASE("connection_end: our 1009 and 1002 stay ours when the server answers with its close", "[connection_end]")
{
    connection_end e;
    e.peer_code = 1009; // the server echoed our close frame
    e.read_ec = websocket::error::message_too_big;
    auto const i = describe(e);
    CHECK(i.error == chatlink::error::message_too_big);
    CHECK(i.code == 1009);

    connection_end p;
    p.read_ec = websocket::error::bad_opcode;
    p.peer_code = 1002;
    CHECK(describe(p).error == chatlink::error::protocol_error);
    CHECK(describe(p).code == 1002);
    p.read_ec = websocket::error::bad_frame_payload;
    CHECK(describe(p).code == 1007);
}

TEST_CASE("connection_end: a requested close reports the server's code, ours, or a lost connection", "[connection_end]")
{
    connection_end e;
    e.requested = true;
    e.our_code = 4000;
    CHECK(describe(e).code == 4000);
    CHECK_FALSE(describe(e).error);
    e.peer_code = 1000;
    CHECK(describe(e).code == 1000);
    e.peer_code.reset();
    e.close_timed_out = true;
    CHECK(describe(e).error == chatlink::error::connection_lost);
    CHECK_FALSE(describe(e).code);
    CHECK(describe(e).requested);
    // Beast's own close timer fired first and gave its timeout to the read:
    // the close completed with operation_aborted. Still not finished.
    e.close_timed_out = false;
    e.close_ec = boost::asio::error::operation_aborted;
    e.read_ec = boost::beast::error::timeout;
    CHECK(describe(e).error == chatlink::error::connection_lost);
    CHECK_FALSE(describe(e).code);
}

TEST_CASE("connection_end: dead, lost", "[connection_end]")
{
    connection_end e;
    e.dead = true;
    e.read_ec = boost::asio::error::operation_aborted;
    CHECK(describe(e).error == chatlink::error::heartbeat_timeout);
    CHECK_FALSE(describe(e).code);
    connection_end l;
    l.read_ec = boost::asio::error::connection_reset;
    CHECK(describe(l).error == chatlink::error::connection_lost);
}
