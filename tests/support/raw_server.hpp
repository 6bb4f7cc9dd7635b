//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// A hostile server for tests: a listener on 127.0.0.1 whose every
// connection runs a script of hand-written bytes on a plain blocking socket
// (no WebSocket library behind it), so a test can hold TCP open after a
// close frame, flood without reading, write a truncated 101, reset after
// the request, or send 10 KB of headers. Every wait is bounded, and the
// destructor ends every script (their waits see it within 20 ms).
//
#ifndef CHATLINK_TESTS_SUPPORT_RAW_SERVER_HPP
#define CHATLINK_TESTS_SUPPORT_RAW_SERVER_HPP

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace chatlink_test {

class raw_server;

/// One accepted connection, as a script sees it.
class raw_conn
{
public:
    raw_conn(int fd, raw_server& server) : fd_(fd), server_(server) {}
    ~raw_conn();
    raw_conn(raw_conn const&) = delete;
    raw_conn& operator=(raw_conn const&) = delete;

    /// Read the HTTP request head (up to "\r\n\r\n"); false if the peer
    /// closed or nothing complete came within `limit`.
    bool read_request(std::chrono::milliseconds limit = std::chrono::seconds(5));

    /// The request head as read (request line and header fields).
    std::string const& request() const noexcept { return request_; }

    /// The Sec-WebSocket-Accept value for the request's key.
    std::string accept_key() const;

    /// Answer the upgrade with 101 and the right accept key, plus `extra`
    /// header lines (each ending in \r\n).
    bool accept_upgrade(std::string const& extra = "");

    /// Write all of `bytes`; false if the peer is gone, the server is
    /// stopping, or the bytes could not be written within `limit`.
    bool write(std::string_view bytes, std::chrono::milliseconds limit = std::chrono::seconds(5));

    /// Read and discard what arrives for `d`, or until the peer closes.
    /// Returns the bytes read.
    std::size_t drain_for(std::chrono::milliseconds d);

    /// Hold the connection open without reading for `d` (or until the
    /// server stops).
    void hold(std::chrono::milliseconds d);

    /// Read (and discard) until the peer closes its side or resets; true if
    /// it did within `limit`.
    bool wait_closed(std::chrono::milliseconds limit);

    /// True once a read saw EOF or an error.
    bool peer_closed() const noexcept { return peer_closed_; }

    /// Everything read after the request, in order (frames from the client).
    std::string const& received() const noexcept { return received_; }

    /// Act as a proxy's tunnel: connect to 127.0.0.1:`port` and copy bytes
    /// both ways until either side closes, the server stops, or `limit`
    /// passes. False if the connection to the port failed.
    bool relay_to(unsigned short port, std::chrono::milliseconds limit = std::chrono::seconds(10));
    /// Close with FIN.
    void close();

    /// Close with RST (SO_LINGER 0).
    void reset();

    bool stopping() const noexcept;

private:
    int fd_;
    raw_server& server_;
    std::string request_;
    std::string received_;
    bool peer_closed_ = false;
};

/// A server frame (unmasked): opcode 1 text, 2 binary, 8 close, 9 ping, 10 pong.
std::string ws_frame(unsigned opcode, std::string_view payload, bool fin = true);

/// A close frame with `code` and `reason`.
std::string ws_close_frame(std::uint16_t code, std::string_view reason = {});

/// An HTTP-date (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") for a
/// Retry-After field.
std::string http_date(std::chrono::system_clock::time_point t);

/// The close frames a client sent, from raw client bytes (masked frames):
/// their codes, in order.
std::vector<std::uint16_t> client_close_codes(std::string_view bytes);

class raw_server
{
public:
    using script = std::function<void(raw_conn&)>;

    /// Listen on 127.0.0.1 (an ephemeral port) and run `s` on a thread of
    /// its own for each accepted connection.
    explicit raw_server(script s);

    /// Stop: close the listener, tell every script to end, and join them.
    ~raw_server();

    raw_server(raw_server const&) = delete;
    raw_server& operator=(raw_server const&) = delete;

    unsigned short port() const noexcept { return port_; }

    /// "http://127.0.0.1:PORT" (or another scheme).
    std::string url(std::string const& scheme = "http") const;

    std::size_t accepted() const noexcept { return accepted_; }

    /// Notes the scripts recorded (thread-safe), in order.
    void note(std::string what);
    std::vector<std::string> notes() const;

    /// Wait (bounded) until `pred` holds; checked every 5 ms.
    bool wait_for(std::function<bool()> pred, std::chrono::milliseconds limit) const;

    bool stopping() const noexcept { return stopping_; }

private:
    void accept_loop();

    script script_;
    int listen_fd_ = -1;
    unsigned short port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<std::size_t> accepted_{0};
    mutable std::mutex mtx_;
    std::vector<std::string> notes_;
    std::vector<std::thread> conns_;
    std::thread acceptor_;
};

} // namespace chatlink_test

#endif
