//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#include <chatlink/client.hpp>
#include <chatlink/url.hpp>

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
    : impl_(detail::make_session(std::move(ex), std::move(opts)))
{
}

client& client::operator=(client&& other) noexcept
{
    if(this != &other)
    {
        if(impl_)
            impl_->detach();
        impl_ = std::move(other.impl_);
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
    return impl_->get_executor();
}

void client::on_open(std::function<void()> handler)
{
    impl_->add_open_handler(std::move(handler));
}

void client::on_message(std::function<void(boost::json::value const&)> handler)
{
    impl_->add_message_handler(std::move(handler));
}

void client::on(std::string type, std::function<void(boost::json::value const&)> handler)
{
    impl_->add_type_handler(std::move(type), std::move(handler));
}

void client::on_close(std::function<void(close_info const&)> handler)
{
    impl_->add_close_handler(std::move(handler));
}

void client::on_error(std::function<void(error_code)> handler)
{
    impl_->add_error_handler(std::move(handler));
}

void client::on_give_up(std::function<void(error_code)> handler)
{
    impl_->add_give_up_handler(std::move(handler));
}

void client::on_state_change(std::function<void(chatlink::state)> handler)
{
    impl_->add_state_handler(std::move(handler));
}

void client::on_reconnect(std::function<void(reconnect_info const&)> handler)
{
    impl_->add_reconnect_handler(std::move(handler));
}

void client::on_heartbeat(std::function<void(std::chrono::microseconds)> handler)
{
    impl_->add_heartbeat_handler(std::move(handler));
}

void client::start()
{
    impl_->start();
}

void client::reconnect_now()
{
    impl_->reconnect_now();
}

client_stats client::stats() const
{
    return impl_->stats();
}

void client::connect(std::string token)
{
    impl_->async_connect(std::move(token), detail::connect_handler());
}

void client::send(std::string text)
{
    impl_->async_send(std::move(text), detail::send_handler());
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
    impl_->close(code, std::move(reason));
}

chatlink::state client::state() const noexcept
{
    return impl_->state();
}

int client::last_http_status() const noexcept
{
    return impl_->last_http_status();
}

std::string client::serialize(boost::json::value const& v)
{
    return boost::json::serialize(v);
}

} // namespace chatlink
