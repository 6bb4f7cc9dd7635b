//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The session is compiled for three kinds of executor (src/detail/session.hpp):
// an io_context run by one thread (concurrency hint 1), any other io_context
// (a typed strand), and anything else (a type-erased strand). Each is driven
// here through a real round trip on loopback.
//
#include <chatlink/client.hpp>

#include "support/client_helpers.hpp"
#include "support/executor_roundtrip.hpp"
#include "support/test_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <catch2/catch.hpp>

#include <thread>

namespace net = boost::asio;
using chatlink_test::executor_roundtrip;
using chatlink_test::options_for;
using chatlink_test::test_server;

TEST_CASE("a client on an io_context with concurrency hint 1 (no strand of its own)", "[client][executor]")
{
    test_server srv;
    net::io_context ioc{1};
    chatlink::client c(ioc, options_for(srv.url()));
    executor_roundtrip(c, "hint one", [&] { ioc.run_for(std::chrono::milliseconds(2)); });
    CHECK(srv.received().size() == 1);
}

TEST_CASE("a client on a default io_context run by two threads (a strand)", "[client][executor]")
{
    test_server srv;
    net::io_context ioc;
    auto work = net::make_work_guard(ioc);
    std::thread t1([&] { ioc.run(); }), t2([&] { ioc.run(); });
    {
        chatlink::client c(ioc, options_for(srv.url()));
        executor_roundtrip(c, "two threads", [] {});
    }
    work.reset();
    ioc.stop();
    t1.join();
    t2.join();
    CHECK(srv.received().size() == 1);
}

TEST_CASE("a client on another executor: a strand, a thread pool (type-erased strand)", "[client][executor]")
{
    test_server srv;
    SECTION("an explicit strand of an io_context")
    {
        net::io_context ioc;
        chatlink::client c(net::make_strand(ioc), options_for(srv.url()));
        executor_roundtrip(c, "strand", [&] { ioc.run_for(std::chrono::milliseconds(2)); });
    }
    SECTION("a thread pool with two threads")
    {
        net::thread_pool pool(2);
        {
            chatlink::client c(pool.get_executor(), options_for(srv.url()));
            executor_roundtrip(c, "pool", [] {});
        }
        pool.join();
    }
    CHECK(srv.received().size() == 1);
}
