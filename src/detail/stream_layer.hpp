//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The stream a session reads and writes, and what differs between ws:// and
// wss://: layer<NextLayer>. The plain layer is here; the TLS one is in
// tls_layer.hpp, included only by the translation units that include
// OpenSSL. The session itself is written once (session.hpp).
//
#ifndef CHATLINK_DETAIL_STREAM_LAYER_HPP
#define CHATLINK_DETAIL_STREAM_LAYER_HPP

#include "detail/coalescing_stream.hpp"
#include "detail/executors.hpp"
#include "detail/teardown.hpp"
#include "detail/upgrade_request.hpp"
#include <chatlink/client_options.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace chatlink {
namespace detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

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

    std::unique_ptr<ws_stream<tcp_stream_on<Strand>>> make(Strand const& ex)
    {
        return std::make_unique<ws_stream<tcp_stream_on<Strand>>>(ex);
    }
};

// Beast's own timer bounds the handshakes only (the opening one, then the
// closing one); liveness is the heartbeat's.
template<class WS>
void set_handshake_timeout(WS& ws, std::chrono::milliseconds handshake)
{
    websocket::stream_base::timeout to;
    to.handshake_timeout = handshake;
    to.idle_timeout = websocket::stream_base::none();
    to.keep_alive_pings = false;
    ws.set_option(to);
}

// A new stream, set from the options. The upgrade request gets the user
// agent, `authorization` (read when the request is written, so that the
// session can clear it after the handshake), the subprotocols and the
// headers, each as given: attempt_plan.hpp checked them.
template<class WS>
void configure_ws(WS& ws, client_options const& o, std::string const& authorization)
{
    ws.read_message_max(o.max_message_size);
    ws.auto_fragment(false);
    websocket::permessage_deflate pmd;
    pmd.client_enable = o.permessage_deflate;
    ws.set_option(pmd);
    set_handshake_timeout(ws, o.connect_timeout);
    ws.set_option(websocket::stream_base::decorator([&o, &authorization](websocket::request_type& req) {
        req.set(http::field::user_agent, o.user_agent);
        if(! authorization.empty())
            req.set(http::field::authorization, authorization);
        if(! o.subprotocols.empty())
            req.set(http::field::sec_websocket_protocol, join_protocols(o.subprotocols));
        for(auto const& h : o.headers)
            req.insert(h.name, h.value);
    }));
}

} // namespace detail
} // namespace chatlink

#endif
