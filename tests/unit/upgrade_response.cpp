//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The reader of the upgrade response (src/detail/upgrade_response.hpp),
// without a socket: byte by byte, cut short, over the limit, not HTTP.
#include "detail/upgrade_response.hpp"

#include <boost/beast/websocket/error.hpp>

#include <catch2/catch.hpp>

#include <string>

using chatlink::detail::upgrade_response;

namespace {

std::string const ok =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Set-Cookie: a=b\r\n"
    "Sec-WebSocket-Accept: abc=\r\n"
    "\r\n";

} // namespace

TEST_CASE("upgrade_response: a 101 fed one byte at a time gives Beast the fields it checks and the frames after", "[upgrade]")
{
    upgrade_response r(1024);
    std::string const all = ok + "\x81\x02hi";
    for(char c : all)
    {
        CHECK_FALSE(r.failed());
        r.feed(std::string_view(&c, 1));
        if(r.finished())
            break;
    }
    // The head completed on its last byte; the frame bytes come later.
    REQUIRE(r.finished());
    CHECK(r.status() == 101);
    std::string out(r.output());
    CHECK(out.find("Sec-WebSocket-Accept: abc=\r\n") != std::string::npos);
    CHECK(out.find("Upgrade: websocket\r\n") != std::string::npos);
    CHECK(out.find("Set-Cookie") == std::string::npos);
    CHECK(r.field("set-cookie") == "a=b");
    r.consume(out.size());
    CHECK(r.drained());
}

TEST_CASE("upgrade_response: frames that came with the 101 follow it", "[upgrade]")
{
    upgrade_response r(1024);
    r.feed(ok + "\x81\x02hi");
    std::string const out(r.output());
    CHECK(out.substr(out.size() - 4) == "\x81\x02hi");
}

TEST_CASE("upgrade_response: a refusal's body is not read, and its status is kept", "[upgrade]")
{
    upgrade_response r(1024);
    r.feed("HTTP/1.1 401 Unauthorized\r\nContent-Length: 99999999\r\nRetry-After: 5\r\n\r\nxxxx");
    REQUIRE(r.finished());
    CHECK_FALSE(r.failed());
    CHECK(r.status() == 401);
    std::string const out(r.output());
    CHECK(out.find("Content-Length: 0\r\n") != std::string::npos);
    CHECK(out.find("xxxx") == std::string::npos);
    CHECK(r.field("retry-after") == "5");
}

TEST_CASE("upgrade_response: what went wrong, and the status when one was read", "[upgrade]")
{
    {
        upgrade_response r(1024);
        r.fail_read(boost::asio::error::eof);
        CHECK(r.error() == chatlink::error::handshake_failed);
        CHECK(r.status() == 0);
        CHECK(r.detail() == "the server closed the connection before answering the upgrade");
    }
    {
        upgrade_response r(1024);
        r.feed("HTTP/1.1 101 Switching");
        r.fail_read(boost::asio::error::connection_reset);
        CHECK(r.status() == 0);
        CHECK(r.detail() == "the server reset the connection before a whole status line");
    }
    {
        upgrade_response r(1024);
        r.feed("HTTP/1.1 101 Switching Protocols\r\nUpg");
        r.fail_read(boost::asio::error::eof);
        CHECK(r.status() == 101);
        CHECK(r.detail().find("in the middle of the upgrade response's header") != std::string::npos);
    }
    {
        upgrade_response r(1024);
        r.feed("SSH-2.0-OpenSSH_9.2\r\n");
        CHECK(r.failed());
        CHECK(r.status() == 0);
        CHECK(r.detail() == "the server's answer is not HTTP");
    }
    {
        upgrade_response r(100);
        r.feed("HTTP/1.1 101 OK\r\nX: " + std::string(200, 'a'));
        CHECK(r.failed());
        CHECK(r.status() == 101);
        CHECK(r.detail().find("over 100 bytes") != std::string::npos);
    }
    {
        // Our own timer cancelled the read: the code stays, so that the
        // session reports its timeout.
        upgrade_response r(1024);
        r.fail_read(boost::asio::error::operation_aborted);
        CHECK(r.error() == boost::asio::error::operation_aborted);
    }
}

TEST_CASE("upgrade_response: the failure reported for a failed handshake", "[upgrade]")
{
    auto const beast_said = chatlink::error_code(boost::asio::error::eof);
    {
        upgrade_response r(1024);
        r.feed("HTTP/1.1 401 Unauthorized\r\nContent-Length: 99999\r\n\r\n");
        auto const f = r.failure(beast_said);
        REQUIRE(f);
        CHECK(f->ec == chatlink::error::auth_rejected);
        CHECK(f->detail == "HTTP 401");
    }
    {
        upgrade_response r(1024);
        r.feed("HTTP/1.1 503 Busy\r\n\r\n");
        auto const f = r.failure(beast_said);
        REQUIRE(f);
        CHECK(f->ec == chatlink::error::handshake_failed);
        CHECK(f->detail == "HTTP 503");
    }
    {
        // A 101 that Beast rejected (a wrong accept key, say).
        upgrade_response r(1024);
        r.feed(ok);
        auto const f = r.failure(chatlink::error_code(boost::beast::websocket::error::bad_sec_accept));
        REQUIRE(f);
        CHECK(f->ec == chatlink::error::handshake_failed);
        CHECK(f->detail.rfind("HTTP 101, but ", 0) == 0);
    }
    {
        upgrade_response r(1024);
        r.fail_read(boost::asio::error::connection_reset);
        auto const f = r.failure(beast_said);
        REQUIRE(f);
        CHECK(f->ec == chatlink::error::handshake_failed);
        CHECK(f->detail == "the server reset the connection before answering the upgrade");
    }
    {
        // Nothing seen yet (our own timer cancelled the read before any
        // byte came): nothing to add, the session reports its own error.
        upgrade_response r(1024);
        CHECK_FALSE(r.failure(boost::asio::error::operation_aborted));
    }
}

TEST_CASE("judge_upgrade: a refusal keeps its class and the hint of a 503, a 101 must offer what we asked", "[upgrade]")
{
    using chatlink::detail::judge_upgrade;
    chatlink::client_options o;
    auto const refused = boost::beast::websocket::error::upgrade_declined;

    upgrade_response busy(1024);
    busy.feed("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\n\r\n");
    auto const v503 = judge_upgrade(o, busy, refused);
    CHECK(v503.error == chatlink::error::handshake_failed);
    CHECK(v503.detail == "HTTP 503");
    REQUIRE(v503.retry_hint);
    CHECK(*v503.retry_hint == std::chrono::seconds(7));

    upgrade_response denied(1024);
    denied.feed("HTTP/1.1 401 Unauthorized\r\nRetry-After: 7\r\n\r\n");
    auto const v401 = judge_upgrade(o, denied, refused);
    CHECK(v401.error == chatlink::error::auth_rejected);
    CHECK_FALSE(v401.retry_hint); // only a 503 or 429 asks us to wait

    // Nothing wrong that the reader saw: Beast's error is reported as it is.
    upgrade_response none(1024);
    auto const quiet = judge_upgrade(o, none, boost::asio::error::operation_aborted);
    CHECK_FALSE(quiet.error);
    CHECK(quiet.detail.empty());

    upgrade_response chosen(1024);
    chosen.feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Accept: abc=\r\nSec-WebSocket-Protocol: chat.v2\r\n\r\n");
    o.subprotocols = {"chat.v1", "chat.v2"};
    auto const ok101 = judge_upgrade(o, chosen, {});
    CHECK_FALSE(ok101.error);
    CHECK(ok101.subprotocol == "chat.v2");
    o.subprotocols = {"chat.v1"};
    auto const forced = judge_upgrade(o, chosen, {});
    CHECK(forced.error == chatlink::error::handshake_failed);
    CHECK_FALSE(forced.detail.empty());
}
