//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The session's heartbeat: one timer per connection, armed for the next ping
// or the liveness deadline, whichever is first (heartbeat_schedule.hpp says
// which); a JSON ping through the outbox or a ping frame beside it, one
// pending at a time; a pong's round trip. A base of the session (CRTP, like
// session_base.hpp), in a file of its own: the session starts it when a
// connection opens, stops it when the connection ends, and passes it pongs.
//
#ifndef CHATLINK_DETAIL_SESSION_HEARTBEAT_HPP
#define CHATLINK_DETAIL_SESSION_HEARTBEAT_HPP

#include "detail/executors.hpp"
#include "detail/heartbeat_schedule.hpp"
#include "detail/outbox.hpp"
#include <chatlink/client_options.hpp>

#include <boost/json/string.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace chatlink {
namespace detail {

template<class Session, class Strand>
class session_heartbeat
{
    using clock = std::chrono::steady_clock;

    heartbeat_schedule heartbeat_;
    // The next ping or the liveness deadline, whichever is first.
    typename heartbeat_timer_for<Strand>::type heartbeat_timer_;
    clock::time_point ping_due_;
    bool ping_frame_pending_ = false; // heartbeat_mode::frames

    Session& host() noexcept { return static_cast<Session&>(*this); }

protected:
    session_heartbeat(Strand const& strand, heartbeat_options const& o)
        : heartbeat_(o)
        , heartbeat_timer_(strand)
    {
    }

    // A connection opened: the first ping is due one interval from now.
    void start_heartbeat()
    {
        ping_frame_pending_ = false;
        ping_due_ = clock::now() + heartbeat_.interval();
        arm_heartbeat();
    }

    void stop_heartbeat() { heartbeat_timer_.cancel(); }

    // A pong (a JSON one, or a frame): the round trip of the oldest ping
    // not answered yet.
    void on_pong()
    {
        auto& s = host();
        if(! s.facts_.ping_sent_at)
            return;
        auto const rtt = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - *s.facts_.ping_sent_at);
        s.facts_.ping_sent_at.reset();
        s.last_rtt_us_ = rtt.count();
        s.emit(s.heartbeat_handlers_, rtt);
    }

    // A JSON message with a type: the server's pong (in json mode), or its
    // ping, answered with the automatic pong (queued once: outbox.hpp).
    void on_typed_message(boost::json::string const& type)
    {
        auto& s = host();
        if(type == "pong" && s.opts_.heartbeat.mode == heartbeat_mode::json)
            on_pong();
        else if(type == "ping" && s.opts_.heartbeat.auto_pong && s.state_ == chatlink::state::open)
            s.send_internal(outbox<send_handler>::kind::pong, s.opts_.heartbeat.pong);
    }

private:
    void arm_heartbeat()
    {
        auto& s = host();
        if(auto const next = heartbeat_.next(s.state_ == chatlink::state::open, ping_due_, s.last_rx_))
        {
            heartbeat_timer_.expires_at(*next);
            heartbeat_timer_.async_wait(s.bind(&session_heartbeat::on_heartbeat_timer));
        }
    }

    void on_heartbeat_timer(std::uint64_t gen, error_code ec)
    {
        auto& s = host();
        if(ec || gen != s.gen_ || (s.state_ != chatlink::state::open && s.state_ != chatlink::state::closing))
            return;
        auto const now = clock::now();
        if(heartbeat_.dead(now, s.last_rx_))
        {
            // No closing handshake can complete with a dead peer: drop the
            // TCP connection; the read loop then reports the end.
            s.log(log_level::warning, "nothing received for " +
                std::to_string(heartbeat_.timeout().count()) + " ms: the connection is dead");
            s.facts_.dead = true;
            s.close_socket();
            return;
        }
        if(heartbeat_.ping_due(now, s.state_ == chatlink::state::open, ping_due_))
        {
            if(! s.facts_.ping_sent_at)
                s.facts_.ping_sent_at = now;
            if(s.opts_.heartbeat.mode == heartbeat_mode::frames)
                send_ping_frame();
            else
                s.send_internal(outbox<send_handler>::kind::ping, s.opts_.heartbeat.ping);
            ping_due_ = now + heartbeat_.interval();
        }
        arm_heartbeat();
    }

    // A ping frame, beside the write queue (Beast lets one control frame
    // wait for the message being written); one pending at a time, like the
    // JSON ping.
    void send_ping_frame()
    {
        if(ping_frame_pending_)
            return;
        ping_frame_pending_ = true;
        host().ws_->async_ping({}, host().bind_io(&session_heartbeat::on_ping_frame_sent));
    }

    void on_ping_frame_sent(std::uint64_t gen, error_code)
    {
        if(gen == host().gen_)
            ping_frame_pending_ = false;
        // A failed ping means a failed stream: the read loop reports it.
    }
};

} // namespace detail
} // namespace chatlink

#endif
