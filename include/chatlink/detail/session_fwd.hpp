//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_DETAIL_SESSION_FWD_HPP
#define CHATLINK_DETAIL_SESSION_FWD_HPP

#include <chatlink/client_options.hpp>
#include <chatlink/config.hpp>
#include <chatlink/state.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace chatlink {
namespace detail {

using connect_handler = net::any_completion_handler<void(error_code)>;
using send_handler = net::any_completion_handler<void(error_code, std::size_t)>;
using request_handler = net::any_completion_handler<void(error_code, boost::json::value)>;

// The interface the public client talks to. The implementation, which holds
// the Beast stream, is compiled inside the library (src/detail/session.hpp).
class session_iface
{
public:
    virtual ~session_iface() = default;

    // Each call takes effect in the order calls were made from one thread:
    // at once when made on the session's strand (from a handler), posted
    // to it otherwise.
    virtual void async_connect(std::string token, connect_handler h) = 0;
    virtual void async_send(std::string text, send_handler h) = 0;
    virtual void async_send_binary(std::string bytes, send_handler h) = 0;
    virtual void async_request(boost::json::object msg, request_handler h) = 0;
    virtual void close(std::uint16_t code, std::string reason) = 0;
    virtual void async_close(std::uint16_t code, std::string reason, connect_handler h) = 0;
    virtual void start() = 0;
    virtual void reconnect_now() = 0;

    // Each returns the handler's id, for remove_handler.
    virtual std::uint64_t add_open_handler(std::function<void()> f) = 0;
    virtual std::uint64_t add_message_handler(std::function<void(boost::json::value const&)> f) = 0;
    virtual std::uint64_t add_type_handler(std::string type, std::function<void(boost::json::value const&)> f) = 0;
    virtual std::uint64_t add_text_handler(std::function<void(std::string_view)> f) = 0;
    virtual std::uint64_t add_binary_handler(std::function<void(std::string_view)> f) = 0;
    virtual std::uint64_t add_close_handler(std::function<void(close_info const&)> f) = 0;
    virtual std::uint64_t add_error_handler(std::function<void(error_code)> f) = 0;
    virtual std::uint64_t add_give_up_handler(std::function<void(error_code)> f) = 0;
    virtual std::uint64_t add_state_handler(std::function<void(chatlink::state)> f) = 0;
    virtual std::uint64_t add_reconnect_handler(std::function<void(reconnect_info const&)> f) = 0;
    virtual std::uint64_t add_heartbeat_handler(std::function<void(std::chrono::microseconds)> f) = 0;
    virtual std::uint64_t add_ack_handler(std::function<void(ack_info const&)> f) = 0;
    virtual std::uint64_t add_resume_handler(std::function<void(resume_info const&)> f) = 0;
    virtual void remove_handler(std::uint64_t id) noexcept = 0;
    virtual bool has_handler(std::uint64_t id) const noexcept = 0;

    // Called by ~client: no user event handler runs after this returns
    // (on the thread that called it), and in-flight work is torn down.
    virtual void detach() noexcept = 0;

    virtual chatlink::state state() const noexcept = 0;
    virtual int last_http_status() const noexcept = 0;
    virtual client_stats stats() const = 0;
    virtual net::any_io_executor get_executor() const noexcept = 0;
};

// Chooses the plain or the TLS session from the URL's scheme.
std::shared_ptr<session_iface> make_session(net::any_io_executor ex, client_options opts);
std::shared_ptr<session_iface> make_plain_session(net::any_io_executor ex, client_options opts);
std::shared_ptr<session_iface> make_tls_session(net::any_io_executor ex, client_options opts);

} // namespace detail
} // namespace chatlink

#endif
