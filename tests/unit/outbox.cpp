//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The outbox (src/detail/outbox.hpp) without a socket: every send completes
// exactly once, in call order, on every path; the queues are bounded; our
// pings and pongs are never queued twice; aborting is linear.
#include "detail/outbox.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace {

using chatlink::error_code;
using handler = std::function<void(error_code, std::size_t)>;
using box = chatlink::detail::outbox<handler>;
using mode = box::mode;
using kind = box::kind;

// Records each completion: which send, with what.
struct recorder
{
    std::vector<std::pair<int, error_code>> done;

    handler make(int id)
    {
        return [this, id](error_code ec, std::size_t) { done.emplace_back(id, ec); };
    }

    void run(box::work& w)
    {
        for(auto& d : w.completions)
            d.handler(d.ec, d.bytes);
        w.completions.clear();
    }
};

// Write the front as the session does: start, then complete with `ec`.
void write_front(box& b, recorder& r, error_code ec = {}, std::size_t n = 1)
{
    REQUIRE(b.has_unwritten());
    b.start_write();
    box::work w;
    b.write_done(ec, n, std::nullopt, 0, w);
    r.run(w);
}

} // namespace

TEST_CASE("outbox: sends complete in call order, a refusal after the earlier sends", "[outbox]")
{
    box b(10, 10); // 10 held, 10 bytes queued
    recorder r;
    box::work w;
    b.push("12345678", r.make(0), mode::write, w);
    b.push("123", r.make(1), mode::write, w); // 11 bytes: over the limit, refused
    b.push("1", r.make(2), mode::write, w);   // 9 bytes: fits
    r.run(w);
    CHECK(r.done.empty()); // the refusal waits for send 0
    CHECK(b.queued_bytes() == 9);
    write_front(b, r);
    REQUIRE(r.done.size() == 2);
    CHECK(r.done[0].first == 0);
    CHECK_FALSE(r.done[0].second);
    CHECK(r.done[1].first == 1);
    CHECK(r.done[1].second == chatlink::error::queue_full);
    write_front(b, r);
    REQUIRE(r.done.size() == 3);
    CHECK(r.done[2].first == 2);
    CHECK(b.outstanding() == 0);
    CHECK(b.depth() == 0);
}

TEST_CASE("outbox: a message larger than the limit goes when the queue is empty", "[outbox]")
{
    box b(10, 4);
    recorder r;
    box::work w;
    b.push("0123456789", r.make(0), mode::write, w);
    CHECK(w.write_next);
    r.run(w);
    write_front(b, r);
    REQUIRE(r.done.size() == 1);
    CHECK_FALSE(r.done[0].second);
}

TEST_CASE("outbox: held sends are bounded by count, and 0 refuses with not_connected", "[outbox]")
{
    recorder r;
    {
        box b(2, 1000);
        box::work w;
        for(int i = 0; i < 3; ++i)
            b.push("x", r.make(i), mode::hold, w);
        r.run(w);
        CHECK(b.held() == 2);
        REQUIRE(r.done.empty()); // the refusal waits for the two held
        box::work w2;
        b.flush_held(w2);
        CHECK(w2.write_next);
        write_front(b, r);
        write_front(b, r);
        REQUIRE(r.done.size() == 3);
        CHECK(r.done[2].second == chatlink::error::queue_full);
    }
    r.done.clear();
    box b0(0, 1000);
    box::work w;
    b0.push("x", r.make(7), mode::hold, w);
    r.run(w);
    REQUIRE(r.done.size() == 1);
    CHECK(r.done[0].second == chatlink::error::not_connected);
}

TEST_CASE("outbox: one pong pending at most, and one ping", "[outbox]")
{
    box b(10, 1 << 20);
    box::work w;
    for(int i = 0; i < 1000; ++i)
    {
        b.push_internal(kind::pong, R"({"type":"pong"})", w);
        b.push_internal(kind::ping, R"({"type":"ping"})", w);
    }
    CHECK(b.depth() == 2);
    recorder r;
    write_front(b, r); // the pong is written: another may be queued
    b.push_internal(kind::pong, R"({"type":"pong"})", w);
    CHECK(b.depth() == 2);
    CHECK(w.completions.empty()); // ours have no completion
}

TEST_CASE("outbox: a lost connection holds what was not written, in order, and drops our pings", "[outbox]")
{
    box b(100, 1 << 20);
    recorder r;
    box::work w;
    b.push("a", r.make(0), mode::write, w);
    b.push("b", r.make(1), mode::write, w);
    b.push_internal(kind::ping, "p", w);
    b.push("c", r.make(2), mode::write, w);
    b.start_write(); // "a" is being written
    b.hold_unsent();
    CHECK(b.held() == 2);
    CHECK(b.depth() == 3);
    b.push("d", r.make(3), mode::hold, w);
    box::work w2;
    b.write_done(chatlink::error::connection_lost, 0, std::nullopt, 0, w2);
    r.run(w2);
    REQUIRE(r.done.size() == 1);
    CHECK(r.done[0].second == chatlink::error::connection_lost);
    box::work w3;
    b.flush_held(w3);
    for(int i = 0; i < 3; ++i)
        write_front(b, r);
    REQUIRE(r.done.size() == 4);
    for(int i = 0; i < 4; ++i)
        CHECK(r.done[std::size_t(i)].first == i);
}

TEST_CASE("outbox: corked sends complete once their bytes are flushed, or with the loss", "[outbox]")
{
    box b(10, 1 << 20);
    recorder r;
    box::work w;
    b.push("aaaa", r.make(0), mode::write, w);
    b.push("bbbb", r.make(1), mode::write, w);
    b.push("cccc", r.make(2), mode::write, w);
    b.start_write();
    box::work w1;
    b.write_done({}, 4, std::uint64_t(4), 0, w1); // corked, ends at byte 4
    CHECK(w1.write_next);
    b.start_write();
    box::work w2;
    b.write_done({}, 4, std::uint64_t(8), 0, w2);
    r.run(w2);
    CHECK(r.done.empty());
    box::work w3;
    b.settle(4, {}, w3); // the first one's bytes are out
    r.run(w3);
    REQUIRE(r.done.size() == 1);
    CHECK(w3.messages == 1);
    box::work w4;
    b.settle(4, chatlink::error::connection_lost, w4); // the rest never will be
    r.run(w4);
    REQUIRE(r.done.size() == 2);
    CHECK(r.done[1].second == chatlink::error::connection_lost);
    CHECK(b.depth() == 1);
}

TEST_CASE("outbox: abort completes everything but the write in flight, in order, in linear time", "[outbox]")
{
    box b(1000000, std::size_t(1) << 40);
    recorder r;
    box::work w;
    constexpr int n = 200000;
    for(int i = 0; i < n; ++i)
        b.push("m", r.make(i), mode::write, w);
    for(int i = 0; i < 1000; ++i)
        b.push_internal(kind::pong, "p", w);
    b.start_write();
    auto const start = std::chrono::steady_clock::now();
    box::work wa;
    b.abort(boost::asio::error::operation_aborted, wa);
    auto const took = std::chrono::steady_clock::now() - start;
    r.run(wa);
    CHECK(r.done.empty()); // all wait for send 0, being written
    box::work wd;
    b.write_done({}, 1, std::nullopt, 0, wd);
    r.run(wd);
    REQUIRE(r.done.size() == std::size_t(n));
    bool ordered = true;
    for(int i = 0; i < n; ++i)
        ordered = ordered && r.done[std::size_t(i)].first == i;
    CHECK(ordered);
    CHECK(r.done[1].second == boost::asio::error::operation_aborted);
    // Quadratic removal from the front of 200,000 takes minutes; linear,
    // milliseconds. The bound is loose on purpose (sanitizers, load).
    CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("outbox: refusals while idle complete at once when nothing earlier is outstanding", "[outbox]")
{
    box b(10, 10);
    recorder r;
    box::work w;
    b.push("x", r.make(0), mode::not_connected, w);
    b.push("y", r.make(1), mode::aborted, w);
    r.run(w);
    REQUIRE(r.done.size() == 2);
    CHECK(r.done[0].second == chatlink::error::not_connected);
    CHECK(r.done[1].second == boost::asio::error::operation_aborted);
}

//------------------------------------------------------------------------------
// Acknowledged delivery (issue 15)

namespace {

box::ack_mark awaits(std::string cid)
{
    box::ack_mark a;
    a.cid = std::move(cid);
    a.await_ack = true;
    return a;
}

} // namespace

TEST_CASE("outbox: an acked send completes on its ack, not on its write, and a duplicate ack finds nothing", "[outbox][acks]")
{
    box b(10, 1000);
    recorder r;
    box::work w;
    b.push("a", r.make(0), mode::write, w, false, awaits("c.1"));
    b.push("b", r.make(1), mode::write, w); // not acknowledged
    r.run(w);
    write_front(b, r);
    CHECK(r.done.empty());
    CHECK(b.unacked() == 1);
    write_front(b, r);
    CHECK(r.done.empty()); // written, but after the unacked one
    box::work a;
    CHECK(b.acknowledge("c.1", {}, a));
    r.run(a);
    REQUIRE(r.done.size() == 2);
    CHECK(r.done[0].first == 0);
    CHECK(r.done[1].first == 1);
    box::work again;
    CHECK_FALSE(b.acknowledge("c.1", {}, again));
    CHECK(again.completions.empty());
    CHECK(b.outstanding() == 0);
}

TEST_CASE("outbox: unacked sends go back to the held ones in call order when the connection ends", "[outbox][acks]")
{
    box b(10, 1000);
    recorder r;
    box::work w;
    b.push("a", r.make(0), mode::write, w, false, awaits("c.1"));
    b.push("b", r.make(1), mode::write, w, false, awaits("c.2"));
    b.push("c", r.make(2), mode::write, w, false, awaits("c.3"));
    r.run(w);
    write_front(b, r);
    write_front(b, r);
    b.push("d", r.make(3), mode::hold, w, false, awaits("c.4"));
    CHECK(b.hold_unsent() == 2); // a and b were written
    CHECK(b.held() == 4);
    CHECK(b.unacked() == 0);
    box::work f;
    b.flush_held(f);
    std::vector<std::string> order;
    while(b.has_unwritten())
    {
        order.push_back(b.front().text);
        CHECK(b.front().cid == "c." + std::to_string(order.size()));
        write_front(b, r);
    }
    CHECK(order == std::vector<std::string>{"a", "b", "c", "d"});
    for(char const* cid : {"c.1", "c.2", "c.3", "c.4"})
    {
        box::work a;
        CHECK(b.acknowledge(cid, {}, a));
        r.run(a);
    }
    REQUIRE(r.done.size() == 4);
    for(int i = 0; i < 4; ++i)
    {
        CHECK(r.done[i].first == i);
        CHECK_FALSE(r.done[i].second);
    }
}

TEST_CASE("outbox: max_unacked holds writes back, and an ack opens the window", "[outbox][acks]")
{
    box b(10, 1000, 2);
    recorder r;
    box::work w;
    for(int i = 0; i < 3; ++i)
        b.push("m", r.make(i), mode::write, w, false, awaits("c." + std::to_string(i)));
    r.run(w);
    b.start_write();
    CHECK(b.more_behind_front()); // the next may follow at once
    box::work w1;
    b.write_done({}, 1, std::nullopt, 0, w1);
    b.start_write();
    CHECK_FALSE(b.more_behind_front()); // the third would wait for an ack: no cork
    box::work w2;
    b.write_done({}, 1, std::nullopt, 0, w2);
    CHECK_FALSE(b.has_unwritten()); // two out: the third waits
    box::work a;
    CHECK(b.acknowledge("c.0", {}, a));
    CHECK(a.write_next);
    CHECK(b.has_unwritten());
}

TEST_CASE("outbox: a refused cid completes with its error, and abort completes written ones as delivery_unknown", "[outbox][acks]")
{
    box b(10, 1000);
    recorder r;
    box::work w;
    b.push("a", r.make(0), mode::write, w, false, awaits("c.1"));
    b.push("b", r.make(1), mode::write, w, false, awaits("c.2"));
    b.push("c", r.make(2), mode::write, w, false, awaits("c.3"));
    r.run(w);
    write_front(b, r);
    write_front(b, r);
    box::work x;
    CHECK(b.acknowledge("c.1", chatlink::error::server_rejected, x));
    r.run(x);
    box::work ab;
    b.abort(boost::asio::error::operation_aborted, ab);
    r.run(ab);
    REQUIRE(r.done.size() == 3);
    CHECK(r.done[0].second == chatlink::error::server_rejected);
    CHECK(r.done[1].second == chatlink::error::delivery_unknown); // written, no ack
    CHECK(r.done[2].second == boost::asio::error::operation_aborted); // never written
}

TEST_CASE("outbox: an acked write lost with its connection is held again, not completed", "[outbox][acks]")
{
    box b(10, 1000);
    recorder r;
    box::work w;
    b.push("a", r.make(0), mode::write, w, false, awaits("c.1"));
    b.push("b", r.make(1), mode::write, w, false, awaits("c.2"));
    r.run(w);
    b.start_write();
    CHECK(b.writing_awaits_ack());
    b.hold_unsent(); // the connection ended under the write: b is held
    box::work lost;
    b.write_done(chatlink::error::connection_lost, 0, std::nullopt, 0, lost);
    r.run(lost);
    CHECK(r.done.empty());
    CHECK(b.held() == 2);
    box::work f;
    b.flush_held(f);
    CHECK(b.front().text == "a");
}
