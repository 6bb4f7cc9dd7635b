//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The measurements, one function each. Every client runs single-threaded on
// its own io_context, against chatlink-bench-server on 127.0.0.1.
//
#ifndef CHATLINK_BENCH_RUNS_HPP
#define CHATLINK_BENCH_RUNS_HPP

#include "common.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace boost {
namespace asio {
class io_context;
} // namespace asio
} // namespace boost

namespace bench {

// The echo server (echo_server.hpp) on `ioc`; destroy it before `ioc`.
struct echo_handle
{
    std::shared_ptr<void> server;
    unsigned short ws_port = 0, tcp_port = 0;
};
echo_handle start_echo(boost::asio::io_context& ioc);

// Throughput. Each run makes an io_context holding the echo server and the
// client, and runs it on this thread only. `n` messages are measured, in
// sequential runs after n / 10 unmeasured ones.
// Sequential: send one, wait for its echo, repeat (latency per round trip).
// Pipelined: send all, then wait for every echo.
run_result beast_sequential(std::size_t n, bool parse_json);
run_result beast_pipelined(std::size_t n, bool parse_json);
run_result tcp_sequential(std::size_t n);
run_result tcp_pipelined(std::size_t n);
// `other_backend`: with upgrade headers, the token in a header and the
// frame heartbeat (issue 14), against the same echo server.
run_result chatlink_sequential(std::size_t n, bool other_backend = false);
run_result chatlink_pipelined(std::size_t n, bool other_backend = false);
// Delivery (issue 15): n messages, at most `window` in flight (1: round
// trips, after n / 10 unmeasured ones). Acks off: a message's echo releases
// the next; acks on: its send's completion, on the server's ack.
run_result chatlink_delivery(std::size_t n, std::size_t window, bool acks);

// Idle scale: k connected clients in this process, heartbeat on.
struct idle_result
{
    bool ok = false;
    std::string error;
    double connect_s = 0;        // time to connect all k
    std::size_t rss_before = 0;  // bytes, before the first client
    std::size_t rss_after = 0;   // bytes, all k connected
    double idle_cpu_s = 0;       // CPU time used while idle
    double idle_wall_s = 0;
    std::size_t pongs = 0;       // heartbeat replies received while idle
};
idle_result beast_idle(unsigned short port, std::size_t k, double idle_seconds,
    std::chrono::milliseconds heartbeat);
idle_result chatlink_idle(unsigned short port, std::size_t k, double idle_seconds,
    std::chrono::milliseconds heartbeat);

// Reconnect storm: k clients connected; `restart` kills the server, waits,
// starts it again on the same port and returns once it listens.
struct storm_result
{
    bool ok = false;
    std::string error;
    double all_back_s = 0;  // from the restart until the last client is open
    double first_s = 0;     // first and last arrival after the restart
    double p10_s = 0, p50_s = 0, p90_s = 0;
    std::size_t failed_attempts = 0; // attempts refused while down or after
};
enum class storm_policy { fixed, jitter };
storm_result chatlink_storm(unsigned short port, std::size_t k, storm_policy policy,
    std::function<void()> const& restart);

} // namespace bench

#endif
