//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// What one connection has seen, from the attempt to its end: one struct,
// reset in one place (facts = {}) for each attempt, so that nothing one
// connection learned leaks into the next. At the end it becomes a
// connection_end, which connection_end.hpp maps to close_info.
//
// Pure: no I/O, never calls the session (tests/unit/connection_facts.cpp).
//
#ifndef CHATLINK_DETAIL_CONNECTION_FACTS_HPP
#define CHATLINK_DETAIL_CONNECTION_FACTS_HPP

#include "detail/connection_end.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace chatlink {
namespace detail {

struct connection_facts
{
    bool timed_out = false;       // the connect timer fired
    bool close_requested = false; // the app asked to close this connection
    bool close_timed_out = false; // the close bound passed: we dropped TCP
    bool peer_closed = false;     // the server's close frame arrived
    bool got_message = false;     // a message arrived
    bool too_big = false;         // we failed the connection with 1009
    bool dead = false;            // the heartbeat declared the peer dead
    bool ack_timed_out = false;   // an acknowledgement did not come in time
    bool reading = false;         // the read loop is running
    bool close_pending = false;   // our closing handshake is under way
    std::uint16_t close_code = 1000; // the code we close with
    error_code read_ec;           // how the read loop ended
    error_code close_ec;          // how our closing handshake ended
    std::optional<std::chrono::steady_clock::time_point> ping_sent_at; // our unanswered ping

    // The server's close frame arrived. True when it starts the close bound
    // (the first one, while our own close is not under way: that has its
    // own).
    bool on_peer_close() noexcept
    {
        if(peer_closed)
            return false;
        peer_closed = true;
        return ! close_pending;
    }

    // Both the read loop and our closing handshake are over.
    bool ended() const noexcept { return ! reading && ! close_pending; }

    // How the connection ended: these facts, how the read loop ended, and
    // the server's close frame as the stream recorded it (code 0: none).
    connection_end end(error_code read, std::uint16_t peer_code, std::string peer_reason) const
    {
        connection_end e;
        e.requested = close_requested;
        e.our_code = close_code;
        e.close_timed_out = close_timed_out;
        e.close_ec = close_ec;
        e.dead = dead;
        e.ack_timed_out = ack_timed_out;
        e.too_big = too_big;
        e.got_message = got_message;
        e.read_ec = read;
        if(peer_closed || read == boost::beast::websocket::error::closed || peer_code != 0)
        {
            e.peer_code = peer_code;
            e.peer_reason = std::move(peer_reason);
        }
        return e;
    }
};

} // namespace detail
} // namespace chatlink

#endif
