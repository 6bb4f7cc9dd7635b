//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// chatlink-soak: a bounded soak run, not part of CI (docs/reliability.md).
//
// K clients (1,000) send one chat message each every interval (1 s) for a
// given time (600 s) to a server in a child process that drops a random tenth
// of its connections every few seconds (half with FIN, half with RST). The
// clients reconnect with exponential_backoff; the heartbeat runs every 5 s.
// Every 10 s a JSON line reports this process's RSS and the counts. At the
// end the server writes, for every message, how often it arrived; each
// message is then classified against how its send completed:
//   - received once, or more than once (a duplicate: must be 0);
//   - not received, and its send completed with an error (reported, never lost
//     silently);
//   - not received although its send completed with success: written to a
//     socket the server dropped before reading it (TCP discards it; chatlink's
//     guarantee is at most once, and the completion means "written").
// Every send must complete exactly once. Exit status 0 when there is no
// duplicate, no send left without a completion, and RSS at the end is within
// 25% (or 8 MB) of RSS after the first minute.
//
// With --delivery (PROTOCOL.md's Delivery extension, issue 15) messages go
// both ways, and nothing may be lost or duplicated in either:
//   - the clients send with acknowledged delivery: the server processes each
//     (client, cid) once and acks it; a message not acked when its
//     connection drops is sent again by the client (the server counts the
//     copies it saw on the wire, and what it processed);
//   - the server sends each client one stored message (an id) per interval,
//     live when the client is connected, and replays what it missed when it
//     reconnects with since= (resume); the clients count what reached the
//     application.
// At the end the clients stop, the server stops sending and dropping
// (SIGUSR1), every send must complete with success (the ack) and every
// stored message must reach its client; then the counts are compared:
// processed once, not processed (lost), processed twice, delivered to the
// app once, never, twice. Exit status 0 when all are once.
//
//   chatlink-soak [--clients K] [--seconds S] [--interval-ms I] [--drop-every-ms D] [--drop-fraction F]
//                 [--delivery]
//
#include <chatlink/chatlink.hpp>

#include "support/child_process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using clk = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct settings
{
    std::size_t clients = 1000;
    std::chrono::seconds duration{600};
    std::chrono::milliseconds interval{1000};
    std::chrono::milliseconds drop_every{3000};
    double drop_fraction = 0.1;
    unsigned short port = 0;
    std::string out; // server: where to write the arrival counts
    bool delivery = false;
};

// The value of `key=` in a request target's query ("" if none).
std::string query_value(std::string const& target, std::string const& key)
{
    auto const q = target.find('?');
    if(q == std::string::npos)
        return {};
    std::size_t pos = q + 1;
    while(pos < target.size())
    {
        auto amp = target.find('&', pos);
        if(amp == std::string::npos)
            amp = target.size();
        auto const kv = target.substr(pos, amp - pos);
        if(kv.rfind(key + "=", 0) == 0)
            return kv.substr(key.size() + 1);
        pos = amp + 1;
    }
    return {};
}

std::size_t rss_bytes()
{
    std::ifstream f("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    f >> pages >> resident;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

void raise_file_limit()
{
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
}

std::string self_path()
{
    char buf[4096];
    auto const n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("chatlink-soak");
}

//------------------------------------------------------------------------------
// The server (child process).

struct server
{
    net::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    net::steady_timer drop_timer{ioc};
    std::mt19937 rng{12345};
    settings st;
    // arrivals[c][n]: how often message n of client c arrived (saturating).
    std::vector<std::vector<std::uint8_t>> arrivals;
    std::size_t drops = 0;

    // --delivery: what each client (user "u<c>") was sent, the cids it
    // processed, the copies it saw on the wire.
    struct stored
    {
        std::int64_t id;
        std::string text;
    };
    std::vector<std::vector<stored>> history;            // per client, ids increasing
    std::vector<std::unordered_set<std::string>> cids;   // per client, processed
    std::vector<std::vector<std::uint8_t>> wire;         // copies seen, per message
    std::int64_t next_id = 1;
    bool quiet = false;                                  // SIGUSR1: no more drops or sends
    net::steady_timer gen_timer{ioc};

    struct session : std::enable_shared_from_this<session>
    {
        server& srv;
        websocket::stream<beast::tcp_stream> ws;
        beast::flat_buffer buf;
        std::deque<std::string> out;
        bool open = false;
        http::request<http::string_body> req;
        std::size_t client = ~std::size_t(0); // --delivery: whose connection

        session(server& s, tcp::socket sock) : srv(s), ws(std::move(sock)) {}

        void start()
        {
            if(! srv.st.delivery)
                return ws.async_accept([self = shared_from_this()](beast::error_code ec) {
                    if(ec)
                        return;
                    self->open = true;
                    self->read();
                });
            http::async_read(ws.next_layer(), buf, req, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if(ec)
                    return;
                self->ws.async_accept(self->req, [self](beast::error_code ec) {
                    if(ec)
                        return;
                    self->open = true;
                    self->on_delivery_open();
                    self->read();
                });
            });
        }

        // The client's user ("u<c>") and since=: the resume answer and the
        // replay, before any live message (one thread: nothing overtakes).
        void on_delivery_open()
        {
            std::string const target(req.target());
            auto const user = query_value(target, "token");
            if(user.size() < 2 || user[0] != 'u')
                return;
            client = std::stoul(user.substr(1));
            if(client >= srv.history.size())
                return;
            auto const since = query_value(target, "since");
            if(since.empty())
                return;
            std::int64_t const n = std::stoll(since);
            send(R"({"type":"resume","since":)" + since + R"(,"ok":true})");
            for(auto const& m : srv.history[client])
                if(m.id > n)
                    send(m.text);
        }

        void read()
        {
            ws.async_read(buf, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if(ec)
                {
                    self->open = false;
                    return;
                }
                self->on_message(beast::buffers_to_string(self->buf.data()));
                self->buf.consume(self->buf.size());
                self->read();
            });
        }

        void on_message(std::string const& text)
        {
            boost::system::error_code ec;
            auto const v = boost::json::parse(text, ec);
            if(ec || ! v.is_object())
                return;
            auto const& o = v.get_object();
            auto const* type = o.if_contains("type");
            if(! type || ! type->is_string())
                return;
            if(type->get_string() == "ping")
                return send(R"({"type":"pong"})");
            if(type->get_string() != "chat")
                return;
            auto const c = static_cast<std::size_t>(o.at("c").to_number<std::int64_t>());
            auto const n = static_cast<std::size_t>(o.at("n").to_number<std::int64_t>());
            if(c >= srv.arrivals.size())
                return;
            auto& a = srv.arrivals[c];
            if(a.size() <= n)
                a.resize(n + 1, 0);
            if(srv.st.delivery)
            {
                // Once per cid: a copy sent again is counted on the wire
                // and answered with the same ack, not processed.
                auto const* cid = o.if_contains("cid");
                if(! cid || ! cid->is_string())
                    return;
                auto& w = srv.wire[c];
                if(w.size() <= n)
                    w.resize(n + 1, 0);
                if(w[n] < 255)
                    ++w[n];
                std::string const id(cid->get_string());
                if(srv.cids[c].insert(id).second && a[n] < 255)
                    ++a[n];
                return send(R"({"type":"ack","cid":")" + id + R"("})");
            }
            if(a[n] < 255)
                ++a[n];
        }

        void send(std::string text)
        {
            out.push_back(std::move(text));
            if(out.size() == 1)
                write();
        }

        void write()
        {
            ws.async_write(net::buffer(out.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
                self->out.pop_front();
                if(! ec && ! self->out.empty())
                    self->write();
            });
        }

        void drop(bool reset)
        {
            open = false;
            auto& sock = beast::get_lowest_layer(ws).socket();
            beast::error_code ignored;
            if(reset)
                sock.set_option(net::socket_base::linger(true, 0), ignored);
            else
                sock.shutdown(tcp::socket::shutdown_both, ignored);
            sock.close(ignored);
        }
    };

    std::vector<std::weak_ptr<session>> sessions;

    void accept()
    {
        acceptor.async_accept([this](beast::error_code ec, tcp::socket sock) {
            if(ec)
                return;
            auto s = std::make_shared<session>(*this, std::move(sock));
            sessions.push_back(s);
            s->start();
            accept();
        });
    }

    void schedule_drops()
    {
        drop_timer.expires_after(st.drop_every);
        drop_timer.async_wait([this](beast::error_code ec) {
            if(ec || quiet)
                return;
            std::bernoulli_distribution pick(st.drop_fraction);
            std::vector<std::weak_ptr<session>> alive;
            for(auto& w : sessions)
                if(auto s = w.lock())
                {
                    if(s->open && pick(rng))
                    {
                        s->drop(drops++ % 2 == 1);
                        continue;
                    }
                    alive.push_back(w);
                }
            sessions = std::move(alive);
            schedule_drops();
        });
    }

    // --delivery: one stored message per client per interval, sent at once
    // to its open connection (if any).
    void generate()
    {
        gen_timer.expires_after(st.interval);
        gen_timer.async_wait([this](beast::error_code ec) {
            if(ec || quiet)
                return;
            std::vector<std::shared_ptr<session>> open_by_client(st.clients);
            for(auto& w : sessions)
                if(auto s = w.lock(); s && s->open && s->client < st.clients)
                    open_by_client[s->client] = s;
            for(std::size_t c = 0; c < st.clients; ++c)
            {
                auto const k = history[c].size();
                std::string text = R"({"type":"chat","from":"server","k":)" + std::to_string(k) +
                    R"(,"id":)" + std::to_string(next_id) + "}";
                history[c].push_back({next_id++, text});
                if(open_by_client[c])
                    open_by_client[c]->send(std::move(text));
            }
            generate();
        });
    }

    int run()
    {
        arrivals.resize(st.clients);
        if(st.delivery)
        {
            history.resize(st.clients);
            cids.resize(st.clients);
            wire.resize(st.clients);
        }
        tcp::endpoint ep(net::ip::make_address("127.0.0.1"), st.port);
        acceptor.open(ep.protocol());
        acceptor.set_option(net::socket_base::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen(4096);
        std::printf("port %u\n", acceptor.local_endpoint().port());
        std::fflush(stdout);
        accept();
        schedule_drops();
        if(st.delivery)
            generate();
        net::signal_set quiet_signal(ioc, SIGUSR1);
        quiet_signal.async_wait([this](beast::error_code ec, int) {
            if(ec)
                return;
            // No more drops and no more messages: write how many each
            // client was sent, so that the clients know when they have all.
            quiet = true;
            drop_timer.cancel();
            gen_timer.cancel();
            std::ofstream f(st.out + ".sent", std::ios::binary | std::ios::trunc);
            for(auto const& h : history)
            {
                std::uint64_t const n = h.size();
                f.write(reinterpret_cast<char const*>(&n), sizeof n);
            }
            f.close();
            std::printf("quiet\n");
            std::fflush(stdout);
        });
        net::signal_set signals(ioc, SIGTERM, SIGINT);
        signals.async_wait([this](beast::error_code, int) {
            // Stop dropping, write the counts, exit.
            std::ofstream f(st.out, std::ios::binary | std::ios::trunc);
            for(std::size_t c = 0; c < arrivals.size(); ++c)
            {
                auto const& a = arrivals[c];
                std::uint64_t const n = a.size();
                f.write(reinterpret_cast<char const*>(&n), sizeof n);
                f.write(reinterpret_cast<char const*>(a.data()), static_cast<std::streamsize>(a.size()));
                // --delivery: the copies seen on the wire, as long as `a`.
                if(st.delivery)
                {
                    auto w = wire[c];
                    w.resize(a.size(), 0);
                    f.write(reinterpret_cast<char const*>(w.data()), static_cast<std::streamsize>(w.size()));
                }
            }
            f.close();
            std::printf("done drops=%zu\n", drops);
            std::fflush(stdout);
            ioc.stop();
        });
        ioc.run();
        return 0;
    }
};

//------------------------------------------------------------------------------
// The clients (this process).

enum : std::uint8_t { pending = 0, sent_ok = 1, sent_error = 2 };

struct soak
{
    settings st;
    net::io_context ioc{1};
    std::vector<std::unique_ptr<chatlink::client>> clients;
    std::vector<std::unique_ptr<net::steady_timer>> timers;
    std::vector<std::vector<std::uint8_t>> status; // per client, per message
    std::map<std::string, std::size_t> errors;     // send completions by error
    std::vector<std::vector<std::uint8_t>> received; // --delivery: per client, per k: deliveries
    std::size_t received_distinct = 0;
    std::size_t attempted = 0, ok = 0, failed = 0, opens = 0, closes = 0;
    bool sending = true;
    std::mt19937 rng{42};

    void send_next(std::size_t c)
    {
        if(! sending)
            return;
        auto const n = status[c].size();
        status[c].push_back(pending);
        ++attempted;
        clients[c]->async_send(
            R"({"type":"chat","c":)" + std::to_string(c) + R"(,"n":)" + std::to_string(n) + "}",
            [this, c, n](chatlink::error_code ec, std::size_t) {
                if(status[c][n] != pending)
                {
                    std::fprintf(stderr, "send %zu/%zu completed twice\n", c, n);
                    std::abort();
                }
                status[c][n] = ec ? sent_error : sent_ok;
                if(ec)
                {
                    ++failed;
                    ++errors[chatlink::error_name(ec)];
                }
                else
                    ++ok;
            });
        timers[c]->expires_after(st.interval);
        timers[c]->async_wait([this, c](boost::system::error_code ec) {
            if(! ec)
                send_next(c);
        });
    }

    int run()
    {
        raise_file_limit();
        auto const out = "/tmp/chatlink-soak-" + std::to_string(::getpid()) + ".bin";
        std::vector<std::string> args{self_path(), "--server", "--clients", std::to_string(st.clients),
            "--interval-ms", std::to_string(st.interval.count()),
            "--drop-every-ms", std::to_string(st.drop_every.count()),
            "--drop-fraction", std::to_string(st.drop_fraction), "--out", out};
        if(st.delivery)
            args.push_back("--delivery");
        chatlink_test::child_process srv(args);
        auto const line = srv.read_line(10s);
        if(line.rfind("port ", 0) != 0)
        {
            std::fprintf(stderr, "the server did not start\n");
            return 2;
        }
        auto const url = "http://127.0.0.1:" + line.substr(5);

        status.resize(st.clients);
        std::uniform_int_distribution<int> offset(0, static_cast<int>(st.interval.count()));
        for(std::size_t c = 0; c < st.clients; ++c)
        {
            chatlink::client_options o;
            o.url = url;
            o.heartbeat.interval = 5s;
            o.reconnect = chatlink::exponential_backoff(100ms, 3s);
            o.reconnect_reset_after = 1s;
            o.delivery.acks = st.delivery;
            o.delivery.resume = st.delivery;
            o.delivery.resume_from = 0; // the first connection asks for everything
            clients.push_back(std::make_unique<chatlink::client>(ioc, o));
            clients.back()->on_open([this] { ++opens; });
            clients.back()->on_close([this](chatlink::close_info const&) { ++closes; });
            if(st.delivery)
            {
                received.emplace_back();
                clients.back()->on_message([this, c](boost::json::value const& v) {
                    auto const* k = v.get_object().if_contains("k");
                    if(! k)
                        return;
                    auto const i = static_cast<std::size_t>(k->to_number<std::int64_t>());
                    auto& r = received[c];
                    if(r.size() <= i)
                        r.resize(i + 1, 0);
                    if(r[i] == 0)
                        ++received_distinct;
                    if(r[i] < 255)
                        ++r[i];
                });
            }
            clients.back()->connect(st.delivery ? "u" + std::to_string(c) : std::string("soak"));
            timers.push_back(std::make_unique<net::steady_timer>(ioc));
            timers.back()->expires_after(std::chrono::milliseconds(offset(rng)));
            timers.back()->async_wait([this, c](boost::system::error_code ec) {
                if(! ec)
                    send_next(c);
            });
        }

        auto const t0 = clk::now();
        std::size_t rss_1min = 0, rss_first = 0;
        auto report = [&](double t) {
            auto const rss = rss_bytes();
            if(rss_first == 0)
                rss_first = rss;
            std::size_t open_now = 0;
            for(auto& c : clients)
                open_now += c->state() == chatlink::state::open;
            std::printf("{\"t\":%.0f,\"rss_mb\":%.1f,\"open\":%zu,\"opens\":%zu,\"closes\":%zu,"
                        "\"attempted\":%zu,\"ok\":%zu,\"failed\":%zu,\"received\":%zu}\n",
                t, static_cast<double>(rss) / 1e6, open_now, opens, closes, attempted, ok, failed,
                received_distinct);
            std::fflush(stdout);
            return rss;
        };
        for(auto next = 10s; clk::now() - t0 < st.duration; next += 10s)
        {
            ioc.run_until(std::min(t0 + next, t0 + st.duration));
            auto const rss = report(std::chrono::duration<double>(clk::now() - t0).count());
            if(next == 60s || (rss_1min == 0 && st.duration <= 60s))
                rss_1min = rss;
        }
        std::size_t const rss_end = rss_bytes();

        // Stop sending; give what is queued a moment, then close every client.
        sending = false;
        for(auto& t : timers)
            t->cancel();
        std::vector<std::uint64_t> sent_to; // --delivery: what the server sent each client
        std::uint64_t sent_total = 0;
        if(st.delivery)
        {
            // The server stops dropping and sending; every send must be
            // acked and every stored message delivered (bounded: 120 s).
            ::kill(srv.pid(), SIGUSR1);
            if(srv.read_line(10s) != "quiet")
            {
                std::fprintf(stderr, "the server did not go quiet\n");
                return 2;
            }
            std::ifstream sf(out + ".sent", std::ios::binary);
            sent_to.resize(st.clients);
            for(auto& n : sent_to)
            {
                sf.read(reinterpret_cast<char*>(&n), sizeof n);
                sent_total += n;
            }
            std::remove((out + ".sent").c_str());
            auto const until = clk::now() + 120s;
            while(clk::now() < until && (ok + failed < attempted || received_distinct < sent_total))
                ioc.run_for(100ms);
            report(std::chrono::duration<double>(clk::now() - t0).count());
        }
        else
            ioc.run_for(3s);
        for(auto& c : clients)
            c->close();
        auto const deadline = clk::now() + 30s;
        while(clk::now() < deadline && ok + failed < attempted)
            ioc.run_for(100ms);
        srv.stop(SIGTERM);

        // Cross-check every message with the server's counts.
        std::ifstream f(out, std::ios::binary);
        std::size_t once = 0, dup = 0, lost_after_error = 0, lost_after_ok = 0, never_completed = 0;
        std::size_t received_after_error = 0;
        std::size_t resent_on_wire = 0;             // --delivery: messages the server saw more than once
        std::size_t in_once = 0, in_never = 0, in_twice = 0; // --delivery: server to client
        for(std::size_t c = 0; c < st.clients; ++c)
        {
            std::uint64_t n = 0;
            f.read(reinterpret_cast<char*>(&n), sizeof n);
            std::vector<std::uint8_t> got(static_cast<std::size_t>(n));
            f.read(reinterpret_cast<char*>(got.data()), static_cast<std::streamsize>(n));
            if(st.delivery)
            {
                std::vector<std::uint8_t> wire(static_cast<std::size_t>(n));
                f.read(reinterpret_cast<char*>(wire.data()), static_cast<std::streamsize>(n));
                for(auto w : wire)
                    resent_on_wire += w > 1 ? 1 : 0;
                auto r = received[c];
                r.resize(std::max<std::size_t>(r.size(), static_cast<std::size_t>(sent_to[c])), 0);
                for(std::size_t k = 0; k < r.size(); ++k)
                {
                    if(r[k] == 1)
                        ++in_once;
                    else if(r[k] == 0)
                        ++in_never;
                    else
                        ++in_twice;
                }
            }
            for(std::size_t i = 0; i < status[c].size(); ++i)
            {
                auto const arrived = i < got.size() ? got[i] : 0;
                if(status[c][i] == pending)
                    ++never_completed;
                if(arrived > 1)
                    ++dup;
                else if(arrived == 1)
                {
                    ++once;
                    if(status[c][i] == sent_error)
                        ++received_after_error;
                }
                else if(status[c][i] == sent_error)
                    ++lost_after_error;
                else if(status[c][i] == sent_ok)
                    ++lost_after_ok;
            }
        }
        std::remove(out.c_str());

        bool const flat = rss_1min == 0 ||
            static_cast<double>(rss_end) <= static_cast<double>(rss_1min) * 1.25 ||
            rss_end <= rss_1min + 8 * 1000 * 1000;
        std::printf("{\"summary\":true,\"clients\":%zu,\"seconds\":%lld,\"attempted\":%zu,\"ok\":%zu,"
                    "\"failed\":%zu,\"received_once\":%zu,\"duplicates\":%zu,"
                    "\"not_received_send_failed\":%zu,\"not_received_send_ok\":%zu,"
                    "\"received_send_failed\":%zu,\"never_completed\":%zu,"
                    "\"rss_mb_first\":%.1f,\"rss_mb_1min\":%.1f,\"rss_mb_end\":%.1f,\"opens\":%zu}\n",
            st.clients, static_cast<long long>(st.duration.count()), attempted, ok, failed, once, dup,
            lost_after_error, lost_after_ok, received_after_error, never_completed,
            static_cast<double>(rss_first) / 1e6, static_cast<double>(rss_1min) / 1e6,
            static_cast<double>(rss_end) / 1e6, opens);
        for(auto const& [name, count] : errors)
            std::printf("{\"send_error\":\"%s\",\"count\":%zu}\n", name.c_str(), count);
        if(st.delivery)
        {
            std::uint64_t resent = 0, dropped = 0;
            for(auto& c : clients)
            {
                resent += c->stats().messages_resent;
                dropped += c->stats().duplicates_dropped;
            }
            std::printf("{\"delivery\":true,\"client_to_server_lost\":%zu,\"client_to_server_duplicated\":%zu,"
                        "\"sent_again_by_clients\":%llu,\"seen_twice_on_the_wire\":%zu,"
                        "\"server_to_client_sent\":%llu,\"delivered_once\":%zu,\"delivered_never\":%zu,"
                        "\"delivered_twice\":%zu,\"duplicates_dropped_by_resume\":%llu}\n",
                lost_after_ok + lost_after_error, dup, static_cast<unsigned long long>(resent), resent_on_wire,
                static_cast<unsigned long long>(sent_total), in_once, in_never, in_twice,
                static_cast<unsigned long long>(dropped));
            bool const nothing_lost = lost_after_ok == 0 && lost_after_error == 0 && failed == 0 &&
                in_never == 0 && in_twice == 0;
            return dup == 0 && never_completed == 0 && nothing_lost && flat ? 0 : 1;
        }
        return dup == 0 && never_completed == 0 && flat ? 0 : 1;
    }
};

} // namespace

int main(int argc, char** argv)
{
    settings st;
    bool server_mode = false;
    for(int i = 1; i < argc; ++i)
    {
        std::string const a = argv[i];
        auto value = [&]() -> std::string {
            if(i + 1 >= argc)
            {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if(a == "--server")
            server_mode = true;
        else if(a == "--clients")
            st.clients = std::stoul(value());
        else if(a == "--seconds")
            st.duration = std::chrono::seconds(std::stol(value()));
        else if(a == "--interval-ms")
            st.interval = std::chrono::milliseconds(std::stol(value()));
        else if(a == "--drop-every-ms")
            st.drop_every = std::chrono::milliseconds(std::stol(value()));
        else if(a == "--drop-fraction")
            st.drop_fraction = std::stod(value());
        else if(a == "--port")
            st.port = static_cast<unsigned short>(std::stoul(value()));
        else if(a == "--out")
            st.out = value();
        else if(a == "--delivery")
            st.delivery = true;
        else
        {
            std::fprintf(stderr,
                "usage: chatlink-soak [--clients K] [--seconds S] [--interval-ms I] "
                "[--drop-every-ms D] [--drop-fraction F] [--delivery]\n");
            return 2;
        }
    }
    if(server_mode)
    {
        server s;
        s.st = st;
        return s.run();
    }
    soak s;
    s.st = st;
    return s.run();
}
