//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// chatlink-bench-server: the benchmarks' echo server (echo_server.hpp) as a
// process of its own, for the idle and reconnect-storm measurements.
//
//   chatlink-bench-server [--port N] [--tcp-port N]
//
// Listens on 127.0.0.1 (port 0: any free one) and prints
// "ws PORT tcp PORT" once ready. Stops on SIGTERM/SIGINT or when killed.
//
#include "common.hpp"
#include "echo_server.hpp"

#include <boost/asio/signal_set.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv)
{
    unsigned short ws_port = 0, tcp_port = 0;
    for(int i = 1; i + 1 < argc; i += 2)
    {
        std::string const a = argv[i];
        if(a == "--port")
            ws_port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
        else if(a == "--tcp-port")
            tcp_port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
        else
        {
            std::cerr << "usage: chatlink-bench-server [--port N] [--tcp-port N]\n";
            return 2;
        }
    }
    bench::raise_file_limit();
    try
    {
        boost::asio::io_context ioc(1);
        bench::echo_server server(ioc, ws_port, tcp_port);
        boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](boost::system::error_code, int) { ioc.stop(); });
        std::cout << "ws " << server.ws_port() << " tcp " << server.tcp_port() << std::endl;
        ioc.run();
    }
    catch(std::exception const& e)
    {
        std::cerr << "chatlink-bench-server: " << e.what() << "\n";
        return 1;
    }
}
