//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// An in-process WebSocket server for chatlink's tests: Beast, on
// 127.0.0.1 with an ephemeral port, run on its own thread, with knobs for
// the faults the tests need. Observations are thread-safe copies.
//
#ifndef CHATLINK_TESTS_SUPPORT_TEST_SERVER_HPP
#define CHATLINK_TESTS_SUPPORT_TEST_SERVER_HPP

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace chatlink_test {

struct server_options
{
    /// Accepted tokens; empty accepts any token (and none).
    std::set<std::string> tokens;
    /// Answer every upgrade with this HTTP status instead of 101 (0: accept).
    int refuse_status = 0;
    /// Accept TCP, then never read or answer anything.
    bool never_upgrade = false;
    /// Right after accepting the upgrade, close with this code.
    std::optional<std::uint16_t> close_after_open;
    /// Send every text message back to its sender.
    bool echo = true;
    /// Answer {"type":"ping"} with {"type":"pong"} (instead of echoing it).
    bool answer_pings = true;
    /// After the upgrade, read and send nothing (a half-open peer).
    bool silent_after_open = false;
    /// Listen on this port of 127.0.0.1 (0: an ephemeral one), so that a
    /// test can restart a server on the same port.
    unsigned short port = 0;
    /// Serve wss:// with this certificate chain and key (PEM); empty: ws://.
    std::string tls_cert_pem;
    std::string tls_key_pem;

    /// Speak PROTOCOL.md's Delivery extension, as chatlink-server does (with
    /// its ledger, examples/server/ledger.hpp): a chat is stored with an id
    /// and delivered to every open session; a message with a cid is
    /// processed once per token and acknowledged (again, the same way, when
    /// sent again); other types are refused with an error carrying the cid;
    /// since=N gets a resume answer and the replay. Instead of echo.
    bool delivery = false;
    /// Delivery: messages kept in the history (the rest is forgotten).
    std::size_t history_capacity = 10000;
    /// Delivery: on the first `drop_before_ack` messages with a new cid,
    /// process (store) the message, then drop the connection (RST) instead
    /// of acknowledging it.
    std::size_t drop_before_ack = 0;
    /// Delivery: on the first `withhold_acks_connections` connections,
    /// process messages but never acknowledge them (pings are answered).
    std::size_t withhold_acks_connections = 0;
    /// Delivery: send every acknowledgement twice.
    bool duplicate_acks = false;
    /// Delivery: a resuming client is also sent, before the replay, the
    /// stored messages at and below its since (overlap), and after it the
    /// replay's last message again (as if it had also come live).
    bool replay_overlap = false;
};

class test_server
{
public:
    explicit test_server(server_options opts = {});
    ~test_server();
    test_server(test_server const&) = delete;
    test_server& operator=(test_server const&) = delete;

    unsigned short port() const;
    /// "http://127.0.0.1:PORT" (or another scheme).
    std::string url(std::string const& scheme = "http") const;

    // Observations.
    std::vector<std::string> targets() const;   ///< request targets, as sent
    std::vector<std::string> tokens() const;    ///< decoded `token` query values
    std::vector<std::string> received() const;  ///< text messages, in arrival order
    std::vector<std::uint16_t> close_codes() const; ///< close codes sent by clients
    std::size_t tcp_accepted() const;
    std::vector<std::string> sni_names() const; ///< SNI host names asked for (TLS)
    std::size_t open_sessions() const;
    std::size_t pongs() const; ///< WebSocket pong frames received
    /// Delivery: the stored messages (JSON, with their ids), in id order.
    std::vector<std::string> stored() const;
    /// Delivery: store a chat message from "server" to everyone and
    /// deliver it to every open session (none need be open). Returns its id.
    std::int64_t store(std::string text);
    /// Why each message the server began could not be finished: aborted by
    /// its own closing handshake, or a client that reset the connection.
    std::vector<boost::system::error_code> write_errors() const;

    /// Send a text (or binary) message to every open session (first
    /// waiting, at most 5 s, until one is open).
    void send_all(std::string payload, bool binary = false);

    /// Close every open session with this code (first waiting, at most
    /// 5 s, until one is open).
    void close_all(std::uint16_t code);

    /// End every open session's TCP connection without a close frame: with
    /// FIN (`reset` false) or RST (`reset` true).
    void drop_all(bool reset);

    /// Write these bytes on every open session's connection as they are,
    /// below WebSocket framing (hand-made frames, broken ones included);
    /// with `chunk`, in writes of that many bytes (TCP_NODELAY), one after
    /// another.
    void write_raw_all(std::string bytes, std::size_t chunk = 0);

    /// Send `n` WebSocket ping frames on every open session.
    void ping_all(std::size_t n);

    /// Wait (bounded) until `pred` holds; checked on every observation change.
    bool wait_for(std::function<bool()> pred, std::chrono::milliseconds limit);

    struct impl;
private:
    std::shared_ptr<impl> impl_;
};

} // namespace chatlink_test

#endif
