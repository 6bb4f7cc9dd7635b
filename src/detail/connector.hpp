//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The TCP part of a connection attempt: resolve the hosts, race their
// addresses (Happy Eyeballs, RFC 8305), and through an HTTP proxy open the
// CONNECT tunnel. It hands back one connected socket, or an error with what
// the proxy said. The session makes one per attempt and drops it once the
// socket is its stream's, so an idle connection holds none of this.
//
// Compiled once (connector.cpp) on a type-erased executor: the session's
// strand, so every completion runs where the session's do. It needs no
// Beast and no TLS, and no session instantiation carries it.
//
#ifndef CHATLINK_DETAIL_CONNECTOR_HPP
#define CHATLINK_DETAIL_CONNECTOR_HPP

#include "detail/proxy.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace chatlink {
namespace detail {

// Where one attempt connects.
struct connect_plan
{
    std::vector<std::string> hosts; // resolved in turn; all their addresses race
    std::string port;
    std::optional<proxy_config> proxy; // then hosts and port are the proxy's
    std::string tunnel_target;         // host:port asked of the proxy
    std::string user_agent;
    std::size_t max_answer_bytes = 0; // the proxy's answer to CONNECT
};

class connector : public std::enable_shared_from_this<connector>
{
public:
    using error_code = boost::system::error_code;
    using tcp = boost::asio::ip::tcp;

    // Called once: success, or the failure. `detail` is set when the proxy
    // refused or misbehaved (the session logs and reports it).
    using handler = std::function<void(error_code ec, std::string detail)>;
    using logger = std::function<void(std::string const&)>;

    connector(boost::asio::any_io_executor ex, logger debug);

    void start(connect_plan plan, handler h);

    // Abort every step under way; the handler runs with the error the
    // aborted step saw (the session knows why it cancelled). Idempotent.
    void cancel() noexcept;

    // After success: the connected (tunnelled) socket's descriptor moves to
    // `to`, a socket on the session's own executor type.
    template<class Socket>
    error_code hand_over(Socket& to)
    {
        error_code ec, ignored;
        auto const protocol = winner_->local_endpoint(ignored).protocol();
        auto const fd = winner_->release(ec);
        if(! ec)
            to.assign(protocol, fd, ec);
        return ec;
    }

    // The proxy as it may be shown (no password), when there is one.
    std::string proxy_display() const { return plan_.proxy ? plan_.proxy->display : std::string(); }

private:
    void resolve_next();
    void on_resolve(error_code ec, tcp::resolver::results_type results);
    void start_racer();
    void on_stagger(error_code ec);
    void on_racer_connect(std::shared_ptr<tcp::socket> const& sock, error_code ec);
    void on_connected();
    void on_tunnel_asked(error_code ec);
    void on_tunnel_answer(error_code ec, std::size_t n);
    void finish(error_code ec, std::string detail = {});

    boost::asio::any_io_executor ex_;
    logger debug_;
    handler handler_;
    connect_plan plan_;
    tcp::resolver resolver_;
    boost::asio::steady_timer stagger_;
    std::size_t resolve_index_ = 0;
    std::vector<tcp::endpoint> eps_;
    std::vector<std::shared_ptr<tcp::socket>> racers_;
    std::shared_ptr<tcp::socket> winner_;
    std::size_t next_ = 0;
    error_code last_ec_;
    std::string buf_; // the CONNECT request, then the answer
    bool cancelled_ = false;
};

} // namespace detail
} // namespace chatlink

#endif
