//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// How a connection ended, as the session saw it, and the close_info it
// reports for that: a pure function, tested without sockets
// (tests/unit/connection_end.cpp).
//
// The rules, in order:
//   - the app asked (close()): the code the server answered with, ours if
//     the handshake completed without one, connection_lost if it could not
//     complete (in time);
//   - the heartbeat declared the peer dead: heartbeat_timeout, no code;
//   - chatlink failed the connection: a message over the limit is
//     message_too_big, 1009; a protocol violation is protocol_error with the
//     code chatlink sent (1007 for invalid UTF-8, else 1002);
//   - the server's close frame arrived: closed_by_server with its code and
//     reason, whatever ended the TCP connection after it (the server may
//     have held it open until our close bound dropped it); 1008 or 4401
//     before any message: auth_rejected;
//   - anything else: connection_lost, no code.
//
#ifndef CHATLINK_DETAIL_CONNECTION_END_HPP
#define CHATLINK_DETAIL_CONNECTION_END_HPP

#include <chatlink/error.hpp>
#include <chatlink/state.hpp>

#include <boost/asio/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace chatlink {
namespace detail {

struct connection_end
{
    bool requested = false;        // the app called close()
    std::uint16_t our_code = 1000; // the code we closed with
    bool close_timed_out = false;  // our close did not finish in time: TCP dropped
    error_code close_ec;           // how our closing handshake completed
    bool dead = false;             // the heartbeat declared the peer dead
    bool ack_timed_out = false;    // we dropped it: an ack did not come in time
    bool too_big = false;          // we failed the connection with 1009
    bool got_message = false;      // a message arrived on this connection
    std::optional<std::uint16_t> peer_code; // the server's close frame, if one arrived
    std::string peer_reason;
    error_code read_ec;            // how the read loop ended
};

inline close_info describe(connection_end const& e)
{
    namespace websocket = boost::beast::websocket;
    close_info info;
    info.requested = e.requested;
    if(e.requested)
    {
        if(e.peer_code && *e.peer_code != websocket::close_code::none)
        {
            info.code = e.peer_code;
            info.reason = e.peer_reason;
        }
        else if(e.close_timed_out || e.close_ec)
        {
            // Our closing handshake did not finish: the close bound passed,
            // or Beast's own timer did (it gives its timeout to the read and
            // operation_aborted to the close, whichever was first), or the
            // connection broke under it.
            info.error = error::connection_lost;
        }
        else
            info.code = e.our_code;
    }
    else if(e.dead)
        info.error = error::heartbeat_timeout;
    else if(e.ack_timed_out)
        info.error = error::ack_timeout;
    else if(e.too_big || e.read_ec == websocket::error::message_too_big)
    {
        // We failed the connection with 1009 (the server may have answered
        // with its own close frame: ours came first).
        info.code = websocket::close_code::too_big;
        info.error = error::message_too_big;
    }
    else if(e.read_ec == websocket::condition::protocol_violation)
    {
        // Beast failed the connection (RFC 6455 section 7.1.7) with the
        // close code the violation calls for.
        info.code = e.read_ec == websocket::error::bad_frame_payload ?
            websocket::close_code::bad_payload : websocket::close_code::protocol_error;
        info.error = error::protocol_error;
    }
    else if(e.peer_code)
    {
        info.code = e.peer_code;
        info.reason = e.peer_reason;
        bool const auth = *e.peer_code == websocket::close_code::policy_error || *e.peer_code == 4401;
        info.error = auth && ! e.got_message ? error::auth_rejected : error::closed_by_server;
    }
    else
        info.error = error::connection_lost;
    return info;
}

} // namespace detail
} // namespace chatlink

#endif
