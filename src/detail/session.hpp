//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The Beast session behind chatlink::client. This header is private to the
// library: it is included only by the translation units that instantiate it
// (session_plain.cpp, and the TLS one), so users never compile Beast.
//
// The session is the connection's state machine. What needs no socket lives
// beside it, each part returning work and never calling the session:
// outbox.hpp (every send, from the call to its completion),
// connection_facts.hpp and connection_end.hpp (what a connection saw, and
// how it ended as close_info), attempt_plan.hpp (what an attempt needs),
// upgrade_response.hpp (the answer to the upgrade), inbound.hpp, and more
// (docs/design.md lists them). connector.hpp makes the TCP connection; the
// bases session_base.hpp (public calls in order, handlers, events,
// counters), session_heartbeat.hpp and session_delivery.hpp do their part
// of the work through the session.
//
#ifndef CHATLINK_DETAIL_SESSION_HPP
#define CHATLINK_DETAIL_SESSION_HPP

#include "detail/attempt_plan.hpp"
#include "detail/coalescing_stream.hpp"
#include "detail/connection_facts.hpp"
#include "detail/connector.hpp"
#include "detail/fail_count.hpp"
#include "detail/outbox.hpp"
#include "detail/retry_after.hpp"
#include "detail/session_base.hpp"
#include "detail/session_delivery.hpp"
#include "detail/session_heartbeat.hpp"
#include "detail/stream_keeper.hpp"
#include "detail/stream_layer.hpp"
#include "detail/teardown.hpp"
#include "detail/upgrade_request.hpp"
#include <chatlink/credential_store.hpp>
#include <chatlink/error.hpp>
#include <chatlink/url.hpp>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace chatlink {
namespace detail {

// Room in the read buffer above the message limit for frame bookkeeping.
// The buffer is bounded too (not only read_message_max): an unbounded buffer
// can end in std::bad_alloc thrown out of async_read.
constexpr std::size_t read_buffer_slack = 4096;

template<class NextLayer>
class session
    : public session_base<session<NextLayer>, typename beast::lowest_layer_type<NextLayer>::executor_type>
    , public session_delivery<session<NextLayer>, typename beast::lowest_layer_type<NextLayer>::executor_type>
    , public session_heartbeat<session<NextLayer>, typename beast::lowest_layer_type<NextLayer>::executor_type>
{
    using strand_type = typename beast::lowest_layer_type<NextLayer>::executor_type;
    using base = session_base<session, strand_type>;
    friend base;
    friend session_delivery<session, strand_type>;
    friend session_heartbeat<session, strand_type>;
    using heartbeat = session_heartbeat<session, strand_type>;
    using ws_type = ws_stream<NextLayer>;
    using timer_type = net::basic_waitable_timer<std::chrono::steady_clock,
        net::wait_traits<std::chrono::steady_clock>, strand_type>;
    using layer_type = layer<NextLayer>;
    using clock = std::chrono::steady_clock;
    using outbox_type = outbox<send_handler>;
    using work = typename outbox_type::work;

    using base::strand_; using base::opts_; using base::detached_; using base::state_;
    using base::http_status_; using base::messages_received_; using base::bytes_received_;
    using base::reconnects_; using base::queue_depth_; using base::open_handlers_;
    using base::close_handlers_; using base::give_up_handlers_; using base::reconnect_handlers_;
    using base::run; using base::complete; using base::log; using base::emit; using base::emit_error;
    using base::set_state; using base::bump; using base::note_error; using base::note_detail;
    using base::set_subprotocol; using base::messages_resent_; using base::unacked_;

    layer_type layer_;
    std::shared_ptr<reconnect_policy> policy_;
    bool warned_plain_token_ = false;
    timer_type connect_timer_; // the connect bound, then the close bound
    timer_type retry_timer_;
    // This attempt's resolve, address race and proxy tunnel; none once open.
    std::shared_ptr<connector> connector_;
    stream_keeper<ws_type> ws_; // the current attempt's stream, and retired ones
    beast::flat_buffer buffer_;
    boost::json::parser parser_;
    endpoint ep_;
    std::string authorization_; // "Bearer T" when the token travels in a header
    // The server's hint for the next attempt's delay (Retry-After, 1012/1013).
    std::optional<std::chrono::milliseconds> retry_hint_;

    outbox_type outbox_;
    connect_handler connect_handler_;

    // Where the token comes from: a fixed one (connect), or the store (start).
    std::optional<std::string> fixed_token_;
    bool stop_requested_ = false; // the app closed, or the client is destroyed
    std::size_t retry_ = 0;       // failures in a row, for the policy
    std::size_t attempts_ = 0;    // attempts since connect/start
    std::uint64_t wait_gen_ = 0;

    // Each connection attempt gets a generation; completions of an earlier
    // attempt's operations see a different generation and do nothing.
    std::uint64_t gen_ = 0;
    std::uint64_t stuck_gen_ = ~std::uint64_t(0); // a connection ended by on_end_stuck
    connection_facts facts_;
    clock::time_point opened_at_;
    clock::time_point last_rx_;

public:
    session(strand_type strand, client_options opts)
        : base(std::move(strand), std::move(opts))
        , heartbeat(strand_, opts_.heartbeat)
        , layer_(opts_)
        , policy_(opts_.reconnect ? opts_.reconnect : fixed_delay(std::chrono::seconds(300)))
        , connect_timer_(strand_)
        , retry_timer_(strand_)
        , buffer_(opts_.max_message_size + read_buffer_slack)
        , parser_(boost::json::storage_ptr(), json_parse_options(opts_))
        , outbox_(opts_.max_queued, opts_.max_send_queue_bytes, opts_.delivery.max_unacked)
    {
        this->init_delivery();
    }

private:
    template<class Fn>
    auto bind(Fn fn)
    {
        return beast::bind_front_handler(fn, this->shared_from_this(), gen_);
    }

    // An operation on the current stream, counted until it completes (the
    // stream_keeper), and where failure injection reaches (fail_count.hpp).
    template<class Fn>
    auto bind_io(Fn fn)
    {
        ws_.started();
        return [h = bind(fn), self = this, s = ws_.get()](error_code ec, auto&&... args) mutable {
            self->destroy_later(self->ws_.completed(s));
            if(fail_now() && ! ec)
                ec = net::error::connection_reset;
            h(ec, std::forward<decltype(args)>(args)...);
        };
    }

    // Never from inside one of the stream's own operations: posted.
    void destroy_later(std::unique_ptr<ws_type> ws)
    {
        if(ws)
            run([ws = std::move(ws)](session&) mutable { ws.reset(); });
    }

    void close_socket() noexcept
    {
        error_code ignored;
        if(ws_)
            beast::get_lowest_layer(*ws_).socket().close(ignored);
        // The connect steps under way complete, aborted: after the connect
        // timeout the first reports it, otherwise they find the attempt over
        // (a new generation) and do nothing.
        if(connector_)
            connector_->cancel();
    }

    //--------------------------------------------------------------------------
    // Connect

    void do_connect(std::string token, connect_handler h)
    {
        if(detached_)
            return finish_connect_call(std::move(h), net::error::operation_aborted);
        if(this->busy())
            return finish_connect_call(std::move(h), error::already_connected);
        fixed_token_ = std::move(token);
        connect_handler_.swap(h);
        begin();
    }

    void do_start()
    {
        if(detached_)
            return;
        if(this->busy())
            return emit_error(error::already_connected);
        fixed_token_.reset();
        begin();
    }

    void begin()
    {
        this->load_watermark();
        stop_requested_ = false;
        retry_ = 0;
        attempts_ = 0;
        attempt();
    }

    // The next attempt's token: the fixed one, or the store's (read anew).
    std::optional<std::string> current_token(error_code& ec)
    {
        if(fixed_token_)
            return fixed_token_;
        if(! opts_.store)
        {
            ec = error::not_logged_in;
            return std::nullopt;
        }
        auto token = read_token(*opts_.store, opts_.store_key, opts_.store_token_field, ec);
        if(ec == error::store_corrupt)
            log(log_level::error, "the '" + opts_.store_key + "' entry holds no '" + opts_.store_token_field + "' string");
        return token;
    }

    void attempt()
    {
        error_code ec;
        auto token = current_token(ec);
        auto plan = ec ? attempt_plan{} : plan_attempt(opts_, *token, this->resume_since(), layer_type::secure);
        if(! ec)
            ec = plan.error;
        if(ec)
        {
            for(auto const& [level, line] : plan.log)
                log(level, line);
            if(! plan.detail.empty())
                note_detail(ec, plan.detail);
            set_state(chatlink::state::connecting);
            return fail_attempt_before_io(ec);
        }
        ep_ = std::move(plan.ep);
        authorization_ = std::move(plan.authorization);

        if(attempts_++ > 0)
            bump(reconnects_, 1);
        ++gen_;
        facts_ = {};
        http_status_ = 0;
        buffer_.clear();
        set_state(chatlink::state::connecting);

        // Every attempt gets a fresh stream.
        destroy_later(ws_.retire());
        ws_.reset(layer_.make(strand_));
        configure_stream();

        if(plan.token_in_clear && ! std::exchange(warned_plain_token_, true))
            log(log_level::warning, "the token is sent unencrypted (ws://) to " + ep_.host_header + "; use wss://");
        for(auto const& [level, line] : plan.log)
            log(level, line);
        connect_timer_.expires_after(opts_.connect_timeout);
        connect_timer_.async_wait(bind(&session::on_connect_timeout));
        connector_ = std::make_shared<connector>(net::any_io_executor(strand_),
            [w = this->weak_from_this()](std::string const& line) {
                if(auto self = w.lock())
                    self->log(log_level::debug, line);
            });
        // Weak: the connector must not hold back the session that holds it.
        connector_->start(std::move(plan.connect), [w = this->weak_from_this(), g = gen_](error_code ec, std::string detail) {
            if(auto self = w.lock())
                self->on_tcp_connect(g, ec, std::move(detail));
        });
    }

    void configure_stream()
    {
        configure_ws(*ws_, opts_, authorization_);
        ws_->next_layer().close_bound(opts_.close_timeout);

        // Any frame proves the peer alive. The server's close frame starts
        // the close bound: a server that then holds TCP open is dropped
        // when it passes. The stream is ours, so `this` outlives the callback.
        ws_->control_callback([this](websocket::frame_type kind, beast::string_view) {
            last_rx_ = clock::now();
            if(kind == websocket::frame_type::close && facts_.on_peer_close())
                arm_close_bound();
            else if(kind == websocket::frame_type::pong && opts_.heartbeat.mode == heartbeat_mode::frames)
                // Posted: a heartbeat handler may call close(), and nothing
                // may start an operation on the stream from this callback.
                run([g = gen_](session& s) {
                    if(g == s.gen_)
                        s.on_pong();
                });
        });
    }

    // True when the step should stop: a stale completion, or a failure.
    bool connect_step_failed(std::uint64_t gen, error_code ec)
    {
        if(gen != gen_ || state_ != chatlink::state::connecting)
            return true;
        if(facts_.timed_out)
        {
            fail_connect(error::connect_timeout);
            return true;
        }
        if(ec)
        {
            fail_connect(ec);
            return true;
        }
        return false;
    }

    void on_connect_timeout(std::uint64_t gen, error_code ec)
    {
        if(ec || gen != gen_ || state_ != chatlink::state::connecting)
            return;
        // Cancel whatever step is under way; its completion reports the timeout.
        facts_.timed_out = true;
        close_socket();
    }

    // The TCP connection is made (and tunnelled): the stream takes it.
    void on_tcp_connect(std::uint64_t gen, error_code ec, std::string detail)
    {
        if(gen != gen_ || state_ != chatlink::state::connecting)
            return;
        if(! detail.empty() && ! facts_.timed_out)
        {
            log(log_level::error, "proxy " + connector_->proxy_display() + ": " + detail);
            note_detail(ec, std::move(detail));
            return fail_connect(ec);
        }
        if(connect_step_failed(gen, ec))
            return;
        ec = connector_->hand_over(beast::get_lowest_layer(*ws_).socket());
        connector_.reset();
        if(connect_step_failed(gen, ec))
            return;
        start_tls_or_upgrade();
    }

    void start_tls_or_upgrade()
    {
        if constexpr(layer_type::secure)
        {
            if(auto ec2 = layer_.prepare(*ws_, ep_))
                return fail_connect(ec2);
            layer_.async_handshake(*ws_, bind_io(&session::on_tls_handshake));
        }
        else
        {
            start_upgrade();
        }
    }

    void on_tls_handshake(std::uint64_t gen, error_code ec)
    {
        if(gen != gen_ || state_ != chatlink::state::connecting)
            return;
        if(ec && ! facts_.timed_out)
        {
            std::string reason;
            if(layer_.verify_failed(*ws_, reason))
            {
                log(log_level::error, "TLS verification of " + ep_.host_header + " failed: " + reason);
                note_detail(error::tls_verify_failed, reason);
                return fail_connect(error::tls_verify_failed);
            }
        }
        if(connect_step_failed(gen, ec))
            return;
        start_upgrade();
    }

    void start_upgrade()
    {
        ws_->next_layer().expect_upgrade_response(opts_.max_upgrade_header_bytes);
        ws_->async_handshake(ep_.host_header, ep_.target, bind_io(&session::on_upgrade));
    }

    void on_upgrade(std::uint64_t gen, error_code ec)
    {
        if(gen != gen_ || state_ != chatlink::state::connecting)
            return;
        // What the server answered, as read before Beast saw it.
        auto const* up = ws_->next_layer().upgrade();
        http_status_ = up ? up->status() : 0;
        authorization_.clear(); // the token is needed no longer
        if(up && ! facts_.timed_out)
        {
            auto v = judge_upgrade(opts_, *up, ec);
            if(v.error)
            {
                if(v.retry_hint)
                    retry_hint_ = v.retry_hint;
                ws_->next_layer().upgrade_done();
                log(log_level::error, "upgrade failed: " + v.detail);
                note_detail(v.error, v.detail);
                return fail_connect(v.error);
            }
            if(! ec)
                set_subprotocol(std::move(v.subprotocol));
        }
        ws_->next_layer().upgrade_done();
        if(connect_step_failed(gen, ec))
            return;

        connect_timer_.cancel();
        set_handshake_timeout(*ws_, opts_.close_timeout); // from now on Beast's timer bounds closes
        opened_at_ = last_rx_ = clock::now();
        set_state(chatlink::state::open);
        log(log_level::info, "open " + ep_.redacted);
        do_read();
        this->start_heartbeat();

        // Sends made by these handlers run at once and go first (a
        // re-subscription, say); the held sends follow, in order.
        emit(open_handlers_);
        work w;
        outbox_.flush_held(w);
        apply(w);
        if(connect_handler_)
            complete(take_handler(connect_handler_), error_code{});
    }

    // A failure before any I/O (no token, a bad URL): as a failed attempt.
    void fail_attempt_before_io(error_code ec)
    {
        ++gen_;
        log(log_level::error, "cannot connect: " + error_name(ec));
        report_failed_attempt(ec);
    }

    void fail_connect(error_code ec)
    {
        ++gen_; // Whatever is still pending for this attempt is now stale.
        connect_timer_.cancel();
        close_socket();
        connector_.reset();
        release_stream();
        if(ec == net::error::operation_aborted)
        {
            // close() or the destructor.
            auto h = take_handler(connect_handler_);
            stop(net::error::operation_aborted);
            return finish_connect_call(std::move(h), ec);
        }
        log(log_level::error, "connect failed: " + error_name(ec) + " (" + ec.message() + ")");
        report_failed_attempt(ec);
    }

    // The policy decides first, so that a completion sees the new state
    // (waiting or stopped); an on_error event comes before the policy's.
    void report_failed_attempt(error_code ec)
    {
        auto h = take_handler(connect_handler_);
        if(! h)
            emit_error(ec);
        after_failure(ec);
        if(h)
            complete(std::move(h), ec);
    }

    void finish_connect_call(connect_handler h, error_code ec)
    {
        if(h)
            complete(std::move(h), ec);
        else if(ec && ec != net::error::operation_aborted)
            emit_error(ec);
    }

    // Retire the stream once nothing of the current attempt runs (posted:
    // the state may still change in this call). Beast's own timers (the
    // handshake's) die with it: a stopped client holds no armed timer.
    void release_stream()
    {
        if(! ws_)
            return;
        run([g = gen_](session& s) {
            if(s.gen_ == g && s.state_ != chatlink::state::connecting && s.state_ != chatlink::state::open &&
                s.state_ != chatlink::state::closing)
                s.destroy_later(s.ws_.retire());
        });
    }

    //--------------------------------------------------------------------------
    // Reconnect

    // A failed attempt or a connection that ended unasked: ask the policy.
    void after_failure(error_code cause)
    {
        note_error(cause);
        if(detached_ || stop_requested_)
            return stop(net::error::operation_aborted);
        ++retry_;
        auto delay = policy_->next_delay(retry_, cause);
        auto const hint = std::exchange(retry_hint_, std::nullopt);
        if(! delay)
            return give_up(cause);
        // The server's hint is a floor under the policy's choice.
        if(hint && *hint > *delay)
            delay = hint;
        set_state(chatlink::state::waiting);
        reconnect_info const info{retry_ + 1, *delay, cause, hint};
        log(log_level::info, "reconnecting in " + std::to_string(delay->count()) + " ms (attempt " +
            std::to_string(info.attempt) + ", after " + error_name(cause) + ")");
        emit(reconnect_handlers_, info);
        if(state_ != chatlink::state::waiting) // a handler closed the client
            return;
        retry_timer_.expires_after(bounded(*delay));
        retry_timer_.async_wait([self = this->shared_from_this(), g = ++wait_gen_](error_code ec) {
            if(! ec && g == self->wait_gen_ && self->state_ == chatlink::state::waiting)
                self->attempt();
        });
    }

    void do_reconnect_now()
    {
        if(state_ != chatlink::state::waiting)
            return;
        ++wait_gen_;
        retry_timer_.cancel();
        attempt();
    }

    void give_up(error_code cause)
    {
        log(log_level::error, "giving up: " + error_name(cause));
        stop(cause);
        emit(give_up_handlers_, cause);
    }

    // Nothing more happens until connect() or start(); nothing is left armed.
    void stop(error_code held_result)
    {
        ++wait_gen_;
        retry_hint_.reset();
        retry_timer_.cancel();
        connect_timer_.cancel();
        this->stop_heartbeat();
        set_state(chatlink::state::stopped);
        work w;
        outbox_.abort(held_result, w);
        apply(w);
        this->end_requests(held_result);
        this->end_of_connection();
        release_stream();
        // After the events of this call (on_close, on_give_up).
        this->finish_close_waiters(error_code(), true);
    }

    //--------------------------------------------------------------------------
    // Read

    void do_read()
    {
        facts_.reading = true;
        ws_->async_read(buffer_, bind_io(&session::on_read));
    }

    void on_read(std::uint64_t gen, error_code ec, std::size_t n)
    {
        if(gen != gen_)
            return;
        if(ec)
        {
            facts_.reading = false;
            facts_.read_ec = ec;
            if(ec == websocket::error::buffer_overflow && ! facts_.close_pending && ! facts_.dead)
            {
                // The message outgrew the bounded buffer (possible with
                // compression): fail the connection as Beast does for
                // read_message_max, with 1009.
                facts_.too_big = true;
                set_state(chatlink::state::closing);
                start_close(websocket::close_code::too_big);
            }
            return maybe_end();
        }

        last_rx_ = clock::now();
        bump(messages_received_, 1);
        bump(bytes_received_, n);
        std::string_view const data(static_cast<char const*>(buffer_.data().data()), buffer_.size());
        if(ws_->got_binary())
        {
            if(opts_.format == message_format::text)
                facts_.got_message = true;
            this->emit_raw(this->binary_handlers_, data);
            if(opts_.format == message_format::json)
                reject_message("binary frame");
        }
        else if(opts_.format == message_format::text)
        {
            facts_.got_message = true;
            this->emit_raw(this->text_handlers_, data);
        }
        else
            on_text(data);
        buffer_.consume(buffer_.size());
        do_read();
    }

    void reject_message(char const* what)
    {
        log(log_level::warning, std::string("ignored a message that is not a JSON object: ") + what);
        emit_error(error::bad_message);
    }

    // A text message in json format: parsed; one that is not a JSON object
    // goes to the text handlers, then is a bad message.
    void on_text(std::string_view data)
    {
        boost::json::value v;
        if(auto const why = parse_object(parser_, data, v))
        {
            this->emit_raw(this->text_handlers_, data);
            return reject_message(why);
        }
        facts_.got_message = true;

        auto const* type = v.get_object().if_contains(opts_.type_field);
        boost::json::string const* type_str = type ? type->if_string() : nullptr;
        if(type_str)
            this->on_typed_message(*type_str);

        if(this->delivery_active() && this->consume_delivery(v, type_str))
            return;
        this->emit_message(v, type_str);
    }

    //--------------------------------------------------------------------------
    // Close

    void start_close(websocket::close_reason const& cr)
    {
        facts_.close_pending = true;
        ws_->async_close(cr, bind_io(&session::on_close_done));
        arm_close_bound();
    }

    // Beast's close timer starts only once the close frame is written (never,
    // behind a write a server that stopped reading never takes), and the read
    // loop may wait after it for a peer that never closes TCP: the session
    // bounds the whole end itself.
    void arm_close_bound()
    {
        connect_timer_.expires_after(opts_.close_timeout);
        connect_timer_.async_wait(bind(&session::on_close_timeout));
    }

    // The connection has not ended in time: the closing handshake, or the
    // read loop after it (a peer that never closes TCP), is stuck.
    void on_close_timeout(std::uint64_t gen, error_code ec)
    {
        if(ec || gen != gen_)
            return;
        log(log_level::warning, "the closing handshake did not finish in " +
            std::to_string(opts_.close_timeout.count()) + " ms: dropping the connection");
        facts_.close_timed_out = true;
        close_socket();
        // That completes every operation waiting on the socket, but not
        // Beast's operations parked on each other's locks (seen under load
        // with a write in flight at close()): if the end does not follow
        // shortly, end it here.
        connect_timer_.expires_after(std::chrono::milliseconds(200));
        connect_timer_.async_wait(bind(&session::on_end_stuck));
    }

    void on_end_stuck(std::uint64_t gen, error_code ec)
    {
        if(ec || gen != gen_)
            return;
        log(log_level::warning, "the connection's operations did not end after its socket was closed: ending it");
        stuck_gen_ = gen_;
        work w;
        outbox_.settle(ws_->next_layer().flushed(), lost_error(), w);
        // The write in flight will never complete (and is ignored if it does).
        outbox_.drop_writing(lost_error(), w);
        apply(w);
        facts_.reading = false;
        facts_.close_pending = false;
        auto const* stuck = ws_.get();
        on_connection_end(facts_.read_ec ? facts_.read_ec : error_code(net::error::connection_reset));
        // Its operations will never complete: destroying the stream (here, in
        // a timer's handler) frees them, their handlers and their work.
        ws_.take(stuck).reset();
    }

    void on_close_done(std::uint64_t gen, error_code ec)
    {
        if(gen != gen_)
            return;
        facts_.close_pending = false;
        facts_.close_ec = ec;
        if(ec && ec != net::error::operation_aborted)
            log(log_level::debug, "closing handshake: " + ec.message());
        maybe_end();
    }

    void maybe_end()
    {
        if(facts_.ended())
            on_connection_end(facts_.read_ec);
    }

    void on_connection_end(error_code ec)
    {
        ++gen_;
        work w;
        outbox_.settle(ws_->next_layer().flushed(), lost_error(), w);
        apply(w);
        this->stop_heartbeat();
        connect_timer_.cancel(); // the closing handshake's bound
        this->end_of_connection();

        auto const& peer = ws_->reason();
        auto const e = facts_.end(ec, peer.code, std::string(peer.reason.data(), peer.reason.size()));
        close_info const info = describe(e);
        if(info.error == error::protocol_error)
            log(log_level::warning, "the server broke the protocol: " + ec.message());
        else if(info.error == error::connection_lost && ! e.requested)
            log(log_level::warning, "connection lost: " + ec.message());

        // The stream is finished; make sure the socket is released now.
        close_socket();

        log(log_level::info, "closed: code " +
            (info.code ? std::to_string(*info.code) : std::string("none")) +
            ", " + (info.error ? error_name(info.error) : std::string("requested")));

        if(facts_.close_requested)
        {
            stop(net::error::operation_aborted);
            emit(close_handlers_, info);
            return;
        }

        // Sends not yet written wait for the next connection, in order; the
        // one being written completes with its own result and is not resent.
        if(auto const resend = outbox_.hold_unsent())
        {
            bump(messages_resent_, resend);
            log(log_level::info, std::to_string(resend) + " message(s) not acknowledged: sent again on the next connection");
        }
        queue_depth_.store(outbox_.depth(), std::memory_order_relaxed);
        unacked_.store(0, std::memory_order_relaxed);
        if(clock::now() - opened_at_ >= opts_.reconnect_reset_after)
            retry_ = 0;
        if(info.code && (*info.code == 1012 || *info.code == 1013))
            retry_hint_ = std::min<std::chrono::milliseconds>(opts_.service_restart_delay, max_retry_hint);
        set_state(chatlink::state::waiting);
        emit(close_handlers_, info);
        if(state_ == chatlink::state::waiting) // unless a handler closed the client
            after_failure(info.error);
    }

    void do_close(std::uint16_t code, std::string const& reason)
    {
        stop_requested_ = true;
        switch(state_.load())
        {
        case chatlink::state::connecting:
            facts_.close_requested = true;
            fail_connect(net::error::operation_aborted);
            break;
        case chatlink::state::waiting:
            stop(net::error::operation_aborted);
            break;
        case chatlink::state::open:
        {
            facts_.close_requested = true;
            facts_.close_code = code;
            set_state(chatlink::state::closing);
            work w;
            outbox_.abort(net::error::operation_aborted, w);
            apply(w);
            // A close reason holds at most 123 bytes (RFC 6455 5.5.1).
            websocket::close_reason cr;
            cr.code = code;
            cr.reason.assign(reason.data(), std::min<std::size_t>(reason.size(), cr.reason.max_size()));
            start_close(cr);
            break;
        }
        default:
            break;
        }
    }

    void do_shutdown()
    {
        auto const s = state_.load();
        if(s == chatlink::state::connecting || s == chatlink::state::open || s == chatlink::state::waiting)
            do_close(websocket::close_code::going_away, "going away");
        stop_requested_ = true;
        work w;
        outbox_.abort(net::error::operation_aborted, w);
        apply(w);
        this->end_requests(net::error::operation_aborted);
        this->persist_watermark(true);
        this->finish_close_waiters(net::error::operation_aborted, false);
        this->clear_handlers();
    }

    //--------------------------------------------------------------------------
    // Send

    void do_send(std::string text, send_handler h, bool binary)
    {
        using mode = typename outbox_type::mode;
        auto const s = state_.load();
        mode const m = detached_ ? mode::aborted
            : s == chatlink::state::open ? mode::write
            : s == chatlink::state::connecting || s == chatlink::state::waiting ? mode::hold
            : mode::not_connected;
        auto mark = this->mark_for_ack(text, binary, m);
        work w;
        outbox_.push(std::move(text), std::move(h), m, w, binary, std::move(mark));
        apply(w);
    }

    void send_internal(typename outbox_type::kind k, std::string const& text)
    {
        work w;
        outbox_.push_internal(k, text, w);
        apply(w);
    }

    // Carry out what the outbox made due.
    void apply(work& w)
    {
        this->deliver(w, outbox_.depth());
        // A completion above may have started the next write already.
        if(w.write_next && ! outbox_.writing() && outbox_.has_unwritten() && state_ == chatlink::state::open)
            do_write();
        this->after_apply();
    }

    void do_write()
    {
        outbox_.start_write();
        ws_->binary(outbox_.front().binary);
        // With another message queued behind this one, the layer may keep
        // this one and write both (or more) together.
        ws_->next_layer().cork_next(outbox_.more_behind_front());
        ws_->async_write(net::buffer(outbox_.front().text), bind_io(&session::on_write));
    }

    void on_write(std::uint64_t gen, error_code ec, std::size_t n)
    {
        if(gen == stuck_gen_)
            return; // on_end_stuck completed this write already
        error_code const lost = lost_error();
        std::optional<std::uint64_t> corked;
        bool const acked = outbox_.writing_awaits_ack();
        if(! ec && acked && gen != gen_)
            ec = lost; // written to a connection that has ended: sent again
        if(ec)
        {
            ec = lost;
            // A failed write leaves the stream unusable: end the connection
            // (the read loop then reports it) rather than write on.
            if(gen == gen_)
                close_socket();
        }
        else if(! acked && ws_ && ws_->next_layer().unflushed())
        {
            // Corked: its bytes wait in the layer for the next write, and it
            // completes when they are written (outbox::settle).
            if(gen == gen_)
                corked = ws_->next_layer().accepted();
            else
                ec = lost; // its connection ended before they were
        }
        work w;
        outbox_.write_done(ec, n, corked, ws_ ? ws_->next_layer().flushed() : 0, w,
            acked ? clock::now() : clock::time_point());
        // A lost acked message held again: on a connection opened meanwhile,
        // written there.
        if(acked && ec && state_ == chatlink::state::open)
            outbox_.flush_held(w);
        apply(w);
    }

    // What a send that did not reach the socket completes with: the app's
    // close() aborted it, or the connection was lost under it.
    error_code lost_error() const noexcept
    {
        return facts_.close_requested ? error_code(net::error::operation_aborted) : error_code(error::connection_lost);
    }
};

} // namespace detail
} // namespace chatlink

#endif
