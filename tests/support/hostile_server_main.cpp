//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// chatlink-hostile-server: a misbehaving WebSocket server on 127.0.0.1 for
// the CLI's tests (tests/scripts/cli_hostile_test.sh), every byte written by
// hand (raw_server.hpp). Prints "listening on 127.0.0.1:PORT", serves until
// SIGTERM or 60 s.
//
//   close-then-hold CODE REASON  upgrade, send a close frame, then hold TCP
//                                open (never reads, never closes)
//   hold-after-our-close         upgrade, read everything, never answer a
//                                close frame, never close TCP
//   ping-flood                   upgrade, write {"type":"ping"} as fast as
//                                the client reads, never read
//   control-chars                upgrade, send a message and then a close
//                                frame whose strings hold terminal escapes
//   raw-frames                   upgrade, send a text message that is not
//                                JSON and a binary one, then close (1000)
//
#include "raw_server.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using chatlink_test::raw_conn;
using chatlink_test::raw_server;

namespace {

std::atomic<bool> stop{false};

void on_signal(int) { stop = true; }

} // namespace

int main(int argc, char** argv)
{
    if(argc < 2)
    {
        std::cerr << "usage: chatlink-hostile-server MODE [ARGS]\n";
        return 2;
    }
    std::string const mode = argv[1];
    std::uint16_t const code = argc > 2 ? static_cast<std::uint16_t>(std::atoi(argv[2])) : 1000;
    std::string const reason = argc > 3 ? argv[3] : "";
    raw_server::script s;
    if(mode == "close-then-hold")
        s = [code, reason](raw_conn& c) {
            if(c.read_request() && c.accept_upgrade())
            {
                c.write(chatlink_test::ws_close_frame(code, reason));
                c.hold(60s);
            }
        };
    else if(mode == "hold-after-our-close")
        s = [](raw_conn& c) {
            if(c.read_request() && c.accept_upgrade())
                c.drain_for(60s);
        };
    else if(mode == "ping-flood")
        s = [](raw_conn& c) {
            if(! c.read_request() || ! c.accept_upgrade())
                return;
            std::string batch;
            for(int i = 0; i < 1024; ++i)
                batch += chatlink_test::ws_frame(1, R"({"type":"ping"})");
            auto const until = std::chrono::steady_clock::now() + 60s;
            while(std::chrono::steady_clock::now() < until && c.write(batch, 10s)) {}
        };
    else if(mode == "control-chars")
        s = [](raw_conn& c) {
            if(! c.read_request() || ! c.accept_upgrade())
                return;
            c.write(chatlink_test::ws_frame(1, "{\"type\":\"chat\",\"text\":\"a\\u001b[2Jb\\nevent=forged\"}"));
            c.write(chatlink_test::ws_close_frame(4000, "bye\x1b]0;owned\x07\nclose code=1000"));
            c.wait_closed(5s);
        };
    else if(mode == "raw-frames")
        s = [](raw_conn& c) {
            if(! c.read_request() || ! c.accept_upgrade())
                return;
            c.write(chatlink_test::ws_frame(1, "raw, not JSON"));
            c.write(chatlink_test::ws_frame(2, std::string("\x00\xff\x10hi", 5)));
            c.write(chatlink_test::ws_close_frame(1000, "done"));
            c.wait_closed(5s);
        };
    else
    {
        std::cerr << "unknown mode " << mode << "\n";
        return 2;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    raw_server srv(s);
    std::cout << "listening on 127.0.0.1:" << srv.port() << std::endl;
    auto const until = std::chrono::steady_clock::now() + 60s;
    while(! stop && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(20ms);
    return 0;
}
