// A user's translation unit: connect, print every message, send one.
// The benchmark compiles it at -O2 to time what chatlink costs its users.
#include <chatlink/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>

int main()
{
    boost::asio::io_context ioc;
    chatlink::client_options opts;
    opts.url = "ws://127.0.0.1:8080";
    chatlink::client c(ioc, opts);
    c.on_open([&] { c.send(R"({"type":"chat","to":"all","text":"hello"})"); });
    c.on_message([](boost::json::value const& msg) { std::cout << msg << "\n"; });
    c.on_error([](chatlink::error_code ec) { std::cerr << ec.message() << "\n"; });
    c.connect("secret-token");
    ioc.run();
}
