//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_CLIENT_HPP
#define CHATLINK_CLIENT_HPP

#include <chatlink/client_options.hpp>
#include <chatlink/config.hpp>
#include <chatlink/detail/session_fwd.hpp>
#include <chatlink/error.hpp>
#include <chatlink/state.hpp>
#include <chatlink/subscription.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace chatlink {

/** An asynchronous chat client over WebSocket (ws://).

    The client is driven by the application's `io_context` (or any
    executor). It connects with a token, delivers every JSON message to the
    registered handlers, sends through a single write queue, and reports
    every failure through an `error_code`.

    All handlers, event handlers and completion handlers alike, run on the
    client's strand (`get_executor()`), and none is ever invoked from inside
    the call that registered it or started an operation. An exception thrown
    by a handler propagates out of `io_context::run()`.

    @par Thread Safety
    Distinct objects: safe. Shared objects: every member function may be
    called from any thread; calls are serialised on the client's strand in
    the order they were made from one thread.

    @par Order
    Calls take effect in the order they were made from one thread: at once
    when made on the client's executor (from one of its handlers), in call
    order on the executor otherwise. Sends complete in the order they were
    made, whatever their result.

    @par Lifetime
    Destroying the client is safe at any time: no event handler
    (`on_open`, `on_message`, `on`, `on_close`, `on_error`) runs after the
    destructor returns (called off the client's executor, the destructor
    waits for a handler already running on another thread to return, so it
    must not be called while holding what such a handler waits for), the
    connection is closed
    (1001, "going away", if it was open), and outstanding `async_*`
    operations complete with `net::error::operation_aborted`.

    @par Moved-from clients
    A moved-from client is `stopped`: its observers are safe, its event
    handlers are dropped, and its operations complete with
    `net::error::bad_descriptor` (as a moved-from Asio socket's do) on the
    executor it was made on.
*/
class CHATLINK_DECL client
{
public:
    /// The type of the executor all handlers run on (a strand).
    using executor_type = net::any_io_executor;

    /** Construct a client. Performs no I/O.

        @param ex The executor to run on. The client makes its own strand
        from it, so `run()` may be called from several threads; except for
        the executor of an `io_context` made with concurrency hint 1, which
        Asio documents as run by one thread only: that executor is already a
        strand, and the client uses it as it is (faster, see
        docs/benchmarks.md).
        @param opts The client's settings.
    */
    explicit client(executor_type ex, client_options opts = {});

    /** Construct a client on an execution context (such as an `io_context`).
        Performs no I/O.

        @param ctx The context; the client runs on its executor, as with the
        executor constructor.
        @param opts The client's settings.
    */
    template<class ExecutionContext,
        class = std::enable_if_t<std::is_convertible<
            ExecutionContext&, net::execution_context&>::value>>
    explicit client(ExecutionContext& ctx, client_options opts = {})
        : client(executor_type(ctx.get_executor()), std::move(opts))
    {
    }

    /** Move constructor: `other`'s connection and handlers now belong to
        this client.

        @param other The client to move from.
    */
    client(client&& other) noexcept;

    /** Move assignment: this client's own connection is closed as by the
        destructor, then it takes over `other`'s.

        @param other The client to move from.
        @return `*this`.
    */
    client& operator=(client&& other) noexcept;
    client(client const&) = delete;
    client& operator=(client const&) = delete;

    /// Close the connection and detach every handler (see Lifetime).
    ~client();

    /** Return the executor all handlers run on.

        @return The client's strand (or the one-thread `io_context`'s executor).
    */
    executor_type get_executor() const noexcept;

    //--------------------------------------------------------------------------
    // Events

    /** Add a handler called each time a connection opens, before sends held
        while not open are written.

        @param handler Called as `void()`.
        @return What removes the handler.
    */
    subscription on_open(std::function<void()> handler);

    /** Add a handler called with every JSON object the server sends.

        @param handler Called as `void(boost::json::value const& msg)`; `msg`
        is valid during the call only.
        @return What removes the handler.
    */
    subscription on_message(std::function<void(boost::json::value const&)> handler);

    /** Add a handler for messages whose `"type"` field equals `type`.

        Type handlers run after the `on_message` handlers, in registration
        order.

        @param type The value of the message's `"type"` field.
        @param handler Called as `void(boost::json::value const& msg)`.
        @return What removes the handler.
    */
    subscription on(std::string type, std::function<void(boost::json::value const&)> handler);

    /** Add a handler for text messages as they are, unparsed: every text
        message when `client_options::format` is `message_format::text`;
        with `json`, the text messages that are not JSON objects (before
        they are reported as `error::bad_message`).

        @param handler Called as `void(std::string_view text)`; `text` is
        valid during the call only.
        @return What removes the handler.
    */
    subscription on_text(std::function<void(std::string_view)> handler);

    /** Add a handler for binary messages (with `message_format::json`, they
        are then reported as `error::bad_message`).

        @param handler Called as `void(std::string_view bytes)`; the bytes
        are valid during the call only.
        @return What removes the handler.
    */
    subscription on_binary(std::function<void(std::string_view)> handler);

    /** Add a handler called once each time an open connection ends.

        @param handler Called as `void(close_info const& info)`: how it ended.
        @return What removes the handler.
    */
    subscription on_close(std::function<void(close_info const&)> handler);

    /** Add a handler for errors that do not end the connection (such as
        `error::bad_message`), for every failed connection attempt, and for
        failures of `send` calls made without a completion token.

        @param handler Called as `void(error_code ec)`.
        @return What removes the handler.
    */
    subscription on_error(std::function<void(error_code)> handler);

    /** Add a handler called when the client stops for good on its own: the
        reconnect policy gave up (with the cause), or the user logged out
        (`error::not_logged_in`).

        @param handler Called as `void(error_code cause)`.
        @return What removes the handler.
    */
    subscription on_give_up(std::function<void(error_code)> handler);

    /** Add a handler called on every state change.

        @param handler Called as `void(chatlink::state s)` with the new state.
        @return What removes the handler.
    */
    subscription on_state_change(std::function<void(chatlink::state)> handler);

    /** Add a handler called when a reconnect is scheduled.

        @param handler Called as `void(reconnect_info const& info)`: the
        attempt, the delay and the cause.
        @return What removes the handler.
    */
    subscription on_reconnect(std::function<void(reconnect_info const&)> handler);

    /** Add a handler called with the round-trip time of each of our pings.

        @param handler Called as `void(std::chrono::microseconds rtt)`.
        @return What removes the handler.
    */
    subscription on_heartbeat(std::function<void(std::chrono::microseconds)> handler);

    /** Add a handler called with each acknowledgement that completes one of
        our sends (`delivery_options::acks`). Acknowledgements never reach
        `on_message`; a duplicate one (for a send already complete) is
        dropped.

        @param handler Called as `void(ack_info const& ack)`.
        @return What removes the handler.
    */
    subscription on_ack(std::function<void(ack_info const&)> handler);

    /** Add a handler called with the server's answer to a resume
        (`delivery_options::resume`): at the start of a connection made with
        `since=`. The answer never reaches `on_message`.

        @param handler Called as `void(resume_info const& r)`; when `r.ok` is
        false, the messages between `r.since` and `*r.last` are lost to this
        client.
        @return What removes the handler.
    */
    subscription on_resume(std::function<void(resume_info const&)> handler);

    //--------------------------------------------------------------------------
    // Operations

    /** Connect with a token: resolve, TCP connect, WebSocket upgrade.

        The whole attempt is bounded by `client_options::connect_timeout`.
        On success the `on_open` handlers run, then the completion handler.

        @par Completion signature
        @code void(error_code ec) @endcode
        Errors: `error::invalid_url`, `error::auth_rejected` (HTTP 401/403;
        see `last_http_status()`), `error::handshake_failed`,
        `error::connect_timeout`, `error::already_connected`,
        `net::error::operation_aborted` (client destroyed), or the resolver's
        and socket's own codes.

        @par Per-operation cancellation
        Not supported; destroy the client to cancel.

        @param token The user's token, put into the URL's query
        (`client_options::token_param`), percent-encoded; never logged.
        @param tok The completion token (a callback, `net::use_future`,
        `net::use_awaitable`, `net::deferred`, ...).
        @return Whatever the completion token makes of `void(error_code)`.
    */
    template<class ConnectToken = net::default_completion_token_t<executor_type>>
    auto async_connect(std::string token, ConnectToken&& tok = {})
    {
        return net::async_initiate<ConnectToken, void(error_code)>(
            [](auto handler, std::shared_ptr<detail::session_iface> s, executor_type const& ex, std::string t)
            {
                if(s)
                    s->async_connect(std::move(t), detail::connect_handler(std::move(handler)));
                else
                    fail_moved_from(ex, detail::connect_handler(std::move(handler)));
            },
            tok, impl_, ex_, std::move(token));
    }

    /** Connect without a completion token; a failure goes to `on_error`.

        @param token The user's token, as for `async_connect`.
    */
    void connect(std::string token);

    /** Connect with the token in `client_options::store`, read again before
        every attempt: a token changed meanwhile is used on the next attempt;
        a removed entry (logout) stops the client with `error::not_logged_in`
        (`on_error`, then `on_give_up`). Without a store: `not_logged_in`.
    */
    void start();

    /// While waiting to reconnect, reconnect now (say, when the network is
    /// back); otherwise nothing.
    void reconnect_now();

    /** Send one text message.

        Messages are written in the order their sends were made, one at a
        time; while others are queued behind it, a message may be written
        together with them (one system call per 16 KiB), and its send
        completes once its bytes are written. Every send completes exactly
        once. While connecting or waiting
        to reconnect, sends are held (up to `client_options::max_queued`) and
        written after the next open, once the `on_open` handlers have run.

        @par Completion signature
        @code void(error_code ec, std::size_t bytes) @endcode
        Errors: `error::queue_full` (too many held), `error::not_connected`
        (idle or stopped), `net::error::operation_aborted` (still queued when
        `close()` was called or the client was destroyed), or, for sends held
        when the policy gave up, the cause.

        @param text The message, sent as one text frame as it is.
        @param tok The completion token.
        @return Whatever the completion token makes of
        `void(error_code, std::size_t)`.
    */
    template<class SendToken = net::default_completion_token_t<executor_type>>
    auto async_send(std::string text, SendToken&& tok = {})
    {
        return net::async_initiate<SendToken, void(error_code, std::size_t)>(
            [](auto handler, std::shared_ptr<detail::session_iface> s, executor_type const& ex, std::string t)
            {
                if(s)
                    s->async_send(std::move(t), detail::send_handler(std::move(handler)));
                else
                    fail_moved_from(ex, detail::send_handler(std::move(handler)));
            },
            tok, impl_, ex_, std::move(text));
    }

    /** Send text given as a C string (a literal is text, not a JSON string);
        otherwise as `async_send(std::string, SendToken&&)`.

        @param text A null-terminated message.
        @param tok The completion token.
        @return Whatever the completion token makes of
        `void(error_code, std::size_t)`.
    */
    template<class SendToken = net::default_completion_token_t<executor_type>>
    auto async_send(char const* text, SendToken&& tok = {})
    {
        return async_send(std::string(text), std::forward<SendToken>(tok));
    }

    /** Send a JSON value, serialised; otherwise as
        `async_send(std::string, SendToken&&)`.

        @param msg The message.
        @param tok The completion token.
        @return Whatever the completion token makes of
        `void(error_code, std::size_t)`.
    */
    template<class SendToken = net::default_completion_token_t<executor_type>>
    auto async_send(boost::json::value const& msg, SendToken&& tok = {})
    {
        return async_send(serialize(msg), std::forward<SendToken>(tok));
    }

    /** Send one binary message; otherwise as `async_send(std::string,
        SendToken&&)` (same queue, same order, same completion rules).

        @param bytes The message's bytes.
        @param tok The completion token.
        @return Whatever the completion token makes of
        `void(error_code, std::size_t)`.
    */
    template<class SendToken = net::default_completion_token_t<executor_type>>
    auto async_send_binary(std::string bytes, SendToken&& tok = {})
    {
        return net::async_initiate<SendToken, void(error_code, std::size_t)>(
            [](auto handler, std::shared_ptr<detail::session_iface> s, executor_type const& ex, std::string b)
            {
                if(s)
                    s->async_send_binary(std::move(b), detail::send_handler(std::move(handler)));
                else
                    fail_moved_from(ex, detail::send_handler(std::move(handler)));
            },
            tok, impl_, ex_, std::move(bytes));
    }

    /** Send a request: `msg` with a `"cid"` (its own if it has one, else a
        new one), and complete with the first server message carrying that
        cid: an acknowledgement, an error or a reply. The reply goes to this
        completion only, not to `on_message` or `on_ack`.

        The request is sent as `async_send` sends (held while not open,
        written in call order); with `delivery_options::acks` it is also an
        acknowledged send (sent again on the next connection until acked).
        It is bounded by `delivery_options::request_timeout`, counted from
        this call.

        @par Completion signature
        @code void(error_code ec, boost::json::value reply) @endcode
        Errors: `error::server_rejected` (the reply is the server's
        `{"type":"error",...}`, given as `reply`), `error::request_timeout`,
        the errors of `async_send` (`queue_full`, `not_connected`,
        `operation_aborted`, `delivery_unknown`), with a null `reply`.

        @param msg The request, a JSON object.
        @param tok The completion token.
        @return Whatever the completion token makes of
        `void(error_code, boost::json::value)`.
    */
    template<class RequestToken = net::default_completion_token_t<executor_type>>
    auto async_request(boost::json::object msg, RequestToken&& tok = {})
    {
        return net::async_initiate<RequestToken, void(error_code, boost::json::value)>(
            [](auto handler, std::shared_ptr<detail::session_iface> s, executor_type const& ex,
                boost::json::object m)
            {
                if(s)
                    s->async_request(std::move(m), detail::request_handler(std::move(handler)));
                else
                    fail_moved_from(ex, detail::request_handler(std::move(handler)));
            },
            tok, impl_, ex_, std::move(msg));
    }

    /** Send one binary message without a completion token; a failure goes to
        `on_error`.

        @param bytes The message's bytes.
    */
    void send_binary(std::string bytes);

    /** Send text without a completion token; a failure goes to `on_error`.

        @param text The message.
    */
    void send(std::string text);

    /** Send a C string as text, without a completion token.

        @param text A null-terminated message.
    */
    void send(char const* text);

    /** Send JSON without a completion token; a failure goes to `on_error`.

        @param msg The message, serialised.
    */
    void send(boost::json::value const& msg);

    /** Start the closing handshake.

        Sends still queued complete with `net::error::operation_aborted`; the
        one being written completes with its own result. The `on_close`
        handlers run when the handshake ends (bounded by the connect timeout).
        No reconnect follows; the client is `stopped`. Closing a client that is
        waiting to reconnect stops it, and completes held sends with
        `operation_aborted`.

        @param code The close code (RFC 6455 section 7.4).
        @param reason The close reason, UTF-8 (RFC 6455 allows 123 bytes).
    */
    void close(std::uint16_t code = 1000, std::string reason = {});

    /** Close, and complete once the client is `stopped`: the closing
        handshake has ended (within `client_options::close_timeout`), the
        `on_close` handlers have run, and the client can connect again at
        once. On a client that is not open it stops the client (as `close()`)
        and completes at once.

        @par Completion signature
        @code void(error_code ec) @endcode
        Always success, except `net::error::operation_aborted` when the
        client is destroyed first and `net::error::bad_descriptor` on a
        moved-from client. How the connection ended is in the `on_close`
        handlers' `close_info`.

        @param code The close code (RFC 6455 section 7.4).
        @param reason The close reason, UTF-8 (RFC 6455 allows 123 bytes).
        @param tok The completion token.
        @return Whatever the completion token makes of `void(error_code)`.
    */
    template<class CloseToken = net::default_completion_token_t<executor_type>>
    auto async_close(std::uint16_t code, std::string reason, CloseToken&& tok = {})
    {
        return net::async_initiate<CloseToken, void(error_code)>(
            [](auto handler, std::shared_ptr<detail::session_iface> s, executor_type const& ex,
                std::uint16_t c, std::string r)
            {
                if(s)
                    s->async_close(c, std::move(r), detail::connect_handler(std::move(handler)));
                else
                    fail_moved_from(ex, detail::connect_handler(std::move(handler)));
            },
            tok, impl_, ex_, code, std::move(reason));
    }

    //--------------------------------------------------------------------------
    // Observers (any thread)

    /** The current state.

        @return The state, as of the last change on the client's strand.
    */
    chatlink::state state() const noexcept;

    /** The HTTP status of the last upgrade response.

        @return The status (101, 401, 503, ...), or 0 if none was received.
    */
    int last_http_status() const noexcept;

    /** Counters: messages and bytes each way, reconnects, last RTT, last
        error, queue depth.

        @return A snapshot.
    */
    client_stats stats() const;

private:
    static std::string serialize(boost::json::value const& v);
    static void fail_moved_from(executor_type const& ex, detail::connect_handler h);
    static void fail_moved_from(executor_type const& ex, detail::send_handler h);
    static void fail_moved_from(executor_type const& ex, detail::request_handler h);
    subscription subscribe(std::uint64_t id) const;

    std::shared_ptr<detail::session_iface> impl_; // null once moved from
    executor_type ex_;                             // the executor the client was made on
};

} // namespace chatlink

#endif
