//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The baselines: a hand-written Beast client doing what chatlink does (a read
// loop always outstanding, one write at a time, optionally parsing each reply
// with Boost.JSON), and plain TCP moving the same bytes.
//
#include "runs.hpp"
#include "echo_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>

#include <deque>
#include <memory>

namespace bench {

echo_handle start_echo(boost::asio::io_context& ioc)
{
    auto s = std::make_shared<echo_server>(ioc);
    echo_handle h;
    h.ws_port = s->ws_port();
    h.tcp_port = s->tcp_port();
    h.server = std::move(s);
    return h;
}

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using boost::system::error_code;

tcp::endpoint loopback(unsigned short port)
{
    return {net::ip::make_address_v4("127.0.0.1"), port};
}

// What a hand-written client does with a reply: parse it and look at its type.
std::size_t consume(beast::flat_buffer const& b, bool parse_json, error_code& ec)
{
    if(! parse_json)
        return b.size();
    auto const d = b.data();
    auto v = boost::json::parse(boost::json::string_view(static_cast<char const*>(d.data()), d.size()), ec);
    if(ec || ! v.is_object())
        return 0;
    auto const* t = v.get_object().if_contains("type");
    return t && t->is_string() ? t->get_string().size() : 0;
}

class beast_client
{
public:
    net::io_context ioc{1};
    echo_handle server = start_echo(ioc);
    websocket::stream<beast::tcp_stream> ws{ioc};
    beast::flat_buffer buf;
    bool parse_json = false;
    std::size_t warm = 0, n = 0, received = 0, sent = 0, sink = 0;
    std::vector<std::int64_t> lat;
    clock::time_point t_send, t_start, t_end;
    std::string error;

    // Connect and upgrade (on this io_context, which also runs the server),
    // then call `then`.
    template<class Then>
    void open(Then then)
    {
        ws.auto_fragment(false);
        beast::get_lowest_layer(ws).async_connect(loopback(server.ws_port), [this, then](error_code ec) {
            if(ec)
                return fail("connect", ec);
            ws.async_handshake("127.0.0.1:" + std::to_string(server.ws_port), "/ws?token=bench",
                [this, then](error_code ec) {
                    if(ec)
                        return fail("handshake", ec);
                    ws.text(true);
                    then();
                });
        });
    }

    void fail(char const* what, error_code ec)
    {
        if(error.empty())
            error = std::string(what) + ": " + ec.message();
        ioc.stop();
    }

    // Sequential: the reply to each message triggers the next one.
    void seq_read()
    {
        ws.async_read(buf, [this](error_code ec, std::size_t) {
            if(ec)
                return fail("read", ec);
            // The round trip ends when the app holds the reply: parsed, for
            // the + JSON client, as chatlink's on_message holds it.
            sink += consume(buf, parse_json, ec);
            auto const now = clock::now();
            if(ec)
                return fail("parse", ec);
            buf.consume(buf.size());
            if(++received > warm)
                lat.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - t_send).count());
            if(received == warm)
                t_start = clock::now();
            if(received == warm + n)
            {
                t_end = now;
                return ws.async_close(websocket::close_code::normal, [this](error_code) { ioc.stop(); });
            }
            seq_write();
            seq_read();
        });
    }

    void seq_write()
    {
        t_send = clock::now();
        ws.async_write(net::buffer(message()), [this](error_code ec, std::size_t) {
            if(ec)
                fail("write", ec);
        });
    }

    // Pipelined: a write loop and a read loop, each on its own.
    void pipe_write()
    {
        ws.async_write(net::buffer(message()), [this](error_code ec, std::size_t) {
            if(ec)
                return fail("write", ec);
            if(++sent < n)
                pipe_write();
        });
    }

    void pipe_read()
    {
        ws.async_read(buf, [this](error_code ec, std::size_t) {
            if(ec)
                return fail("read", ec);
            sink += consume(buf, parse_json, ec);
            if(ec)
                return fail("parse", ec);
            buf.consume(buf.size());
            if(++received == n)
            {
                t_end = clock::now();
                return ws.async_close(websocket::close_code::normal, [this](error_code) { ioc.stop(); });
            }
            pipe_read();
        });
    }
};

} // namespace

run_result beast_sequential(std::size_t n, bool parse_json)
{
    beast_client c;
    c.parse_json = parse_json;
    c.warm = n / 10;
    c.n = n;
    c.lat.reserve(n);
    c.open([&c] {
        c.t_start = clock::now();
        c.seq_read();
        c.seq_write();
    });
    c.ioc.run_for(std::chrono::seconds(60));
    return finish_run(n, c.t_start, c.t_end, c.lat, c.error, c.received == c.warm + n);
}

run_result beast_pipelined(std::size_t n, bool parse_json)
{
    beast_client c;
    c.parse_json = parse_json;
    c.n = n;
    c.open([&c] {
        c.t_start = clock::now();
        c.pipe_read();
        c.pipe_write();
    });
    c.ioc.run_for(std::chrono::seconds(60));
    return finish_run(n, c.t_start, c.t_end, c.lat, c.error, c.received == n);
}

//------------------------------------------------------------------------------
// Plain TCP: the same 100 bytes each way, no framing.

namespace {

struct tcp_client
{
    net::io_context ioc{1};
    echo_handle server = start_echo(ioc);
    tcp::socket s{ioc};
    std::vector<char> in = std::vector<char>(65536);
    std::size_t warm = 0, n = 0, received = 0, sent = 0, bytes_in = 0;
    std::vector<std::int64_t> lat;
    clock::time_point t_send, t_start, t_end;
    std::string error;

    void fail(char const* what, error_code ec)
    {
        if(error.empty())
            error = std::string(what) + ": " + ec.message();
        ioc.stop();
    }

    void seq_write()
    {
        t_send = clock::now();
        net::async_write(s, net::buffer(message()), [this](error_code ec, std::size_t) {
            if(ec)
                fail("write", ec);
        });
    }

    void seq_read()
    {
        net::async_read(s, net::buffer(in.data(), message().size()), [this](error_code ec, std::size_t) {
            if(ec)
                return fail("read", ec);
            auto const now = clock::now();
            if(++received > warm)
                lat.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - t_send).count());
            if(received == warm)
                t_start = clock::now();
            if(received == warm + n)
            {
                t_end = now;
                return ioc.stop();
            }
            seq_write();
            seq_read();
        });
    }

    void pipe_write()
    {
        net::async_write(s, net::buffer(message()), [this](error_code ec, std::size_t) {
            if(ec)
                return fail("write", ec);
            if(++sent < n)
                pipe_write();
        });
    }

    void pipe_read()
    {
        s.async_read_some(net::buffer(in), [this](error_code ec, std::size_t got) {
            if(ec)
                return fail("read", ec);
            bytes_in += got;
            if(bytes_in >= n * message().size())
            {
                received = n;
                t_end = clock::now();
                return ioc.stop();
            }
            pipe_read();
        });
    }
};

} // namespace

run_result tcp_sequential(std::size_t n)
{
    tcp_client c;
    c.warm = n / 10;
    c.n = n;
    c.lat.reserve(n);
    error_code ec;
    c.s.connect(loopback(c.server.tcp_port), ec);
    if(ec)
    {
        run_result r;
        r.error = ec.message();
        return r;
    }
    if(c.warm == 0)
        c.t_start = clock::now();
    c.seq_read();
    c.seq_write();
    c.ioc.run_for(std::chrono::seconds(60));
    return finish_run(n, c.t_start, c.t_end, c.lat, c.error, c.received == c.warm + n);
}

run_result tcp_pipelined(std::size_t n)
{
    tcp_client c;
    c.n = n;
    error_code ec;
    c.s.connect(loopback(c.server.tcp_port), ec);
    if(ec)
    {
        run_result r;
        r.error = ec.message();
        return r;
    }
    c.t_start = clock::now();
    c.pipe_read();
    c.pipe_write();
    c.ioc.run_for(std::chrono::seconds(60));
    return finish_run(n, c.t_start, c.t_end, c.lat, c.error, c.received == n);
}

//------------------------------------------------------------------------------
// Idle: k hand-written Beast clients, each with a read loop and a heartbeat
// timer, the least a client that notices a dead connection needs.

namespace {

constexpr char ping_text[] = R"({"type":"ping"})";

struct idle_conn
{
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buf;
    net::steady_timer hb;

    explicit idle_conn(net::io_context& ioc) : ws(ioc), hb(ioc) {}
};

struct beast_idle_run
{
    net::io_context ioc{1}; // one thread, as in the throughput runs
    std::vector<std::unique_ptr<idle_conn>> conns;
    unsigned short port = 0;
    std::size_t k = 0, next = 0, open = 0, pongs = 0;
    std::chrono::milliseconds heartbeat{25000};
    std::string error;

    void fail(std::string what)
    {
        if(error.empty())
            error = std::move(what);
        ioc.stop();
    }

    void start_one()
    {
        if(next == k)
            return;
        auto* c = conns[next++].get();
        beast::get_lowest_layer(c->ws).async_connect(loopback(port), [this, c](error_code ec) {
            if(ec)
                return fail("connect: " + ec.message());
            c->ws.async_handshake("127.0.0.1:" + std::to_string(port), "/ws?token=bench", [this, c](error_code ec) {
                if(ec)
                    return fail("handshake: " + ec.message());
                ++open;
                read(c);
                arm(c);
                start_one();
            });
        });
    }

    void read(idle_conn* c)
    {
        c->ws.async_read(c->buf, [this, c](error_code ec, std::size_t) {
            if(ec)
                return;
            ++pongs;
            c->buf.consume(c->buf.size());
            read(c);
        });
    }

    void arm(idle_conn* c)
    {
        c->hb.expires_after(heartbeat);
        c->hb.async_wait([this, c](error_code ec) {
            if(ec)
                return;
            c->ws.async_write(net::buffer(ping_text, sizeof ping_text - 1), [](error_code, std::size_t) {});
            arm(c);
        });
    }
};

} // namespace

idle_result beast_idle(unsigned short port, std::size_t k, double idle_seconds,
    std::chrono::milliseconds heartbeat)
{
    idle_result r;
    beast_idle_run run;
    run.port = port;
    run.k = k;
    run.heartbeat = heartbeat;
    r.rss_before = rss_bytes();
    auto const t0 = clock::now();
    run.conns.reserve(k);
    for(std::size_t i = 0; i < k; ++i)
        run.conns.push_back(std::make_unique<idle_conn>(run.ioc));
    for(std::size_t i = 0; i < 256; ++i)
        run.start_one();
    while(run.open < k && run.error.empty() && seconds_since(t0) < 120)
        run.ioc.run_one_for(std::chrono::seconds(1));
    r.connect_s = seconds_since(t0);
    r.rss_after = rss_bytes();
    if(run.open < k)
    {
        r.error = run.error.empty() ? "not all connected" : run.error;
        return r;
    }
    auto const c0 = cpu_seconds();
    auto const p0 = run.pongs;
    auto const w0 = clock::now();
    run.ioc.run_for(std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(idle_seconds)));
    r.idle_wall_s = seconds_since(w0);
    r.idle_cpu_s = cpu_seconds() - c0;
    r.pongs = run.pongs - p0;
    r.ok = run.error.empty();
    r.error = run.error;
    return r;
}

} // namespace bench
