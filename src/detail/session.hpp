//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The Beast session behind chatlink::client. This header is private to the
// library: it is included only by the translation units that instantiate it
// (session_plain.cpp, and the TLS one), so users never compile Beast.
//
#ifndef CHATLINK_DETAIL_SESSION_HPP
#define CHATLINK_DETAIL_SESSION_HPP

#include <chatlink/detail/session_fwd.hpp>
#include "detail/coalescing_stream.hpp"
#include "detail/fail_count.hpp"
#include "detail/fifo.hpp"
#include "detail/teardown.hpp"
#include "detail/timer_wheel.hpp"
#include <chatlink/error.hpp>
#include <chatlink/url.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace chatlink {
namespace detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

// Room in the read buffer above the message limit for frame bookkeeping.
// The buffer is bounded too (not only read_message_max): an unbounded buffer
// can end in std::bad_alloc thrown out of async_read.
constexpr std::size_t read_buffer_slack = 4096;

// Every I/O object of a session runs on its strand, and on an io_context
// (the common case) the strand is named by its type, so that the completions
// of Beast's operations never go through a type-erased executor: copies of an
// any_io_executor holding a strand allocate, several times per message.
// - An io_context made with concurrency hint 1 is, by Asio's documentation,
//   run by one thread: its executor is already a strand, and is used as is.
// - Any other io_context: a strand of its executor.
// - Any other executor: an any_io_executor holding a strand of it.
using io_executor = net::io_context::executor_type;
using io_strand = net::strand<io_executor>;
using any_strand = net::strand<net::any_io_executor>;


// The heartbeat's timer: on an io_context run by one thread, one shared by
// every client on it (timer_wheel.hpp); otherwise one per connection.
template<class Strand>
struct heartbeat_timer_for
{
    using type = net::basic_waitable_timer<std::chrono::steady_clock,
        net::wait_traits<std::chrono::steady_clock>, Strand>;
};

template<>
struct heartbeat_timer_for<io_executor>
{
    using type = wheel_timer;
};

inline bool in_strand(io_executor const& ex) noexcept
{
    return ex.running_in_this_thread();
}

inline bool in_strand(io_strand const& s) noexcept
{
    return s.running_in_this_thread();
}

inline bool in_strand(net::any_io_executor const& ex) noexcept
{
    auto const* s = ex.target<any_strand>();
    return s && s->running_in_this_thread();
}

// Whether the io_context promised to be run by one thread only.
inline bool runs_on_one_thread(net::io_context& ctx)
{
#if !defined(BOOST_ASIO_HAS_IOCP)
    int const hint = net::use_service<net::detail::scheduler>(ctx).concurrency_hint();
    return hint == 1 || hint == BOOST_ASIO_CONCURRENCY_HINT_UNSAFE ||
        hint == BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO;
#else
    (void)ctx;
    return false;
#endif
}

// Make Session<Strand> on the best strand for an io_context's executor.
template<template<class> class Session>
std::shared_ptr<session_iface> make_io_session(io_executor const& ex, client_options opts)
{
    if(runs_on_one_thread(ex.context()))
        return std::make_shared<Session<io_executor>>(ex, std::move(opts));
    return std::make_shared<Session<io_strand>>(net::make_strand(ex), std::move(opts));
}

// The sessions on any other executor, each in a translation unit of its own.
std::shared_ptr<session_iface> make_plain_session_any(net::any_io_executor ex, client_options opts);
std::shared_ptr<session_iface> make_tls_session_any(net::any_io_executor ex, client_options opts);

// What differs between ws:// and wss:// lives in layer<NextLayer>: the plain
// one is below; the TLS one is in tls_layer.hpp, included only by the
// translation units that include OpenSSL. The session itself is written once.
template<class NextLayer>
struct layer;

// A session's WebSocket stream: Beast's, over the layer that writes queued
// messages together (coalescing_stream.hpp), over NextLayer.
template<class NextLayer>
using ws_stream = websocket::stream<coalescing_stream<NextLayer>>;

template<class Strand>
struct layer<tcp_stream_on<Strand>>
{
    static constexpr bool secure = false;

    explicit layer(client_options const&) {}

    void emplace(std::optional<ws_stream<tcp_stream_on<Strand>>>& ws, Strand const& ex)
    {
        ws.emplace(ex);
    }
};

// The longest wait a session schedules: a century. Longer durations in the
// options (or from a policy) mean "practically never"; clamping them keeps
// now() + d inside the steady clock's nanosecond range (292 years), where
// the sum would otherwise overflow.
constexpr std::chrono::milliseconds longest_wait = std::chrono::hours(24 * 365 * 100);

inline std::chrono::milliseconds bounded(std::chrono::milliseconds d) noexcept
{
    return std::min(d, longest_wait);
}

inline client_options bounded(client_options o) noexcept
{
    o.connect_timeout = bounded(o.connect_timeout);
    o.heartbeat.interval = bounded(o.heartbeat.interval);
    o.heartbeat.timeout = bounded(o.heartbeat.timeout);
    o.reconnect_reset_after = bounded(o.reconnect_reset_after);
    return o;
}

inline bool is_loopback_host(std::string const& host)
{
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

template<class NextLayer>
class session
    : public session_iface
    , public std::enable_shared_from_this<session<NextLayer>>
{
    using ws_type = ws_stream<NextLayer>;
    using strand_type = typename beast::lowest_layer_type<NextLayer>::executor_type;
    using timer_type = net::basic_waitable_timer<std::chrono::steady_clock,
        net::wait_traits<std::chrono::steady_clock>, strand_type>;
    using resolver_type = net::ip::basic_resolver<tcp, strand_type>;
    using json_handler = std::function<void(boost::json::value const&)>;
    using layer_type = layer<NextLayer>;
    using clock = std::chrono::steady_clock;

    struct outgoing
    {
        std::string text;
        send_handler handler;
        bool internal = false; // our ping or pong: no completion, no on_error
        std::uint64_t end = 0; // corked: where its bytes end in the layer's count

        outgoing(std::string t, send_handler h, bool i = false)
            : text(std::move(t)), handler(std::move(h)), internal(i)
        {
        }
        outgoing(outgoing&&) noexcept = default;

        // Containers move-assign (deque::erase); Boost 1.81's handler move
        // assignment is broken (see take()), so go through swap.
        outgoing& operator=(outgoing&& other) noexcept
        {
            text = std::move(other.text);
            send_handler h;
            h.swap(other.handler);
            handler.swap(h);
            internal = other.internal;
            end = other.end;
            return *this;
        }
    };

    strand_type strand_;
    client_options opts_;
    layer_type layer_;
    std::shared_ptr<reconnect_policy> policy_;
    bool warned_plain_token_ = false;
    resolver_type resolver_;
    timer_type connect_timer_;
    timer_type retry_timer_;
    // The next ping or the liveness deadline, whichever is first.
    typename heartbeat_timer_for<strand_type>::type heartbeat_timer_;
    std::optional<ws_type> ws_;
    beast::flat_buffer buffer_;
    websocket::response_type res_;
    boost::json::parser parser_;
    endpoint ep_;

    fifo<outgoing> queue_; // being written (front, when writing_) and to write
    fifo<outgoing> held_;  // sent while not open; flushed after the next open
    fifo<outgoing> corked_; // written into the coalescing layer, not yet to the socket
    bool writing_ = false;
    connect_handler connect_handler_;
    bool initiating_ = false;    // inside a public call run inline on the strand

    // Where the token comes from: a fixed one (connect), or the store (start).
    std::optional<std::string> fixed_token_;
    bool stop_requested_ = false; // the app closed, or the client is destroyed
    std::size_t retry_ = 0;       // failures in a row, for the policy
    std::size_t attempts_ = 0;    // attempts since connect/start
    std::uint64_t wait_gen_ = 0;

    // Each connection attempt gets a generation; completions of an earlier
    // attempt's operations see a different generation and do nothing.
    std::uint64_t gen_ = 0;
    bool timed_out_ = false;
    bool close_requested_ = false;
    bool close_timed_out_ = false; // we dropped TCP: the handshake did not finish in time
    std::uint64_t stuck_gen_ = ~std::uint64_t(0); // a connection ended by on_end_stuck
    std::uint16_t close_code_ = 1000;
    bool got_message_ = false;
    bool too_big_ = false;
    bool dead_ = false;
    clock::time_point opened_at_;
    clock::time_point last_rx_;
    std::optional<clock::time_point> ping_sent_at_;
    clock::time_point ping_due_;

    // A connection ends when both its read loop and our closing handshake
    // (if we started one) have completed; either may finish first.
    bool reading_ = false;
    bool close_pending_ = false;
    error_code read_ec_;
    error_code close_ec_;

    std::atomic<chatlink::state> state_{chatlink::state::idle};
    std::atomic<int> http_status_{0};
    std::atomic<bool> detached_{false};

    // Counters, readable from any thread, written only on the strand: a
    // relaxed load and store each, no locked instruction on the hot path.
    std::atomic<std::uint64_t> messages_sent_{0}, messages_received_{0};
    std::atomic<std::uint64_t> bytes_sent_{0}, bytes_received_{0}, reconnects_{0};
    std::atomic<std::int64_t> last_rtt_us_{-1};
    std::atomic<std::size_t> queue_depth_{0};
    mutable std::mutex last_error_mtx_;
    error_code last_error_;
    std::string last_error_detail_;

    std::vector<std::function<void()>> open_handlers_;
    std::vector<json_handler> message_handlers_;
    std::unordered_map<std::string, std::vector<json_handler>> type_handlers_;
    std::vector<std::function<void(close_info const&)>> close_handlers_;
    std::vector<std::function<void(error_code)>> error_handlers_;
    std::vector<std::function<void(error_code)>> give_up_handlers_;
    std::vector<std::function<void(chatlink::state)>> state_handlers_;
    std::vector<std::function<void(reconnect_info const&)>> reconnect_handlers_;
    std::vector<std::function<void(std::chrono::microseconds)>> heartbeat_handlers_;

public:
    session(strand_type strand, client_options opts)
        : strand_(std::move(strand))
        , opts_(bounded(std::move(opts)))
        , layer_(opts_)
        , policy_(opts_.reconnect ? opts_.reconnect : fixed_delay(std::chrono::seconds(300)))
        , resolver_(strand_)
        , connect_timer_(strand_)
        , retry_timer_(strand_)
        , heartbeat_timer_(strand_)
        , buffer_(opts_.max_message_size + read_buffer_slack)
    {
    }

    //--------------------------------------------------------------------------
    // session_iface: every call hops onto the strand.

    void async_connect(std::string token, connect_handler h) override
    {
        run([token = std::move(token), h = std::move(h)](session& s) mutable {
            s.do_connect(std::move(token), std::move(h));
        });
    }

    void start() override
    {
        run([](session& s) { s.do_start(); });
    }

    void reconnect_now() override
    {
        run([](session& s) { s.do_reconnect_now(); });
    }

    // A send made from one of our own handlers runs at once, so that sends
    // from an on_open handler go before the held ones; from anywhere else it
    // is posted, which keeps each thread's order.
    void async_send(std::string text, send_handler h) override
    {
        if(in_strand(strand_))
        {
            initiating_ = true;
            do_send(std::move(text), std::move(h));
            initiating_ = false;
            return;
        }
        run([text = std::move(text), h = std::move(h)](session& s) mutable {
            s.do_send(std::move(text), std::move(h));
        });
    }

    void close(std::uint16_t code, std::string reason) override
    {
        run([code, reason = std::move(reason)](session& s) mutable {
            s.do_close(code, reason);
        });
    }

    void add_open_handler(std::function<void()> f) override { add(open_handlers_, std::move(f)); }
    void add_message_handler(json_handler f) override { add(message_handlers_, std::move(f)); }
    void add_close_handler(std::function<void(close_info const&)> f) override { add(close_handlers_, std::move(f)); }
    void add_error_handler(std::function<void(error_code)> f) override { add(error_handlers_, std::move(f)); }
    void add_give_up_handler(std::function<void(error_code)> f) override { add(give_up_handlers_, std::move(f)); }
    void add_state_handler(std::function<void(chatlink::state)> f) override { add(state_handlers_, std::move(f)); }
    void add_reconnect_handler(std::function<void(reconnect_info const&)> f) override { add(reconnect_handlers_, std::move(f)); }
    void add_heartbeat_handler(std::function<void(std::chrono::microseconds)> f) override { add(heartbeat_handlers_, std::move(f)); }

    void add_type_handler(std::string type, json_handler f) override
    {
        run([type = std::move(type), f = std::move(f)](session& s) mutable {
            s.type_handlers_[type].push_back(std::move(f));
        });
    }

    void detach() noexcept override
    {
        detached_ = true;
        try
        {
            run([](session& s) { s.do_shutdown(); });
        }
        catch(...)
        {
            // Posting can only fail on allocation; the pending operations
            // still hold the session and end with the stream.
        }
    }

    chatlink::state state() const noexcept override { return state_.load(); }
    int last_http_status() const noexcept override { return http_status_.load(); }
    net::any_io_executor get_executor() const noexcept override { return strand_; }

    client_stats stats() const override
    {
        client_stats st;
        st.messages_sent = messages_sent_;
        st.messages_received = messages_received_;
        st.bytes_sent = bytes_sent_;
        st.bytes_received = bytes_received_;
        st.reconnects = reconnects_;
        auto const rtt = last_rtt_us_.load();
        if(rtt >= 0)
            st.last_rtt = std::chrono::microseconds(rtt);
        st.queue_depth = queue_depth_;
        std::lock_guard<std::mutex> lock(last_error_mtx_);
        st.last_error = last_error_;
        st.last_error_detail = last_error_detail_;
        return st;
    }

private:
    template<class F>
    void run(F&& f)
    {
        net::post(strand_, [self = this->shared_from_this(), f = std::forward<F>(f)]() mutable {
            f(*self);
        });
    }

    template<class Vector, class F>
    void add(Vector& v, F f)
    {
        run([&v, f = std::move(f)](session&) mutable { v.push_back(std::move(f)); });
    }

    template<class Fn>
    auto bind(Fn fn)
    {
        return beast::bind_front_handler(fn, this->shared_from_this(), gen_);
    }

    // The same, for an I/O operation: the place failure injection reaches
    // (detail/fail_count.hpp), so tests can fail the n-th one.
    template<class Fn>
    auto bind_io(Fn fn)
    {
        return [h = bind(fn)](error_code ec, auto&&... args) mutable {
            if(fail_now() && ! ec)
                ec = net::error::connection_reset;
            h(ec, std::forward<decltype(args)>(args)...);
        };
    }

    // Complete an operation's handler on its associated executor: at once when
    // we are in a completion of our own, posted when inside the initiating call.
    template<class Handler, class... Args>
    void complete(Handler h, Args... args)
    {
        auto ex = net::get_associated_executor(h, strand_);
        auto f = [h = std::move(h), args...]() mutable { std::move(h)(args...); };
        if(initiating_)
            net::post(strand_, [ex, f = std::move(f)]() mutable { net::dispatch(ex, std::move(f)); });
        else
            net::dispatch(ex, std::move(f));
    }

    // Boost 1.81's any_completion_handler move assignment recurses without
    // end (it copies `other` as an lvalue into its converting constructor),
    // so handlers are only ever moved by construction and swap.
    template<class Handler>
    static Handler take(Handler& h) noexcept
    {
        Handler out;
        out.swap(h);
        return out;
    }

    void log(log_level level, std::string const& text)
    {
        if(opts_.logger && ! detached_)
            opts_.logger(level, text);
    }

    template<class Handlers, class... Args>
    void emit(Handlers& handlers, Args const&... args)
    {
        for(auto& h : handlers)
        {
            if(detached_)
                return;
            h(args...);
        }
    }

    void emit_error(error_code ec) { emit(error_handlers_, ec); }

    void set_state(chatlink::state s)
    {
        if(state_.exchange(s) != s)
            emit(state_handlers_, s);
    }

    // Only the strand writes a counter; readers on other threads need no
    // more than a relaxed load.
    static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept
    {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }

    void update_queue_depth()
    {
        queue_depth_.store(queue_.size() + held_.size() + corked_.size(), std::memory_order_relaxed);
    }

    void note_error(error_code ec)
    {
        std::lock_guard<std::mutex> lock(last_error_mtx_);
        if(ec != last_error_)
            last_error_detail_.clear();
        last_error_ = ec;
    }

    void note_detail(error_code ec, std::string detail)
    {
        std::lock_guard<std::mutex> lock(last_error_mtx_);
        last_error_ = ec;
        last_error_detail_ = std::move(detail);
    }

    bool busy() const noexcept
    {
        auto const s = state_.load();
        return s == chatlink::state::connecting || s == chatlink::state::open ||
            s == chatlink::state::closing || s == chatlink::state::waiting;
    }

    //--------------------------------------------------------------------------
    // Connect

    void do_connect(std::string token, connect_handler h)
    {
        if(detached_)
            return finish_connect_call(std::move(h), net::error::operation_aborted);
        if(busy())
            return finish_connect_call(std::move(h), error::already_connected);
        fixed_token_ = std::move(token);
        connect_handler_.swap(h);
        begin();
    }

    void do_start()
    {
        if(detached_)
            return;
        if(busy())
            return emit_error(error::already_connected);
        fixed_token_.reset();
        begin();
    }

    void begin()
    {
        stop_requested_ = false;
        retry_ = 0;
        attempts_ = 0;
        attempt();
    }

    // The token for the next attempt: the fixed one, or the store's entry,
    // read again each time.
    std::optional<std::string> current_token(error_code& ec)
    {
        if(fixed_token_)
            return fixed_token_;
        if(! opts_.store)
        {
            ec = error::not_logged_in;
            return std::nullopt;
        }
        std::optional<std::string> entry;
        try
        {
            entry = opts_.store->get(opts_.store_key);
        }
        catch(boost::system::system_error const& e)
        {
            ec = e.code();
            return std::nullopt;
        }
        if(! entry)
        {
            ec = error::not_logged_in;
            return std::nullopt;
        }
        error_code pec;
        auto v = boost::json::parse(*entry, pec);
        boost::json::value const* t = nullptr;
        if(! pec && v.is_object())
            t = v.get_object().if_contains(opts_.store_token_field);
        if(! t || ! t->is_string())
        {
            log(log_level::error, "the '" + opts_.store_key + "' entry holds no '" + opts_.store_token_field + "' string");
            ec = error::store_corrupt;
            return std::nullopt;
        }
        return std::string(t->get_string());
    }

    void attempt()
    {
        error_code ec;
        auto token = current_token(ec);
        if(ec)
        {
            set_state(chatlink::state::connecting);
            return fail_attempt_before_io(ec);
        }
        ep_ = make_endpoint(opts_.url, *token, opts_.path, opts_.token_param, ec);
        if(! ec && ep_.secure != layer_type::secure)
        {
            // The stream type was chosen from the same URL at construction.
            log(log_level::error, "the URL's scheme does not match this client: " + ep_.redacted);
            ec = error::invalid_url;
        }
        if(ec)
        {
            log(log_level::error, "invalid server URL");
            set_state(chatlink::state::connecting);
            return fail_attempt_before_io(ec);
        }
        if constexpr(layer_type::secure)
        {
            if(opts_.tls.insecure_skip_verify)
                log(log_level::warning, "TLS certificate verification is OFF (insecure_skip_verify): " + ep_.redacted);
        }
        else if(! warned_plain_token_ && ! opts_.token_param.empty() && ! is_loopback_host(ep_.host))
        {
            warned_plain_token_ = true;
            log(log_level::warning, "the token is sent unencrypted (ws://) to " + ep_.host_header + "; use wss://");
        }

        if(attempts_++ > 0)
            bump(reconnects_, 1);
        ++gen_;
        timed_out_ = false;
        close_requested_ = false;
        close_timed_out_ = false;
        got_message_ = false;
        too_big_ = false;
        dead_ = false;
        ping_sent_at_.reset();
        reading_ = false;
        close_pending_ = false;
        read_ec_ = {};
        close_ec_ = {};
        http_status_ = 0;
        res_ = {};
        buffer_.clear();
        set_state(chatlink::state::connecting);

        // Every attempt gets a fresh stream.
        layer_.emplace(ws_, strand_);
        configure_stream();

        log(log_level::info, "connecting to " + ep_.redacted);
        connect_timer_.expires_after(opts_.connect_timeout);
        connect_timer_.async_wait(bind(&session::on_connect_timeout));
        resolver_.async_resolve(opts_.connect_address.empty() ? ep_.host : opts_.connect_address,
            ep_.port, bind_io(&session::on_resolve));
    }

    void configure_stream()
    {
        ws_->read_message_max(opts_.max_message_size);
        ws_->auto_fragment(false);

        websocket::permessage_deflate pmd;
        pmd.client_enable = opts_.permessage_deflate;
        ws_->set_option(pmd);

        // The closing handshake is bounded like the opening one; our own
        // timer bounds the whole connect, and liveness is the heartbeat's.
        websocket::stream_base::timeout to;
        to.handshake_timeout = opts_.connect_timeout;
        to.idle_timeout = websocket::stream_base::none();
        to.keep_alive_pings = false;
        ws_->set_option(to);

        ws_->set_option(websocket::stream_base::decorator(
            [ua = opts_.user_agent](websocket::request_type& req) {
                req.set(http::field::user_agent, ua);
            }));

        // Control frames (WebSocket pings and pongs) prove the peer alive too.
        // The stream is ours, so `this` outlives the callback.
        ws_->control_callback([this](websocket::frame_type, beast::string_view) {
            last_rx_ = clock::now();
        });
    }

    // True when the step should stop: a stale completion, or a failure.
    bool connect_step_failed(std::uint64_t gen, error_code ec)
    {
        if(gen != gen_ || state_ != chatlink::state::connecting)
            return true;
        if(timed_out_)
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
        timed_out_ = true;
        resolver_.cancel();
        error_code ignored;
        beast::get_lowest_layer(*ws_).socket().close(ignored);
    }

    void on_resolve(std::uint64_t gen, error_code ec, tcp::resolver::results_type results)
    {
        if(connect_step_failed(gen, ec))
            return;
        beast::get_lowest_layer(*ws_).async_connect(results, bind_io(&session::on_tcp_connect));
    }

    void on_tcp_connect(std::uint64_t gen, error_code ec, tcp::endpoint)
    {
        if(connect_step_failed(gen, ec))
            return;
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
        if(ec && ! timed_out_)
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
        ws_->async_handshake(res_, ep_.host_header, ep_.target, bind_io(&session::on_upgrade));
    }

    void on_upgrade(std::uint64_t gen, error_code ec)
    {
        if(gen != gen_ || state_ != chatlink::state::connecting)
            return;
        int const status = res_.result_int();
        http_status_ = status;
        res_ = {}; // its header fields would stay allocated for the connection's life
        if(! timed_out_ && ec && status != 0 && status != 101)
        {
            log(log_level::error, "upgrade refused: HTTP " + std::to_string(status));
            error_code const ec2 = (status == 401 || status == 403)
                ? error::auth_rejected : error::handshake_failed;
            note_detail(ec2, "HTTP " + std::to_string(status));
            return fail_connect(ec2);
        }
        if(connect_step_failed(gen, ec))
            return;

        connect_timer_.cancel();
        opened_at_ = last_rx_ = clock::now();
        set_state(chatlink::state::open);
        log(log_level::info, "open " + ep_.redacted);
        do_read();
        start_heartbeat();

        // Sends made by these handlers run at once and go first (a
        // re-subscription, say); the held sends follow, in order.
        emit(open_handlers_);
        flush_held();
        if(connect_handler_)
            complete(take(connect_handler_), error_code{});
    }

    // A failure before any I/O (no token, a bad URL): as a failed attempt.
    void fail_attempt_before_io(error_code ec)
    {
        ++gen_;
        log(log_level::error, "cannot connect: " + error_name(ec));
        finish_connect_call(take(connect_handler_), ec);
        after_failure(ec, std::nullopt);
    }

    void fail_connect(error_code ec)
    {
        ++gen_; // Whatever is still pending for this attempt is now stale.
        connect_timer_.cancel();
        resolver_.cancel();
        if(ws_)
        {
            error_code ignored;
            beast::get_lowest_layer(*ws_).socket().close(ignored);
        }
        if(ec == net::error::operation_aborted)
        {
            // close() or the destructor.
            finish_connect_call(take(connect_handler_), ec);
            return stop(net::error::operation_aborted);
        }
        log(log_level::error, "connect failed: " + error_name(ec) + " (" + ec.message() + ")");
        finish_connect_call(take(connect_handler_), ec);
        after_failure(ec, std::nullopt);
    }

    void finish_connect_call(connect_handler h, error_code ec)
    {
        if(h)
            complete(std::move(h), ec);
        else if(ec && ec != net::error::operation_aborted)
            emit_error(ec);
    }

    //--------------------------------------------------------------------------
    // Reconnect

    // After a failed attempt or a connection that ended unasked: ask the
    // policy, then wait, or give up.
    void after_failure(error_code cause, std::optional<std::uint16_t> code)
    {
        note_error(cause);
        if(detached_ || stop_requested_)
            return stop(net::error::operation_aborted);
        ++retry_;
        auto const delay = policy_->next_delay(retry_, cause, classify(cause, code));
        if(! delay)
            return give_up(cause);
        set_state(chatlink::state::waiting);
        reconnect_info info;
        info.attempt = retry_ + 1;
        info.delay = *delay;
        info.cause = cause;
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

    // The end: nothing more happens until connect() or start().
    void stop(error_code held_result)
    {
        ++wait_gen_;
        retry_timer_.cancel();
        set_state(chatlink::state::stopped);
        abort_queued(held_result);
    }

    //--------------------------------------------------------------------------
    // Heartbeat

    std::chrono::milliseconds liveness_timeout() const noexcept
    {
        auto const& hb = opts_.heartbeat;
        return hb.timeout.count() > 0 ? hb.timeout : 2 * hb.interval;
    }

    // One timer per connection does both jobs: it fires at the next ping or
    // at the liveness deadline, whichever comes first. On an io_context run
    // by one thread that timer is a slot in the io_context's timer_wheel, and
    // Asio's timer heap holds none of them (timer_wheel.hpp).
    //
    // Timer coalescing: the deadline is rounded up to a grid shared by every
    // client in the process, 1/32 of the shorter period and at most 250 ms
    // (a 25 s heartbeat is late by at most 1%). A process holding many
    // connections then wakes once per grid step for all the deadlines in it,
    // rather than once per connection, and the wheel keeps one bucket per
    // grid step. One connection sees no difference.
    static clock::time_point coalesce(clock::time_point t, std::chrono::milliseconds period) noexcept
    {
        clock::duration const slack = std::min<clock::duration>(std::chrono::milliseconds(250), period / 32);
        if(slack <= clock::duration::zero())
            return t;
        auto const r = t.time_since_epoch() % slack;
        return r == clock::duration::zero() ? t : t + (slack - r);
    }

    bool pinging() const noexcept { return opts_.heartbeat.interval.count() > 0; }
    bool watching() const noexcept { return liveness_timeout().count() > 0; }

    void arm_heartbeat()
    {
        auto const interval = opts_.heartbeat.interval;
        auto const timeout = liveness_timeout();
        clock::time_point next = clock::time_point::max();
        std::chrono::milliseconds period = interval;
        if(pinging() && state_ == chatlink::state::open)
            next = ping_due_;
        if(watching())
        {
            next = std::min(next, last_rx_ + timeout);
            period = pinging() ? std::min(interval, timeout) : timeout;
        }
        if(next == clock::time_point::max())
            return;
        heartbeat_timer_.expires_at(coalesce(next, period));
        heartbeat_timer_.async_wait(bind(&session::on_heartbeat_timer));
    }

    void start_heartbeat()
    {
        ping_due_ = clock::now() + opts_.heartbeat.interval;
        arm_heartbeat();
    }

    // The liveness check reads the time stamp the read path leaves: the
    // timer is re-armed only when it fires, never per message.
    void on_heartbeat_timer(std::uint64_t gen, error_code ec)
    {
        if(ec || gen != gen_ ||
            (state_ != chatlink::state::open && state_ != chatlink::state::closing))
            return;
        auto const now = clock::now();
        if(watching() && now >= last_rx_ + liveness_timeout())
        {
            // No closing handshake can complete with a dead peer: drop the
            // TCP connection; the read loop then reports the end.
            log(log_level::warning, "nothing received for " +
                std::to_string(liveness_timeout().count()) + " ms: the connection is dead");
            dead_ = true;
            error_code ignored;
            beast::get_lowest_layer(*ws_).socket().close(ignored);
            return;
        }
        if(pinging() && state_ == chatlink::state::open && now >= ping_due_)
        {
            if(! ping_sent_at_)
                ping_sent_at_ = now;
            send_internal(opts_.heartbeat.ping);
            ping_due_ = now + opts_.heartbeat.interval;
        }
        arm_heartbeat();
    }

    void on_pong()
    {
        if(! ping_sent_at_)
            return;
        auto const rtt = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - *ping_sent_at_);
        ping_sent_at_.reset();
        last_rtt_us_ = rtt.count();
        emit(heartbeat_handlers_, rtt);
    }

    //--------------------------------------------------------------------------
    // Read

    void do_read()
    {
        reading_ = true;
        ws_->async_read(buffer_, bind_io(&session::on_read));
    }

    void start_close(websocket::close_reason const& cr)
    {
        close_pending_ = true;
        ws_->async_close(cr, bind_io(&session::on_close_done));
        // Beast's own close timeout starts only once the close frame can be
        // written: behind a write that a server which stopped reading never
        // takes, it would wait forever. And once the close completes, the
        // read loop may still wait for a peer that never closes TCP. Bound
        // the whole end of the connection here.
        connect_timer_.expires_after(opts_.connect_timeout);
        connect_timer_.async_wait(bind(&session::on_close_timeout));
    }

    // The connection has not ended in time: the closing handshake, or the
    // read loop after it (a peer that never closes TCP), is stuck.
    void on_close_timeout(std::uint64_t gen, error_code ec)
    {
        if(ec || gen != gen_)
            return;
        log(log_level::warning, "the closing handshake did not finish in " +
            std::to_string(opts_.connect_timeout.count()) + " ms: dropping the connection");
        close_timed_out_ = true;
        error_code ignored;
        beast::get_lowest_layer(*ws_).socket().close(ignored);
        // Closing the socket completes every operation waiting on it. Seen
        // under load with a write in flight when close() was called: Beast's
        // operations were parked on each other's locks, not on the socket,
        // and nothing woke them. If the connection has not ended shortly
        // after, end it here.
        connect_timer_.expires_after(std::chrono::milliseconds(200));
        connect_timer_.async_wait(bind(&session::on_end_stuck));
    }

    void on_end_stuck(std::uint64_t gen, error_code ec)
    {
        if(ec || gen != gen_)
            return;
        log(log_level::warning, "the connection's operations did not end after its socket was closed: ending it");
        stuck_gen_ = gen_;
        settle_corked(lost_error());
        if(writing_)
        {
            // Its completion will never come (and is ignored if it does).
            writing_ = false;
            auto op = std::move(queue_.front());
            queue_.pop_front();
            update_queue_depth();
            if(! op.internal)
                finish_send(std::move(op.handler), lost_error(), 0);
        }
        reading_ = false;
        close_pending_ = false;
        auto const ended = gen_ + 1;
        on_connection_end(read_ec_ ? read_ec_ : error_code(net::error::connection_reset));
        // Nothing will use this stream again (no new attempt started from a
        // handler): destroying it frees the parked operations, their handlers
        // and the work they hold on the executor.
        if(gen_ == ended && state_ == chatlink::state::stopped)
            ws_.reset();
    }

    void on_close_done(std::uint64_t gen, error_code ec)
    {
        if(gen != gen_)
            return;
        close_pending_ = false;
        close_ec_ = ec;
        if(ec && ec != net::error::operation_aborted)
            log(log_level::debug, "closing handshake: " + ec.message());
        maybe_end();
    }

    void maybe_end()
    {
        if(! reading_ && ! close_pending_)
            on_connection_end(read_ec_);
    }

    void on_read(std::uint64_t gen, error_code ec, std::size_t n)
    {
        if(gen != gen_)
            return;
        if(ec)
        {
            reading_ = false;
            read_ec_ = ec;
            if(ec == websocket::error::buffer_overflow && ! close_pending_ && ! dead_)
            {
                // The message outgrew the bounded buffer (possible with
                // compression): fail the connection as Beast does for
                // read_message_max, with 1009.
                too_big_ = true;
                set_state(chatlink::state::closing);
                start_close(websocket::close_code::too_big);
            }
            return maybe_end();
        }

        last_rx_ = clock::now();
        bump(messages_received_, 1);
        bump(bytes_received_, n);
        if(ws_->got_text())
            on_text(static_cast<char const*>(buffer_.data().data()), buffer_.size());
        else
            reject_message("binary frame");
        buffer_.consume(buffer_.size());
        do_read();
    }

    void reject_message(char const* what)
    {
        log(log_level::warning, std::string("ignored a message that is not a JSON object: ") + what);
        emit_error(error::bad_message);
    }

    void on_text(char const* data, std::size_t size)
    {
        parser_.reset();
        error_code ec;
        parser_.write(data, size, ec);
        if(ec)
            return reject_message("not JSON");
        boost::json::value const v = parser_.release();
        if(! v.is_object())
            return reject_message("not an object");
        got_message_ = true;

        auto const* type = v.get_object().if_contains("type");
        boost::json::string const* type_str = type ? type->if_string() : nullptr;
        if(type_str)
        {
            if(*type_str == "pong")
                on_pong();
            else if(*type_str == "ping" && opts_.heartbeat.auto_pong && state_ == chatlink::state::open)
                send_internal(opts_.heartbeat.pong);
        }

        emit(message_handlers_, v);
        if(! type_str || type_handlers_.empty() || detached_)
            return;
        auto it = type_handlers_.find(std::string(*type_str));
        if(it != type_handlers_.end())
            emit(it->second, v);
    }

    //--------------------------------------------------------------------------
    // Close

    void on_connection_end(error_code ec)
    {
        ++gen_;
        settle_corked(lost_error());
        heartbeat_timer_.cancel();
        connect_timer_.cancel(); // the closing handshake's bound
        close_info info;
        info.requested = close_requested_;
        auto const& peer = ws_->reason();
        if(close_requested_)
        {
            // We asked: report the code the peer answered with (ours if the
            // handshake completed without one), or a lost connection if the
            // handshake itself failed.
            if(peer.code != websocket::close_code::none)
            {
                info.code = peer.code;
                info.reason.assign(peer.reason.data(), peer.reason.size());
            }
            else if(close_timed_out_)
                info.error = error::connection_lost;
            else if(! close_ec_)
                info.code = close_code_;
            else if(close_ec_ != net::error::operation_aborted)
                info.error = error::connection_lost;
        }
        else if(dead_)
        {
            info.error = error::heartbeat_timeout;
        }
        else if(ec == websocket::error::closed)
        {
            info.code = peer.code;
            info.reason.assign(peer.reason.data(), peer.reason.size());
            bool const auth = peer.code == websocket::close_code::policy_error || peer.code == 4401;
            if(auth && ! got_message_)
                info.error = error::auth_rejected;
            else
                info.error = error::closed_by_server;
        }
        else if(too_big_ || ec == websocket::error::message_too_big)
        {
            info.code = websocket::close_code::too_big;
            info.error = error::message_too_big;
        }
        else if(ec == websocket::condition::protocol_violation)
        {
            // Beast failed the connection (RFC 6455 section 7.1.7) with the
            // close code the violation calls for.
            info.code = ec == websocket::error::bad_frame_payload ?
                websocket::close_code::bad_payload : websocket::close_code::protocol_error;
            info.error = error::protocol_error;
            log(log_level::warning, "the server broke the protocol: " + ec.message());
        }
        else
        {
            info.error = error::connection_lost;
            log(log_level::warning, "connection lost: " + ec.message());
        }

        // The stream is finished; make sure the socket is released now.
        error_code ignored;
        beast::get_lowest_layer(*ws_).socket().close(ignored);

        log(log_level::info, "closed: code " +
            (info.code ? std::to_string(*info.code) : std::string("none")) +
            ", " + (info.error ? error_name(info.error) : std::string("requested")));

        if(close_requested_)
        {
            stop(net::error::operation_aborted);
            emit(close_handlers_, info);
            return;
        }

        // Sends not yet written wait for the next connection, in order; the
        // one being written completes with its own result and is not resent.
        hold_unsent();
        if(clock::now() - opened_at_ >= opts_.reconnect_reset_after)
            retry_ = 0;
        set_state(chatlink::state::waiting);
        emit(close_handlers_, info);
        if(state_ == chatlink::state::waiting) // unless a handler closed the client
            after_failure(info.error, info.code);
    }

    void do_close(std::uint16_t code, std::string const& reason)
    {
        stop_requested_ = true;
        switch(state_.load())
        {
        case chatlink::state::connecting:
            close_requested_ = true;
            fail_connect(net::error::operation_aborted);
            break;
        case chatlink::state::waiting:
            stop(net::error::operation_aborted);
            break;
        case chatlink::state::open:
        {
            close_requested_ = true;
            close_code_ = code;
            set_state(chatlink::state::closing);
            abort_queued(net::error::operation_aborted);
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
        abort_queued(net::error::operation_aborted);
        open_handlers_.clear();
        message_handlers_.clear();
        type_handlers_.clear();
        close_handlers_.clear();
        error_handlers_.clear();
        give_up_handlers_.clear();
        state_handlers_.clear();
        reconnect_handlers_.clear();
        heartbeat_handlers_.clear();
    }

    //--------------------------------------------------------------------------
    // Send

    void do_send(std::string text, send_handler h)
    {
        if(detached_)
            return finish_send(std::move(h), net::error::operation_aborted, 0);
        auto const s = state_.load();
        bool const can_hold = s == chatlink::state::connecting || s == chatlink::state::waiting;
        if(s != chatlink::state::open && ! can_hold)
            return finish_send(std::move(h), error::not_connected, 0);
        std::size_t const pending = queue_.size() - (writing_ ? 1 : 0) + held_.size();
        if(pending >= opts_.max_queued)
            return finish_send(std::move(h), opts_.max_queued == 0 && can_hold
                ? error_code(error::not_connected) : error_code(error::queue_full), 0);
        if(can_hold)
            held_.emplace_back(std::move(text), std::move(h));
        else
        {
            queue_.emplace_back(std::move(text), std::move(h));
            if(! writing_)
                do_write();
        }
        update_queue_depth();
    }

    void send_internal(std::string const& text)
    {
        queue_.emplace_back(text, send_handler(), true);
        if(! writing_)
            do_write();
    }

    void flush_held()
    {
        if(held_.empty() || state_ != chatlink::state::open)
            return;
        for(auto& op : held_)
            queue_.push_back(std::move(op));
        held_.clear();
        if(! writing_)
            do_write();
    }

    // Move what was not written yet back to the front of the held sends.
    void hold_unsent()
    {
        std::size_t const keep = writing_ ? 1 : 0;
        while(queue_.size() > keep)
        {
            if(! queue_.back().internal)
                held_.push_front(std::move(queue_.back()));
            queue_.pop_back();
        }
        update_queue_depth();
    }

    void do_write()
    {
        writing_ = true;
        ws_->text(true);
        // With another message queued behind this one, the layer may keep
        // this one and write both (or more) together.
        ws_->next_layer().cork_next(queue_.size() > 1);
        ws_->async_write(net::buffer(queue_.front().text), bind_io(&session::on_write));
    }

    void on_write(std::uint64_t gen, error_code ec, std::size_t n)
    {
        if(gen == stuck_gen_)
            return; // on_end_stuck completed this write already
        writing_ = false;
        auto op = std::move(queue_.front());
        queue_.pop_front();
        error_code const lost = lost_error();
        if(ec)
        {
            ec = lost;
            // A failed write leaves the stream unusable: end the connection
            // (the read loop then reports it) rather than write on.
            if(gen == gen_)
            {
                error_code ignored;
                beast::get_lowest_layer(*ws_).socket().close(ignored);
            }
        }
        else if(ws_ && ws_->next_layer().unflushed())
        {
            // Corked: its bytes wait in the layer for the next write, and it
            // completes when they are written (settle_corked).
            if(gen == gen_)
            {
                op.end = ws_->next_layer().accepted();
                corked_.push_back(std::move(op));
                if(! queue_.empty() && state_ == chatlink::state::open)
                    do_write();
                return;
            }
            ec = lost; // its connection ended before they were
        }
        // Every corked byte before this write's has been written, or never will be.
        settle_corked(ec);
        if(! ec)
            count_sent(n);
        update_queue_depth();
        if(! op.internal)
            finish_send(std::move(op.handler), ec, ec ? 0 : n);
        // After a failure the rest waits for the next connection (hold_unsent).
        // A completion above may have started the next write already.
        if(! ec && ! writing_ && ! queue_.empty() && state_ == chatlink::state::open)
            do_write();
    }

    // What a send that did not reach the socket completes with: the app's
    // close() aborted it, or the connection was lost under it.
    error_code lost_error() const noexcept
    {
        return close_requested_ ? error_code(net::error::operation_aborted) : error_code(error::connection_lost);
    }

    void count_sent(std::size_t n) noexcept
    {
        bump(messages_sent_, 1);
        bump(bytes_sent_, n);
    }

    // Complete the corked sends whose bytes the layer has written, in order;
    // with `lost` set, complete the others with it.
    void settle_corked(error_code lost)
    {
        std::uint64_t const flushed = ws_ ? ws_->next_layer().flushed() : 0;
        while(! corked_.empty())
        {
            error_code ec;
            if(corked_.front().end > flushed)
            {
                if(! lost)
                    break;
                ec = lost;
            }
            auto op = std::move(corked_.front());
            corked_.pop_front();
            update_queue_depth();
            std::size_t const n = ec ? 0 : op.text.size();
            if(! ec)
                count_sent(n);
            if(! op.internal)
                finish_send(std::move(op.handler), ec, n);
        }
    }

    // Complete every queued or held send except the one being written, in
    // the order they were made.
    void abort_queued(error_code ec)
    {
        std::size_t const keep = writing_ ? 1 : 0;
        std::vector<outgoing> done;
        while(queue_.size() > keep)
        {
            done.push_back(std::move(queue_[keep]));
            queue_.erase_at(keep);
        }
        for(auto& op : held_)
            done.push_back(std::move(op));
        held_.clear();
        update_queue_depth();
        for(auto& op : done)
            if(! op.internal)
                finish_send(std::move(op.handler), ec, 0);
    }

    void finish_send(send_handler h, error_code ec, std::size_t n)
    {
        if(h)
            complete(std::move(h), ec, n);
        else if(ec && ec != net::error::operation_aborted)
            emit_error(ec);
    }
};

} // namespace detail
} // namespace chatlink

#endif
