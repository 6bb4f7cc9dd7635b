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
// how it ended as close_info), upgrade_response.hpp (the answer to the
// upgrade), heartbeat_schedule.hpp, and session_base.hpp (public calls in
// order, handlers, events, counters).
//
#ifndef CHATLINK_DETAIL_SESSION_HPP
#define CHATLINK_DETAIL_SESSION_HPP

#include "detail/cid.hpp"
#include "detail/coalescing_stream.hpp"
#include "detail/connection_facts.hpp"
#include "detail/fail_count.hpp"
#include "detail/happy_eyeballs.hpp"
#include "detail/heartbeat_schedule.hpp"
#include "detail/inbound.hpp"
#include "detail/outbox.hpp"
#include "detail/proxy.hpp"
#include "detail/request_table.hpp"
#include "detail/retry_after.hpp"
#include "detail/session_base.hpp"
#include "detail/stream_keeper.hpp"
#include "detail/stream_layer.hpp"
#include "detail/teardown.hpp"
#include "detail/upgrade_request.hpp"
#include "detail/watermark.hpp"
#include <chatlink/credential_store.hpp>
#include <chatlink/error.hpp>
#include <chatlink/url.hpp>

#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
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

inline boost::json::parse_options json_parse_options(client_options const& o) noexcept
{
    boost::json::parse_options po;
    po.max_depth = o.max_json_depth;
    return po;
}

// Room in the read buffer above the message limit for frame bookkeeping.
// The buffer is bounded too (not only read_message_max): an unbounded buffer
// can end in std::bad_alloc thrown out of async_read.
constexpr std::size_t read_buffer_slack = 4096;

template<class NextLayer>
class session
    : public session_base<session<NextLayer>, typename beast::lowest_layer_type<NextLayer>::executor_type>
{
    using strand_type = typename beast::lowest_layer_type<NextLayer>::executor_type;
    using base = session_base<session, strand_type>;
    friend base;
    using ws_type = ws_stream<NextLayer>;
    using timer_type = net::basic_waitable_timer<std::chrono::steady_clock,
        net::wait_traits<std::chrono::steady_clock>, strand_type>;
    using resolver_type = net::ip::basic_resolver<tcp, strand_type>;
    using layer_type = layer<NextLayer>;
    using socket_type = typename beast::lowest_layer_type<NextLayer>::socket_type;
    using clock = std::chrono::steady_clock;
    using outbox_type = outbox<send_handler>;
    using work = typename outbox_type::work;

    using base::strand_; using base::opts_; using base::detached_; using base::state_;
    using base::http_status_; using base::messages_received_; using base::bytes_received_;
    using base::reconnects_; using base::last_rtt_us_; using base::queue_depth_; using base::open_handlers_;
    using base::close_handlers_; using base::give_up_handlers_; using base::reconnect_handlers_;
    using base::heartbeat_handlers_; using base::run; using base::complete; using base::log; using base::emit;
    using base::emit_error; using base::set_state; using base::bump; using base::note_error;
    using base::note_detail; using base::set_subprotocol;
    using base::ack_handlers_; using base::resume_handlers_; using base::messages_resent_;
    using base::duplicates_dropped_; using base::unacked_;

    layer_type layer_;
    std::shared_ptr<reconnect_policy> policy_;
    heartbeat_schedule heartbeat_;
    bool warned_plain_token_ = false;
    bool ping_frame_pending_ = false; // heartbeat_mode::frames
    resolver_type resolver_;
    timer_type connect_timer_; // the connect bound, then the close bound
    timer_type retry_timer_;
    // Happy Eyeballs: the addresses of this attempt, the sockets racing to
    // connect (each held by its pending operation too), the next start.
    std::vector<std::string> resolve_hosts_;
    std::string resolve_port_;
    std::size_t resolve_index_ = 0;
    std::optional<proxy_config> proxy_; // this attempt's HTTP proxy
    std::string proxy_buf_;             // the CONNECT request, then the answer
    std::vector<tcp::endpoint> race_eps_;
    std::vector<std::shared_ptr<socket_type>> racers_;
    std::size_t race_next_ = 0;
    error_code race_last_ec_;
    timer_type stagger_timer_;
    // The next ping or the liveness deadline, whichever is first.
    typename heartbeat_timer_for<strand_type>::type heartbeat_timer_;
    stream_keeper<ws_type> ws_; // the current attempt's stream, and retired ones
    beast::flat_buffer buffer_;
    boost::json::parser parser_;
    endpoint ep_;
    std::string authorization_; // "Bearer T" when the token travels in a header
    // The server's hint for the next attempt's delay (Retry-After, 1012/1013).
    std::optional<std::chrono::milliseconds> retry_hint_;

    outbox_type outbox_;
    connect_handler connect_handler_;

    // Delivery (PROTOCOL.md): cids, requests awaiting replies, the resume
    // id; a timer each for the ack bound, request deadlines, store writes.
    // Made only for a client that uses it (an option, or a request): an
    // idle connection without it costs no more than before.
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

        delivery_state(strand_type const& strand, client_options const& o)
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

    delivery_state& ds()
    {
        if(! delivery_)
            delivery_ = std::make_unique<delivery_state>(strand_, opts_);
        return *delivery_;
    }

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
    clock::time_point ping_due_;

public:
    session(strand_type strand, client_options opts)
        : base(std::move(strand), std::move(opts))
        , layer_(opts_)
        , policy_(opts_.reconnect ? opts_.reconnect : fixed_delay(std::chrono::seconds(300)))
        , heartbeat_(opts_.heartbeat)
        , resolver_(strand_)
        , connect_timer_(strand_)
        , retry_timer_(strand_)
        , stagger_timer_(strand_)
        , heartbeat_timer_(strand_)
        , buffer_(opts_.max_message_size + read_buffer_slack)
        , parser_(boost::json::storage_ptr(), json_parse_options(opts_))
        , outbox_(opts_.max_queued, opts_.max_send_queue_bytes, opts_.delivery.max_unacked)
    {
        if(opts_.delivery.acks || opts_.delivery.resume)
            ds();
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
        // Sockets still racing to connect: each completes, aborted; after
        // the connect timeout the last to complete reports it, otherwise
        // they find the attempt over (a new generation) and do nothing.
        for(auto& r : racers_)
            r->close(ignored);
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
        load_watermark();
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
        if(! ec)
        {
            auto bad = check_request_options(opts_);
            if(! bad && opts_.token_in == token_placement::header)
                bad = check_header_token(*token);
            if(bad)
            {
                log(log_level::error, "cannot connect: " + *bad);
                note_detail(error::invalid_option, *bad);
                set_state(chatlink::state::connecting);
                return fail_attempt_before_io(error::invalid_option);
            }
        }
        if(! ec)
        {
            bool const in_header = opts_.token_in == token_placement::header;
            authorization_ = in_header ? opts_.token_scheme + " " + *token : std::string();
            ep_ = make_endpoint(opts_.url, *token, opts_.path, in_header ? std::string_view() : opts_.token_param, ec);
            if(! ec && opts_.delivery.resume && ds().mark.since())
            {
                // Resume from the highest id delivered (PROTOCOL.md).
                std::string const q = opts_.delivery.since_param + "=" + std::to_string(*ds().mark.since());
                char const sep = ep_.target.find('?') == std::string::npos ? '?' : '&';
                ep_.target += sep + q;
                ep_.redacted += (ep_.redacted.find('?') == std::string::npos ? '?' : '&') + q;
            }
            if(! ec && ep_.secure != layer_type::secure)
            {
                // The stream type was chosen from the same URL at construction.
                log(log_level::error, "the URL's scheme does not match this client: " + ep_.redacted);
                ec = error::invalid_url;
            }
            if(ec)
                log(log_level::error, "invalid server URL");
        }
        if(ec)
        {
            set_state(chatlink::state::connecting);
            return fail_attempt_before_io(ec);
        }
        // The proxy, if any: the option, or the environment (read now).
        proxy_.reset();
        std::string proxy_url = opts_.proxy;
        if(proxy_url.empty() && opts_.proxy_from_environment)
            proxy_url = proxy_from_environment(layer_type::secure, ep_.host, ep_.port);
        if(! proxy_url.empty())
        {
            proxy_ = parse_proxy_url(proxy_url);
            if(! proxy_)
            {
                // Not echoed: it may hold a password.
                std::string const why = "the proxy URL is not http://[user:password@]host[:port]";
                log(log_level::error, "cannot connect: " + why);
                note_detail(error::invalid_option, why);
                set_state(chatlink::state::connecting);
                return fail_attempt_before_io(error::invalid_option);
            }
        }
        if constexpr(layer_type::secure)
        {
            if(opts_.tls.insecure_skip_verify)
                log(log_level::warning, "TLS certificate verification is OFF (insecure_skip_verify): " + ep_.redacted);
        }
        else if(! warned_plain_token_ && (opts_.token_in == token_placement::header || ! opts_.token_param.empty()) &&
            ! is_loopback_host(ep_.host))
        {
            warned_plain_token_ = true;
            log(log_level::warning, "the token is sent unencrypted (ws://) to " + ep_.host_header + "; use wss://");
        }

        if(attempts_++ > 0)
            bump(reconnects_, 1);
        ++gen_;
        facts_ = {};
        ping_frame_pending_ = false;
        http_status_ = 0;
        buffer_.clear();
        set_state(chatlink::state::connecting);

        // Every attempt gets a fresh stream.
        destroy_later(ws_.retire());
        ws_.reset(layer_.make(strand_));
        configure_stream();

        log(log_level::info, "connecting to " + ep_.redacted + (proxy_ ? " through " + proxy_->display : std::string()));
        if(! opts_.headers.empty())
            log(log_level::debug, "upgrade request headers: " + describe_headers(opts_.headers));
        connect_timer_.expires_after(opts_.connect_timeout);
        connect_timer_.async_wait(bind(&session::on_connect_timeout));
        // Through a proxy, the proxy's addresses (the proxy resolves the
        // server's name; connect_address is not used).
        resolve_hosts_ = proxy_ ? std::vector<std::string>{proxy_->host}
            : opts_.connect_address.empty() ? std::vector<std::string>{ep_.host}
                                            : split_hosts(opts_.connect_address);
        if(resolve_hosts_.empty())
            resolve_hosts_.push_back(ep_.host);
        resolve_port_ = proxy_ ? proxy_->port : ep_.port;
        resolve_index_ = 0;
        race_eps_.clear();
        racers_.clear(); // an earlier attempt's, all closed
        resolver_.async_resolve(resolve_hosts_.front(), resolve_port_, bind_io(&session::on_resolve));
    }

    void set_timeouts(std::chrono::milliseconds handshake)
    {
        // Beast's own timer: the handshakes only; liveness is the heartbeat's.
        websocket::stream_base::timeout to;
        to.handshake_timeout = handshake;
        to.idle_timeout = websocket::stream_base::none();
        to.keep_alive_pings = false;
        ws_->set_option(to);
    }

    void configure_stream()
    {
        ws_->read_message_max(opts_.max_message_size);
        ws_->auto_fragment(false);

        websocket::permessage_deflate pmd;
        pmd.client_enable = opts_.permessage_deflate;
        ws_->set_option(pmd);
        set_timeouts(opts_.connect_timeout);
        ws_->next_layer().close_bound(opts_.close_timeout);

        // The fields were checked in attempt(); each is set as given.
        ws_->set_option(websocket::stream_base::decorator(
            [this](websocket::request_type& req) {
                req.set(http::field::user_agent, opts_.user_agent);
                if(! authorization_.empty())
                    req.set(http::field::authorization, authorization_);
                if(! opts_.subprotocols.empty())
                    req.set(http::field::sec_websocket_protocol, join_protocols(opts_.subprotocols));
                for(auto const& h : opts_.headers)
                    req.insert(h.name, h.value);
            }));

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
        resolver_.cancel();
        close_socket();
    }

    void on_resolve(std::uint64_t gen, error_code ec, tcp::resolver::results_type results)
    {
        if(connect_step_failed(gen, ec))
            return;
        for(auto const& r : results)
            race_eps_.push_back(r.endpoint());
        // connect_address may name several hosts: each is resolved in turn.
        if(++resolve_index_ < resolve_hosts_.size())
            return resolver_.async_resolve(resolve_hosts_[resolve_index_], resolve_port_, bind_io(&session::on_resolve));
        race_eps_ = interleave_families(race_eps_);
        if(race_eps_.size() <= 1)
            return beast::get_lowest_layer(*ws_).async_connect(race_eps_, bind_io(&session::on_tcp_connect));
        // Several addresses (RFC 8305): start the next attempt when the
        // previous one fails, or connection_attempt_delay after it started;
        // the first connection made wins. All within the connect timeout.
        race_next_ = 0;
        race_last_ec_ = {};
        start_racer();
    }

    void start_racer()
    {
        auto sock = std::make_shared<socket_type>(strand_);
        racers_.push_back(sock);
        auto const& ep = race_eps_[race_next_++];
        log(log_level::debug, "connecting to " + ep.address().to_string() + " (address " +
            std::to_string(race_next_) + " of " + std::to_string(race_eps_.size()) + ")");
        sock->async_connect(ep, [self = this->shared_from_this(), g = gen_, sock](error_code ec) {
            self->on_racer_connect(g, sock, ec);
        });
        if(race_next_ < race_eps_.size())
        {
            stagger_timer_.expires_after(connection_attempt_delay);
            stagger_timer_.async_wait(bind(&session::on_stagger));
        }
    }

    void on_stagger(std::uint64_t gen, error_code ec)
    {
        if(ec || gen != gen_ || state_ != chatlink::state::connecting || facts_.timed_out)
            return;
        if(race_next_ < race_eps_.size())
            start_racer();
    }

    void on_racer_connect(std::uint64_t gen, std::shared_ptr<socket_type> const& sock, error_code ec)
    {
        auto const it = std::find(racers_.begin(), racers_.end(), sock);
        bool const racing = it != racers_.end();
        if(racing)
            racers_.erase(it);
        if(gen != gen_ || state_ != chatlink::state::connecting || ! racing)
        {
            error_code ignored;
            sock->close(ignored); // a loser, or an attempt already over
            return;
        }
        if(fail_now() && ! ec)
            ec = net::error::connection_reset; // failure injection (fail_count.hpp)
        if(ec && ! facts_.timed_out)
        {
            race_last_ec_ = ec;
            if(race_next_ < race_eps_.size())
            {
                stagger_timer_.cancel(); // the next one starts now
                return start_racer();
            }
            if(! racers_.empty())
                return; // others are still trying
        }
        if(! ec && ! facts_.timed_out)
        {
            // The winner: the others are closed, the stream takes its socket.
            stagger_timer_.cancel();
            error_code ignored;
            for(auto& r : racers_)
                r->close(ignored);
            racers_.clear();
            auto const ep = sock->remote_endpoint(ignored);
            beast::get_lowest_layer(*ws_).socket() = std::move(*sock);
            return on_tcp_connect(gen, ec, ep);
        }
        on_tcp_connect(gen, ec ? ec : race_last_ec_, {});
    }

    void on_tcp_connect(std::uint64_t gen, error_code ec, tcp::endpoint)
    {
        if(connect_step_failed(gen, ec))
            return;
        if(proxy_)
            return start_tunnel();
        start_tls_or_upgrade();
    }

    // Through an HTTP proxy: CONNECT host:port, then the rest through the
    // tunnel. Both steps are bounded by the connect timer.
    void start_tunnel()
    {
        std::string const host = ep_.host.find(':') != std::string::npos ? "[" + ep_.host + "]" : ep_.host;
        proxy_buf_ = connect_request(*proxy_, host + ":" + ep_.port, opts_.user_agent);
        net::async_write(beast::get_lowest_layer(*ws_), net::buffer(proxy_buf_), bind_io(&session::on_tunnel_asked));
    }

    void on_tunnel_asked(std::uint64_t gen, error_code ec, std::size_t)
    {
        if(connect_step_failed(gen, ec))
            return;
        proxy_buf_.clear();
        net::async_read_until(beast::get_lowest_layer(*ws_),
            net::dynamic_buffer(proxy_buf_, opts_.max_upgrade_header_bytes), "\r\n\r\n",
            bind_io(&session::on_tunnel_answer));
    }

    void on_tunnel_answer(std::uint64_t gen, error_code ec, std::size_t n)
    {
        if(gen != gen_ || state_ != chatlink::state::connecting)
            return;
        auto refuse = [this](error_code e, std::string detail) {
            log(log_level::error, "proxy " + proxy_->display + ": " + detail);
            note_detail(e, std::move(detail));
            fail_connect(e);
        };
        if(ec && ! facts_.timed_out && ec != net::error::operation_aborted)
            return refuse(error::proxy_failed, ec == net::error::not_found
                ? "the proxy's answer to CONNECT is over " + std::to_string(opts_.max_upgrade_header_bytes) + " bytes"
                : "the proxy ended the connection before answering CONNECT (" + ec.message() + ")");
        if(connect_step_failed(gen, ec))
            return;
        int const status = proxy_status(proxy_buf_);
        // 407 is the standard answer; tinyproxy answers a wrong password
        // with 401, which no server behind the proxy can have sent yet.
        if(status == 407 || status == 401)
            return refuse(error::proxy_auth_failed, "the proxy answered HTTP " + std::to_string(status) +
                " (proxy authentication " + (status == 407 ? "required)" : "refused)"));
        if(status < 200 || status > 299)
            return refuse(error::proxy_failed, status ? "the proxy answered HTTP " + std::to_string(status)
                                                      : std::string("the proxy's answer to CONNECT is not HTTP"));
        if(proxy_buf_.size() > n)
            return refuse(error::proxy_failed, "the proxy sent data before the tunnel was used");
        proxy_buf_ = std::string();
        log(log_level::debug, "tunnel open through " + proxy_->display);
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
        if(! ec && ! facts_.timed_out && up)
        {
            // Beast accepted the 101; RFC 6455 4.1 asks more of it.
            auto v = check_answer(opts_, up->field("Sec-WebSocket-Protocol"), up->field("Sec-WebSocket-Extensions"));
            if(v.error)
            {
                ws_->next_layer().upgrade_done();
                log(log_level::error, "upgrade failed: " + *v.error);
                note_detail(error::handshake_failed, *v.error);
                return fail_connect(error::handshake_failed);
            }
            set_subprotocol(std::move(v.subprotocol));
        }
        if(ec && ! facts_.timed_out && up)
        {
            if(auto f = up->failure(ec))
            {
                if(up->status() == 503 || up->status() == 429)
                    retry_hint_ = parse_retry_after(up->field("Retry-After"), std::chrono::system_clock::now());
                ws_->next_layer().upgrade_done();
                log(log_level::error, "upgrade failed: " + f->detail);
                note_detail(f->ec, f->detail);
                return fail_connect(f->ec);
            }
        }
        ws_->next_layer().upgrade_done();
        if(connect_step_failed(gen, ec))
            return;

        connect_timer_.cancel();
        set_timeouts(opts_.close_timeout); // from now on Beast's timer bounds closes
        opened_at_ = last_rx_ = clock::now();
        set_state(chatlink::state::open);
        log(log_level::info, "open " + ep_.redacted);
        do_read();
        start_heartbeat();

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
        stagger_timer_.cancel();
        resolver_.cancel();
        close_socket();
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
        reconnect_info info;
        info.attempt = retry_ + 1;
        info.delay = *delay;
        info.cause = cause;
        info.retry_after = hint;
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
        stagger_timer_.cancel();
        connect_timer_.cancel();
        heartbeat_timer_.cancel();
        if(delivery_)
            delivery_->ack_timer.cancel();
        set_state(chatlink::state::stopped);
        work w;
        outbox_.abort(held_result, w);
        apply(w);
        end_requests(held_result);
        persist_watermark(true);
        release_stream();
        // After the events of this call (on_close, on_give_up).
        this->finish_close_waiters(error_code(), true);
    }

    //--------------------------------------------------------------------------
    // Heartbeat

    void arm_heartbeat()
    {
        if(auto const next = heartbeat_.next(state_ == chatlink::state::open, ping_due_, last_rx_))
        {
            heartbeat_timer_.expires_at(*next);
            heartbeat_timer_.async_wait(bind(&session::on_heartbeat_timer));
        }
    }

    void start_heartbeat()
    {
        ping_due_ = clock::now() + heartbeat_.interval();
        arm_heartbeat();
    }

    void on_heartbeat_timer(std::uint64_t gen, error_code ec)
    {
        if(ec || gen != gen_ ||
            (state_ != chatlink::state::open && state_ != chatlink::state::closing))
            return;
        auto const now = clock::now();
        if(heartbeat_.dead(now, last_rx_))
        {
            // No closing handshake can complete with a dead peer: drop the
            // TCP connection; the read loop then reports the end.
            log(log_level::warning, "nothing received for " +
                std::to_string(heartbeat_.timeout().count()) + " ms: the connection is dead");
            facts_.dead = true;
            close_socket();
            return;
        }
        if(heartbeat_.ping_due(now, state_ == chatlink::state::open, ping_due_))
        {
            if(! facts_.ping_sent_at)
                facts_.ping_sent_at = now;
            if(opts_.heartbeat.mode == heartbeat_mode::frames)
                send_ping_frame();
            else
                send_internal(outbox_type::kind::ping, opts_.heartbeat.ping);
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
        ws_->async_ping({}, bind_io(&session::on_ping_frame_sent));
    }

    void on_ping_frame_sent(std::uint64_t gen, error_code)
    {
        if(gen == gen_)
            ping_frame_pending_ = false;
        // A failed ping means a failed stream: the read loop reports it.
    }

    void on_pong()
    {
        if(! facts_.ping_sent_at)
            return;
        auto const rtt = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - *facts_.ping_sent_at);
        facts_.ping_sent_at.reset();
        last_rtt_us_ = rtt.count();
        emit(heartbeat_handlers_, rtt);
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
        parser_.reset();
        error_code ec;
        parser_.write(data.data(), data.size(), ec);
        if(ec)
        {
            this->emit_raw(this->text_handlers_, data);
            return reject_message(ec == boost::json::error::too_deep ? "nested deeper than max_json_depth" : "not JSON");
        }
        boost::json::value const v = parser_.release();
        if(! v.is_object())
        {
            this->emit_raw(this->text_handlers_, data);
            return reject_message("not an object");
        }
        facts_.got_message = true;

        auto const* type = v.get_object().if_contains(opts_.type_field);
        boost::json::string const* type_str = type ? type->if_string() : nullptr;
        if(type_str)
        {
            if(*type_str == "pong" && opts_.heartbeat.mode == heartbeat_mode::json)
                on_pong();
            else if(*type_str == "ping" && opts_.heartbeat.auto_pong && state_ == chatlink::state::open)
                send_internal(outbox_type::kind::pong, opts_.heartbeat.pong);
        }

        if(delivery_active() && consume_delivery(v, type_str))
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
        heartbeat_timer_.cancel();
        connect_timer_.cancel(); // the closing handshake's bound
        if(delivery_)
            delivery_->ack_timer.cancel();
        persist_watermark(true);

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
        end_requests(net::error::operation_aborted);
        persist_watermark(true);
        this->finish_close_waiters(net::error::operation_aborted, false);
        this->clear_handlers();
    }

    //--------------------------------------------------------------------------
    // Delivery (PROTOCOL.md): acks, requests, resume

    bool delivery_active() const noexcept
    {
        return delivery_ && (opts_.delivery.acks || opts_.delivery.resume || ! delivery_->requests.empty());
    }

    // A Delivery message is handled here; true when it is not for on_message.
    bool consume_delivery(boost::json::value const& v, boost::json::string const* type)
    {
        auto const in = classify(v.get_object(), type);
        auto const& d = opts_.delivery;
        bool const reply = in.k == inbound::kind::ack || in.k == inbound::kind::error;
        if(! in.cid.empty() && ((d.acks && reply) || ! ds().requests.empty()))
        {
            error_code const ec = in.k == inbound::kind::error ? error_code(error::server_rejected) : error_code();
            work w;
            bool const matched = d.acks && reply && outbox_.acknowledge(in.cid, ec, w);
            if(matched && ec)
            {
                std::string const why = "the server refused message " + std::string(in.cid) + ": " +
                    (in.error.empty() ? std::string("(no name)") : std::string(in.error));
                log(log_level::warning, why);
                note_detail(ec, why);
            }
            bool const req = answer_request(in.cid, ec, v);
            apply(w);
            if(matched && ! ec)
                emit(ack_handlers_, ack_info{std::string(in.cid), in.id});
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
                log(log_level::warning, "the server's history does not reach back to " + std::to_string(in.since) +
                    ": messages up to " + std::to_string(*in.last) + " are not replayed");
                ds().mark.gap(*in.last);
                persist_watermark(false);
            }
            emit(resume_handlers_, r);
            return true;
        }
        if(in.k != inbound::kind::other || ! in.id || *in.id < 0)
            return false;
        auto const id = static_cast<std::uint64_t>(*in.id);
        if(! ds().mark.fresh(id))
        {
            bump(duplicates_dropped_, 1);
            return true;
        }
        this->emit_message(v, type);
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
        using mode = typename outbox_type::mode;
        auto const s = state_.load();
        if(detached_ || s == chatlink::state::idle || s == chatlink::state::stopped || s == chatlink::state::closing)
        {
            error_code const ec = detached_ ? error_code(net::error::operation_aborted) : error_code(error::not_connected);
            return complete(std::move(h), ec, boost::json::value());
        }
        if(! ds().requests.add(cid, h, clock::now() + bounded(opts_.delivery.request_timeout)))
        {
            log(log_level::error, "a request with cid " + cid + " is already pending");
            note_detail(error::invalid_option, "a request with cid " + cid + " is already pending");
            return complete(std::move(h), error_code(error::invalid_option), boost::json::value());
        }
        arm_request_timer();
        // The send's failure is the request's; its success awaits the reply.
        send_handler done([w = this->weak_from_this(), cid](error_code ec, std::size_t) {
            if(auto self = w.lock(); self && ec)
                self->answer_request(cid, ec, boost::json::value());
        });
        mode const m = s == chatlink::state::open ? mode::write : mode::hold;
        typename outbox_type::ack_mark mark;
        mark.cid = cid;
        mark.await_ack = opts_.delivery.acks;
        work w;
        outbox_.push(boost::json::serialize(msg), std::move(done), m, w, false, std::move(mark));
        apply(w);
    }

    // Complete the request with this cid, if one is pending.
    bool answer_request(std::string_view cid, error_code ec, boost::json::value const& reply)
    {
        auto r = ds().requests.take(cid);
        if(! r)
            return false;
        complete(std::move(*r), ec, reply);
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
        ds().request_timer.async_wait([self = this->shared_from_this()](error_code) { self->on_request_timer(); });
    }

    void on_request_timer()
    {
        ds().request_timer_armed = false;
        for(auto& h : ds().requests.expire(clock::now()))
            complete(std::move(h), error_code(error::request_timeout), boost::json::value());
        arm_request_timer();
    }

    // The client stops: every pending request completes with `ec`.
    void end_requests(error_code ec)
    {
        if(! delivery_)
            return;
        for(auto& h : ds().requests.take_all())
            complete(std::move(h), ec, boost::json::value());
        ds().request_timer.cancel();
    }

    void arm_ack_timer(clock::time_point at)
    {
        ds().ack_timer_armed = true;
        ds().ack_timer.expires_at(at);
        ds().ack_timer.async_wait(bind(&session::on_ack_timer));
    }

    // The oldest unacked message's bound: passed, the connection is broken.
    void on_ack_timer(std::uint64_t gen, error_code ec)
    {
        ds().ack_timer_armed = false;
        if(ec || gen != gen_ || state_ != chatlink::state::open)
            return;
        auto const oldest = outbox_.oldest_unacked();
        if(! oldest)
            return;
        auto const due = *oldest + opts_.delivery.ack_timeout;
        if(clock::now() < due)
            return arm_ack_timer(due);
        log(log_level::warning, "no acknowledgement in " + std::to_string(opts_.delivery.ack_timeout.count()) +
            " ms: dropping the connection");
        facts_.ack_timed_out = true;
        close_socket();
    }

    // The resume id kept in the store, if there is one and it is higher.
    void load_watermark()
    {
        if(! opts_.delivery.resume || ! opts_.store)
            return;
        try
        {
            if(auto v = opts_.store->get(opts_.delivery.resume_key))
            {
                watermark stored;
                if(! stored.load(*v))
                    log(log_level::warning, "the '" + opts_.delivery.resume_key + "' entry is not an id: ignored");
                else if(stored.since() && ds().mark.fresh(*stored.since()))
                    ds().mark.load(*v);
            }
        }
        catch(std::exception const& e)
        {
            log(log_level::warning, std::string("cannot read the resume id: ") + e.what());
        }
    }

    // Write the resume id to the store: when due (at most once a second,
    // else a timer), or now (`force`: a connection ended, the client stops).
    void persist_watermark(bool force)
    {
        if(! opts_.delivery.resume || ! opts_.store)
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
                ds().persist_timer.async_wait([self = this->shared_from_this()](error_code ec) {
                    self->ds().persist_armed = false;
                    if(! ec)
                        self->persist_watermark(false);
                });
            }
            return;
        }
        try
        {
            opts_.store->set(opts_.delivery.resume_key, ds().mark.text());
        }
        catch(std::exception const& e)
        {
            log(log_level::warning, std::string("cannot write the resume id: ") + e.what());
        }
        ds().mark.wrote(now); // a failed write is not retried before the next id
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
        typename outbox_type::ack_mark mark;
        if(opts_.delivery.acks && ! binary && m != mode::aborted && m != mode::not_connected)
        {
            mark.cid = stamp_cid(text, ds().send_parser, opts_.type_field, ds().cids).cid;
            mark.await_ack = ! mark.cid.empty();
        }
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
        if(opts_.delivery.acks)
        {
            unacked_.store(outbox_.unacked(), std::memory_order_relaxed);
            if(! ds().ack_timer_armed && outbox_.unacked() && state_ == chatlink::state::open)
                arm_ack_timer(*outbox_.oldest_unacked() + opts_.delivery.ack_timeout);
        }
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
