//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Fuzz target: chatlink's whole inbound path, from bytes on the wire to the
// app's handlers. A real client connects over loopback to a server in this
// process; after the upgrade the server writes the fuzz input's bytes as they
// are (frame headers, masks, reserved bits, control frames, fragments and
// compressed payloads included), then closes its side. The client reads,
// parses, dispatches, answers {"type":"ping"} and must end the connection
// through its error path: no crash, no hang, one close event.
//
// Input: byte 0 chooses the options; the rest is the server's byte stream.
//   bit 0: permessage-deflate offered by the client and accepted
//   bit 1: a 64-byte message limit (default 1 MiB)
//   bit 2: the app sends a message from inside its message handler
//   bit 3: message_format::text (raw text and binary, nothing parsed)
//   bit 4: the frame heartbeat (ping frames every 10 ms)
//   bit 5: type_field "op" and max_json_depth 4
// The on_text and on_binary handlers are always there; with bit 2 they
// send too (a binary message from on_binary).
//
#include <chatlink/chatlink.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

struct server_side
{
    websocket::stream<beast::tcp_stream> ws;
    std::string bytes;
    char sink[4096];

    explicit server_side(net::io_context& ioc) : ws(ioc) {}

    void drain(std::shared_ptr<server_side> self)
    {
        beast::get_lowest_layer(ws).socket().async_read_some(net::buffer(sink),
            [self](beast::error_code ec, std::size_t) {
                if(! ec)
                    self->drain(self);
            });
    }
};

void fail(char const* what)
{
    std::fprintf(stderr, "fuzz_inbound: %s\n", what);
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    if(size < 1)
        return 0;
    unsigned const flags = data[0];
    bool const deflate = flags & 1;

    net::io_context ioc{1};
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    auto const port = acceptor.local_endpoint().port();

    auto srv = std::make_shared<server_side>(ioc);
    srv->bytes.assign(reinterpret_cast<char const*>(data + 1), size - 1);
    if(deflate)
    {
        websocket::permessage_deflate pmd;
        pmd.server_enable = true;
        srv->ws.set_option(pmd);
    }
    acceptor.async_accept(beast::get_lowest_layer(srv->ws).socket(), [srv](beast::error_code ec) {
        if(ec)
            return;
        srv->ws.async_accept([srv](beast::error_code ec) {
            if(ec)
                return;
            auto& sock = beast::get_lowest_layer(srv->ws).socket();
            net::async_write(sock, net::buffer(srv->bytes), [srv](beast::error_code, std::size_t) {
                beast::error_code ignored;
                beast::get_lowest_layer(srv->ws).socket().shutdown(tcp::socket::shutdown_send, ignored);
            });
            srv->drain(srv);
        });
    });

    chatlink::client_options opts;
    opts.url = "ws://127.0.0.1:" + std::to_string(port) + "/ws";
    opts.reconnect = chatlink::never_reconnect();
    opts.connect_timeout = std::chrono::seconds(5);
    opts.heartbeat.timeout = std::chrono::seconds(5); // a hang ends here, not in the fuzzer's timeout
    opts.permessage_deflate = deflate;
    if(flags & 2)
        opts.max_message_size = 64;
    if(flags & 8)
        opts.format = chatlink::message_format::text;
    if(flags & 16)
    {
        opts.heartbeat.mode = chatlink::heartbeat_mode::frames;
        opts.heartbeat.interval = std::chrono::milliseconds(10);
    }
    if(flags & 32)
    {
        opts.type_field = "op";
        opts.max_json_depth = 4;
    }

    int closes = 0, opens = 0;
    std::size_t messages = 0;
    {
        chatlink::client c(ioc, opts);
        c.on_open([&] { ++opens; });
        c.on_message([&](boost::json::value const& v) {
            if(! v.is_object())
                fail("on_message got a value that is not an object");
            ++messages;
            if(flags & 4)
                c.send(R"({"type":"echo"})");
        });
        c.on("ping", [&](boost::json::value const& v) {
            if(v.at(opts.type_field) != "ping")
                fail("on(\"ping\") got another type");
        });
        c.on_text([&](std::string_view) {
            ++messages;
            if(flags & 4)
                c.send("raw echo");
        });
        c.on_binary([&](std::string_view b) {
            ++messages;
            if(flags & 4)
                c.send_binary(std::string(b.substr(0, 16)));
        });
        c.on_close([&](chatlink::close_info const&) {
            ++closes;
            ioc.stop();
        });
        c.on_error([](chatlink::error_code ec) {
            if(ec.category() != chatlink::error_category() && ec != net::error::operation_aborted)
                fail("an error outside chatlink's category reached on_error");
        });
        c.connect("fuzz-token");
        ioc.run_for(std::chrono::seconds(20));
        if(opens == 1 && closes != 1)
            fail("the connection opened but did not end exactly once");
    }
    // The client is gone: drain what it posted, bounded.
    acceptor.close();
    ioc.restart();
    ioc.run_for(std::chrono::seconds(5));
    (void)messages;
    return 0;
}
