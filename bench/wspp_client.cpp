//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// chatlink-bench-wspp: the websocketpp client of the throughput benchmark, a
// program of its own because websocketpp 0.8.2 builds only as C++17 or older.
// Like the other clients, it shares one thread and io_context with the echo
// server (echo_server.hpp).
//
//   chatlink-bench-wspp --mode seq|pipe --count N [--json]
//
// Prints one JSON line: {"ok":...,"rate":...,"p50_us":...,"p99_us":...}.
//
#include "common.hpp"
#include "echo_server.hpp"

#include <boost/json/parse.hpp>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

using wspp_client = websocketpp::client<websocketpp::config::asio_client>;

int main(int argc, char** argv)
{
    std::string mode = "seq";
    std::size_t n = 10000;
    bool parse_json = false;
    for(int i = 1; i < argc; ++i)
    {
        std::string const a = argv[i];
        if(a == "--mode" && i + 1 < argc)
            mode = argv[++i];
        else if(a == "--count" && i + 1 < argc)
            n = static_cast<std::size_t>(std::atoll(argv[++i]));
        else if(a == "--json")
            parse_json = true;
        else
        {
            std::cerr << "usage: chatlink-bench-wspp --mode seq|pipe --count N [--json]\n";
            return 2;
        }
    }
    bool const seq = mode == "seq";
    std::size_t const warm = seq ? n / 10 : 0;

    boost::asio::io_context ioc(1);
    bench::echo_server server(ioc);
    auto const port = server.ws_port();
    wspp_client c;
    c.clear_access_channels(websocketpp::log::alevel::all);
    c.clear_error_channels(websocketpp::log::elevel::all);
    c.init_asio(&ioc);

    std::string const& msg = bench::message();
    websocketpp::connection_hdl hdl;
    std::size_t received = 0, sink = 0;
    std::vector<std::int64_t> lat;
    lat.reserve(n);
    bench::clock::time_point t_send, t_start = bench::clock::now(), t_end;
    bench::run_result r;

    auto send = [&] {
        websocketpp::lib::error_code ec;
        c.send(hdl, msg, websocketpp::frame::opcode::text, ec);
        if(ec && r.error.empty())
            r.error = "send: " + ec.message();
    };

    c.set_open_handler([&](websocketpp::connection_hdl h) {
        hdl = h;
        t_start = t_send = bench::clock::now();
        if(seq)
            send();
        else
            for(std::size_t i = 0; i < n; ++i)
                send();
    });
    c.set_message_handler([&](websocketpp::connection_hdl, wspp_client::message_ptr m) {
        auto const& payload = m->get_payload();
        if(parse_json)
        {
            boost::system::error_code ec;
            auto v = boost::json::parse(payload, ec);
            if(! ec && v.is_object())
                if(auto const* t = v.get_object().if_contains("type"))
                    sink += t->is_string() ? t->get_string().size() : 0;
        }
        else
            sink += payload.size();
        // The round trip ends when the app holds the reply (parsed, for the
        // + JSON client), as in the other clients.
        auto const now = bench::clock::now();
        ++received;
        if(seq)
        {
            if(received > warm)
                lat.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - t_send).count());
            if(received == warm)
                t_start = bench::clock::now();
        }
        if(received == warm + n)
        {
            t_end = now;
            websocketpp::lib::error_code ec;
            c.close(hdl, websocketpp::close::status::normal, "", ec);
            return;
        }
        if(seq)
        {
            t_send = bench::clock::now();
            send();
        }
    });
    c.set_fail_handler([&](websocketpp::connection_hdl) {
        r.error = "connect failed";
        ioc.stop();
    });
    c.set_close_handler([&](websocketpp::connection_hdl) { ioc.stop(); });

    websocketpp::lib::error_code ec;
    auto con = c.get_connection("ws://127.0.0.1:" + std::to_string(port) + "/ws?token=bench", ec);
    if(ec)
    {
        r.error = ec.message();
        std::cout << bench::to_json(r) << std::endl;
        return 1;
    }
    c.connect(con);
    ioc.run_for(std::chrono::seconds(120));

    r.ok = r.error.empty() && received == warm + n;
    if(r.ok)
    {
        r.rate = static_cast<double>(n) / std::chrono::duration<double>(t_end - t_start).count();
        r.p50_us = bench::percentile_us(lat, 0.50);
        r.p99_us = bench::percentile_us(lat, 0.99);
    }
    else if(r.error.empty())
        r.error = "did not finish";
    std::cout << bench::to_json(r) << std::endl;
    return r.ok ? 0 : 1;
}
