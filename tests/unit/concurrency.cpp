//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Several threads against one client: sends, reconnect_now, stats, close and
// the destructor, while two threads run the io_context. Meant to be run
// under ThreadSanitizer too (scripts/test.sh --tsan).
//
#include <chatlink/client.hpp>

#include "support/client_helpers.hpp"
#include "support/test_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <vector>

namespace net = boost::asio;
using namespace std::chrono_literals;
using chatlink_test::options_for;
using chatlink_test::test_server;

namespace {

// An io_context run by two threads for the life of the object.
struct two_threads
{
    net::io_context ioc;
    net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
    std::thread t1{[this] { ioc.run(); }};
    std::thread t2{[this] { ioc.run(); }};

    ~two_threads()
    {
        work.reset();
        t1.join();
        t2.join();
    }
};

struct tally
{
    std::atomic<int> ok{0}, aborted{0}, other{0};

    auto handler()
    {
        return [this](chatlink::error_code ec, std::size_t) {
            if(! ec)
                ++ok;
            else if(ec == net::error::operation_aborted || ec == chatlink::error::connection_lost)
                ++aborted;
            else
                ++other;
        };
    }

    int total() const { return ok + aborted + other; }
};

template<class T>
bool ready_within(std::future<T>& f, std::chrono::milliseconds limit)
{
    return f.wait_for(limit) == std::future_status::ready;
}

} // namespace

TEST_CASE("sends, reconnect_now and stats from four threads, then close from a fifth", "[client][concurrency]")
{
    constexpr int senders = 4, per_sender = 250;
    test_server srv;
    tally t;
    {
        two_threads io;
        auto opts = options_for(srv.url());
        opts.max_queued = senders * per_sender;
        chatlink::client c(io.ioc, opts);
        auto connected = c.async_connect("t", net::use_future);
        REQUIRE(ready_within(connected, 10s));
        connected.get();

        std::vector<std::thread> threads;
        for(int s = 0; s < senders; ++s)
            threads.emplace_back([&, s] {
                for(int i = 0; i < per_sender; ++i)
                    c.async_send(boost::json::value{{"type", "chat"}, {"text", std::to_string(s * 1000 + i)}},
                        t.handler());
            });
        threads.emplace_back([&] {
            for(int i = 0; i < 200; ++i)
            {
                c.reconnect_now(); // open, so nothing to do; must still be safe
                (void)c.state();
                (void)c.stats();
            }
        });
        for(auto& th : threads)
            th.join();

        auto closed = std::make_shared<std::promise<void>>();
        c.on_close([closed](chatlink::close_info const&) { closed->set_value(); });
        std::thread closer([&] { c.close(); });
        closer.join();
        auto f = closed->get_future();
        REQUIRE(ready_within(f, 10s));
    }
    // Every send completed exactly once; whatever completed with success was
    // written, and the server, which answered our close, read it all.
    CHECK(t.total() == senders * per_sender);
    CHECK(t.other == 0);
    CHECK(srv.received().size() == static_cast<std::size_t>(t.ok.load()));
    CHECK(t.ok > 0);
}

TEST_CASE("the client destroyed on one thread while its io_context runs on two others", "[client][concurrency]")
{
    test_server srv;
    for(int round = 0; round < 20; ++round)
    {
        INFO("round " << round);
        tally t;
        std::atomic<int> events{0};
        int events_at_destruction = 0;
        {
            two_threads io;
            auto c = std::make_unique<chatlink::client>(io.ioc, options_for(srv.url()));
            c->on_message([&](boost::json::value const&) { ++events; });
            c->on_close([&](chatlink::close_info const&) { ++events; });
            auto connected = c->async_connect("t", net::use_future);
            REQUIRE(ready_within(connected, 10s));
            connected.get();
            std::thread sender([&] {
                for(int i = 0; i < 50; ++i)
                    c->async_send(R"({"type":"chat","text":"x"})", t.handler());
            });
            sender.join();
            // Echoes are arriving on the io threads while this runs.
            c.reset();
            events_at_destruction = events;
            std::this_thread::sleep_for(20ms);
            CHECK(events == events_at_destruction); // no event handler after the destructor
        }
        // The io threads have finished: every send has completed, once.
        CHECK(t.total() == 50);
        CHECK(t.other == 0);
    }
}
