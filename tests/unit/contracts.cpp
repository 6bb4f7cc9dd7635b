//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The client's contracts, each against a real server on loopback: a client
// that is idle or stopped holds no work (run() returns), the state seen in
// a completion is already the new one, calls take effect in the order they
// were made (handlers included), sends complete in call order, a moved-from
// client is safe, a corrupt credential is final, async_close, and removing
// handlers.
#include <chatlink/client.hpp>

#include "support/client_helpers.hpp"
#include "support/raw_server.hpp"
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <thread>

using namespace std::chrono_literals;
using chatlink_test::many_threads;
using chatlink_test::one_thread;
using chatlink_test::open;
using chatlink_test::options_for;
using chatlink_test::run_until;
using chatlink_test::test_server;
using clk = std::chrono::steady_clock;

namespace {

// A loopback port that nothing listens on: a listener is opened, its port
// taken, and closed again.
std::string closed_port_url()
{
    std::string url;
    {
        chatlink_test::raw_server probe([](chatlink_test::raw_conn&) {});
        url = probe.url();
    }
    return url;
}

} // namespace

TEST_CASE("after a refused upgrade the client gives up and run() returns within 200 ms", "[contract]")
{
    chatlink_test::server_options so;
    so.refuse_status = 401;
    test_server srv(so);
    boost::asio::io_context ioc(GENERATE(one_thread, many_threads));
    auto opts = options_for(srv.url()); // connect_timeout 5 s, default policy
    chatlink::client c(ioc, opts);
    std::optional<clk::time_point> gave_up;
    chatlink::error_code cause;
    c.on_give_up([&](chatlink::error_code ec) { cause = ec; gave_up = clk::now(); });
    c.connect("t");
    ioc.run_for(8s); // returns as soon as nothing holds work
    auto const returned = clk::now();
    REQUIRE(gave_up);
    CHECK(cause == chatlink::error::auth_rejected);
    CHECK(c.state() == chatlink::state::stopped);
    CHECK(ioc.stopped());
    CHECK(returned - *gave_up < 200ms);
}

TEST_CASE("with the server down, close() in the failed connect's completion lets run() return within 200 ms", "[contract]")
{
    boost::asio::io_context ioc(GENERATE(one_thread, many_threads));
    chatlink::client c(ioc, options_for(closed_port_url()));
    std::optional<clk::time_point> completed;
    std::optional<chatlink::state> seen;
    chatlink::error_code result;
    c.async_connect("t", [&](chatlink::error_code ec) {
        result = ec;
        seen = c.state();
        c.close();
        completed = clk::now();
    });
    ioc.run_for(8s);
    auto const returned = clk::now();
    REQUIRE(completed);
    CHECK(result);
    // The default policy retries a refused TCP connection in 300 s: the
    // client was waiting when its completion ran (not still "connecting").
    CHECK(seen == chatlink::state::waiting);
    CHECK(c.state() == chatlink::state::stopped);
    CHECK(ioc.stopped());
    CHECK(returned - *completed < 200ms);
}

TEST_CASE("a failed connect's completion sees the new state: stopped after a refused token", "[contract]")
{
    chatlink_test::server_options so;
    so.refuse_status = 403;
    test_server srv(so);
    boost::asio::io_context ioc;
    chatlink::client c(ioc, options_for(srv.url()));
    std::optional<chatlink::state> seen;
    c.async_connect("t", [&](chatlink::error_code ec) {
        CHECK(ec == chatlink::error::auth_rejected);
        seen = c.state();
    });
    REQUIRE(run_until(ioc, [&] { return seen.has_value(); }, 8s));
    CHECK(*seen == chatlink::state::stopped);
}

TEST_CASE("calls made from a handler take effect in call order: connect, then send", "[contract][order]")
{
    chatlink_test::server_options so;
    so.tokens = {"good"};
    test_server srv(so);
    boost::asio::io_context ioc(GENERATE(one_thread, many_threads));
    chatlink::client c(ioc, options_for(srv.url()));
    std::optional<chatlink::error_code> first, second, sent;
    c.async_connect("bad", [&](chatlink::error_code ec) {
        first = ec; // refused: the client is stopped
        c.async_connect("good", [&](chatlink::error_code ec2) { second = ec2; });
        c.async_send(R"({"type":"chat","text":"after connect"})",
            [&](chatlink::error_code ec3, std::size_t) { sent = ec3; });
    });
    REQUIRE(run_until(ioc, [&] { return sent.has_value(); }, 8s));
    CHECK(*first == chatlink::error::auth_rejected);
    REQUIRE(second);
    CHECK_FALSE(*second);
    CHECK_FALSE(*sent); // held while connecting, written after the open
    REQUIRE(srv.wait_for([&] { return ! srv.received().empty(); }, 5s));
    CHECK(srv.received().front() == R"({"type":"chat","text":"after connect"})");
}

TEST_CASE("calls made on the client's executor take effect in call order", "[contract][order]")
{
    test_server srv;
    boost::asio::io_context ioc(GENERATE(one_thread, many_threads));
    chatlink::client c(ioc, options_for(srv.url()));
    std::vector<std::string> events;
    std::optional<chatlink::error_code> sent;
    boost::asio::post(c.get_executor(), [&] {
        c.async_connect("t", [&](chatlink::error_code ec) { events.push_back("connect " + chatlink::error_name(ec)); });
        c.async_send("{\"type\":\"x\"}", [&](chatlink::error_code ec, std::size_t) {
            events.push_back("send " + chatlink::error_name(ec));
            sent = ec;
        });
    });
    REQUIRE(run_until(ioc, [&] { return sent.has_value(); }, 8s));
    REQUIRE(events.size() == 2);
    CHECK(events[0] == "connect success");
    CHECK(events[1] == "send success");
}

TEST_CASE("sends from several threads on a healthy connection never fail and complete in each thread's order", "[contract][send]")
{
    test_server srv;
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.max_queued = 0; // held sends off; the open write queue has its own limit
    chatlink::client c(ioc, opts);
    open(ioc, c);
    constexpr int threads = 4, per_thread = 2000;
    std::atomic<int> done{0}, failed{0}, out_of_order{0};
    std::vector<int> last(threads, -1); // touched only on the client's strand
    auto work = boost::asio::make_work_guard(ioc);
    std::vector<std::thread> runners;
    for(int i = 0; i < 2; ++i)
        runners.emplace_back([&] { ioc.run(); });
    std::vector<std::thread> senders;
    for(int t = 0; t < threads; ++t)
        senders.emplace_back([&, t] {
            for(int i = 0; i < per_thread; ++i)
                c.async_send("{\"type\":\"n\",\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}",
                    [&, t, i](chatlink::error_code ec, std::size_t) {
                        if(ec)
                            ++failed;
                        if(last[t] >= i)
                            ++out_of_order;
                        last[t] = i;
                        ++done;
                    });
        });
    for(auto& s : senders)
        s.join();
    auto const deadline = clk::now() + 20s;
    while(done < threads * per_thread && clk::now() < deadline)
        std::this_thread::sleep_for(5ms);
    work.reset();
    c.close();
    for(auto& r : runners)
        r.join();
    CHECK(done == threads * per_thread);
    CHECK(failed == 0);
    CHECK(out_of_order == 0);
}

TEST_CASE("sends refused for a full write queue complete in call order, after the earlier ones", "[contract][send]")
{
    // A server that accepts the upgrade and never reads: the write queue
    // fills, and the byte limit refuses the later sends.
    chatlink_test::raw_server srv([](chatlink_test::raw_conn& conn) {
        if(conn.read_request() && conn.accept_upgrade())
            conn.hold(5s);
    });
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    opts.max_send_queue_bytes = 256 * 1024;
    opts.close_timeout = 1s;
    chatlink::client c(ioc, opts);
    open(ioc, c);
    std::string const big(64 * 1024, 'x');
    constexpr int n = 200; // 12.8 MB: more than the socket buffers and the queue hold
    std::vector<std::pair<int, chatlink::error_code>> completions;
    for(int i = 0; i < n; ++i)
        c.async_send("\"" + big + "\"", [&, i](chatlink::error_code ec, std::size_t) { completions.emplace_back(i, ec); });
    run_until(ioc, [&] { return completions.size() >= std::size_t(n) - 10; }, 5s);
    c.close(); // the rest complete, aborted
    REQUIRE(run_until(ioc, [&] { return completions.size() == std::size_t(n); }, 10s));
    int full = 0;
    for(std::size_t k = 0; k < completions.size(); ++k)
    {
        CHECK(completions[k].first == int(k));
        if(completions[k].second == chatlink::error::queue_full)
            ++full;
    }
    CHECK(full > 0);
}

TEST_CASE("a moved-from client is safe to observe, and its operations complete with an error", "[contract]")
{
    boost::asio::io_context ioc;
    chatlink::client a(ioc, options_for("http://127.0.0.1:1"));
    chatlink::client b(std::move(a));
    CHECK(a.state() == chatlink::state::stopped); // NOLINT(bugprone-use-after-move): the point
    CHECK(a.last_http_status() == 0);
    CHECK(a.stats().messages_sent == 0);
    std::optional<chatlink::error_code> connected, sent;
    a.async_connect("t", [&](chatlink::error_code ec) { connected = ec; });
    a.async_send("x", [&](chatlink::error_code ec, std::size_t) { sent = ec; });
    a.send("x");
    a.close();
    a.on_open([] {});
    a.start();
    a.reconnect_now();
    REQUIRE(run_until(ioc, [&] { return connected && sent; }, 5s));
    CHECK(*connected == boost::asio::error::bad_descriptor);
    CHECK(*sent == boost::asio::error::bad_descriptor);
    CHECK(b.state() == chatlink::state::idle);
    chatlink::client d(ioc, options_for("http://127.0.0.1:1"));
    d = std::move(b);
    CHECK(b.state() == chatlink::state::stopped); // NOLINT(bugprone-use-after-move)
    CHECK(d.state() == chatlink::state::idle);
}

TEST_CASE("a corrupt credential entry is final: the client gives up with store_corrupt", "[contract][store]")
{
    test_server srv;
    boost::asio::io_context ioc;
    auto opts = options_for(srv.url());
    auto store = std::make_shared<chatlink::memory_store>();
    store->set("chatuser", "{\"token\": 42}");
    opts.store = store;
    chatlink::client c(ioc, opts);
    std::optional<chatlink::error_code> gave_up;
    c.on_give_up([&](chatlink::error_code ec) { gave_up = ec; });
    c.start();
    REQUIRE(run_until(ioc, [&] { return gave_up.has_value(); }, 5s));
    CHECK(*gave_up == chatlink::error::store_corrupt);
    CHECK(c.state() == chatlink::state::stopped);
    CHECK(srv.tcp_accepted() == 0);
}

TEST_CASE("async_close completes once the client is stopped, and the client can connect again at once", "[contract][close]")
{
    test_server srv;
    boost::asio::io_context ioc(GENERATE(one_thread, many_threads));
    chatlink::client c(ioc, options_for(srv.url()));
    open(ioc, c);
    std::optional<chatlink::error_code> closed, reconnected;
    std::optional<chatlink::state> seen;
    c.async_close(1000, "bye", [&](chatlink::error_code ec) {
        closed = ec;
        seen = c.state();
        c.async_connect("t", [&](chatlink::error_code ec2) { reconnected = ec2; });
    });
    REQUIRE(run_until(ioc, [&] { return reconnected.has_value(); }, 8s));
    CHECK_FALSE(*closed);
    CHECK(*seen == chatlink::state::stopped);
    CHECK_FALSE(*reconnected);
    CHECK(srv.tcp_accepted() == 2);
    REQUIRE(srv.wait_for([&] { return ! srv.close_codes().empty(); }, 5s));
    CHECK(srv.close_codes().front() == 1000);

    // On a client that is not open it completes at once.
    chatlink::client idle(ioc, options_for(srv.url()));
    std::optional<chatlink::error_code> idle_closed;
    idle.async_close(1000, "", [&](chatlink::error_code ec) { idle_closed = ec; });
    REQUIRE(run_until(ioc, [&] { return idle_closed.has_value(); }, 2s));
    CHECK_FALSE(*idle_closed);
}

TEST_CASE("a removed handler is never called again, also when removed from inside itself", "[contract][handlers]")
{
    test_server srv;
    boost::asio::io_context ioc(GENERATE(one_thread, many_threads));
    chatlink::client c(ioc, options_for(srv.url()));
    int kept = 0, once = 0, removed_before = 0;
    chatlink::subscription self;
    self = c.on_message([&](boost::json::value const&) {
        ++once;
        self.remove();
    });
    auto gone = c.on("chat", [&](boost::json::value const&) { ++removed_before; });
    c.on_message([&](boost::json::value const&) { ++kept; });
    gone.remove();
    open(ioc, c);
    srv.send_all(R"({"type":"chat","n":1})");
    srv.send_all(R"({"type":"chat","n":2})");
    srv.send_all(R"({"type":"chat","n":3})");
    REQUIRE(run_until(ioc, [&] { return kept == 3; }, 5s));
    CHECK(once == 1);
    CHECK(removed_before == 0);
    CHECK_FALSE(self.active());
}
