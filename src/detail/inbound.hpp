//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// What a JSON message from the server is to the Delivery extension
// (PROTOCOL.md): an acknowledgement, a refusal of one of our messages, a
// reply to a request, the answer to a resume, a stored message (with its
// id), or none of these (an ordinary message). Pure: the session decides
// what each means given its own state (a pending request, an unacked cid).
// Before that, parse_object: whether a text message is a JSON object at all.
//
#ifndef CHATLINK_DETAIL_INBOUND_HPP
#define CHATLINK_DETAIL_INBOUND_HPP

#include <boost/json/error.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/string.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace chatlink {
namespace detail {

struct inbound
{
    enum class kind
    {
        other,  // not a Delivery message (it may still carry a cid or an id)
        ack,    // {"type":"ack","cid":C[,"id":N]}
        error,  // {"type":"error","cid":C,"error":NAME}
        resume  // {"type":"resume","since":N,"ok":B[,"last":L]}
    };
    kind k = kind::other;
    std::string_view cid;              // the "cid" string, if any
    std::optional<std::int64_t> id;    // an integer "id" (an ack's, or a stored message's)
    std::string_view error;            // error: the server's name for it
    std::uint64_t since = 0;           // resume
    bool ok = false;                   // resume
    std::optional<std::uint64_t> last; // resume, not ok
};

// A text message in json format: parsed into `out`; null when it is a JSON
// object, else why it is not one (for the log; the session then reports
// bad_message).
inline char const* parse_object(boost::json::parser& p, std::string_view data, boost::json::value& out)
{
    p.reset();
    boost::system::error_code ec;
    p.write(data.data(), data.size(), ec);
    if(ec)
        return ec == boost::json::error::too_deep ? "nested deeper than max_json_depth" : "not JSON";
    out = p.release();
    return out.is_object() ? nullptr : "not an object";
}

inline std::optional<std::int64_t> integer_field(boost::json::object const& o, std::string_view name)
{
    auto const* v = o.if_contains(name);
    if(! v)
        return std::nullopt;
    if(auto const* i = v->if_int64())
        return *i;
    if(auto const* u = v->if_uint64(); u && *u <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(*u);
    return std::nullopt;
}

// `type`: the message's type field (nullptr: none). The views point into
// `o`, and live as long as it does.
inline inbound classify(boost::json::object const& o, boost::json::string const* type)
{
    inbound in;
    if(auto const* c = o.if_contains("cid"))
        if(auto const* s = c->if_string())
            in.cid = std::string_view(s->data(), s->size());
    in.id = integer_field(o, "id");
    if(! type)
        return in;
    if(*type == "ack" && ! in.cid.empty())
        in.k = inbound::kind::ack;
    else if(*type == "error" && ! in.cid.empty())
    {
        in.k = inbound::kind::error;
        if(auto const* e = o.if_contains("error"))
            if(auto const* s = e->if_string())
                in.error = std::string_view(s->data(), s->size());
    }
    else if(*type == "resume")
    {
        auto const since = integer_field(o, "since");
        auto const* ok = o.if_contains("ok");
        if(! since || *since < 0 || ! ok || ! ok->is_bool())
            return in; // not a resume answer we understand: an ordinary message
        in.k = inbound::kind::resume;
        in.since = static_cast<std::uint64_t>(*since);
        in.ok = ok->get_bool();
        if(! in.ok)
        {
            auto const last = integer_field(o, "last");
            in.last = last && *last > 0 ? static_cast<std::uint64_t>(*last) : 0;
        }
    }
    return in;
}

} // namespace detail
} // namespace chatlink

#endif
