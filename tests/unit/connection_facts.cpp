//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// What one connection saw (src/detail/connection_facts.hpp), without a
// socket: the server's close frame starts the close bound once, the end is
// known when both the read loop and our close are over, and the facts
// become the connection_end that describe() maps to close_info.
#include "detail/connection_facts.hpp"

#include <catch2/catch.hpp>

namespace websocket = boost::beast::websocket;
using chatlink::detail::connection_facts;
using chatlink::detail::describe;

TEST_CASE("connection_facts: the server's close frame starts the close bound once, and not during ours", "[connection_facts]")
{
    connection_facts f;
    CHECK(f.on_peer_close());
    CHECK(f.peer_closed);
    CHECK_FALSE(f.on_peer_close()); // a second close frame: the bound runs already

    connection_facts ours;
    ours.close_pending = true; // our close has its own bound
    CHECK_FALSE(ours.on_peer_close());
    CHECK(ours.peer_closed);
}

TEST_CASE("connection_facts: the connection has ended once the read loop and our close are both over", "[connection_facts]")
{
    connection_facts f;
    f.reading = true;
    f.close_pending = true;
    CHECK_FALSE(f.ended());
    f.reading = false;
    CHECK_FALSE(f.ended());
    f.close_pending = false;
    CHECK(f.ended());
}

TEST_CASE("connection_facts: the end carries every fact, and the server's close frame only when one came", "[connection_facts]")
{
    connection_facts f;
    f.close_requested = true;
    f.close_code = 4000;
    f.close_timed_out = true;
    f.close_ec = boost::asio::error::operation_aborted;
    f.dead = true;
    f.too_big = true;
    f.got_message = true;
    auto const e = f.end(boost::asio::error::eof, 0, "");
    CHECK(e.requested);
    CHECK(e.our_code == 4000);
    CHECK(e.close_timed_out);
    CHECK(e.close_ec == boost::asio::error::operation_aborted);
    CHECK(e.dead);
    CHECK(e.too_big);
    CHECK(e.got_message);
    CHECK(e.read_ec == boost::asio::error::eof);
    CHECK_FALSE(e.peer_code); // no close frame came, and the stream has none

    connection_facts g;
    g.on_peer_close();
    auto const e2 = g.end(websocket::error::closed, 4001, "maintenance");
    REQUIRE(e2.peer_code);
    CHECK(*e2.peer_code == 4001);
    CHECK(e2.peer_reason == "maintenance");
    auto const i = describe(e2);
    CHECK(i.error == chatlink::error::closed_by_server);
    CHECK(i.code == 4001);
}

TEST_CASE("connection_facts: a reset for the next attempt forgets everything the last one saw", "[connection_facts]")
{
    connection_facts f;
    f.on_peer_close();
    f.dead = true;
    f.got_message = true;
    f.close_requested = true;
    f.read_ec = boost::asio::error::eof;
    f.ping_sent_at = std::chrono::steady_clock::now();
    f = {}; // what the session does at each attempt
    // The next connection is lost without a close frame: connection_lost,
    // not the last one's heartbeat_timeout or requested close.
    auto const i = describe(f.end(boost::asio::error::connection_reset, 0, ""));
    CHECK(i.error == chatlink::error::connection_lost);
    CHECK_FALSE(i.requested);
    CHECK_FALSE(i.code);
    CHECK_FALSE(f.ping_sent_at);
    CHECK(f.on_peer_close());
}
