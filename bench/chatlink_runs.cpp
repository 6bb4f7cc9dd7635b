//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// chatlink's side of each measurement, written as an application would write
// it: the public header only, handlers, send().
//
#include "runs.hpp"

#include <chatlink/chatlink.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace bench {
namespace {

namespace net = boost::asio;
using boost::system::error_code;

chatlink::client_options options(unsigned short port, bool other_backend = false)
{
    chatlink::client_options o;
    o.url = "ws://127.0.0.1:" + std::to_string(port);
    o.reconnect = chatlink::never_reconnect();
    if(other_backend)
    {
        // Issue 14's options, as another backend would want them.
        o.headers = {{"Origin", "https://bench.example"}, {"Cookie", "sid=bench"}, {"X-Client", "chatlink-bench"}};
        o.token_in = chatlink::token_placement::header;
        o.heartbeat.mode = chatlink::heartbeat_mode::frames;
    }
    return o;
}

std::size_t type_size(boost::json::value const& v)
{
    auto const* t = v.get_object().if_contains("type");
    return t && t->is_string() ? t->get_string().size() : 0;
}

} // namespace

run_result chatlink_sequential(std::size_t n, bool other_backend)
{
    net::io_context ioc{1};
    auto server = start_echo(ioc);
    chatlink::client c(ioc, options(server.ws_port, other_backend));
    std::size_t const warm = n / 10;
    std::size_t received = 0, sink = 0;
    std::vector<std::int64_t> lat;
    lat.reserve(n);
    clock::time_point t_send, t_start = clock::now(), t_end;
    std::string error;

    c.on_open([&] {
        t_send = clock::now();
        c.send(message());
    });
    c.on_message([&](boost::json::value const& v) {
        auto const now = clock::now();
        sink += type_size(v);
        if(++received > warm)
            lat.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - t_send).count());
        if(received == warm)
            t_start = clock::now();
        if(received == warm + n)
        {
            t_end = now;
            return c.close();
        }
        t_send = clock::now();
        c.send(message());
    });
    c.on_error([&](error_code ec) {
        if(error.empty())
            error = chatlink::error_name(ec);
        ioc.stop();
    });
    c.on_close([&](chatlink::close_info const&) { ioc.stop(); });
    c.connect("bench");
    ioc.run_for(std::chrono::seconds(60));
    return finish_run(n, t_start, t_end, lat, error, received == warm + n);
}

run_result chatlink_pipelined(std::size_t n, bool other_backend)
{
    net::io_context ioc{1};
    auto server = start_echo(ioc);
    auto o = options(server.ws_port, other_backend);
    o.max_queued = n + 16;
    chatlink::client c(ioc, o);
    std::size_t received = 0, sink = 0;
    std::vector<std::int64_t> lat;
    clock::time_point t_start, t_end;
    std::string error;

    c.on_open([&] {
        t_start = clock::now();
        for(std::size_t i = 0; i < n; ++i)
            c.send(message());
    });
    c.on_message([&](boost::json::value const& v) {
        sink += type_size(v);
        if(++received == n)
        {
            t_end = clock::now();
            c.close();
        }
    });
    c.on_error([&](error_code ec) {
        if(error.empty())
            error = chatlink::error_name(ec);
        ioc.stop();
    });
    c.on_close([&](chatlink::close_info const&) { ioc.stop(); });
    c.connect("bench");
    ioc.run_for(std::chrono::seconds(60));
    return finish_run(n, t_start, t_end, lat, error, received == n);
}

run_result chatlink_delivery(std::size_t n, std::size_t window, bool acks)
{
    net::io_context ioc{1};
    auto server = start_echo(ioc);
    auto o = options(server.ws_port);
    o.delivery.acks = acks;
    o.delivery.max_unacked = window;
    chatlink::client c(ioc, o);
    std::size_t const warm = window == 1 ? n / 10 : 0;
    std::size_t sent = 0, done = 0;
    std::vector<std::int64_t> lat;
    lat.reserve(n);
    std::deque<clock::time_point> in_flight; // send times, in order
    clock::time_point t_start = clock::now(), t_end;
    std::string error;

    std::function<void()> one_done;
    auto send_one = [&] {
        ++sent;
        in_flight.push_back(clock::now());
        if(! acks)
            return c.send(message());
        c.async_send(message(), [&](error_code ec, std::size_t) {
            if(ec)
            {
                if(error.empty())
                    error = chatlink::error_name(ec);
                return ioc.stop();
            }
            one_done();
        });
    };
    one_done = [&] {
        auto const now = clock::now();
        if(++done > warm)
            lat.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - in_flight.front()).count());
        in_flight.pop_front();
        if(done == warm)
            t_start = now;
        if(done == warm + n)
        {
            t_end = now;
            return c.close();
        }
        if(sent < warm + n)
            send_one();
    };
    c.on_open([&] {
        t_start = clock::now();
        for(std::size_t i = 0; i < window && sent < warm + n; ++i)
            send_one();
    });
    c.on_message([&](boost::json::value const&) {
        if(! acks)
            one_done();
    });
    c.on_error([&](error_code ec) {
        if(error.empty())
            error = chatlink::error_name(ec);
        ioc.stop();
    });
    c.on_close([&](chatlink::close_info const&) { ioc.stop(); });
    c.connect("bench");
    ioc.run_for(std::chrono::seconds(60));
    return finish_run(n, t_start, t_end, lat, error, done == warm + n);
}

//------------------------------------------------------------------------------

namespace {

// k clients, connected at most `window` at a time.
struct fleet
{
    std::vector<std::unique_ptr<chatlink::client>> clients;
    std::size_t next = 0;
    std::atomic<std::size_t> open{0};
    std::mutex error_mtx;
    std::string error;

    static constexpr std::size_t window = 256;

    void fail(std::string what)
    {
        std::lock_guard<std::mutex> lock(error_mtx);
        if(error.empty())
            error = std::move(what);
    }

    std::string first_error()
    {
        std::lock_guard<std::mutex> lock(error_mtx);
        return error;
    }

    // Runs on the io thread (the initial calls, then completions).
    void start_one()
    {
        if(next >= clients.size())
            return;
        auto& c = *clients[next++];
        c.async_connect("bench", [this](error_code ec) {
            if(ec)
                fail("connect: " + chatlink::error_name(ec));
            else
                ++open;
            start_one();
        });
    }

    void start(net::io_context& ioc)
    {
        net::post(ioc, [this] {
            for(std::size_t i = 0; i < window; ++i)
                start_one();
        });
    }
};

} // namespace

idle_result chatlink_idle(unsigned short port, std::size_t k, double idle_seconds,
    std::chrono::milliseconds heartbeat)
{
    idle_result r;
    net::io_context ioc{1}; // one thread, as in the throughput runs
    fleet f;
    std::size_t pongs = 0;
    r.rss_before = rss_bytes();
    auto const t0 = clock::now();
    auto o = options(port);
    o.heartbeat.interval = heartbeat;
    f.clients.reserve(k);
    for(std::size_t i = 0; i < k; ++i)
    {
        f.clients.push_back(std::make_unique<chatlink::client>(ioc, o));
        f.clients.back()->on_message([&pongs](boost::json::value const&) { ++pongs; });
    }
    f.start(ioc);
    while(f.open < k && f.first_error().empty() && seconds_since(t0) < 120)
        ioc.run_one_for(std::chrono::seconds(1));
    r.connect_s = seconds_since(t0);
    r.rss_after = rss_bytes();
    if(f.open < k)
    {
        r.error = f.first_error().empty() ? "not all connected" : f.first_error();
        return r;
    }
    auto const c0 = cpu_seconds();
    auto const p0 = pongs;
    auto const w0 = clock::now();
    ioc.run_for(std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(idle_seconds)));
    r.idle_wall_s = seconds_since(w0);
    r.idle_cpu_s = cpu_seconds() - c0;
    r.pongs = pongs - p0;
    r.error = f.first_error();
    r.ok = r.error.empty();
    return r;
}

storm_result chatlink_storm(unsigned short port, std::size_t k, storm_policy policy,
    std::function<void()> const& restart)
{
    storm_result r;
    net::io_context ioc;
    auto work = net::make_work_guard(ioc);
    fleet f;
    std::atomic<bool> storming{false};
    std::atomic<std::size_t> back{0}, failed{0};
    std::mutex arrivals_mtx;
    std::vector<clock::time_point> arrivals;
    arrivals.reserve(k);

    auto o = options(port);
    o.reconnect = policy == storm_policy::fixed
        ? chatlink::fixed_delay(std::chrono::milliseconds(1000))
        : chatlink::exponential_backoff(std::chrono::milliseconds(250), std::chrono::milliseconds(4000));
    f.clients.reserve(k);
    for(std::size_t i = 0; i < k; ++i)
    {
        f.clients.push_back(std::make_unique<chatlink::client>(ioc, o));
        auto& c = *f.clients.back();
        c.on_open([&] {
            if(! storming)
                return;
            {
                std::lock_guard<std::mutex> lock(arrivals_mtx);
                arrivals.push_back(clock::now());
            }
            ++back;
        });
        c.on_error([&](error_code) {
            if(storming)
                ++failed;
        });
    }
    std::thread io([&] { ioc.run(); });
    f.start(ioc);
    auto const t0 = clock::now();
    while(f.open < k && f.first_error().empty() && seconds_since(t0) < 120)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));

    clock::time_point t_up;
    if(f.open == k)
    {
        storming = true;
        restart();
        t_up = clock::now();
        while(back < k && seconds_since(t_up) < 60)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

    // Tear down from this thread: the clients' destructors are safe here.
    storming = false;
    f.clients.clear();
    work.reset();
    ioc.stop();
    io.join();

    if(f.open < k)
    {
        r.error = f.first_error().empty() ? "not all connected" : f.first_error();
        return r;
    }
    if(back < k)
    {
        r.error = std::to_string(back.load()) + " of " + std::to_string(k) + " came back";
        return r;
    }
    std::vector<double> s;
    for(auto t : arrivals)
        s.push_back(std::chrono::duration<double>(t - t_up).count());
    std::sort(s.begin(), s.end());
    auto at = [&](double p) { return s[static_cast<std::size_t>(p * static_cast<double>(s.size() - 1))]; };
    r.first_s = s.front();
    r.all_back_s = s.back();
    r.p10_s = at(0.10);
    r.p50_s = at(0.50);
    r.p90_s = at(0.90);
    r.failed_attempts = failed;
    r.ok = true;
    return r;
}

} // namespace bench
