// A consumer of an installed chatlink: builds against the install prefix
// only, and checks that the library links and maps a URL.
#include <chatlink/chatlink.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>

int main()
{
    boost::asio::io_context ioc;
    chatlink::client_options opts;
    opts.url = "not a url";
    chatlink::client c(ioc, opts);
    chatlink::error_code result;
    bool done = false;
    c.async_connect("t", [&](chatlink::error_code ec) { result = ec; done = true; });
    ioc.run();
    if(! done || result != chatlink::error::invalid_url)
    {
        std::cerr << "unexpected: " << chatlink::error_name(result) << "\n";
        return EXIT_FAILURE;
    }
    std::cout << "consumer OK: " << chatlink::error_name(result) << "\n";
    return EXIT_SUCCESS;
}
