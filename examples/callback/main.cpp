//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The README's example: connect, print every message, send one, close.
//
//   chatlink-example-callback http://127.0.0.1:7001 TOKEN
//
#include <chatlink/chatlink.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv)
{
    if(argc != 3)
    {
        std::cerr << "usage: chatlink-example-callback <server-url> <token>\n";
        return EXIT_FAILURE;
    }
    boost::asio::io_context ioc;

    // The client runs on the app's io_context; it does no I/O until connect.
    chatlink::client_options opts;
    opts.url = argv[1];
    chatlink::client c(ioc, opts);

    // Every JSON message from the server; our own chat comes back with an id.
    c.on_message([&](boost::json::value const& msg) {
        std::cout << "received: " << msg << "\n";
        if(msg.at("type") == "chat")
            c.close();
    });
    c.on_close([](chatlink::close_info const& info) {
        std::cout << "closed: " << chatlink::error_name(info.error) << "\n";
    });

    // Connect with the user's token, then say hello. A failed connect leaves
    // the default policy's retry armed (300 s): close() ends it, and run()
    // returns.
    int status = EXIT_SUCCESS;
    c.async_connect(argv[2], [&](chatlink::error_code ec) {
        if(ec)
        {
            std::cerr << "connect: " << chatlink::error_name(ec) << ": " << ec.message() << "\n";
            status = EXIT_FAILURE;
            return c.close();
        }
        c.send(boost::json::value{{"type", "chat"}, {"to", "all"}, {"text", "hello"}});
    });

    ioc.run();
    return status;
}
