//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Several addresses for one server (RFC 8305, Happy Eyeballs): an address
// that never answers does not hold up the next one. The address that never
// answers is a listener on 127.0.0.2 whose accept queue is full and never
// accepted from (a SYN to it goes unanswered), on the same port as the real
// server on 127.0.0.1; connect_address lists both, as curl's --resolve
// lists several addresses for one name.
//
#include <chatlink/client.hpp>

#include "detail/happy_eyeballs.hpp"

#include "support/client_helpers.hpp"
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;
using tcp = boost::asio::ip::tcp;

namespace {

// A listener on ADDR:port whose backlog is full: one connection fills it,
// and a further SYN is dropped, so a connect to it stays pending.
class black_hole
{
    int listener_ = -1;
    int filler_ = -1;

public:
    black_hole(char const* addr, unsigned short port)
    {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        ::inet_pton(AF_INET, addr, &sa.sin_addr);
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(listener_ >= 0);
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
        REQUIRE(::listen(listener_, 0) == 0);
        filler_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(::connect(filler_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    }
    ~black_hole()
    {
        ::close(filler_);
        ::close(listener_);
    }
    black_hole(black_hole const&) = delete;
    black_hole& operator=(black_hole const&) = delete;
};

} // namespace

TEST_CASE("connect_address: a list of hosts, split on commas", "[happy_eyeballs]")
{
    using chatlink::detail::split_hosts;
    CHECK(split_hosts("127.0.0.1") == std::vector<std::string>{"127.0.0.1"});
    CHECK(split_hosts(" a , b,,c ") == std::vector<std::string>{"a", "b", "c"});
    CHECK(split_hosts("").empty());
    CHECK(split_hosts(" , ").empty());
}

TEST_CASE("the addresses are tried with their families alternating, duplicates once", "[happy_eyeballs]")
{
    using chatlink::detail::interleave_families;
    auto ep = [](char const* a) { return tcp::endpoint(boost::asio::ip::make_address(a), 1); };
    CHECK(interleave_families({ep("::1"), ep("::2"), ep("127.0.0.1"), ep("127.0.0.2")}) ==
        std::vector<tcp::endpoint>{ep("::1"), ep("127.0.0.1"), ep("::2"), ep("127.0.0.2")});
    CHECK(interleave_families({ep("127.0.0.1"), ep("::1"), ep("127.0.0.1")}) ==
        std::vector<tcp::endpoint>{ep("127.0.0.1"), ep("::1")});
    CHECK(interleave_families({ep("127.0.0.1"), ep("127.0.0.2")}) ==
        std::vector<tcp::endpoint>{ep("127.0.0.1"), ep("127.0.0.2")});
}

TEST_CASE("Happy Eyeballs: the second address connects 250 ms after the first, which never answers", "[happy_eyeballs]")
{
    chatlink_test::test_server srv;
    black_hole hole("127.0.0.2", srv.port());
    boost::asio::io_context ioc(GENERATE(chatlink_test::one_thread, chatlink_test::many_threads));
    auto o = chatlink_test::quiet_options(srv.url());
    o.connect_address = "127.0.0.2, 127.0.0.1";
    o.connect_timeout = 5s;
    chatlink::client c(ioc, o);
    std::optional<clk::time_point> opened;
    c.on_open([&] { opened = clk::now(); });
    auto const before = clk::now(); // precedes the first attempt's start
    REQUIRE_FALSE(chatlink_test::connect(ioc, c, "t"));
    REQUIRE(opened);
    // Not before the attempt delay (the first address never answers); long
    // before the 5 s connect timeout a one-at-a-time connect would wait for.
    CHECK(*opened - before >= 250ms);
    CHECK(*opened - before < 250ms + 1500ms);
    CHECK(srv.tcp_accepted() == 1);
    CHECK(c.state() == chatlink::state::open);
}

TEST_CASE("Happy Eyeballs: an address that refuses is skipped, a black hole later in the list is never needed", "[happy_eyeballs]")
{
    chatlink_test::test_server srv;
    black_hole hole("127.0.0.2", srv.port());
    boost::asio::io_context ioc;
    auto o = chatlink_test::quiet_options(srv.url());
    // 127.0.0.3: nothing listens there (a RST at once); then the black hole
    // (which would cost 250 ms), then the server.
    o.connect_address = "127.0.0.3,127.0.0.1,127.0.0.2";
    chatlink::client c(ioc, o);
    REQUIRE_FALSE(chatlink_test::connect(ioc, c, "t"));
    CHECK(srv.tcp_accepted() == 1);
}

TEST_CASE("Happy Eyeballs: no address answers: connect_timeout, and nothing left armed", "[happy_eyeballs]")
{
    chatlink_test::test_server srv; // only for a port; nobody connects to it
    black_hole hole("127.0.0.2", srv.port()), hole2("127.0.0.4", srv.port());
    boost::asio::io_context ioc;
    auto o = chatlink_test::quiet_options("ws://127.0.0.2:" + std::to_string(srv.port()));
    o.connect_address = "127.0.0.2, 127.0.0.4";
    o.connect_timeout = 600ms;
    chatlink::client c(ioc, o);
    auto const before = clk::now();
    CHECK(chatlink_test::connect(ioc, c, "t") == chatlink::error::connect_timeout);
    CHECK(clk::now() - before >= 600ms);
    CHECK(c.state() == chatlink::state::stopped);
    CHECK(chatlink_test::drain(ioc, 2s)); // no timer or socket left pending
    CHECK(srv.tcp_accepted() == 0);
}

TEST_CASE("Happy Eyeballs: a client destroyed mid-connect on an io_context never run again frees itself", "[happy_eyeballs]")
{
    chatlink_test::test_server srv; // only for a port; nobody connects to it
    black_hole hole("127.0.0.2", srv.port()), hole2("127.0.0.4", srv.port());
    auto token = std::make_shared<int>(0); // held by a handler, so by the client's session
    {
        boost::asio::io_context ioc;
        auto o = chatlink_test::quiet_options("ws://127.0.0.2:" + std::to_string(srv.port()));
        o.connect_address = "127.0.0.2, 127.0.0.4";
        o.connect_timeout = 5s;
        auto c = std::make_unique<chatlink::client>(ioc, o);
        c->on_close([token](chatlink::close_info const&) {});
        c->async_connect("t", [](chatlink::error_code) {});
        // Until both addresses are racing (the second starts 250 ms in).
        auto const until = clk::now() + 400ms;
        while(clk::now() < until)
            ioc.run_for(until - clk::now());
        CHECK(c->state() == chatlink::state::connecting);
        c.reset(); // its shutdown is posted, and never runs
        CHECK(token.use_count() > 1);
    } // the io_context goes, with every operation still queued
    CHECK(token.use_count() == 1); // the session, its connector and handlers are gone
}
