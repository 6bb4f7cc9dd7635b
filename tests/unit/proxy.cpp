//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// HTTP proxies (issue 14): the proxy URL, the environment as curl reads it
// (no_proxy included), and connections through a CONNECT proxy that the
// test starts (a raw_server script: it reads the CONNECT request, answers by
// hand, then copies bytes both ways), for ws and wss, with and without
// Basic authentication, and the refusals (407, 502).
//
#include <chatlink/client.hpp>

#include "detail/proxy.hpp"

#include "support/client_helpers.hpp"
#include "support/log_lines.hpp"
#include "support/raw_server.hpp"
#include "support/run.hpp"
#include "support/test_pki.hpp"
#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using chatlink_test::log_lines;
using chatlink_test::raw_conn;
using chatlink_test::raw_server;

namespace {

using chatlink::detail::no_proxy_matches;
using chatlink::detail::parse_proxy_url;
using chatlink::detail::proxy_from_environment;

// A CONNECT proxy on 127.0.0.1. `required_auth`: the Proxy-Authorization
// value it insists on (empty: none); `refuse`: answer this status instead.
struct test_proxy
{
    std::mutex mtx;
    std::vector<std::string> requests; // the CONNECT request heads
    raw_server srv;

    explicit test_proxy(std::string required_auth = "", int refuse = 0)
        : srv([this, required_auth, refuse](raw_conn& conn) {
            if(! conn.read_request())
                return;
            auto const& req = conn.request();
            {
                std::lock_guard<std::mutex> lock(mtx);
                requests.push_back(req);
            }
            if(refuse)
            {
                conn.write("HTTP/1.1 " + std::to_string(refuse) + " Refused\r\nContent-Length: 0\r\n\r\n");
                return;
            }
            if(! required_auth.empty() &&
                req.find("\r\nProxy-Authorization: " + required_auth + "\r\n") == std::string::npos)
            {
                conn.write("HTTP/1.1 407 Proxy Authentication Required\r\n"
                           "Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n");
                return;
            }
            // "CONNECT 127.0.0.1:PORT HTTP/1.1": the tunnel goes to PORT.
            auto const colon = req.find(':');
            auto const port = static_cast<unsigned short>(std::atoi(req.c_str() + colon + 1));
            if(req.rfind("CONNECT 127.0.0.1:", 0) != 0 && req.rfind("CONNECT localhost:", 0) != 0)
                return (void)conn.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
            conn.write("HTTP/1.1 200 Connection established\r\n\r\n");
            conn.relay_to(port);
        })
    {
    }

    std::string url(std::string userinfo = "") const
    {
        return "http://" + userinfo + "127.0.0.1:" + std::to_string(srv.port());
    }
    std::vector<std::string> seen()
    {
        std::lock_guard<std::mutex> lock(mtx);
        return requests;
    }
};

// One chat message there and back over the open client.
void round_trip(boost::asio::io_context& ioc, chatlink::client& c)
{
    std::vector<std::string> got;
    c.on_message([&](boost::json::value const& v) { got.push_back(boost::json::serialize(v)); });
    c.send(R"({"type":"chat","text":"via proxy"})");
    REQUIRE(chatlink_test::run_until(ioc, [&] { return ! got.empty(); }));
    CHECK(got[0] == R"({"type":"chat","text":"via proxy"})");
}

chatlink_test::test_pki const& pki()
{
    static chatlink_test::test_pki const p;
    return p;
}

} // namespace

TEST_CASE("proxy URLs: http://[user:password@]host[:port], nothing else", "[proxy]")
{
    auto p = parse_proxy_url("http://proxy.example:3128");
    REQUIRE(p);
    CHECK(p->host == "proxy.example");
    CHECK(p->port == "3128");
    CHECK(p->user.empty());
    CHECK(p->display == "http://proxy.example:3128");
    p = parse_proxy_url("http://us%40er:p%3Ass@10.0.0.1/");
    REQUIRE(p);
    CHECK(p->user == "us@er");
    CHECK(p->password == "p:ss");
    CHECK(p->port == "1080");
    CHECK(p->display == "http://10.0.0.1:1080"); // never the credentials
    p = parse_proxy_url("[::1]:8080");
    REQUIRE(p);
    CHECK(p->host == "::1");
    CHECK(p->display == "http://[::1]:8080");
    for(auto bad : {"https://proxy:443", "socks5://p:1080", "http://", "http://p:0", "http://p:99999",
            "http://p:80/path", "http://:pw@p:1", "http://u:%zz@p:1", "http://[::1"})
    {
        INFO(bad);
        CHECK_FALSE(parse_proxy_url(bad));
    }
}

TEST_CASE("no_proxy as curl reads it: *, hosts, domains, ports", "[proxy]")
{
    CHECK(no_proxy_matches("*", "any.host", "80"));
    CHECK(no_proxy_matches("example.com", "example.com", "80"));
    CHECK(no_proxy_matches("example.com", "chat.example.com", "443"));
    CHECK(no_proxy_matches(".example.com", "chat.example.com", "443"));
    CHECK(no_proxy_matches(".example.com", "example.com", "443"));
    CHECK_FALSE(no_proxy_matches("example.com", "badexample.com", "80"));
    CHECK(no_proxy_matches("localhost, 127.0.0.1", "127.0.0.1", "7001"));
    CHECK(no_proxy_matches("chat.example.com:8443", "chat.example.com", "8443"));
    CHECK_FALSE(no_proxy_matches("chat.example.com:8443", "chat.example.com", "443"));
    CHECK(no_proxy_matches("[::1]", "::1", "80"));
    CHECK(no_proxy_matches("CHAT.Example.COM", "chat.example.com", "80"));
    CHECK_FALSE(no_proxy_matches("", "example.com", "80"));
    CHECK_FALSE(no_proxy_matches(" , ", "example.com", "80"));
}

TEST_CASE("the proxy environment: https_proxy for wss, http_proxy for ws, all_proxy, no_proxy", "[proxy]")
{
    std::map<std::string, std::string> env;
    auto get = [&](char const* n) -> char const* {
        auto it = env.find(n);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    CHECK(proxy_from_environment(true, "h", "443", get).empty());
    env["HTTPS_PROXY"] = "http://upper:1";
    CHECK(proxy_from_environment(true, "h", "443", get) == "http://upper:1");
    env["https_proxy"] = "http://lower:1";
    CHECK(proxy_from_environment(true, "h", "443", get) == "http://lower:1");
    CHECK(proxy_from_environment(false, "h", "80", get).empty());
    env["HTTP_PROXY"] = "http://ignored:1"; // curl reads http_proxy in lower case only
    CHECK(proxy_from_environment(false, "h", "80", get).empty());
    env["ALL_PROXY"] = "http://all:1";
    CHECK(proxy_from_environment(false, "h", "80", get) == "http://all:1");
    env["http_proxy"] = "http://plain:1";
    CHECK(proxy_from_environment(false, "h", "80", get) == "http://plain:1");
    env["NO_PROXY"] = ".internal";
    CHECK(proxy_from_environment(false, "chat.internal", "80", get).empty());
    CHECK(proxy_from_environment(false, "chat.example", "80", get) == "http://plain:1");
    env["no_proxy"] = "chat.example"; // the lower-case one wins
    CHECK(proxy_from_environment(false, "chat.example", "80", get).empty());
    CHECK(proxy_from_environment(false, "chat.internal", "80", get) == "http://plain:1");
}

TEST_CASE("through a CONNECT proxy: ws and wss, with Basic authentication, the password never logged", "[proxy]")
{
    bool const secure = GENERATE(false, true);
    bool const auth = GENERATE(false, true);
    chatlink_test::server_options so;
    if(secure)
    {
        auto const leaf = pki().issue("DNS:localhost,IP:127.0.0.1");
        so.tls_cert_pem = leaf.cert;
        so.tls_key_pem = leaf.key;
    }
    chatlink_test::test_server srv(so);
    // "user:s3cret-pw" in base64.
    test_proxy proxy(auth ? "Basic dXNlcjpzM2NyZXQtcHc=" : "");
    boost::asio::io_context ioc;
    auto o = chatlink_test::quiet_options(srv.url(secure ? "https" : "http"));
    o.tls.ca_file = pki().ca_file();
    o.proxy = proxy.url(auth ? "user:s3cret-pw@" : "");
    log_lines logs;
    logs.attach(o);
    chatlink::client c(ioc, o);
    REQUIRE_FALSE(chatlink_test::connect(ioc, c, "t0k"));
    round_trip(ioc, c);
    auto const reqs = proxy.seen();
    REQUIRE(reqs.size() == 1);
    auto const target = "127.0.0.1:" + std::to_string(srv.port());
    CHECK(reqs[0].rfind("CONNECT " + target + " HTTP/1.1\r\n", 0) == 0);
    CHECK(reqs[0].find("\r\nHost: " + target + "\r\n") != std::string::npos);
    CHECK((reqs[0].find("Proxy-Authorization") != std::string::npos) == auth);
    CHECK(reqs[0].find("t0k") == std::string::npos); // the token is for the server only
    CHECK(srv.tokens() == std::vector<std::string>{"t0k"});
    CHECK(logs.any_contains("through " + proxy.url()));
    CHECK_FALSE(logs.any_contains("s3cret-pw"));
    CHECK_FALSE(logs.any_contains("dXNlcjpzM2NyZXQtcHc="));
}

TEST_CASE("a proxy that answers 407 is proxy_auth_failed, one that refuses otherwise proxy_failed with its status", "[proxy]")
{
    chatlink_test::test_server srv;
    SECTION("407: no credentials, or wrong ones")
    {
        test_proxy proxy("Basic dXNlcjpzM2NyZXQtcHc=");
        auto const userinfo = GENERATE(std::string(), std::string("user:wrong-pw@"));
        // ws and wss alike: the proxy refuses before any TLS.
        auto const scheme = GENERATE(std::string("http"), std::string("https"));
        boost::asio::io_context ioc;
        auto o = chatlink_test::quiet_options(srv.url(scheme));
        o.proxy = proxy.url(userinfo);
        o.reconnect = chatlink::fixed_delay(10ms); // given up all the same: fatal
        chatlink::client c(ioc, o);
        auto const ec = chatlink_test::connect(ioc, c, "t");
        CHECK(ec == chatlink::error::proxy_auth_failed);
        CHECK(ec == chatlink::condition::fatal);
        CHECK(c.state() == chatlink::state::stopped);
        CHECK(c.stats().last_error_detail.find("HTTP 407") != std::string::npos);
        CHECK(srv.tcp_accepted() == 0);
    }
    SECTION("502")
    {
        test_proxy proxy("", 502);
        boost::asio::io_context ioc;
        auto o = chatlink_test::quiet_options(srv.url());
        o.proxy = proxy.url();
        chatlink::client c(ioc, o);
        auto const ec = chatlink_test::connect(ioc, c, "t");
        CHECK(ec == chatlink::error::proxy_failed);
        CHECK(ec == chatlink::condition::transient);
        CHECK(c.stats().last_error_detail == "the proxy answered HTTP 502");
    }
    SECTION("a proxy URL that cannot work: invalid_option before any I/O, the password not shown")
    {
        boost::asio::io_context ioc;
        auto o = chatlink_test::quiet_options(srv.url());
        o.proxy = "https://user:s3cret-pw@127.0.0.1:1";
        log_lines logs;
        logs.attach(o);
        chatlink::client c(ioc, o);
        CHECK(chatlink_test::connect(ioc, c, "t") == chatlink::error::invalid_option);
        CHECK_FALSE(logs.any_contains("s3cret-pw"));
        CHECK(c.stats().last_error_detail.find("s3cret-pw") == std::string::npos);
    }
}

TEST_CASE("proxy_from_environment: the proxy named by http_proxy is used, and no_proxy bypasses it", "[proxy]")
{
    chatlink_test::test_server srv;
    test_proxy proxy;
    ::setenv("http_proxy", proxy.url().c_str(), 1);
    ::unsetenv("all_proxy");
    ::unsetenv("ALL_PROXY");
    struct restore
    {
        ~restore()
        {
            ::unsetenv("http_proxy");
            ::unsetenv("no_proxy");
            ::unsetenv("NO_PROXY");
        }
    } r;
    auto const bypass = GENERATE(false, true);
    if(bypass)
        ::setenv("no_proxy", "localhost,127.0.0.1", 1);
    else
    {
        ::unsetenv("no_proxy");
        ::unsetenv("NO_PROXY");
    }
    boost::asio::io_context ioc;
    auto o = chatlink_test::quiet_options(srv.url());
    o.proxy_from_environment = true;
    chatlink::client c(ioc, o);
    REQUIRE_FALSE(chatlink_test::connect(ioc, c, "t"));
    round_trip(ioc, c);
    CHECK(proxy.seen().size() == (bypass ? 0u : 1u));
    // Off by default: the same environment, no proxy.
    if(! bypass)
    {
        chatlink::client plain(ioc, chatlink_test::quiet_options(srv.url()));
        REQUIRE_FALSE(chatlink_test::connect(ioc, plain, "t"));
        CHECK(proxy.seen().size() == 1);
    }
}

TEST_CASE("hostile proxies: silent, dribbling past the limit, or closing: each ends in a named error within its bound", "[proxy][hostile]")
{
    using clk = std::chrono::steady_clock;
    enum class kind { silent, flood, closes, lies };
    auto const k = GENERATE(kind::silent, kind::flood, kind::closes, kind::lies);
    raw_server proxy([k](raw_conn& conn) {
        if(! conn.read_request())
            return;
        switch(k)
        {
        case kind::silent: // holds TCP open, never answers
            conn.hold(5s);
            break;
        case kind::flood: // a header block that never ends, in small writes
            conn.write("HTTP/1.1 200 OK\r\n");
            for(int i = 0; i < 2000 && conn.write("X-Pad: " + std::string(64, 'p') + "\r\n"); ++i)
                std::this_thread::sleep_for(1ms);
            conn.hold(5s);
            break;
        case kind::closes: // closes before answering
            conn.close();
            break;
        case kind::lies: // not HTTP at all
            conn.write("SSH-2.0-OpenSSH_9.2\r\n\r\n");
            conn.hold(5s);
            break;
        }
    });
    chatlink_test::test_server srv;
    boost::asio::io_context ioc;
    auto o = chatlink_test::quiet_options(srv.url());
    o.proxy = proxy.url();
    // The silent proxy meets the connect bound; the others must be refused
    // long before it.
    auto const bound = k == kind::silent ? std::chrono::milliseconds(1s) : std::chrono::milliseconds(5s);
    o.connect_timeout = bound;
    o.max_upgrade_header_bytes = 16 * 1024;
    chatlink::client c(ioc, o);
    auto const before = clk::now();
    auto const ec = chatlink_test::connect(ioc, c, "t");
    auto const took = clk::now() - before;
    CHECK(took < bound + 2s); // the connect bound, with room for a loaded machine
    CHECK(c.state() == chatlink::state::stopped);
    CHECK(srv.tcp_accepted() == 0);
    switch(k)
    {
    case kind::silent:
        CHECK(ec == chatlink::error::connect_timeout);
        CHECK(took >= 1s);
        break;
    case kind::flood:
        CHECK(ec == chatlink::error::proxy_failed);
        CHECK(c.stats().last_error_detail.find("over 16384 bytes") != std::string::npos);
        break;
    case kind::closes:
        CHECK(ec == chatlink::error::proxy_failed);
        CHECK(c.stats().last_error_detail.find("before answering CONNECT") != std::string::npos);
        break;
    case kind::lies:
        CHECK(ec == chatlink::error::proxy_failed);
        CHECK(c.stats().last_error_detail == "the proxy's answer to CONNECT is not HTTP");
        break;
    }
}
