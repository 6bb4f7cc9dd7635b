//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#include "detail/connector.hpp"

#include "detail/fail_count.hpp"
#include "detail/happy_eyeballs.hpp"
#include <chatlink/error.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <utility>

namespace chatlink {
namespace detail {

namespace net = boost::asio;

namespace {

// Failure injection (fail_count.hpp) reaches every completion here, as it
// does the session's.
connector::error_code injected(connector::error_code ec) noexcept
{
    if(fail_now() && ! ec)
        return net::error::connection_reset;
    return ec;
}

} // namespace

connector::connector(net::any_io_executor ex, logger debug)
    : ex_(std::move(ex))
    , debug_(std::move(debug))
    , resolver_(ex_)
    , stagger_(ex_)
{
}

void connector::start(connect_plan plan, handler h)
{
    plan_ = std::move(plan);
    handler_ = std::move(h);
    resolve_index_ = 0;
    resolve_next();
}

void connector::cancel() noexcept
{
    cancelled_ = true;
    error_code ignored;
    resolver_.cancel();
    stagger_.cancel();
    for(auto& r : racers_)
        r->close(ignored);
    if(winner_)
        winner_->close(ignored);
}

void connector::resolve_next()
{
    resolver_.async_resolve(plan_.hosts[resolve_index_], plan_.port,
        [self = shared_from_this()](error_code ec, tcp::resolver::results_type r) {
            self->on_resolve(injected(ec), std::move(r));
        });
}

void connector::on_resolve(error_code ec, tcp::resolver::results_type results)
{
    if(cancelled_ && ! ec)
        ec = net::error::operation_aborted;
    if(ec)
        return finish(ec);
    for(auto const& r : results)
        eps_.push_back(r.endpoint());
    // connect_address may name several hosts: each is resolved in turn.
    if(++resolve_index_ < plan_.hosts.size())
        return resolve_next();
    if(eps_.empty())
        return finish(net::error::not_found);
    // Several addresses (RFC 8305): start the next attempt when the previous
    // one fails, or connection_attempt_delay after it started; the first
    // connection made wins. All within the session's connect timeout.
    eps_ = interleave_families(eps_);
    start_racer();
}

void connector::start_racer()
{
    auto sock = std::make_shared<tcp::socket>(ex_);
    racers_.push_back(sock);
    auto const& ep = eps_[next_++];
    if(eps_.size() > 1)
        debug_("connecting to " + ep.address().to_string() + " (address " + std::to_string(next_) + " of " +
            std::to_string(eps_.size()) + ")");
    sock->async_connect(ep, [self = shared_from_this(), sock](error_code ec) { self->on_racer_connect(sock, ec); });
    if(next_ < eps_.size())
    {
        stagger_.expires_after(connection_attempt_delay);
        stagger_.async_wait([self = shared_from_this()](error_code ec) { self->on_stagger(ec); });
    }
}

void connector::on_stagger(error_code ec)
{
    if(! ec && ! cancelled_ && ! winner_ && handler_ && next_ < eps_.size())
        start_racer();
}

void connector::on_racer_connect(std::shared_ptr<tcp::socket> const& sock, error_code ec)
{
    auto const it = std::find(racers_.begin(), racers_.end(), sock);
    bool const racing = it != racers_.end();
    if(racing)
        racers_.erase(it);
    if(! racing || ! handler_ || winner_)
    {
        error_code ignored;
        sock->close(ignored); // a loser, or the attempt is over
        return;
    }
    ec = injected(ec);
    if(cancelled_)
        return finish(ec ? ec : net::error::operation_aborted);
    if(ec)
    {
        last_ec_ = ec;
        if(next_ < eps_.size())
        {
            stagger_.cancel(); // the next one starts now
            return start_racer();
        }
        if(! racers_.empty())
            return; // others are still trying
        return finish(last_ec_);
    }
    // The winner: the others are closed.
    stagger_.cancel();
    error_code ignored;
    for(auto& r : racers_)
        r->close(ignored);
    racers_.clear();
    winner_ = sock;
    on_connected();
}

// Through an HTTP proxy: CONNECT host:port, then the rest through the
// tunnel. Both steps are bounded by the session's connect timer.
void connector::on_connected()
{
    if(! plan_.proxy)
        return finish({});
    buf_ = connect_request(*plan_.proxy, plan_.tunnel_target, plan_.user_agent);
    net::async_write(*winner_, net::buffer(buf_),
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_tunnel_asked(injected(ec)); });
}

void connector::on_tunnel_asked(error_code ec)
{
    if(cancelled_ && ! ec)
        ec = net::error::operation_aborted;
    if(ec)
        return finish(ec);
    buf_.clear();
    net::async_read_until(*winner_, net::dynamic_buffer(buf_, plan_.max_answer_bytes), "\r\n\r\n",
        [self = shared_from_this()](error_code ec, std::size_t n) { self->on_tunnel_answer(injected(ec), n); });
}

void connector::on_tunnel_answer(error_code ec, std::size_t n)
{
    if(cancelled_ || ec == net::error::operation_aborted)
        return finish(ec ? ec : net::error::operation_aborted);
    if(ec)
        return finish(error::proxy_failed, ec == net::error::not_found
            ? "the proxy's answer to CONNECT is over " + std::to_string(plan_.max_answer_bytes) + " bytes"
            : "the proxy ended the connection before answering CONNECT (" + ec.message() + ")");
    int const status = proxy_status(buf_);
    // 407 is the standard answer; tinyproxy answers a wrong password with
    // 401, which no server behind the proxy can have sent yet.
    if(status == 407 || status == 401)
        return finish(error::proxy_auth_failed, "the proxy answered HTTP " + std::to_string(status) +
            " (proxy authentication " + (status == 407 ? "required)" : "refused)"));
    if(status < 200 || status > 299)
        return finish(error::proxy_failed, status ? "the proxy answered HTTP " + std::to_string(status)
                                                  : std::string("the proxy's answer to CONNECT is not HTTP"));
    if(buf_.size() > n)
        return finish(error::proxy_failed, "the proxy sent data before the tunnel was used");
    buf_ = std::string();
    debug_("tunnel open through " + plan_.proxy->display);
    finish({});
}

void connector::finish(error_code ec, std::string detail)
{
    if(! handler_)
        return;
    auto h = std::exchange(handler_, nullptr);
    h(ec, std::move(detail));
}

} // namespace detail
} // namespace chatlink
