//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Lifetime safety: the client destroyed, or close() called, from inside each
// of its own handlers, and during every phase of a connection (resolve, TCP
// connect, TLS, upgrade, open, waiting). Each time nothing crashes (the
// sanitizer builds run these too), no handler runs after the destructor, and
// the io_context runs out of work.
//
#include <chatlink/client.hpp>

#include "support/client_helpers.hpp"
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>

using namespace std::chrono_literals;
using chatlink_test::drain;
using chatlink_test::options_for;
using chatlink_test::run_until;
using chatlink_test::server_options;
using chatlink_test::test_server;

namespace {

enum class action { destroy, close };

struct harness
{
    boost::asio::io_context ioc;
    std::unique_ptr<chatlink::client> c;
    action what;
    bool acted = false;
    bool gone = false;
    std::size_t after = 0; // handler calls after the destructor

    harness(chatlink::client_options opts, action a, int hint) : ioc(hint), what(a)
    {
        c = std::make_unique<chatlink::client>(ioc, std::move(opts));
        auto const late = [this] {
            if(gone)
                ++after;
        };
        c->on_open(late);
        c->on_message([late](boost::json::value const&) { late(); });
        c->on_close([late](chatlink::close_info const&) { late(); });
        c->on_error([late](chatlink::error_code) { late(); });
        c->on_give_up([late](chatlink::error_code) { late(); });
        c->on_state_change([late](chatlink::state) { late(); });
        c->on_reconnect([late](chatlink::reconnect_info const&) { late(); });
        c->on_heartbeat([late](std::chrono::microseconds) { late(); });
    }

    // Called from inside a handler (or between phases): act once.
    void act()
    {
        if(acted)
            return;
        acted = true;
        if(what == action::destroy)
        {
            c.reset();
            gone = true;
        }
        else
            c->close();
    }

    void wait_open()
    {
        REQUIRE(run_until(ioc, [&] { return c->state() == chatlink::state::open; }));
    }

    void finish()
    {
        REQUIRE(run_until(ioc, [&] { return acted; }, 10s));
        if(what == action::close)
        {
            REQUIRE(run_until(ioc, [&] { return c->state() == chatlink::state::stopped; }, 10s));
            c.reset();
            gone = true;
        }
        CHECK(drain(ioc, 10s));
        CHECK(after == 0);
    }
};

char const* name(action a)
{
    return a == action::destroy ? "destroyed" : "closed";
}

chatlink::client_options fast(std::string url)
{
    auto o = options_for(std::move(url));
    o.reconnect = chatlink::fixed_delay(20ms);
    o.connect_timeout = 2s;
    return o;
}

} // namespace

TEST_CASE("lifetime: destroyed or closed from inside each of its handlers", "[lifetime]")
{
    int const hint = GENERATE(chatlink_test::one_thread, chatlink_test::many_threads);
    CAPTURE(hint);
    for(action a : {action::destroy, action::close})
    {
        DYNAMIC_SECTION("on_open, " << name(a))
        {
            test_server srv;
            harness h(fast(srv.url()), a, hint);
            h.c->on_open([&] { h.act(); });
            h.c->connect("t");
            h.finish();
        }
        DYNAMIC_SECTION("on_message and on(type), " << name(a))
        {
            for(bool typed : {false, true})
            {
                test_server srv;
                harness h(fast(srv.url()), a, hint);
                if(typed)
                    h.c->on("chat", [&](boost::json::value const&) { h.act(); });
                else
                    h.c->on_message([&](boost::json::value const&) { h.act(); });
                h.c->connect("t");
                h.wait_open();
                srv.send_all(R"({"type":"chat","text":"1"})");
                srv.send_all(R"({"type":"chat","text":"2"})");
                h.finish();
            }
        }
        DYNAMIC_SECTION("on_error, " << name(a))
        {
            test_server srv;
            harness h(fast(srv.url()), a, hint);
            h.c->on_error([&](chatlink::error_code) { h.act(); });
            h.c->connect("t");
            h.wait_open();
            srv.send_all("not json");
            srv.send_all("still not json");
            h.finish();
        }
        DYNAMIC_SECTION("on_close, on_reconnect and on_state_change(waiting), " << name(a))
        {
            for(int which = 0; which < 3; ++which)
            {
                test_server srv;
                harness h(fast(srv.url()), a, hint);
                if(which == 0)
                    h.c->on_close([&](chatlink::close_info const&) { h.act(); });
                else if(which == 1)
                    h.c->on_reconnect([&](chatlink::reconnect_info const&) { h.act(); });
                else
                    h.c->on_state_change([&](chatlink::state s) {
                        if(s == chatlink::state::waiting)
                            h.act();
                    });
                h.c->connect("t");
                h.wait_open();
                srv.close_all(1001);
                h.finish();
            }
        }
        DYNAMIC_SECTION("on_heartbeat, " << name(a))
        {
            test_server srv;
            auto opts = fast(srv.url());
            opts.heartbeat.interval = 20ms;
            harness h(opts, a, hint);
            h.c->on_heartbeat([&](std::chrono::microseconds) { h.act(); });
            h.c->connect("t");
            h.finish();
        }
        DYNAMIC_SECTION("on_give_up, " << name(a))
        {
            server_options so;
            so.refuse_status = 401;
            test_server srv(so);
            harness h(fast(srv.url()), a, hint);
            h.c->on_give_up([&](chatlink::error_code) { h.act(); });
            h.c->connect("t");
            h.finish();
        }
        DYNAMIC_SECTION("a send's and a connect's completion handlers, " << name(a))
        {
            for(bool on_send : {false, true})
            {
                test_server srv;
                harness h(fast(srv.url()), a, hint);
                h.c->async_connect("t", [&](chatlink::error_code) {
                    if(! on_send)
                        h.act();
                });
                for(int i = 0; i < 3; ++i)
                    h.c->async_send(R"({"type":"chat"})", [&](chatlink::error_code, std::size_t) {
                        if(on_send)
                            h.act();
                    });
                h.finish();
            }
        }
    }
}

TEST_CASE("lifetime: destroyed or closed during each phase of a connection", "[lifetime]")
{
    int const hint = GENERATE(chatlink_test::one_thread, chatlink_test::many_threads);
    CAPTURE(hint);
    for(action a : {action::destroy, action::close})
    {
        DYNAMIC_SECTION("resolve, " << name(a))
        {
            test_server srv;
            harness h(fast("http://localhost:" + std::to_string(srv.port())), a, hint);
            h.c->connect("t");
            h.act(); // before the io_context ran: the resolve is under way
            h.finish();
        }
        DYNAMIC_SECTION("TCP connect, TLS handshake, upgrade, " << name(a))
        {
            for(char const* scheme : {"http", "https"})
            {
                CAPTURE(scheme);
                server_options so;
                so.never_upgrade = true; // TCP accepted, then silence
                test_server srv(so);
                harness h(fast(srv.url(scheme)), a, hint);
                h.c->on_state_change([&](chatlink::state) {});
                h.c->connect("t");
                // Let it reach the server: the TCP connect is done, the TLS
                // handshake (https) or the upgrade (http) waits for an answer.
                REQUIRE(srv.wait_for([&] {
                    h.ioc.poll();
                    return srv.tcp_accepted() == 1;
                }, 5s));
                h.ioc.run_for(20ms);
                CHECK(h.c->state() == chatlink::state::connecting);
                h.act();
                h.finish();
            }
        }
        DYNAMIC_SECTION("open, with sends in flight, " << name(a))
        {
            test_server srv;
            harness h(fast(srv.url()), a, hint);
            h.c->connect("t");
            REQUIRE(run_until(h.ioc, [&] { return h.c->state() == chatlink::state::open; }));
            std::size_t done = 0;
            for(int i = 0; i < 100; ++i)
                h.c->async_send(R"({"type":"chat"})", [&](chatlink::error_code, std::size_t) { ++done; });
            h.act();
            h.finish();
            CHECK(done == 100); // every send completed once, whatever the action
        }
        DYNAMIC_SECTION("waiting to reconnect, " << name(a))
        {
            test_server srv;
            auto opts = fast(srv.url());
            opts.reconnect = chatlink::fixed_delay(60s);
            harness h(opts, a, hint);
            h.c->connect("t");
            REQUIRE(run_until(h.ioc, [&] { return h.c->state() == chatlink::state::open; }));
            srv.close_all(1011);
            REQUIRE(run_until(h.ioc, [&] { return h.c->state() == chatlink::state::waiting; }));
            h.act();
            h.finish();
        }
    }
}
