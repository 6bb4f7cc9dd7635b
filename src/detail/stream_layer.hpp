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
#include <chatlink/client_options.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket.hpp>

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

} // namespace detail
} // namespace chatlink

#endif
