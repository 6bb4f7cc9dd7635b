//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Interoperation: chatlink against an independent implementation of
// PROTOCOL.md, Python's `websockets` (tests/interop/ws_server.py), started
// here on 127.0.0.1 and stopped by its PID. Handshake, messages both ways,
// heartbeat both ways (JSON pings and the server's own ping frames), close
// codes, refused credentials, an oversized message, and reconnect after the
// server restarts.
//
#include <chatlink/client.hpp>

#include "support/child_process.hpp"
#include "support/run.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#ifndef CHATLINK_INTEROP_SERVER
#error "CHATLINK_INTEROP_SERVER (the path of ws_server.py) is set by tests/CMakeLists.txt"
#endif
#ifndef CHATLINK_PYTHON
#error "CHATLINK_PYTHON is set by tests/CMakeLists.txt"
#endif

using namespace std::chrono_literals;
using chatlink_test::child_process;
using chatlink_test::run_until;

namespace {

// The token has characters that must be percent-encoded on the way.
std::string const ann_token = "s3cr+t/&=?";

struct py_server
{
    std::unique_ptr<child_process> proc;
    unsigned short port = 0;

    explicit py_server(unsigned short want = 0, std::string ping_interval = {})
    {
        std::vector<std::string> argv{CHATLINK_PYTHON, CHATLINK_INTEROP_SERVER, "--port", std::to_string(want),
            "--token", "ann:" + ann_token, "--token", "bob:bobs-token"};
        if(! ping_interval.empty())
        {
            argv.push_back("--ping-interval");
            argv.push_back(ping_interval);
        }
        // The port may still be held by the server just stopped: retry a little.
        for(int tries = 0; tries < 20 && port == 0; ++tries)
        {
            proc = std::make_unique<child_process>(argv);
            auto const line = proc->read_line(10s);
            if(line.rfind("port ", 0) == 0)
                port = static_cast<unsigned short>(std::stoi(line.substr(5)));
            else
                std::this_thread::sleep_for(100ms);
        }
        REQUIRE(port != 0);
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

struct observed
{
    boost::asio::io_context ioc;
    std::unique_ptr<chatlink::client> c;
    std::vector<boost::json::object> messages;
    std::vector<chatlink::close_info> closes;
    std::vector<chatlink::error_code> errors;
    std::size_t opens = 0;

    explicit observed(chatlink::client_options opts)
    {
        c = std::make_unique<chatlink::client>(ioc, std::move(opts));
        c->on_open([this] { ++opens; });
        c->on_message([this](boost::json::value const& v) { messages.push_back(v.as_object()); });
        c->on_close([this](chatlink::close_info const& i) { closes.push_back(i); });
        c->on_error([this](chatlink::error_code ec) { errors.push_back(ec); });
    }

    std::size_t count(char const* type) const
    {
        std::size_t n = 0;
        for(auto const& m : messages)
            if(m.contains("type") && m.at("type") == type)
                ++n;
        return n;
    }

    bool until(std::function<bool()> pred, std::chrono::milliseconds limit = 10s)
    {
        return run_until(ioc, std::move(pred), limit);
    }
};

chatlink::client_options options(std::string url)
{
    chatlink::client_options o;
    o.url = std::move(url);
    o.connect_timeout = 5s;
    o.reconnect = chatlink::fixed_delay(100ms);
    return o;
}

} // namespace

TEST_CASE("interop: handshake with a percent-encoded token, then chat both ways in order", "[interop]")
{
    py_server srv;
    observed ann(options(srv.url()));
    observed bob(options(srv.url()));
    ann.c->connect(ann_token);
    bob.c->connect("bobs-token");
    REQUIRE(ann.until([&] { return ann.count("welcome") == 1; }));
    REQUIRE(bob.until([&] { return bob.count("welcome") == 1; }));
    CHECK(ann.messages[0].at("user") == "ann"); // the server decoded the token we encoded

    for(int i = 0; i < 100; ++i)
        ann.c->send(boost::json::value{{"type", "chat"}, {"to", "bob"}, {"text", "m" + std::to_string(i)}});
    REQUIRE(ann.until([&] { return ann.count("chat") == 100; }));
    REQUIRE(bob.until([&] { return bob.count("chat") == 100; }));
    std::int64_t last_id = 0;
    std::size_t i = 0;
    for(auto const& m : bob.messages)
    {
        if(m.at("type") != "chat")
            continue;
        CHECK(m.at("from") == "ann");
        CHECK(m.at("text").as_string() == "m" + std::to_string(i++));
        CHECK(m.at("id").as_int64() > last_id);
        last_id = m.at("id").as_int64();
    }
    ann.c->send(R"({"type":"no-such-type"})");
    REQUIRE(ann.until([&] { return ann.count("error") == 1; }));
    ann.c->close();
    bob.c->close();
    REQUIRE(ann.until([&] { return ann.closes.size() == 1; }));
    REQUIRE(bob.until([&] { return bob.closes.size() == 1; }));
    CHECK(ann.closes[0].requested);
    REQUIRE(ann.closes[0].code);
    CHECK(*ann.closes[0].code == 1000);
}

TEST_CASE("interop: heartbeat both ways, JSON pings and the server's ping frames", "[interop][heartbeat]")
{
    py_server srv(0, "0.1"); // websockets sends a ping frame every 100 ms
    auto opts = options(srv.url());
    opts.heartbeat.interval = 100ms;
    opts.heartbeat.timeout = 1s;
    observed ann(opts);
    std::vector<std::chrono::microseconds> rtts;
    ann.c->on_heartbeat([&](std::chrono::microseconds rtt) { rtts.push_back(rtt); });
    ann.c->connect(ann_token);
    // Our pings get the server's pongs; its ping frames get Beast's pongs
    // (websockets closes with 1011 when one is missing).
    REQUIRE(ann.until([&] { return rtts.size() >= 5; }));
    for(auto const& r : rtts)
        CHECK((r > 0us && r < 1s));
    // The server's own {"type":"ping"}: we answer with a pong, it confirms.
    ann.c->send(R"({"type":"test","do":"ping"})");
    REQUIRE(ann.until([&] { return ann.count("test") == 1; }));
    ann.ioc.run_for(1500ms);
    CHECK(ann.closes.empty());
    CHECK(ann.opens == 1);
}

TEST_CASE("interop: close codes from the server, refused credentials, an oversized message", "[interop]")
{
    py_server srv;
    for(std::uint16_t code : {1000, 1001, 1011, 4000})
    {
        CAPTURE(code);
        observed ann(options(srv.url()));
        ann.c->connect(ann_token);
        REQUIRE(ann.until([&] { return ann.opens == 1 && ann.count("welcome") == 1; }));
        ann.c->send(boost::json::value{{"type", "test"}, {"do", "close"}, {"code", code}});
        REQUIRE(ann.until([&] { return ! ann.closes.empty(); }));
        CHECK(ann.closes[0].error == chatlink::error::closed_by_server);
        REQUIRE(ann.closes[0].code);
        CHECK(*ann.closes[0].code == code);
        CHECK(ann.closes[0].reason == "asked");
        REQUIRE(ann.until([&] { return ann.opens == 2; })); // and it comes back
    }
    {
        observed x(options(srv.url()));
        std::optional<chatlink::error_code> ec;
        x.c->async_connect("wrong", [&](chatlink::error_code e) { ec = e; });
        REQUIRE(x.until([&] { return ec.has_value(); }));
        CHECK(*ec == chatlink::error::auth_rejected);
        CHECK(x.c->last_http_status() == 401);
    }
    {
        observed x(options(srv.url()));
        x.c->connect("close-4401");
        REQUIRE(x.until([&] { return ! x.closes.empty(); }));
        CHECK(x.closes[0].error == chatlink::error::auth_rejected);
        REQUIRE(x.closes[0].code);
        CHECK(*x.closes[0].code == 4401);
    }
    {
        auto opts = options(srv.url());
        opts.max_message_size = 64 * 1024;
        observed ann(opts);
        ann.c->connect(ann_token);
        REQUIRE(ann.until([&] { return ann.count("welcome") == 1; }));
        ann.c->send(R"({"type":"test","do":"big","size":1000000})");
        REQUIRE(ann.until([&] { return ! ann.closes.empty(); }));
        CHECK(ann.closes[0].error == chatlink::error::message_too_big);
        REQUIRE(ann.closes[0].code);
        CHECK(*ann.closes[0].code == 1009);
    }
}

TEST_CASE("interop: the server restarts, and messages sent meanwhile arrive once, in order", "[interop][reconnect]")
{
    auto srv = std::make_unique<py_server>();
    auto const port = srv->port;
    observed ann(options(srv->url()));
    ann.c->connect(ann_token);
    REQUIRE(ann.until([&] { return ann.count("welcome") == 1; }));
    srv->proc->stop(SIGKILL); // gone without a close frame
    REQUIRE(ann.until([&] { return ! ann.closes.empty(); }));
    CHECK(ann.closes[0].error == chatlink::error::connection_lost);
    for(int i = 0; i < 20; ++i)
        ann.c->send(boost::json::value{{"type", "chat"}, {"to", "all"}, {"text", "held" + std::to_string(i)}});
    srv = std::make_unique<py_server>(port);
    REQUIRE(ann.until([&] { return ann.count("chat") == 20; }, 15s));
    std::size_t i = 0;
    for(auto const& m : ann.messages)
        if(m.at("type") == "chat")
            CHECK(m.at("text").as_string() == "held" + std::to_string(i++));
    CHECK(ann.opens == 2);
    CHECK(ann.count("welcome") == 2);
}
