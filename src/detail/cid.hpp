//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Client ids (PROTOCOL.md, Delivery): the "cid" of a message sent under
// acknowledged delivery or as a request. A cid is a prefix chosen when the
// client is made (random unless given), a dot and a counter, so that cids
// stay unique across restarts of the app. stamp_cid() gives a message its
// cid, by inserting the field into the text: the message is parsed (to know
// it is an object, its type and whether it has a cid), never re-serialised.
//
#ifndef CHATLINK_DETAIL_CID_HPP
#define CHATLINK_DETAIL_CID_HPP

#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace chatlink {
namespace detail {

// 1-64 characters of [A-Za-z0-9._:-] (PROTOCOL.md).
inline bool valid_cid(std::string_view c) noexcept
{
    if(c.empty() || c.size() > 64)
        return false;
    for(char ch : c)
    {
        bool const ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '.' || ch == '_' || ch == ':' || ch == '-';
        if(! ok)
            return false;
    }
    return true;
}

class cid_maker
{
public:
    // `prefix` empty: 12 random characters (71 bits). A given prefix is
    // cut to 40 characters, and characters a cid cannot hold become '-'.
    explicit cid_maker(std::string prefix = {})
    {
        if(prefix.empty())
        {
            static constexpr char alphabet[] =
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            std::random_device rd;
            std::uniform_int_distribution<int> pick(0, 61);
            for(int i = 0; i < 12; ++i)
                prefix += alphabet[pick(rd)];
        }
        prefix.resize(std::min<std::size_t>(prefix.size(), 40));
        for(char& ch : prefix)
            if(! valid_cid(std::string_view(&ch, 1)))
                ch = '-';
        prefix_ = std::move(prefix) + ".";
    }

    std::string next() { return prefix_ + std::to_string(++count_); }

    std::string const& prefix() const noexcept { return prefix_; }

private:
    std::string prefix_;
    std::uint64_t count_ = 0;
};

// What stamp_cid found.
struct stamped
{
    std::string cid;      // the message's cid (made, or its own); empty: none
    bool is_object = false; // the text is a JSON object
};

// Give `text` a cid when it is a JSON object that is neither our ping nor a
// pong (`type_field` "ping"/"pong": never acknowledged): its own "cid" if it
// has a valid one, else one from `maker`, inserted as the first field.
inline stamped stamp_cid(std::string& text, boost::json::parser& p, std::string_view type_field, cid_maker& maker)
{
    stamped r;
    p.reset();
    boost::system::error_code ec;
    p.write(text.data(), text.size(), ec);
    if(ec)
        return r;
    boost::json::value const v = p.release();
    if(! v.is_object())
        return r;
    r.is_object = true;
    auto const& o = v.get_object();
    if(auto const* t = o.if_contains(type_field))
        if(auto const* ts = t->if_string(); ts && (*ts == "ping" || *ts == "pong"))
            return r;
    if(auto const* c = o.if_contains("cid"))
    {
        if(auto const* cs = c->if_string(); cs && valid_cid(*cs))
            r.cid = std::string(*cs);
        return r; // a cid that is not valid is the app's business: left alone
    }
    r.cid = maker.next();
    // Valid JSON object text: the first non-blank character is '{'.
    auto const brace = text.find('{');
    std::string field = "\"cid\":\"" + r.cid + "\"";
    if(! o.empty())
        field += ',';
    text.insert(brace + 1, field);
    return r;
}

} // namespace detail
} // namespace chatlink

#endif
