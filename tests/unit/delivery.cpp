//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Delivery (issue 15, PROTOCOL.md): acknowledged sends, resume, requests,
// on real sockets against the in-process server speaking the extension with
// chatlink-server's ledger (server_options::delivery), with its faults:
// a drop before the ack, acks withheld, acks twice, a replay that overlaps.
//
#include <chatlink/client.hpp>
#include <chatlink/credential_store.hpp>
#include <chatlink/reconnect_policy.hpp>

#include "support/temp_dir.hpp"
#include "support/client_helpers.hpp"
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

using namespace std::chrono_literals;
using chatlink_test::run_until;
using chatlink_test::server_options;
using chatlink_test::test_server;
namespace json = boost::json;

using chatlink_test::temp_dir;

namespace {

server_options delivering()
{
    server_options so;
    so.delivery = true;
    so.echo = false;
    return so;
}

chatlink::client_options acked(std::string url)
{
    auto o = chatlink_test::quiet_options(std::move(url));
    o.delivery.acks = true;
    o.reconnect = chatlink::fixed_delay(50ms);
    return o;
}

std::string chat(std::string const& text)
{
    return json::serialize(json::object{{"type", "chat"}, {"to", "all"}, {"text", text}});
}

// What the client's handlers saw.
struct seen
{
    std::vector<json::object> messages;       // on_message
    std::vector<chatlink::ack_info> acks;     // on_ack
    std::vector<chatlink::resume_info> resumes;
    std::vector<chatlink::close_info> closes;
    std::vector<chatlink::error_code> errors;

    void attach(chatlink::client& c)
    {
        c.on_message([this](json::value const& m) { messages.push_back(m.as_object()); });
        c.on_ack([this](chatlink::ack_info const& a) { acks.push_back(a); });
        c.on_resume([this](chatlink::resume_info const& r) { resumes.push_back(r); });
        c.on_close([this](chatlink::close_info const& i) { closes.push_back(i); });
        c.on_error([this](chatlink::error_code ec) { errors.push_back(ec); });
    }

    // The texts of the chat messages delivered, in order.
    std::vector<std::string> chat_texts() const
    {
        std::vector<std::string> v;
        for(auto const& m : messages)
            if(m.at("type") == "chat")
                v.push_back(std::string(m.at("text").as_string()));
        return v;
    }

    std::size_t of_type(char const* type) const
    {
        std::size_t n = 0;
        for(auto const& m : messages)
            n += m.at("type") == type ? 1 : 0;
        return n;
    }
};

// The results of sends, by index, each recorded once (a second completion
// fails the test).
struct completions
{
    std::map<int, chatlink::error_code> done;

    auto handler(int i)
    {
        return [this, i](chatlink::error_code ec, std::size_t) {
            CHECK(done.count(i) == 0);
            done[i] = ec;
        };
    }
};

// Open, and wait (bounded) until the server has the session registered:
// the client may see the 101 before the server's accept handler has run,
// and a message stored before that is not sent to it live.
void open(test_server& srv, boost::asio::io_context& ioc, chatlink::client& c)
{
    chatlink_test::open(ioc, c);
    REQUIRE(srv.wait_for([&] { return srv.open_sessions() > 0; }, 5s));
}

std::size_t count_of(std::vector<std::string> const& v, std::string const& needle)
{
    std::size_t n = 0;
    for(auto const& s : v)
        n += s.find(needle) != std::string::npos ? 1 : 0;
    return n;
}

} // namespace

TEST_CASE("acks: a send completes when the server acknowledges it, and the ack goes to on_ack only", "[delivery][acks]")
{
    test_server srv(delivering());
    boost::asio::io_context ioc;
    chatlink::client c(ioc, acked(srv.url()));
    seen s;
    s.attach(c);
    open(srv, ioc, c);

    completions done;
    c.async_send(chat("one"), done.handler(0));
    c.async_send(R"({"type":"chat","to":"all","text":"two","cid":"mine-1"})", done.handler(1));
    REQUIRE(run_until(ioc, [&] { return done.done.size() == 2 && s.messages.size() == 2; }));
    CHECK_FALSE(done.done[0]);
    CHECK_FALSE(done.done[1]);

    // Each message went out with a cid: ours, or the app's own.
    auto const got = srv.received();
    REQUIRE(got.size() == 2);
    auto const cid0 = std::string(json::parse(got[0]).at("cid").as_string());
    CHECK(cid0.find('.') != std::string::npos);
    CHECK(json::parse(got[1]).at("cid") == "mine-1");

    REQUIRE(s.acks.size() == 2);
    CHECK(s.acks[0].cid == cid0);
    CHECK(s.acks[0].id == std::optional<std::int64_t>(1));
    CHECK(s.acks[1].cid == "mine-1");
    CHECK(s.acks[1].id == std::optional<std::int64_t>(2));
    CHECK(s.of_type("ack") == 0);
    CHECK(s.chat_texts() == std::vector<std::string>{"one", "two"});
    CHECK(c.stats().unacked == 0);
}

TEST_CASE("acks: a connection dropped before the ack sends the message again, and the server stores it once", "[delivery][acks]")
{
    auto so = delivering();
    so.drop_before_ack = 1;
    test_server srv(so);
    boost::asio::io_context ioc;
    chatlink::client c(ioc, acked(srv.url()));
    seen s;
    s.attach(c);
    open(srv, ioc, c);

    completions done;
    c.async_send(chat("once"), done.handler(0));
    c.async_send(chat("after"), done.handler(1));
    REQUIRE(run_until(ioc, [&] { return done.done.size() == 2; }));
    CHECK_FALSE(done.done[0]);
    CHECK_FALSE(done.done[1]);

    // The server stored "once" on the first connection and dropped it
    // before acking; the client sent it again (same cid) on the second,
    // and the server answered with the first ack, storing nothing new.
    auto const stored = srv.stored();
    CHECK(count_of(stored, "\"once\"") == 1);
    CHECK(count_of(stored, "\"after\"") == 1);
    CHECK(count_of(srv.received(), "\"once\"") == 2);
    REQUIRE(s.closes.size() >= 1);
    CHECK(s.closes[0].error == chatlink::error::connection_lost);
    CHECK(c.stats().messages_resent >= 1);
    REQUIRE(s.acks.size() == 2);
    CHECK(s.acks[0].id == std::optional<std::int64_t>(1));
}

TEST_CASE("acks: a duplicate ack is harmless", "[delivery][acks]")
{
    auto so = delivering();
    so.duplicate_acks = true;
    test_server srv(so);
    boost::asio::io_context ioc;
    chatlink::client c(ioc, acked(srv.url()));
    seen s;
    s.attach(c);
    open(srv, ioc, c);

    completions done;
    for(int i = 0; i < 3; ++i)
        c.async_send(chat("m" + std::to_string(i)), done.handler(i));
    REQUIRE(run_until(ioc, [&] { return done.done.size() == 3 && s.messages.size() == 3; }));
    // The second copies arrive too; let them.
    REQUIRE(run_until(ioc, [&] { return false; }, 200ms) == false);
    for(int i = 0; i < 3; ++i)
        CHECK_FALSE(done.done[i]);
    CHECK(s.acks.size() == 3);
    CHECK(s.of_type("ack") == 0);
    CHECK(s.errors.empty());
    CHECK(c.state() == chatlink::state::open);
}

TEST_CASE("acks: no ack within the ack timeout drops the connection with ack_timeout, and the next connection acks", "[delivery][acks]")
{
    auto so = delivering();
    so.withhold_acks_connections = 1;
    test_server srv(so);
    boost::asio::io_context ioc;
    auto o = acked(srv.url());
    o.delivery.ack_timeout = 300ms;
    chatlink::client c(ioc, o);
    seen s;
    s.attach(c);
    open(srv, ioc, c);

    completions done;
    auto const before = std::chrono::steady_clock::now(); // precedes the write
    c.async_send(chat("late"), done.handler(0));
    REQUIRE(run_until(ioc, [&] { return ! s.closes.empty(); }));
    auto const took = std::chrono::steady_clock::now() - before;
    CHECK(s.closes[0].error == chatlink::error::ack_timeout);
    CHECK(took >= 300ms);
    REQUIRE(run_until(ioc, [&] { return done.done.size() == 1; }));
    CHECK_FALSE(done.done[0]);
    CHECK(count_of(srv.stored(), "\"late\"") == 1);
    CHECK(c.stats().messages_resent == 1);
}

TEST_CASE("acks: a message the server refuses completes with server_rejected and is not sent again", "[delivery][acks]")
{
    test_server srv(delivering());
    boost::asio::io_context ioc;
    chatlink::client c(ioc, acked(srv.url()));
    seen s;
    s.attach(c);
    open(srv, ioc, c);

    completions done;
    c.async_send(R"({"type":"nope"})", done.handler(0));
    c.async_send(chat("fine"), done.handler(1));
    REQUIRE(run_until(ioc, [&] { return done.done.size() == 2; }));
    CHECK(done.done[0] == chatlink::error::server_rejected);
    CHECK_FALSE(done.done[1]);
    CHECK(c.stats().last_error_detail.find("unknown_type") != std::string::npos);
    CHECK(count_of(srv.received(), "nope") == 1);
    CHECK(s.of_type("error") == 0);
}

TEST_CASE("acks: sends beyond max_unacked wait, then all complete in order", "[delivery][acks]")
{
    auto so = delivering();
    so.withhold_acks_connections = 1;
    test_server srv(so);
    boost::asio::io_context ioc;
    auto o = acked(srv.url());
    o.delivery.max_unacked = 2;
    o.delivery.ack_timeout = 2s; // long enough to look at the first connection under load
    chatlink::client c(ioc, o);
    open(srv, ioc, c);

    std::vector<int> order;
    for(int i = 0; i < 5; ++i)
        c.async_send(chat("w" + std::to_string(i)), [&order, i](chatlink::error_code ec, std::size_t) {
            CHECK_FALSE(ec);
            order.push_back(i);
        });
    // On the first connection only two are written: the window is full.
    REQUIRE(run_until(ioc, [&] { return srv.received().size() >= 2; }));
    REQUIRE(run_until(ioc, [&] { return false; }, 200ms) == false);
    CHECK(srv.received().size() == 2);
    CHECK(c.stats().unacked == 2);
    REQUIRE(run_until(ioc, [&] { return order.size() == 5; }));
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
    CHECK(srv.stored().size() == 5);
}

TEST_CASE("acks: close() completes unacknowledged sends with delivery_unknown", "[delivery][acks]")
{
    auto so = delivering();
    so.withhold_acks_connections = 1;
    test_server srv(so);
    boost::asio::io_context ioc;
    auto o = acked(srv.url());
    o.delivery.ack_timeout = 10s;
    chatlink::client c(ioc, o);
    open(srv, ioc, c);

    completions done;
    c.async_send(chat("maybe"), done.handler(0));
    REQUIRE(run_until(ioc, [&] { return srv.received().size() == 1 && c.stats().unacked == 1; }));
    c.close();
    REQUIRE(run_until(ioc, [&] { return done.done.size() == 1; }));
    CHECK(done.done[0] == chatlink::error::delivery_unknown);
}

TEST_CASE("resume: a new connection replays what was missed, in order, each message once", "[delivery][resume]")
{
    bool const overlap = GENERATE(false, true);
    auto so = delivering();
    so.replay_overlap = overlap;
    test_server srv(so);
    boost::asio::io_context ioc;
    auto o = chatlink_test::quiet_options(srv.url());
    o.delivery.resume = true;
    o.reconnect = chatlink::fixed_delay(60s); // reconnect_now() below
    chatlink::client c(ioc, o);
    seen s;
    s.attach(c);
    open(srv, ioc, c);
    CHECK(srv.targets().at(0).find("since=") == std::string::npos);

    srv.store("m1");
    srv.store("m2");
    REQUIRE(run_until(ioc, [&] { return s.messages.size() == 2; }));
    srv.drop_all(true);
    REQUIRE(run_until(ioc, [&] { return c.state() == chatlink::state::waiting; }));
    srv.store("m3"); // while the client is away
    srv.store("m4");
    c.reconnect_now();
    REQUIRE(run_until(ioc, [&] { return s.messages.size() == 4; }));
    srv.store("m5"); // live
    REQUIRE(run_until(ioc, [&] { return s.messages.size() == 5; }));
    REQUIRE(run_until(ioc, [&] { return false; }, 200ms) == false);

    CHECK(s.chat_texts() == std::vector<std::string>{"m1", "m2", "m3", "m4", "m5"});
    auto const targets = srv.targets();
    REQUIRE(targets.size() == 2);
    CHECK(targets[1].find("since=2") != std::string::npos);
    REQUIRE(s.resumes.size() == 1);
    CHECK(s.resumes[0].since == 2);
    CHECK(s.resumes[0].ok);
    CHECK(s.of_type("resume") == 0);
    if(overlap)
        CHECK(c.stats().duplicates_dropped >= 2);
    else
        CHECK(c.stats().duplicates_dropped == 0);
}

TEST_CASE("resume: a history that does not reach back is reported, and delivery goes on", "[delivery][resume]")
{
    auto so = delivering();
    so.history_capacity = 2;
    test_server srv(so);
    boost::asio::io_context ioc;
    auto o = chatlink_test::quiet_options(srv.url());
    o.delivery.resume = true;
    o.reconnect = chatlink::fixed_delay(60s); // reconnect_now() below
    chatlink::client c(ioc, o);
    seen s;
    s.attach(c);
    open(srv, ioc, c);

    srv.store("m1");
    REQUIRE(run_until(ioc, [&] { return s.messages.size() == 1; }));
    srv.drop_all(true);
    REQUIRE(run_until(ioc, [&] { return c.state() == chatlink::state::waiting; }));
    srv.store("m2"); // forgotten: the history keeps two
    srv.store("m3");
    srv.store("m4");
    c.reconnect_now();
    REQUIRE(run_until(ioc, [&] { return s.resumes.size() == 1; }));
    CHECK_FALSE(s.resumes[0].ok);
    CHECK(s.resumes[0].since == 1);
    CHECK(s.resumes[0].last == std::optional<std::uint64_t>(4));
    srv.store("m5");
    REQUIRE(run_until(ioc, [&] { return s.messages.size() == 2; }));
    CHECK(s.chat_texts() == std::vector<std::string>{"m1", "m5"});
}

TEST_CASE("resume: the id survives a new client on the same file_store", "[delivery][resume][store]")
{
    temp_dir d;
    std::string const path = d.path + "/store.json";
    test_server srv(delivering());
    auto o = chatlink_test::quiet_options(srv.url());
    o.delivery.resume = true;
    o.store = std::make_shared<chatlink::file_store>(path);
    {
        boost::asio::io_context ioc;
        chatlink::client c(ioc, o);
        seen s;
        s.attach(c);
        open(srv, ioc, c);
        srv.store("a1");
        srv.store("a2");
        srv.store("a3");
        REQUIRE(run_until(ioc, [&] { return s.messages.size() == 3; }));
        bool closed = false;
        c.async_close(1000, "", [&](chatlink::error_code) { closed = true; });
        REQUIRE(run_until(ioc, [&] { return closed; }));
    }
    CHECK(chatlink::file_store(path).get("chatlink.since") == std::optional<std::string>("3"));
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    srv.store("a4"); // while no client runs
    boost::asio::io_context ioc;
    chatlink::client c(ioc, o);
    seen s;
    s.attach(c);
    open(srv, ioc, c);
    REQUIRE(run_until(ioc, [&] { return s.messages.size() == 1; }));
    CHECK(s.chat_texts() == std::vector<std::string>{"a4"});
    CHECK(srv.targets().back().find("since=3") != std::string::npos);
}

TEST_CASE("resume on, acks off: a plain server (no extension) works", "[delivery][resume]")
{
    test_server srv; // echoes, knows nothing of cids, ids or since
    boost::asio::io_context ioc;
    auto o = chatlink_test::quiet_options(srv.url());
    o.delivery.resume = true;
    chatlink::client c(ioc, o);
    seen s;
    s.attach(c);
    open(srv, ioc, c);
    c.send(chat("x"));
    c.send(chat("y"));
    REQUIRE(run_until(ioc, [&] { return s.messages.size() == 2; }));
    CHECK(s.chat_texts() == std::vector<std::string>{"x", "y"});
    CHECK(srv.received() == std::vector<std::string>{chat("x"), chat("y")}); // no cid added
    CHECK(srv.targets().at(0).find("since=") == std::string::npos);
    CHECK(s.errors.empty());
}

TEST_CASE("requests: the reply carrying the cid completes the request, and goes nowhere else", "[delivery][request]")
{
    bool const acks = GENERATE(false, true);
    test_server srv(delivering());
    boost::asio::io_context ioc;
    auto o = chatlink_test::quiet_options(srv.url());
    o.delivery.acks = acks;
    chatlink::client c(ioc, o);
    seen s;
    s.attach(c);
    open(srv, ioc, c);

    std::optional<std::pair<chatlink::error_code, json::value>> r1, r2;
    c.async_request(json::object{{"type", "chat"}, {"to", "all"}, {"text", "q"}},
        [&](chatlink::error_code ec, json::value v) { r1.emplace(ec, std::move(v)); });
    c.async_request(json::object{{"type", "nope"}, {"cid", "my.7"}},
        [&](chatlink::error_code ec, json::value v) { r2.emplace(ec, std::move(v)); });
    REQUIRE(run_until(ioc, [&] { return r1 && r2 && s.messages.size() == 1; }));
    CHECK_FALSE(r1->first);
    CHECK(r1->second.at("type") == "ack");
    CHECK(r1->second.at("id") == 1);
    CHECK(r2->first == chatlink::error::server_rejected);
    CHECK(r2->second.at("type") == "error");
    CHECK(r2->second.at("cid") == "my.7");
    CHECK(s.of_type("ack") == 0);
    CHECK(s.of_type("error") == 0);
    CHECK(s.acks.empty() == ! acks);
}

TEST_CASE("requests: no reply within the request timeout, or no connection, completes with an error", "[delivery][request]")
{
    server_options so;
    so.echo = false; // reads, never answers
    test_server srv(so);
    boost::asio::io_context ioc;
    auto o = chatlink_test::quiet_options(srv.url());
    o.delivery.request_timeout = 300ms;
    chatlink::client c(ioc, o);

    std::optional<chatlink::error_code> before_open;
    c.async_request(json::object{{"type", "hello"}},
        [&](chatlink::error_code ec, json::value) { before_open = ec; });
    REQUIRE(run_until(ioc, [&] { return before_open.has_value(); }));
    CHECK(*before_open == chatlink::error::not_connected);

    open(srv, ioc, c);
    std::optional<chatlink::error_code> r;
    auto const before = std::chrono::steady_clock::now();
    c.async_request(json::object{{"type", "hello"}}, [&](chatlink::error_code ec, json::value v) {
        r = ec;
        CHECK(v.is_null());
    });
    REQUIRE(run_until(ioc, [&] { return r.has_value(); }));
    CHECK(*r == chatlink::error::request_timeout);
    CHECK(std::chrono::steady_clock::now() - before >= 300ms);
    CHECK(count_of(srv.received(), "\"cid\"") == 1);

    // Stopped: the request timer is not left armed, run() returns.
    c.close();
    CHECK(chatlink_test::drain(ioc, 5s));
}

TEST_CASE("resume: resume_from 0 asks for the whole history on the first connection", "[delivery][resume]")
{
    test_server srv(delivering());
    srv.store("before1"); // stored before the client ever connected
    srv.store("before2");
    boost::asio::io_context ioc;
    auto o = chatlink_test::quiet_options(srv.url());
    o.delivery.resume = true;
    o.delivery.resume_from = 0;
    chatlink::client c(ioc, o);
    seen s;
    s.attach(c);
    open(srv, ioc, c);
    REQUIRE(run_until(ioc, [&] { return s.messages.size() == 2; }));
    CHECK(s.chat_texts() == std::vector<std::string>{"before1", "before2"});
    CHECK(srv.targets().at(0).find("since=0") != std::string::npos);
    REQUIRE(s.resumes.size() == 1);
    CHECK(s.resumes[0].ok);
}
