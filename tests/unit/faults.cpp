//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The fault matrix of docs/reliability.md: one test per fault, each against a
// real server on 127.0.0.1, with short timings. For each: the error the app
// sees, whether the client reconnects, and that queued messages are neither
// lost nor duplicated.
//
#include <chatlink/client.hpp>

#include "support/client_helpers.hpp"
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using chatlink_test::open;
using chatlink_test::options_for;
using chatlink_test::run_until;
using chatlink_test::server_options;
using chatlink_test::test_server;

namespace {

// A frame as a server sends it (unmasked), for write_raw_all.
std::string frame(std::uint8_t first, std::string const& payload, bool masked = false)
{
    std::string f(1, static_cast<char>(first));
    auto const n = payload.size();
    std::uint8_t const m = masked ? 0x80 : 0;
    if(n < 126)
        f += static_cast<char>(m | n);
    else if(n < 65536)
    {
        f += static_cast<char>(m | 126);
        f += static_cast<char>(n >> 8);
        f += static_cast<char>(n & 0xff);
    }
    else
    {
        f += static_cast<char>(m | 127);
        for(int i = 7; i >= 0; --i)
            f += static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xff);
    }
    if(masked)
        f += std::string(4, '\0'); // a zero mask: the payload stays as it is
    return f + payload;
}

std::string close_payload(std::uint16_t code, std::string const& reason = {})
{
    return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)} + reason;
}

// A client on a fast fixed delay that records what the app sees.
struct observed
{
    boost::asio::io_context ioc;
    std::unique_ptr<chatlink::client> c;
    std::vector<chatlink::close_info> closes;
    std::vector<chatlink::error_code> errors;
    std::vector<std::string> messages;
    std::size_t opens = 0;

    explicit observed(chatlink::client_options opts)
    {
        if(! opts.reconnect)
            opts.reconnect = chatlink::fixed_delay(50ms);
        c = std::make_unique<chatlink::client>(ioc, opts);
        c->on_open([this] { ++opens; });
        c->on_close([this](chatlink::close_info const& i) { closes.push_back(i); });
        c->on_error([this](chatlink::error_code ec) { errors.push_back(ec); });
        c->on_message([this](boost::json::value const& v) { messages.push_back(boost::json::serialize(v)); });
    }

    bool until(std::function<bool()> pred, std::chrono::milliseconds limit = 5s)
    {
        return run_until(ioc, std::move(pred), limit);
    }
};

} // namespace

TEST_CASE("fault: server gone before connect (refused), then back", "[fault][reconnect]")
{
    unsigned short port;
    {
        test_server gone;
        port = gone.port();
    }
    auto opts = options_for("http://127.0.0.1:" + std::to_string(port));
    observed o(opts);
    std::optional<chatlink::error_code> first;
    o.c->async_connect("t", [&](chatlink::error_code ec) { first = ec; });
    std::vector<int> results(5, -1);
    for(int i = 0; i < 5; ++i)
        o.c->async_send(R"({"n":)" + std::to_string(i) + "}",
            [&, i](chatlink::error_code ec, std::size_t) { results[i] = ec ? 1 : 0; });
    REQUIRE(o.until([&] { return first.has_value(); }));
    CHECK(*first == boost::asio::error::connection_refused);
    CHECK(o.c->state() == chatlink::state::waiting);

    server_options so;
    so.port = port;
    test_server back(so);
    REQUIRE(o.until([&] { return back.received().size() == 5; }));
    CHECK(o.opens == 1);
    for(int i = 0; i < 5; ++i)
        CHECK(back.received()[static_cast<std::size_t>(i)] == R"({"n":)" + std::to_string(i) + "}");
    REQUIRE(o.until([&] { return std::count(results.begin(), results.end(), 0) == 5; }));
}

TEST_CASE("fault: server closes with 1000, 1001 or 1011 right after open", "[fault][reconnect]")
{
    for(std::uint16_t code : {1000, 1001, 1011})
    {
        CAPTURE(code);
        server_options so;
        so.close_after_open = code;
        test_server srv(so);
        observed o(options_for(srv.url()));
        o.c->connect("t");
        REQUIRE(o.until([&] { return o.closes.size() >= 2; }));
        CHECK(o.closes[0].error == chatlink::error::closed_by_server);
        REQUIRE(o.closes[0].code);
        CHECK(*o.closes[0].code == code);
        CHECK_FALSE(o.closes[0].requested);
        CHECK(srv.tcp_accepted() >= 2); // it came back, per the policy
    }
}

TEST_CASE("fault: server drops TCP without a close frame (FIN, RST): held messages arrive once", "[fault][reconnect]")
{
    for(bool reset : {false, true})
    {
        CAPTURE(reset);
        test_server srv;
        observed o(options_for(srv.url()));
        o.c->connect("t");
        REQUIRE(o.until([&] { return o.opens == 1; }));
        srv.drop_all(reset);
        REQUIRE(o.until([&] { return ! o.closes.empty(); }));
        CHECK(o.closes[0].error == chatlink::error::connection_lost);
        CHECK_FALSE(o.closes[0].code);
        // Sent while it is away: held, then sent once on the next connection.
        for(int i = 0; i < 10; ++i)
            o.c->send(R"({"n":)" + std::to_string(i) + "}");
        REQUIRE(o.until([&] { return srv.received().size() == 10; }));
        CHECK(o.opens == 2);
        auto const got = srv.received();
        for(int i = 0; i < 10; ++i)
            CHECK(got[static_cast<std::size_t>(i)] == R"({"n":)" + std::to_string(i) + "}");
        o.ioc.run_for(100ms);
        CHECK(srv.received().size() == 10);
    }
}

TEST_CASE("fault: protocol violations fail the connection with 1002 or 1007 (RFC 6455)", "[fault][protocol]")
{
    struct violation
    {
        char const* what;
        std::string bytes;
        std::uint16_t code;
    };
    std::string const big_ping(126, 'p');
    std::vector<violation> const cases = {
        {"text with invalid UTF-8", frame(0x81, "{\"type\":\"\xc3\x28\"}"), 1007},
        {"invalid UTF-8 split over fragments", frame(0x01, "{\"t\":\"\xe2\x82") + frame(0x80, "\x28\"}"), 1007},
        {"RSV1 without an extension", frame(0xc1, "{}"), 1002},
        {"RSV2 and RSV3", frame(0xb1, "{}"), 1002},
        {"reserved data opcode 3", frame(0x83, ""), 1002},
        {"reserved control opcode 11", frame(0x8b, ""), 1002},
        {"a fragmented ping", frame(0x09, "a") + frame(0x80, "b"), 1002},
        {"a ping over 125 bytes", frame(0x89, big_ping), 1002},
        {"a continuation with nothing to continue", frame(0x80, "{}"), 1002},
        {"a new message inside a fragmented one", frame(0x01, "{") + frame(0x81, "{}"), 1002},
        {"a masked frame from the server", frame(0x81, "{}", true), 1002},
        {"a close frame with a 1-byte payload", frame(0x88, "x"), 1002},
        {"close code 999", frame(0x88, close_payload(999)), 1002},
        {"close code 1005 on the wire", frame(0x88, close_payload(1005)), 1002},
        {"a close reason that is not UTF-8", frame(0x88, close_payload(1000, "\xff")), 1002},
    };
    for(auto const& v : cases)
    {
        CAPTURE(v.what);
        test_server srv;
        auto opts = options_for(srv.url());
        opts.reconnect = chatlink::never_reconnect();
        observed o(opts);
        o.c->connect("t");
        REQUIRE(o.until([&] { return o.opens == 1; }));
        srv.write_raw_all(v.bytes);
        REQUIRE(o.until([&] { return ! o.closes.empty(); }));
        CHECK(o.closes[0].error == chatlink::error::protocol_error);
        REQUIRE(o.closes[0].code);
        CHECK(*o.closes[0].code == v.code);
        CHECK(srv.wait_for([&] {
            auto codes = srv.close_codes();
            return codes.size() == 1 && codes[0] == v.code;
        }, 5s));
        CHECK(o.messages.empty());
    }
}

TEST_CASE("protocol: lengths, fragments with pings between them, and control frames are handled as RFC 6455 says", "[fault][protocol]")
{
    test_server srv;
    observed o(options_for(srv.url()));
    o.c->connect("t");
    REQUIRE(o.until([&] { return o.opens == 1; }));
    auto const body = [](std::size_t n) {
        std::string const head = "{\"p\":\"", tail = "\"}";
        return head + std::string(n - head.size() - tail.size(), 'a') + tail;
    };
    std::string bytes;
    for(std::size_t n : {125, 126, 127, 65535, 65536, 300000}) // 7-bit, 16-bit and 64-bit lengths
        bytes += frame(0x81, body(n));
    // One message in 100 fragments with a ping after every tenth one.
    std::string const chopped = body(1000);
    for(std::size_t i = 0; i < 100; ++i)
    {
        std::uint8_t const op = (i == 0 ? 0x01 : 0x00) | (i == 99 ? 0x80 : 0x00);
        bytes += frame(op, chopped.substr(i * 10, 10));
        if(i % 10 == 9)
            bytes += frame(0x89, "ping-" + std::to_string(i));
    }
    bytes += frame(0x8a, "unsolicited pong"); // ignored
    bytes += frame(0x81, "");                 // empty text: not JSON, bad_message
    // Valid UTF-8 of 2, 3 and 4 bytes, split across fragments mid-character.
    std::string const utf8 = "{\"t\":\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e\"}";
    bytes += frame(0x01, utf8.substr(0, 9)) + frame(0x00, utf8.substr(9, 6)) + frame(0x80, utf8.substr(15));
    // A 65,536-byte message in 1,300-byte fragments (Autobahn 10.1.1).
    std::string const big = body(65536);
    for(std::size_t at = 0; at < big.size(); at += 1300)
    {
        bool const first = at == 0, last = at + 1300 >= big.size();
        bytes += frame(static_cast<std::uint8_t>((first ? 0x01 : 0x00) | (last ? 0x80 : 0x00)), big.substr(at, 1300));
    }
    srv.write_raw_all(bytes);
    REQUIRE(o.until([&] { return o.messages.size() == 9 && srv.pongs() == 10 && ! o.errors.empty(); }));
    CHECK(o.messages[6] == chopped);
    CHECK(o.messages[7] == utf8);
    CHECK(o.messages[8] == big);
    CHECK(o.errors == std::vector<chatlink::error_code>{chatlink::error::bad_message});
    CHECK(o.closes.empty());
    CHECK(o.c->state() == chatlink::state::open);
}

TEST_CASE("protocol: frames chopped into 1-byte TCP writes are reassembled (Autobahn 9.5)", "[fault][protocol]")
{
    test_server srv;
    observed o(options_for(srv.url()));
    o.c->connect("t");
    REQUIRE(o.until([&] { return o.opens == 1; }));
    std::string bytes;
    for(int i = 0; i < 3; ++i)
        bytes += frame(0x81, "{\"n\":" + std::to_string(i) + ",\"p\":\"" + std::string(200, 'c') + "\"}");
    bytes += frame(0x89, "chopped ping");
    srv.write_raw_all(bytes, 1); // one byte per write
    REQUIRE(o.until([&] { return o.messages.size() == 3 && srv.pongs() == 1; }));
    for(int i = 0; i < 3; ++i)
        CHECK(o.messages[static_cast<std::size_t>(i)] ==
            "{\"n\":" + std::to_string(i) + ",\"p\":\"" + std::string(200, 'c') + "\"}");
    CHECK(o.c->state() == chatlink::state::open);
}

TEST_CASE("fault: a ping storm, 1000 ping frames each answered, 1000 {\"type\":\"ping\"} answered without a pong queue", "[fault][heartbeat]")
{
    server_options so;
    so.answer_pings = false;
    so.echo = false;
    test_server srv(so);
    observed o(options_for(srv.url()));
    o.c->connect("t");
    REQUIRE(o.until([&] { return o.opens == 1; }));
    srv.ping_all(1000);
    for(int i = 0; i < 1000; ++i)
        srv.send_all(R"({"type":"ping"})");
    auto const json_pongs = [&] {
        auto const got = srv.received();
        return std::count(got.begin(), got.end(), std::string(R"({"type":"pong"})"));
    };
    // Every ping frame gets its pong frame. An automatic {"type":"pong"}
    // never queues behind another one still unwritten, so the storm gets
    // between one and a thousand of them.
    // Once the client has read all 1,000 pings, the storm's last pong is
    // at most one write away: wait until the count stops moving (a fixed
    // 100 ms was too short for ASan on a loaded machine, where pongs still
    // arrived after it and the count passed storm + 1).
    REQUIRE(o.until([&] { return srv.pongs() == 1000 && json_pongs() >= 1 && o.messages.size() >= 1000; }, 20s));
    auto storm = json_pongs();
    for(int quiet = 0, rounds = 0; quiet < 3 && rounds < 100; ++rounds) // at most 10 s
    {
        o.ioc.run_for(100ms);
        auto const now = json_pongs();
        quiet = now == storm ? quiet + 1 : 0;
        storm = now;
    }
    CHECK(storm >= 1);
    CHECK(storm <= 1000);
    CHECK(srv.pongs() == 1000);
    // A ping after the storm is answered: no pong is stuck pending.
    srv.send_all(R"({"type":"ping"})");
    REQUIRE(o.until([&] { return json_pongs() == storm + 1; }, 10s));
    CHECK(o.c->state() == chatlink::state::open);
    CHECK(o.closes.empty());
}

TEST_CASE("fault: a slow reader server: the queue limit holds, sends fail with queue_full, each completes once", "[fault][outbox]")
{
    server_options so;
    so.silent_after_open = true; // reads nothing: TCP buffers fill, then our queue
    test_server srv(so);
    auto opts = options_for(srv.url());
    opts.heartbeat.interval = 0ms;
    opts.heartbeat.timeout = 0ms;
    std::string const payload = "{\"p\":\"" + std::string(16 * 1024, 'x') + "\"}";
    opts.max_send_queue_bytes = 100 * payload.size();
    opts.connect_timeout = 2s;
    observed o(opts);
    o.c->connect("t");
    REQUIRE(o.until([&] { return o.opens == 1; }));
    std::size_t sent = 0, full = 0, stalled = 0;
    std::size_t max_depth = 0;
    std::vector<std::size_t> order; // the completions, by send number
    // Send until the TCP buffers are full, then the write queue. At most 20,000 x 16 KiB; the limit must be hit long before.
    while(stalled < 50 && sent < 20000)
    {
        o.c->async_send(payload, [&, n = sent](chatlink::error_code ec, std::size_t) {
            order.push_back(n);
            if(ec == chatlink::error::queue_full)
                ++full;
        });
        ++sent;
        o.ioc.poll();
        auto const depth = o.c->stats().queue_depth;
        stalled = depth >= 99 ? stalled + 1 : 0; // the queue is full: 50 more
        max_depth = std::max(max_depth, depth);
    }
    CHECK(sent < 20000);
    CHECK(max_depth <= 100); // max_send_queue_bytes holds 100 of them, the one being written included
    // A refusal never overtakes an earlier send: none has completed yet.
    CHECK(full == 0);
    // The server never reads our close frame either: the closing handshake
    // is bounded by connect_timeout (2 s here), then the TCP connection is
    // dropped and every send has completed.
    o.c->close();
    REQUIRE(o.until([&] { return order.size() == sent && ! o.closes.empty(); }, 10s));
    REQUIRE(o.closes.size() == 1);
    INFO("code " << (o.closes[0].code ? *o.closes[0].code : 0));
    CHECK(o.closes[0].requested);
    CHECK(o.closes[0].error == chatlink::error::connection_lost);
    CHECK(full >= 40); // the sends after the queue filled (50, less one or two it took)
    o.ioc.run_for(50ms);
    CHECK(order.size() == sent);
    CHECK(std::is_sorted(order.begin(), order.end()));
}

TEST_CASE("fault: a server that restarts 50 times in a row: each message arrives once, in order", "[fault][reconnect]")
{
    auto srv = std::make_unique<test_server>();
    auto const port = srv->port();
    auto opts = options_for(srv->url());
    opts.reconnect = chatlink::fixed_delay(5ms);
    observed o(opts);
    o.c->connect("t");
    std::vector<std::string> all;
    for(int round = 0; round < 50; ++round)
    {
        CAPTURE(round);
        REQUIRE(o.until([&] { return o.c->state() == chatlink::state::open; }));
        o.c->send(R"({"round":)" + std::to_string(round) + "}");
        REQUIRE(o.until([&] { return srv->received().size() == 1; }));
        for(auto& m : srv->received())
            all.push_back(m);
        srv.reset(); // the server goes away...
        REQUIRE(o.until([&] { return o.c->state() == chatlink::state::waiting; }));
        server_options so;
        so.port = port;
        srv = std::make_unique<test_server>(so); // ...and comes back
    }
    REQUIRE(all.size() == 50);
    for(int i = 0; i < 50; ++i)
        CHECK(all[static_cast<std::size_t>(i)] == R"({"round":)" + std::to_string(i) + "}");
    CHECK(o.closes.size() == 50);
    for(auto const& c : o.closes)
        CHECK((c.error == chatlink::error::connection_lost || c.error == chatlink::error::closed_by_server));
}
