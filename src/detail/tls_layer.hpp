//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The TLS layer of the session (wss://). Included only by session_tls*.cpp,
// the only translation units that include OpenSSL.
//
#ifndef CHATLINK_DETAIL_TLS_LAYER_HPP
#define CHATLINK_DETAIL_TLS_LAYER_HPP

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "detail/session.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace chatlink {
namespace detail {

template<class Strand>
struct layer<beast::ssl_stream<tcp_stream_on<Strand>>>
{
    using tls_stream = beast::ssl_stream<tcp_stream_on<Strand>>;

    static constexpr bool secure = true;

    net::ssl::context ctx{net::ssl::context::tls_client};
    error_code init_ec; // a CA file or directory that could not be loaded
    bool insecure;

    explicit layer(client_options const& o)
        : insecure(o.tls.insecure_skip_verify)
    {
        error_code ec;
        ctx.set_default_verify_paths(ec);
        if(! o.tls.ca_file.empty() && ! init_ec)
            ctx.load_verify_file(o.tls.ca_file, init_ec);
        if(! o.tls.ca_path.empty() && ! init_ec)
            ctx.add_verify_path(o.tls.ca_path, init_ec);
        ctx.set_verify_mode(insecure ? net::ssl::verify_none : net::ssl::verify_peer, ec);
        if(o.tls.context_hook)
            o.tls.context_hook(ctx.native_handle());
    }

    std::unique_ptr<ws_stream<tls_stream>> make(Strand const& ex)
    {
        return std::make_unique<ws_stream<tls_stream>>(ex, ctx);
    }

    // Per connection: SNI for host names, and the name (or address) the
    // certificate must carry, checked by OpenSSL during the handshake so
    // that a mismatch is reported with OpenSSL's own reason.
    error_code prepare(ws_stream<tls_stream>& ws, endpoint const& ep)
    {
        if(init_ec)
            return init_ec;
        SSL* ssl = ws.next_layer().next_layer().native_handle();
        error_code ec;
        net::ip::make_address(ep.host, ec);
        bool const is_ip = ! ec;
        if(! is_ip && SSL_set_tlsext_host_name(ssl, ep.host.c_str()) != 1)
            return error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
        if(! insecure)
        {
            X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
            int ok = 0;
            if(is_ip)
                ok = X509_VERIFY_PARAM_set1_ip_asc(param, ep.host.c_str());
            else
            {
                // RFC 6125: a wildcard stands for exactly one whole label.
                X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                ok = X509_VERIFY_PARAM_set1_host(param, ep.host.c_str(), ep.host.size());
            }
            if(ok != 1)
                return error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
        }
        return {};
    }

    template<class Handler>
    void async_handshake(ws_stream<tls_stream>& ws, Handler&& h)
    {
        ws.next_layer().next_layer().async_handshake(net::ssl::stream_base::client, std::forward<Handler>(h));
    }

    // After a failed handshake: was it certificate verification, and why?
    bool verify_failed(ws_stream<tls_stream>& ws, std::string& reason)
    {
        if(insecure)
            return false;
        long const r = SSL_get_verify_result(ws.next_layer().next_layer().native_handle());
        if(r == X509_V_OK)
            return false;
        reason = X509_verify_cert_error_string(r);
        return true;
    }
};

template<class Strand>
using tls_session = session<beast::ssl_stream<tcp_stream_on<Strand>>>;

} // namespace detail
} // namespace chatlink

#endif
