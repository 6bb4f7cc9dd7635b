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

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution_context.hpp>
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

    @par Lifetime
    Destroying the client is safe at any time: no event handler
    (`on_open`, `on_message`, `on`, `on_close`, `on_error`) runs after the
    destructor returns (when called from a handler or from a thread that is
    not running other handlers of this client), the connection is closed
    (1001, "going away", if it was open), and outstanding `async_*`
    operations complete with `net::error::operation_aborted`.
*/
class client
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

    /// Construct a client on an execution context (such as an `io_context`).
    template<class ExecutionContext,
        class = std::enable_if_t<std::is_convertible<
            ExecutionContext&, net::execution_context&>::value>>
    explicit client(ExecutionContext& ctx, client_options opts = {})
        : client(executor_type(ctx.get_executor()), std::move(opts))
    {
    }

    client(client&&) noexcept = default;
    client& operator=(client&& other) noexcept;
    client(client const&) = delete;
    client& operator=(client const&) = delete;

    /// Close the connection and detach every handler (see Lifetime).
    ~client();

    /// Return the executor (strand) all handlers run on.
    executor_type get_executor() const noexcept;

    //--------------------------------------------------------------------------
    // Events

    /// Add a handler called each time a connection opens.
    void on_open(std::function<void()> handler);

    /// Add a handler called with every JSON object the server sends.
    void on_message(std::function<void(boost::json::value const&)> handler);

    /** Add a handler for messages whose `"type"` field equals `type`.

        Type handlers run after the `on_message` handlers, in registration
        order.
    */
    void on(std::string type, std::function<void(boost::json::value const&)> handler);

    /// Add a handler called once each time an open connection ends.
    void on_close(std::function<void(close_info const&)> handler);

    /** Add a handler for errors that do not end the connection (such as
        `error::bad_message`), for every failed connection attempt, and for
        failures of `send` calls made without a completion token.
    */
    void on_error(std::function<void(error_code)> handler);

    /// Add a handler called when the client stops for good on its own: the
    /// reconnect policy gave up (with the cause), or the user logged out
    /// (`error::not_logged_in`).
    void on_give_up(std::function<void(error_code)> handler);

    /// Add a handler called on every state change, with the new state.
    void on_state_change(std::function<void(chatlink::state)> handler);

    /// Add a handler called when a reconnect is scheduled.
    void on_reconnect(std::function<void(reconnect_info const&)> handler);

    /// Add a handler called with the round-trip time of each of our pings.
    void on_heartbeat(std::function<void(std::chrono::microseconds)> handler);

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
    */
    template<class ConnectToken = net::default_completion_token_t<executor_type>>
    auto async_connect(std::string token, ConnectToken&& tok = {})
    {
        return net::async_initiate<ConnectToken, void(error_code)>(
            [](auto handler, std::shared_ptr<detail::session_iface> s, std::string t)
            {
                s->async_connect(std::move(t), detail::connect_handler(std::move(handler)));
            },
            tok, impl_, std::move(token));
    }

    /// Connect without a completion token; a failure goes to `on_error`.
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
    */
    template<class SendToken = net::default_completion_token_t<executor_type>>
    auto async_send(std::string text, SendToken&& tok = {})
    {
        return net::async_initiate<SendToken, void(error_code, std::size_t)>(
            [](auto handler, std::shared_ptr<detail::session_iface> s, std::string t)
            {
                s->async_send(std::move(t), detail::send_handler(std::move(handler)));
            },
            tok, impl_, std::move(text));
    }

    /// Send text given as a C string (a literal is text, not a JSON string).
    template<class SendToken = net::default_completion_token_t<executor_type>>
    auto async_send(char const* text, SendToken&& tok = {})
    {
        return async_send(std::string(text), std::forward<SendToken>(tok));
    }

    /// Send a JSON value (serialised); otherwise as `async_send(std::string)`.
    template<class SendToken = net::default_completion_token_t<executor_type>>
    auto async_send(boost::json::value const& msg, SendToken&& tok = {})
    {
        return async_send(serialize(msg), std::forward<SendToken>(tok));
    }

    /// Send text without a completion token; a failure goes to `on_error`.
    void send(std::string text);

    /// Send a C string as text, without a completion token.
    void send(char const* text);

    /// Send JSON without a completion token; a failure goes to `on_error`.
    void send(boost::json::value const& msg);

    /** Start the closing handshake.

        Sends still queued complete with `net::error::operation_aborted`; the
        one being written completes with its own result. The `on_close`
        handlers run when the handshake ends (bounded by the connect timeout).
        No reconnect follows; the client is `stopped`. Closing a client that is
        waiting to reconnect stops it, and completes held sends with
        `operation_aborted`.
    */
    void close(std::uint16_t code = 1000, std::string reason = {});

    //--------------------------------------------------------------------------
    // Observers (any thread)

    /// The current state.
    chatlink::state state() const noexcept;

    /// The HTTP status of the last upgrade response (0 if none was received).
    int last_http_status() const noexcept;

    /// Counters: messages and bytes each way, reconnects, last RTT, last error, queue depth.
    client_stats stats() const;

private:
    static std::string serialize(boost::json::value const& v);

    std::shared_ptr<detail::session_iface> impl_;
};

} // namespace chatlink

#endif
