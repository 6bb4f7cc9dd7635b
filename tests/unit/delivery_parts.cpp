//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The parts of Delivery (issue 15) that need no socket: cids
// (src/detail/cid.hpp), requests awaiting replies (request_table.hpp), the
// resume id (watermark.hpp), what an inbound message is (inbound.hpp), and
// chatlink-server's ledger (examples/server/ledger.hpp). One translation
// unit for the five: each is small, and every test TU costs CI build time.
//
#include "detail/cid.hpp"
#include "detail/inbound.hpp"
#include "detail/request_table.hpp"
#include "detail/watermark.hpp"
#include "server/ledger.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <string>

#include <unistd.h>

namespace json = boost::json;
using namespace std::chrono_literals;

TEST_CASE("cid: random prefixes differ, counters increase, every cid is valid", "[delivery][cid]")
{
    chatlink::detail::cid_maker a, b;
    CHECK(a.prefix() != b.prefix());
    CHECK(a.prefix().size() == 13);
    auto const c1 = a.next(), c2 = a.next();
    CHECK(c1 == a.prefix() + "1");
    CHECK(c2 == a.prefix() + "2");
    CHECK(chatlink::detail::valid_cid(c1));
    chatlink::detail::cid_maker given("app/1 x");
    CHECK(given.next() == "app-1-x.1");
    CHECK_FALSE(chatlink::detail::valid_cid(""));
    CHECK_FALSE(chatlink::detail::valid_cid(std::string(65, 'a')));
    CHECK_FALSE(chatlink::detail::valid_cid("a b"));
}

TEST_CASE("cid: stamp_cid inserts a cid into objects, keeps the app's own, leaves the rest", "[delivery][cid]")
{
    chatlink::detail::cid_maker m("p");
    json::parser p;
    auto stamp = [&](std::string text) {
        auto const r = chatlink::detail::stamp_cid(text, p, "type", m);
        return std::make_pair(r.cid, text);
    };
    auto r = stamp(R"({"type":"chat","text":"hi"})");
    CHECK(r.first == "p.1");
    CHECK(json::parse(r.second) == json::parse(R"({"cid":"p.1","type":"chat","text":"hi"})"));
    r = stamp(R"(  { } )");
    CHECK(json::parse(r.second) == json::parse(R"({"cid":"p.2"})"));
    r = stamp(R"({"type":"chat","cid":"own-1"})");
    CHECK(r.first == "own-1");
    CHECK(r.second == R"({"type":"chat","cid":"own-1"})");
    // Not acknowledged: pings, pongs, non-objects, text that is not JSON,
    // and an object whose own cid is not a valid one.
    for(char const* t : {R"({"type":"ping"})", R"({"type":"pong"})", "[1]", "hello", R"({"cid":"a b"})"})
    {
        r = stamp(t);
        CHECK(r.first.empty());
        CHECK(r.second == t);
    }
}

TEST_CASE("request_table: replies take requests, deadlines expire in call order, take_all ends the rest", "[delivery][request]")
{
    using handler = std::function<void(int)>;
    chatlink::detail::request_table<handler> t;
    auto const t0 = std::chrono::steady_clock::now();
    std::vector<std::string> ran;
    for(char const* cid : {"a", "b", "c"})
    {
        handler h = [&ran, cid](int) { ran.push_back(cid); };
        REQUIRE(t.add(cid, h, t0 + 100ms));
    }
    handler dup = [](int) {};
    CHECK_FALSE(t.add("a", dup, t0));
    CHECK(dup); // untouched
    auto b = t.take("b");
    REQUIRE(b);
    CHECK_FALSE(t.take("b"));
    CHECK(t.next_deadline() == t0 + 100ms);
    CHECK(t.expire(t0 + 99ms).empty());
    auto due = t.expire(t0 + 100ms);
    REQUIRE(due.size() == 2);
    due[0](0);
    due[1](0);
    CHECK(ran == std::vector<std::string>{"a", "c"});
    CHECK(t.empty());
    CHECK_FALSE(t.next_deadline());
    handler d = [](int) {};
    REQUIRE(t.add("d", d, t0 + 1s));
    CHECK(t.take_all().size() == 1);
    CHECK(t.empty());
}

TEST_CASE("watermark: duplicates, gaps, and writes at most once per gap", "[delivery][resume]")
{
    chatlink::detail::watermark m(1s);
    auto const t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(m.since());
    CHECK(m.fresh(1));
    m.delivered(5);
    CHECK(m.since() == std::optional<std::uint64_t>(5));
    CHECK_FALSE(m.fresh(5));
    CHECK_FALSE(m.fresh(3));
    CHECK(m.fresh(6));
    m.delivered(4); // never goes back on delivery
    CHECK(m.since() == std::optional<std::uint64_t>(5));
    REQUIRE(m.write_due(t0) == t0);
    CHECK(m.text() == "5");
    m.wrote(t0);
    CHECK_FALSE(m.write_due(t0 + 10ms)); // nothing new
    m.delivered(6);
    CHECK(m.write_due(t0 + 10ms) == t0 + 1s); // later: within the gap
    CHECK(m.write_due(t0 + 2s) == t0 + 2s);
    m.gap(2); // the server lost its history: ids above 2 are fresh again
    CHECK(m.fresh(3));
    chatlink::detail::watermark l;
    CHECK(l.load("42"));
    CHECK(l.since() == std::optional<std::uint64_t>(42));
    CHECK_FALSE(l.dirty());
    CHECK_FALSE(l.load("4x"));
    CHECK_FALSE(l.load("-1"));
    CHECK(l.since() == std::optional<std::uint64_t>(42));
}

TEST_CASE("inbound: acks, errors with a cid, resume answers, stored ids", "[delivery]")
{
    auto classify = [](char const* text) {
        static json::value keep; // the views point into it
        keep = json::parse(text);
        auto const& o = keep.as_object();
        auto const* t = o.if_contains("type");
        return chatlink::detail::classify(o, t ? t->if_string() : nullptr);
    };
    using kind = chatlink::detail::inbound::kind;
    auto a = classify(R"({"type":"ack","cid":"x.1","id":7})");
    CHECK(a.k == kind::ack);
    CHECK(a.cid == "x.1");
    CHECK(a.id == std::optional<std::int64_t>(7));
    CHECK(classify(R"({"type":"ack"})").k == kind::other); // no cid: not ours
    auto e = classify(R"({"type":"error","cid":"x.2","error":"unknown_type"})");
    CHECK(e.k == kind::error);
    CHECK(e.error == "unknown_type");
    CHECK(classify(R"({"type":"error","error":"bad_message"})").k == kind::other);
    auto r = classify(R"({"type":"resume","since":3,"ok":false,"last":9})");
    CHECK(r.k == kind::resume);
    CHECK(r.since == 3);
    CHECK_FALSE(r.ok);
    CHECK(r.last == std::optional<std::uint64_t>(9));
    CHECK(classify(R"({"type":"resume","since":3,"ok":true})").last == std::nullopt);
    CHECK(classify(R"({"type":"resume","since":"3","ok":true})").k == kind::other); // not understood
    auto c = classify(R"({"type":"chat","id":12,"text":"x"})");
    CHECK(c.k == kind::other);
    CHECK(c.id == std::optional<std::int64_t>(12));
    CHECK_FALSE(classify(R"({"type":"chat","id":"12"})").id);
}

TEST_CASE("inbound: parse_object takes JSON objects and names what the rest is", "[delivery]")
{
    json::parse_options po;
    po.max_depth = 4;
    json::parser p(json::storage_ptr(), po);
    json::value v;
    CHECK(chatlink::detail::parse_object(p, R"({"type":"chat","n":1})", v) == nullptr);
    CHECK(v.as_object().at("n") == 1);
    CHECK(std::string(chatlink::detail::parse_object(p, "[1,2]", v)) == "not an object");
    CHECK(std::string(chatlink::detail::parse_object(p, "{\"a\":", v)) == "not JSON");
    CHECK(std::string(chatlink::detail::parse_object(p, R"({"a":{"b":{"c":{"d":{}}}}})", v)) ==
        "nested deeper than max_json_depth");
    // The parser is reset each time: a failure leaves nothing behind.
    CHECK(chatlink::detail::parse_object(p, "{}", v) == nullptr);
}

TEST_CASE("ledger: cids answered once, ids increase, since replays or reports the gap", "[delivery][server]")
{
    chatlink_server::ledger l(3, 2);
    CHECK_FALSE(l.answered("ann", "c1"));
    l.answer("ann", "c1", "A1");
    CHECK(l.answered("ann", "c1") == std::optional<std::string>("A1"));
    CHECK_FALSE(l.answered("bob", "c1")); // per user
    l.answer("ann", "c2", "A2");
    l.answer("ann", "c3", "A3"); // past the capacity of 2: c1 forgotten
    CHECK_FALSE(l.answered("ann", "c1"));

    auto const& m1 = l.store(json::object{{"type", "chat"}, {"text", "1"}}, "ann", "all");
    CHECK(m1.id == 1);
    l.store(json::object{{"type", "chat"}, {"text", "2"}}, "ann", "bob");
    l.store(json::object{{"type", "chat"}, {"text", "3"}}, "cy", "all");
    auto r = l.since("cy", 0);
    REQUIRE(r.ok);
    REQUIRE(r.messages.size() == 2); // not the one ann sent to bob
    CHECK(json::parse(r.messages[0]).at("id") == 1);
    CHECK(json::parse(r.messages[1]).at("id") == 3);
    CHECK(l.since("bob", 1).messages.size() == 2);
    l.store(json::object{{"type", "chat"}, {"text", "4"}}, "cy", "all"); // 1 forgotten
    CHECK_FALSE(l.since("cy", 0).ok);
    CHECK(l.since("cy", 1).ok);
    auto const ahead = l.since("cy", 9); // above its last id: it lost its history
    CHECK_FALSE(ahead.ok);
    CHECK(ahead.last == 4);
}

TEST_CASE("ledger: with a file, ids keep increasing across restarts", "[delivery][server]")
{
    char t[] = "/tmp/chatlink-ledger-XXXXXX";
    REQUIRE(::mkdtemp(t) != nullptr);
    std::string const path = std::string(t) + "/history";
    {
        chatlink_server::ledger l(2);
        l.open_file(path);
        for(int i = 0; i < 3; ++i)
            l.store(json::object{{"type", "chat"}, {"text", std::to_string(i)}}, "ann", "all");
    }
    {
        std::ofstream torn(path, std::ios::app);
        torn << R"({"type":"chat","id":)"; // a crash mid-line
    }
    chatlink_server::ledger l(2);
    l.open_file(path);
    CHECK(l.last_id() == 3);
    CHECK_FALSE(l.since("ann", 0).ok); // 1 was compacted away
    CHECK(l.since("ann", 1).messages.size() == 2);
    CHECK(l.store(json::object{{"type", "chat"}}, "ann", "all").id == 4);
    std::string cmd = std::string("rm -rf '") + t + "'";
    CHECK(std::system(cmd.c_str()) == 0);
}
