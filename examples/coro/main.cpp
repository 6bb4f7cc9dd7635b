//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The same flow as the callback example, written with C++20 coroutines.
//
//   chatlink-example-coro http://127.0.0.1:7001 TOKEN
//
#include <chatlink/chatlink.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <iostream>

#if defined(BOOST_ASIO_HAS_CO_AWAIT)

namespace net = boost::asio;

net::awaitable<void> chat(chatlink::client& c, std::string token)
{
    // Connect; a failure throws boost::system::system_error.
    co_await c.async_connect(std::move(token), net::use_awaitable);
    std::cout << "open\n";

    // Send and wait until the message is written. (The message is built
    // first: GCC 12 rejects braced string literals inside a co_await.)
    boost::json::object msg;
    msg["type"] = "chat";
    msg["to"] = "all";
    msg["text"] = "hello from a coroutine";
    std::size_t n = co_await c.async_send(boost::json::value(std::move(msg)), net::use_awaitable);
    std::cout << "sent " << n << " bytes\n";
}

int main(int argc, char** argv)
{
    if(argc != 3)
    {
        std::cerr << "usage: chatlink-example-coro <server-url> <token>\n";
        return EXIT_FAILURE;
    }
    net::io_context ioc;
    chatlink::client_options opts;
    opts.url = argv[1];
    chatlink::client c(ioc, opts);

    // The acknowledgement of our chat message ends the example.
    c.on("chat", [&](boost::json::value const& msg) {
        std::cout << "received: " << msg << "\n";
        c.close();
    });

    // A failed connect leaves the default policy's retry armed (300 s):
    // close() ends it, and run() returns.
    int status = EXIT_SUCCESS;
    net::co_spawn(ioc, chat(c, argv[2]), [&](std::exception_ptr e) {
        if(! e)
            return;
        try { std::rethrow_exception(e); }
        catch(std::exception const& ex) { std::cerr << "error: " << ex.what() << "\n"; }
        status = EXIT_FAILURE;
        c.close();
    });
    ioc.run();
    return status;
}

#else

int main()
{
    std::cerr << "this compiler has no C++20 coroutines\n";
    return EXIT_FAILURE;
}

#endif
