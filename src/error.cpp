//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#include <chatlink/error.hpp>

namespace chatlink {

namespace {

char const* enumerator_name(int ev) noexcept
{
    switch(static_cast<error>(ev))
    {
    case error::auth_rejected:       return "auth_rejected";
    case error::not_logged_in:       return "not_logged_in";
    case error::connect_timeout:     return "connect_timeout";
    case error::handshake_failed:    return "handshake_failed";
    case error::heartbeat_timeout:   return "heartbeat_timeout";
    case error::bad_message:         return "bad_message";
    case error::message_too_big:     return "message_too_big";
    case error::queue_full:          return "queue_full";
    case error::tls_verify_failed:   return "tls_verify_failed";
    case error::invalid_url:         return "invalid_url";
    case error::not_connected:       return "not_connected";
    case error::connection_lost:     return "connection_lost";
    case error::closed_by_server:    return "closed_by_server";
    case error::already_connected:   return "already_connected";
    case error::reconnect_exhausted: return "reconnect_exhausted";
    case error::store_corrupt:       return "store_corrupt";
    case error::protocol_error:      return "protocol_error";
    case error::invalid_option:      return "invalid_option";
    case error::proxy_auth_failed:   return "proxy_auth_failed";
    case error::proxy_failed:        return "proxy_failed";
    case error::ack_timeout:         return "ack_timeout";
    case error::server_rejected:     return "server_rejected";
    case error::delivery_unknown:    return "delivery_unknown";
    case error::request_timeout:     return "request_timeout";
    }
    return nullptr;
}

class category_impl : public boost::system::error_category
{
public:
    // A fixed id keeps the category unique across shared libraries.
    category_impl() noexcept : error_category(0x8a3c1e5f27d4b901ULL) {}

    char const* name() const noexcept override { return "chatlink"; }

    std::string message(int ev) const override
    {
        switch(static_cast<error>(ev))
        {
        case error::auth_rejected:       return "the server refused the credentials";
        case error::not_logged_in:       return "no credentials are stored";
        case error::connect_timeout:     return "the connection attempt timed out";
        case error::handshake_failed:    return "the server refused the WebSocket upgrade";
        case error::heartbeat_timeout:   return "nothing received within the heartbeat timeout";
        case error::bad_message:         return "a message from the server is not a JSON object";
        case error::message_too_big:     return "a message from the server exceeds the size limit";
        case error::queue_full:          return "the outgoing queue is full";
        case error::tls_verify_failed:   return "the server's certificate could not be verified";
        case error::invalid_url:         return "the server URL is invalid";
        case error::not_connected:       return "the connection is not open";
        case error::connection_lost:     return "the connection was lost";
        case error::closed_by_server:    return "the server closed the connection";
        case error::already_connected:   return "a connection is already open or being made";
        case error::reconnect_exhausted: return "the reconnect policy gave up";
        case error::store_corrupt:       return "the credential file is corrupt (left as it is)";
        case error::protocol_error:      return "the server broke the WebSocket protocol";
        case error::invalid_option:      return "a client option cannot be used";
        case error::proxy_auth_failed:   return "the proxy refused the credentials";
        case error::proxy_failed:        return "the proxy refused the connection";
        case error::ack_timeout:         return "the server did not acknowledge a message in time";
        case error::server_rejected:     return "the server refused the message";
        case error::delivery_unknown:    return "the message may or may not have reached the server";
        case error::request_timeout:     return "no reply to the request in time";
        }
        return "chatlink error " + std::to_string(ev);
    }
};

class condition_category_impl : public boost::system::error_category
{
public:
    condition_category_impl() noexcept : error_category(0x8a3c1e5f27d4b902ULL) {}

    char const* name() const noexcept override { return "chatlink.condition"; }

    std::string message(int ev) const override
    {
        switch(static_cast<condition>(ev))
        {
        case condition::transient:   return "a failure that may go away on its own";
        case condition::credentials: return "the credentials were refused or are missing";
        case condition::fatal:       return "a failure that retrying cannot help";
        }
        return "chatlink condition " + std::to_string(ev);
    }

    bool equivalent(error_code const& ec, int cv) const noexcept override
    {
        if(! ec)
            return false;
        condition c = condition::transient;
        if(ec == error::auth_rejected || ec == error::not_logged_in || ec == error::store_corrupt)
            c = condition::credentials;
        else if(ec == error::invalid_url || ec == error::tls_verify_failed || ec == error::invalid_option ||
            ec == error::proxy_auth_failed || ec == error::server_rejected)
            c = condition::fatal;
        return static_cast<int>(c) == cv;
    }

    bool equivalent(int code, boost::system::error_condition const& cond) const noexcept override
    {
        return cond.category() == *this && cond.value() == code;
    }
};

} // namespace

boost::system::error_category const& condition_category() noexcept
{
    static condition_category_impl const cat;
    return cat;
}

boost::system::error_category const& error_category() noexcept
{
    static category_impl const cat;
    return cat;
}

std::string error_name(error_code const& ec)
{
    if(! ec)
        return "success";
    if(ec.category() == error_category())
        if(auto n = enumerator_name(ec.value()))
            return n;
    return std::string(ec.category().name()) + ":" + std::to_string(ec.value());
}

} // namespace chatlink
