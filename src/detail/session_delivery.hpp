//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The session's side of the Delivery extension (PROTOCOL.md): acknowledged
// sends, requests awaiting replies, the resume id. A base of the session
// (CRTP, like session_base.hpp), in a file of its own: the session calls it
// at four points (a message read, a send, after work is applied, the end of
// a connection or of the client), and it reaches the session's outbox,
// state and events through host(). What needs no socket is in the parts
// it uses: cid.hpp, request_table.hpp, watermark.hpp, inbound.hpp and the
// outbox's unacked queue.
//
// Its state (cid maker, parser, request table, resume id, three timers) is
// made only for a client that uses it (an option, or a request): an idle
// connection without it costs no more than before.
//
#ifndef CHATLINK_DETAIL_SESSION_DELIVERY_HPP
#define CHATLINK_DETAIL_SESSION_DELIVERY_HPP

#include "detail/cid.hpp"
#include "detail/inbound.hpp"
#include "detail/outbox.hpp"
#include "detail/request_table.hpp"
#include "detail/watermark.hpp"
#include <chatlink/client.hpp>
#include <chatlink/error.hpp>

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace chatlink {
namespace detail {

inline boost::json::parse_options json_parse_options(client_options const& o) noexcept
{
    boost::json::parse_options po;
    po.max_depth = o.max_json_depth;
    return po;
}

template<class Session, class Strand>
class session_delivery
{
    using timer_type = net::basic_waitable_timer<std::chrono::steady_clock,
        net::wait_traits<std::chrono::steady_clock>, Strand>;
    using clock = std::chrono::steady_clock;
    using outbox_type = outbox<send_handler>;
    using work = typename outbox_type::work;
    using mode = typename outbox_type::mode;
    using ack_mark = typename outbox_type::ack_mark;

    struct delivery_state
    {
        cid_maker cids;
        boost::json::parser send_parser;
        request_table<request_handler> requests;
        watermark mark;
        timer_type ack_timer;
        timer_type request_timer;
        timer_type persist_timer;
        bool ack_timer_armed = false;
        bool request_timer_armed = false;
        bool persist_armed = false;

        delivery_state(Strand const& strand, client_options const& o)
            : cids(o.delivery.cid_prefix)
            , send_parser(boost::json::storage_ptr(), json_parse_options(o))
            , ack_timer(strand)
            , request_timer(strand)
            , persist_timer(strand)
        {
            if(o.delivery.resume && o.delivery.resume_from)
                mark.load(std::to_string(*o.delivery.resume_from));
        }
    };
    std::unique_ptr<delivery_state> delivery_;

    Session& host() noexcept { return static_cast<Session&>(*this); }
    Session const& host() const noexcept { return static_cast<Session const&>(*this); }

    delivery_state& ds()
    {
        if(! delivery_)
            delivery_ = std::make_unique<delivery_state>(host().strand_, host().opts_);
        return *delivery_;
    }

protected:
    // At construction: made now when an option asks for it.
    void init_delivery()
    {
        if(host().opts_.delivery.acks || host().opts_.delivery.resume)
            ds();
    }

    // The resume id to ask for, if any.
    std::optional<std::uint64_t> resume_since()
    {
        if(! host().opts_.delivery.resume)
            return std::nullopt;
        return ds().mark.since();
    }

    // A send's cid, when acks are on and it gets one (the text is stamped).
    ack_mark mark_for_ack(std::string& text, bool binary, mode m)
    {
        ack_mark mark;
        if(host().opts_.delivery.acks && ! binary && m != mode::aborted && m != mode::not_connected)
        {
            mark.cid = stamp_cid(text, ds().send_parser, host().opts_.type_field, ds().cids).cid;
            mark.await_ack = ! mark.cid.empty();
        }
        return mark;
    }

    // After the outbox's work is applied: the unacked count, the ack bound.
    void after_apply()
    {
        auto& s = host();
        if(! s.opts_.delivery.acks)
            return;
        s.unacked_.store(s.outbox_.unacked(), std::memory_order_relaxed);
        if(! ds().ack_timer_armed && s.outbox_.unacked() && s.state_ == chatlink::state::open)
            arm_ack_timer(*s.outbox_.oldest_unacked() + s.opts_.delivery.ack_timeout);
    }

    // A connection ended, or the client stops: the ack bound ends, the resume
    // id is written.
    void end_of_connection()
    {
        if(delivery_)
            delivery_->ack_timer.cancel();
        persist_watermark(true);
    }


    bool delivery_active() const noexcept
    {
        return delivery_ && (host().opts_.delivery.acks || host().opts_.delivery.resume || ! delivery_->requests.empty());
    }

    // A Delivery message is handled here; true when it is not for on_message.
    bool consume_delivery(boost::json::value const& v, boost::json::string const* type)
    {
        auto const in = classify(v.get_object(), type);
        auto const& d = host().opts_.delivery;
        bool const reply = in.k == inbound::kind::ack || in.k == inbound::kind::error;
        if(! in.cid.empty() && ((d.acks && reply) || ! ds().requests.empty()))
        {
            error_code const ec = in.k == inbound::kind::error ? error_code(error::server_rejected) : error_code();
            work w;
            bool const matched = d.acks && reply && host().outbox_.acknowledge(in.cid, ec, w);
            if(matched && ec)
            {
                std::string const why = "the server refused message " + std::string(in.cid) + ": " +
                    (in.error.empty() ? std::string("(no name)") : std::string(in.error));
                host().log(log_level::warning, why);
                host().note_detail(ec, why);
            }
            bool const req = answer_request(in.cid, ec, v);
            host().apply(w);
            if(matched && ! ec)
                host().emit(host().ack_handlers_, ack_info{std::string(in.cid), in.id});
            if(req || matched || (d.acks && in.k == inbound::kind::ack))
                return true; // a duplicate ack is dropped too
        }
        if(! d.resume)
            return false;
        if(in.k == inbound::kind::resume)
        {
            resume_info r;
            r.since = in.since;
            r.ok = in.ok;
            r.last = in.last;
            if(! in.ok)
            {
                host().log(log_level::warning, "the server's history does not reach back to " + std::to_string(in.since) +
                    ": messages up to " + std::to_string(*in.last) + " are not replayed");
                ds().mark.gap(*in.last);
                persist_watermark(false);
            }
            host().emit(host().resume_handlers_, r);
            return true;
        }
        if(in.k != inbound::kind::other || ! in.id || *in.id < 0)
            return false;
        auto const id = static_cast<std::uint64_t>(*in.id);
        if(! ds().mark.fresh(id))
        {
            host().bump(host().duplicates_dropped_, 1);
            return true;
        }
        host().emit_message(v, type);
        ds().mark.delivered(id);
        persist_watermark(false);
        return true;
    }

    void do_request(boost::json::object msg, request_handler h)
    {
        std::string cid;
        if(auto const* c = msg.if_contains("cid"); c && c->is_string() && valid_cid(c->get_string()))
            cid = std::string(c->get_string());
        else
        {
            cid = ds().cids.next();
            msg["cid"] = cid;
        }
        auto const st = host().state_.load();
        if(host().detached_ || st == chatlink::state::idle || st == chatlink::state::stopped || st == chatlink::state::closing)
        {
            error_code const ec = host().detached_ ? error_code(net::error::operation_aborted) : error_code(error::not_connected);
            return host().complete(std::move(h), ec, boost::json::value());
        }
        if(! ds().requests.add(cid, h, clock::now() + bounded(host().opts_.delivery.request_timeout)))
        {
            host().log(log_level::error, "a request with cid " + cid + " is already pending");
            host().note_detail(error::invalid_option, "a request with cid " + cid + " is already pending");
            return host().complete(std::move(h), error_code(error::invalid_option), boost::json::value());
        }
        arm_request_timer();
        // The send's failure is the request's; its success awaits the reply.
        send_handler done([w = host().weak_from_this(), cid](error_code ec, std::size_t) {
            if(auto self = w.lock(); self && ec)
                self->answer_request(cid, ec, boost::json::value());
        });
        mode const m = st == chatlink::state::open ? mode::write : mode::hold;
        ack_mark mark;
        mark.cid = cid;
        mark.await_ack = host().opts_.delivery.acks;
        work w;
        host().outbox_.push(boost::json::serialize(msg), std::move(done), m, w, false, std::move(mark));
        host().apply(w);
    }

    // Complete the request with this cid, if one is pending.
    bool answer_request(std::string_view cid, error_code ec, boost::json::value const& reply)
    {
        auto r = ds().requests.take(cid);
        if(! r)
            return false;
        host().complete(std::move(*r), ec, reply);
        if(ds().requests.empty())
            ds().request_timer.cancel(); // nothing left to bound
        return true;
    }

    void arm_request_timer()
    {
        if(ds().request_timer_armed)
            return;
        auto const next = ds().requests.next_deadline();
        if(! next)
            return;
        ds().request_timer_armed = true;
        ds().request_timer.expires_at(*next);
        ds().request_timer.async_wait([self = host().shared_from_this()](error_code) { self->on_request_timer(); });
    }

    void on_request_timer()
    {
        ds().request_timer_armed = false;
        for(auto& h : ds().requests.expire(clock::now()))
            host().complete(std::move(h), error_code(error::request_timeout), boost::json::value());
        arm_request_timer();
    }

    // The client stops: every pending request completes with `ec`.
    void end_requests(error_code ec)
    {
        if(! delivery_)
            return;
        for(auto& h : ds().requests.take_all())
            host().complete(std::move(h), ec, boost::json::value());
        ds().request_timer.cancel();
    }

    void arm_ack_timer(clock::time_point at)
    {
        ds().ack_timer_armed = true;
        ds().ack_timer.expires_at(at);
        ds().ack_timer.async_wait([self = host().shared_from_this(), g = host().gen_](error_code ec) {
            self->on_ack_timer(g, ec);
        });
    }

    // The oldest unacked message's bound: passed, the connection is broken.
    void on_ack_timer(std::uint64_t gen, error_code ec)
    {
        ds().ack_timer_armed = false;
        if(ec || gen != host().gen_ || host().state_ != chatlink::state::open)
            return;
        auto const oldest = host().outbox_.oldest_unacked();
        if(! oldest)
            return;
        auto const due = *oldest + host().opts_.delivery.ack_timeout;
        if(clock::now() < due)
            return arm_ack_timer(due);
        host().log(log_level::warning, "no acknowledgement in " + std::to_string(host().opts_.delivery.ack_timeout.count()) +
            " ms: dropping the connection");
        host().facts_.ack_timed_out = true;
        host().close_socket();
    }

    // The resume id kept in the store, if there is one and it is higher.
    void load_watermark()
    {
        if(! host().opts_.delivery.resume || ! host().opts_.store)
            return;
        try
        {
            if(auto v = host().opts_.store->get(host().opts_.delivery.resume_key))
            {
                watermark stored;
                if(! stored.load(*v))
                    host().log(log_level::warning, "the '" + host().opts_.delivery.resume_key + "' entry is not an id: ignored");
                else if(stored.since() && ds().mark.fresh(*stored.since()))
                    ds().mark.load(*v);
            }
        }
        catch(std::exception const& e)
        {
            host().log(log_level::warning, std::string("cannot read the resume id: ") + e.what());
        }
    }

    // Write the resume id to the store: when due (at most once a second,
    // else a timer), or now (`force`: a connection ended, the client stops).
    void persist_watermark(bool force)
    {
        if(! host().opts_.delivery.resume || ! host().opts_.store)
            return;
        if(force)
            ds().persist_timer.cancel();
        auto const now = clock::now();
        auto const due = ds().mark.write_due(now);
        if(! due)
            return;
        if(! force && *due > now)
        {
            if(! ds().persist_armed)
            {
                ds().persist_armed = true;
                ds().persist_timer.expires_at(*due);
                ds().persist_timer.async_wait([self = host().shared_from_this()](error_code ec) {
                    self->ds().persist_armed = false;
                    if(! ec)
                        self->persist_watermark(false);
                });
            }
            return;
        }
        try
        {
            host().opts_.store->set(host().opts_.delivery.resume_key, ds().mark.text());
        }
        catch(std::exception const& e)
        {
            host().log(log_level::warning, std::string("cannot write the resume id: ") + e.what());
        }
        ds().mark.wrote(now); // a failed write is not retried before the next id
    }
};

} // namespace detail
} // namespace chatlink

#endif
