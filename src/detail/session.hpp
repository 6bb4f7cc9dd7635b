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
#include <chatlink/error.hpp>
#include <chatlink/url.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parser.hpp>

#include <atomic>
#include <deque>
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

// What differs between ws:// and wss:// lives in layer<NextLayer>: the plain
// one is below; the TLS one is in session_tls.cpp, the only translation unit
// that includes OpenSSL. The session itself is written once.
template<class NextLayer>
struct layer;

template<>
struct layer<beast::tcp_stream>
{
    static constexpr bool secure = false;

    explicit layer(client_options const&) {}

    template<class Executor>
    void emplace(std::optional<websocket::stream<beast::tcp_stream>>& ws, Executor const& ex)
    {
        ws.emplace(ex);
    }
};

inline bool is_loopback_host(std::string const& host)
{
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

template<class NextLayer>
class session
    : public session_iface
    , public std::enable_shared_from_this<session<NextLayer>>
{
    using ws_type = websocket::stream<NextLayer>;
    using strand_type = net::strand<net::any_io_executor>;
    using json_handler = std::function<void(boost::json::value const&)>;
    using layer_type = layer<NextLayer>;

    struct outgoing
    {
        std::string text;
        send_handler handler;
    };

    strand_type strand_;
    client_options opts_;
    layer_type layer_;
    bool warned_plain_token_ = false;
    tcp::resolver resolver_;
    net::steady_timer connect_timer_;
    std::optional<ws_type> ws_;
    beast::flat_buffer buffer_;
    websocket::response_type res_;
    boost::json::parser parser_;
    endpoint ep_;

    std::deque<outgoing> queue_; // front() is being written when writing_
    bool writing_ = false;
    connect_handler connect_handler_;

    // Each connection attempt gets a generation; completions of an earlier
    // attempt's operations see a different generation and do nothing.
    std::uint64_t gen_ = 0;
    bool timed_out_ = false;
    bool close_requested_ = false;
    std::uint16_t close_code_ = 1000;
    bool got_message_ = false;
    bool too_big_ = false;

    // A connection ends when both its read loop and our closing handshake
    // (if we started one) have completed; either may finish first.
    bool reading_ = false;
    bool close_pending_ = false;
    error_code read_ec_;
    error_code close_ec_;

    std::atomic<chatlink::state> state_{chatlink::state::idle};
    std::atomic<int> http_status_{0};
    std::atomic<bool> detached_{false};

    std::vector<std::function<void()>> open_handlers_;
    std::vector<json_handler> message_handlers_;
    std::unordered_map<std::string, std::vector<json_handler>> type_handlers_;
    std::vector<std::function<void(close_info const&)>> close_handlers_;
    std::vector<std::function<void(error_code)>> error_handlers_;

public:
    session(net::any_io_executor ex, client_options opts)
        : strand_(net::make_strand(ex))
        , opts_(std::move(opts))
        , layer_(opts_)
        , resolver_(strand_)
        , connect_timer_(strand_)
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

    void async_send(std::string text, send_handler h) override
    {
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

    void add_open_handler(std::function<void()> f) override
    {
        run([f = std::move(f)](session& s) mutable { s.open_handlers_.push_back(std::move(f)); });
    }

    void add_message_handler(json_handler f) override
    {
        run([f = std::move(f)](session& s) mutable { s.message_handlers_.push_back(std::move(f)); });
    }

    void add_type_handler(std::string type, json_handler f) override
    {
        run([type = std::move(type), f = std::move(f)](session& s) mutable {
            s.type_handlers_[type].push_back(std::move(f));
        });
    }

    void add_close_handler(std::function<void(close_info const&)> f) override
    {
        run([f = std::move(f)](session& s) mutable { s.close_handlers_.push_back(std::move(f)); });
    }

    void add_error_handler(std::function<void(error_code)> f) override
    {
        run([f = std::move(f)](session& s) mutable { s.error_handlers_.push_back(std::move(f)); });
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

private:
    template<class F>
    void run(F&& f)
    {
        net::post(strand_, [self = this->shared_from_this(), f = std::forward<F>(f)]() mutable {
            f(*self);
        });
    }

    template<class Fn>
    auto bind(Fn fn)
    {
        return beast::bind_front_handler(fn, this->shared_from_this(), gen_);
    }

    // Complete an operation's handler on its associated executor. We are on
    // the strand, never inside the initiating call, so dispatch is allowed.
    template<class Handler, class... Args>
    void complete(Handler h, Args... args)
    {
        auto ex = net::get_associated_executor(h, strand_);
        net::dispatch(ex, [h = std::move(h), args...]() mutable { std::move(h)(args...); });
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

    void emit_error(error_code ec)
    {
        for(auto& h : error_handlers_)
        {
            if(detached_)
                return;
            h(ec);
        }
    }

    //--------------------------------------------------------------------------
    // Connect

    void do_connect(std::string token, connect_handler h)
    {
        if(detached_)
            return finish_connect_call(std::move(h), net::error::operation_aborted);
        auto const s = state_.load();
        if(s == chatlink::state::connecting || s == chatlink::state::open ||
            s == chatlink::state::closing)
            return finish_connect_call(std::move(h), error::already_connected);

        error_code ec;
        ep_ = make_endpoint(opts_.url, token, opts_.path, opts_.token_param, ec);
        if(ec)
        {
            log(log_level::error, "invalid server URL");
            return finish_connect_call(std::move(h), ec);
        }
        if(ep_.secure != layer_type::secure)
        {
            // The stream type was chosen from the same URL at construction.
            log(log_level::error, "the URL's scheme does not match this client: " + ep_.redacted);
            return finish_connect_call(std::move(h), error::invalid_url);
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

        ++gen_;
        timed_out_ = false;
        close_requested_ = false;
        got_message_ = false;
        too_big_ = false;
        reading_ = false;
        close_pending_ = false;
        read_ec_ = {};
        close_ec_ = {};
        http_status_ = 0;
        res_ = {};
        buffer_.clear();
        connect_handler_.swap(h);
        state_ = chatlink::state::connecting;

        // Every attempt gets a fresh stream.
        layer_.emplace(ws_, strand_);
        configure_stream();

        log(log_level::info, "connecting to " + ep_.redacted);
        connect_timer_.expires_after(opts_.connect_timeout);
        connect_timer_.async_wait(bind(&session::on_connect_timeout));
        resolver_.async_resolve(opts_.connect_address.empty() ? ep_.host : opts_.connect_address,
            ep_.port, bind(&session::on_resolve));
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
        beast::get_lowest_layer(*ws_).async_connect(results, bind(&session::on_tcp_connect));
    }

    void on_tcp_connect(std::uint64_t gen, error_code ec, tcp::endpoint)
    {
        if(connect_step_failed(gen, ec))
            return;
        if constexpr(layer_type::secure)
        {
            if(auto ec2 = layer_.prepare(*ws_, ep_))
                return fail_connect(ec2);
            layer_.async_handshake(*ws_, bind(&session::on_tls_handshake));
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
                return fail_connect(error::tls_verify_failed);
            }
        }
        if(connect_step_failed(gen, ec))
            return;
        start_upgrade();
    }

    void start_upgrade()
    {
        ws_->async_handshake(res_, ep_.host_header, ep_.target, bind(&session::on_upgrade));
    }

    void on_upgrade(std::uint64_t gen, error_code ec)
    {
        if(gen != gen_ || state_ != chatlink::state::connecting)
            return;
        int const status = res_.result_int();
        http_status_ = status;
        if(! timed_out_ && ec && status != 0 && status != 101)
        {
            log(log_level::error, "upgrade refused: HTTP " + std::to_string(status));
            return fail_connect((status == 401 || status == 403)
                ? error::auth_rejected : error::handshake_failed);
        }
        if(connect_step_failed(gen, ec))
            return;

        connect_timer_.cancel();
        state_ = chatlink::state::open;
        log(log_level::info, "open " + ep_.redacted);
        do_read();

        for(auto& f : open_handlers_)
        {
            if(detached_)
                break;
            f();
        }
        if(connect_handler_)
            complete(take(connect_handler_), error_code{});
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
        state_ = chatlink::state::closed;
        if(ec != net::error::operation_aborted)
            log(log_level::error, "connect failed: " + error_name(ec) + " (" + ec.message() + ")");
        finish_connect_call(take(connect_handler_), ec);
    }

    void finish_connect_call(connect_handler h, error_code ec)
    {
        if(h)
            complete(std::move(h), ec);
        else if(ec && ec != net::error::operation_aborted)
            emit_error(ec);
    }

    //--------------------------------------------------------------------------
    // Read

    void do_read()
    {
        reading_ = true;
        ws_->async_read(buffer_, bind(&session::on_read));
    }

    void start_close(websocket::close_reason const& cr)
    {
        close_pending_ = true;
        ws_->async_close(cr, bind(&session::on_close_done));
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

    void on_read(std::uint64_t gen, error_code ec, std::size_t)
    {
        if(gen != gen_)
            return;
        if(ec)
        {
            reading_ = false;
            read_ec_ = ec;
            if(ec == websocket::error::buffer_overflow && ! close_pending_)
            {
                // The message outgrew the bounded buffer (possible with
                // compression): fail the connection as Beast does for
                // read_message_max, with 1009.
                too_big_ = true;
                state_ = chatlink::state::closing;
                start_close(websocket::close_code::too_big);
            }
            return maybe_end();
        }

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

        for(auto& f : message_handlers_)
        {
            if(detached_)
                return;
            f(v);
        }
        auto const* type = v.get_object().if_contains("type");
        if(! type || ! type->is_string() || type_handlers_.empty())
            return;
        auto it = type_handlers_.find(std::string(type->get_string()));
        if(it == type_handlers_.end())
            return;
        for(auto& f : it->second)
        {
            if(detached_)
                return;
            f(v);
        }
    }

    //--------------------------------------------------------------------------
    // Close

    void on_connection_end(error_code ec)
    {
        ++gen_;
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
            else if(! close_ec_)
                info.code = close_code_;
            else if(close_ec_ != net::error::operation_aborted)
                info.error = error::connection_lost;
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
        else
        {
            info.error = error::connection_lost;
            log(log_level::warning, "connection lost: " + ec.message());
        }

        // The stream is finished; make sure the socket is released now.
        error_code ignored;
        beast::get_lowest_layer(*ws_).socket().close(ignored);
        state_ = chatlink::state::closed;
        abort_queued(close_requested_ ? error_code(net::error::operation_aborted) : info.error);

        log(log_level::info, "closed: code " +
            (info.code ? std::to_string(*info.code) : std::string("none")) +
            ", " + (info.error ? error_name(info.error) : std::string("requested")));
        for(auto& f : close_handlers_)
        {
            if(detached_)
                break;
            f(info);
        }
    }

    void do_close(std::uint16_t code, std::string const& reason)
    {
        switch(state_.load())
        {
        case chatlink::state::connecting:
            close_requested_ = true;
            fail_connect(net::error::operation_aborted);
            break;
        case chatlink::state::open:
            close_requested_ = true;
            close_code_ = code;
            state_ = chatlink::state::closing;
            abort_queued(net::error::operation_aborted);
        {
            // A close reason holds at most 123 bytes (RFC 6455 5.5.1).
            websocket::close_reason cr;
            cr.code = code;
            cr.reason.assign(reason.data(), std::min<std::size_t>(reason.size(), cr.reason.max_size()));
            start_close(cr);
        }
            break;
        default:
            break;
        }
    }

    void do_shutdown()
    {
        auto const s = state_.load();
        if(s == chatlink::state::connecting || s == chatlink::state::open)
            do_close(websocket::close_code::going_away, "going away");
        abort_queued(net::error::operation_aborted);
        open_handlers_.clear();
        message_handlers_.clear();
        type_handlers_.clear();
        close_handlers_.clear();
        error_handlers_.clear();
    }

    //--------------------------------------------------------------------------
    // Send

    void do_send(std::string text, send_handler h)
    {
        if(detached_)
            return finish_send(std::move(h), net::error::operation_aborted, 0);
        if(state_ != chatlink::state::open)
            return finish_send(std::move(h), error::not_connected, 0);
        queue_.push_back(outgoing{std::move(text), std::move(h)});
        if(! writing_)
            do_write();
    }

    void do_write()
    {
        writing_ = true;
        ws_->text(true);
        ws_->async_write(net::buffer(queue_.front().text), bind(&session::on_write));
    }

    void on_write(std::uint64_t, error_code ec, std::size_t n)
    {
        writing_ = false;
        auto op = std::move(queue_.front());
        queue_.pop_front();
        if(ec)
            ec = close_requested_ ? error_code(net::error::operation_aborted)
                                  : error_code(error::connection_lost);
        finish_send(std::move(op.handler), ec, n);
        if(! queue_.empty() && state_ == chatlink::state::open)
            do_write();
    }

    // Complete every queued send except the one being written.
    void abort_queued(error_code ec)
    {
        std::size_t const keep = writing_ ? 1 : 0;
        while(queue_.size() > keep)
        {
            auto op = std::move(queue_.back());
            queue_.pop_back();
            // Complete in the order the sends were made: collect first.
            aborted_.push_back(std::move(op));
        }
        while(! aborted_.empty())
        {
            auto op = std::move(aborted_.back());
            aborted_.pop_back();
            finish_send(std::move(op.handler), ec, 0);
        }
    }
    std::vector<outgoing> aborted_;

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
