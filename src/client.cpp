//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#include <chatlink/client.hpp>
#include <chatlink/url.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

namespace chatlink {

namespace detail {

std::shared_ptr<session_iface> make_session(net::any_io_executor ex, client_options opts)
{
    // A URL that does not map makes a plain session, whose connect reports
    // invalid_url.
    error_code ec;
    auto const ep = make_endpoint(opts.url, "", opts.path, opts.token_param, ec);
    if(! ec && ep.secure)
        return make_tls_session(std::move(ex), std::move(opts));
    return make_plain_session(std::move(ex), std::move(opts));
}

} // namespace detail

client::client(executor_type ex, client_options opts)
    : impl_(detail::make_session(ex, std::move(opts)))
    , ex_(std::move(ex))
{
}

client::client(client&& other) noexcept
    : impl_(std::move(other.impl_))
    , ex_(other.ex_) // the moved-from client keeps it, for its completions
{
}

client& client::operator=(client&& other) noexcept
{
    if(this != &other)
    {
        if(impl_)
            impl_->detach();
        impl_ = std::move(other.impl_);
        ex_ = other.ex_;
    }
    return *this;
}

client::~client()
{
    if(impl_)
        impl_->detach();
}

client::executor_type client::get_executor() const noexcept
{
    return impl_ ? impl_->get_executor() : ex_;
}

namespace {

template<class Handler, class... Args>
void post_result(net::any_io_executor const& ex, Handler h, Args... args)
{
    auto hex = net::get_associated_executor(h, ex);
    net::post(ex, [hex, h = std::move(h), args...]() mutable {
        net::dispatch(hex, [h = std::move(h), args...]() mutable { std::move(h)(args...); });
    });
}

} // namespace

void client::fail_moved_from(executor_type const& ex, detail::connect_handler h)
{
    post_result(ex, std::move(h), error_code(net::error::bad_descriptor));
}

void client::fail_moved_from(executor_type const& ex, detail::send_handler h)
{
    post_result(ex, std::move(h), error_code(net::error::bad_descriptor), std::size_t(0));
}

void client::fail_moved_from(executor_type const& ex, detail::request_handler h)
{
    post_result(ex, std::move(h), error_code(net::error::bad_descriptor), boost::json::value());
}

subscription client::subscribe(std::uint64_t id) const
{
    return subscription(impl_, id);
}

subscription client::on_open(std::function<void()> handler)
{
    return impl_ ? subscribe(impl_->add_open_handler(std::move(handler))) : subscription();
}

subscription client::on_message(std::function<void(boost::json::value const&)> handler)
{
    return impl_ ? subscribe(impl_->add_message_handler(std::move(handler))) : subscription();
}

subscription client::on_text(std::function<void(std::string_view)> handler)
{
    return impl_ ? subscribe(impl_->add_text_handler(std::move(handler))) : subscription();
}

subscription client::on_binary(std::function<void(std::string_view)> handler)
{
    return impl_ ? subscribe(impl_->add_binary_handler(std::move(handler))) : subscription();
}

subscription client::on(std::string type, std::function<void(boost::json::value const&)> handler)
{
    return impl_ ? subscribe(impl_->add_type_handler(std::move(type), std::move(handler))) : subscription();
}

subscription client::on_close(std::function<void(close_info const&)> handler)
{
    return impl_ ? subscribe(impl_->add_close_handler(std::move(handler))) : subscription();
}

subscription client::on_error(std::function<void(error_code)> handler)
{
    return impl_ ? subscribe(impl_->add_error_handler(std::move(handler))) : subscription();
}

subscription client::on_give_up(std::function<void(error_code)> handler)
{
    return impl_ ? subscribe(impl_->add_give_up_handler(std::move(handler))) : subscription();
}

subscription client::on_state_change(std::function<void(chatlink::state)> handler)
{
    return impl_ ? subscribe(impl_->add_state_handler(std::move(handler))) : subscription();
}

subscription client::on_reconnect(std::function<void(reconnect_info const&)> handler)
{
    return impl_ ? subscribe(impl_->add_reconnect_handler(std::move(handler))) : subscription();
}

subscription client::on_heartbeat(std::function<void(std::chrono::microseconds)> handler)
{
    return impl_ ? subscribe(impl_->add_heartbeat_handler(std::move(handler))) : subscription();
}

subscription client::on_ack(std::function<void(ack_info const&)> handler)
{
    return impl_ ? subscribe(impl_->add_ack_handler(std::move(handler))) : subscription();
}

subscription client::on_resume(std::function<void(resume_info const&)> handler)
{
    return impl_ ? subscribe(impl_->add_resume_handler(std::move(handler))) : subscription();
}

void client::start()
{
    if(impl_)
        impl_->start();
}

void client::reconnect_now()
{
    if(impl_)
        impl_->reconnect_now();
}

client_stats client::stats() const
{
    return impl_ ? impl_->stats() : client_stats{};
}

void client::connect(std::string token)
{
    if(impl_)
        impl_->async_connect(std::move(token), detail::connect_handler());
}

void client::send(std::string text)
{
    if(impl_)
        impl_->async_send(std::move(text), detail::send_handler());
}

void client::send_binary(std::string bytes)
{
    if(impl_)
        impl_->async_send_binary(std::move(bytes), detail::send_handler());
}

void client::send(char const* text)
{
    send(std::string(text));
}

void client::send(boost::json::value const& msg)
{
    send(serialize(msg));
}

void client::close(std::uint16_t code, std::string reason)
{
    if(impl_)
        impl_->close(code, std::move(reason));
}

chatlink::state client::state() const noexcept
{
    return impl_ ? impl_->state() : chatlink::state::stopped;
}

int client::last_http_status() const noexcept
{
    return impl_ ? impl_->last_http_status() : 0;
}

std::string client::serialize(boost::json::value const& v)
{
    return boost::json::serialize(v);
}

//------------------------------------------------------------------------------

void subscription::remove() noexcept
{
    if(auto s = session_.lock())
        s->remove_handler(id_);
    session_.reset();
}

bool subscription::active() const noexcept
{
    auto s = session_.lock();
    return s && s->has_handler(id_);
}

} // namespace chatlink
