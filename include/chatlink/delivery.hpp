//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Delivery: acknowledged sends, resume of missed messages, requests with
// replies (PROTOCOL.md, "Delivery: acknowledgements and resume";
// docs/delivery.md).
//
#ifndef CHATLINK_DELIVERY_HPP
#define CHATLINK_DELIVERY_HPP

#include <chatlink/config.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace chatlink {

/** Settings of the Delivery extension (`client_options::delivery`). All off
    by default: a plain server never acknowledges, and a plain server's
    `"id"` fields may mean something else.
*/
struct delivery_options
{
    /** Acknowledged sends. Every JSON object sent (except pings and pongs)
        gets a `"cid"` unless it has one, and its send completes when the
        server acknowledges it (`{"type":"ack","cid":...}`), not when it is
        written. A message written but not acknowledged when its connection
        ends is sent again, first and in its original order, on the next
        connection (after the `on_open` handlers). Binary messages and text
        that is not a JSON object are not acknowledged: they complete when
        written, as without this option.
    */
    bool acks = false;

    /** With `acks`: the oldest message written and not acknowledged for
        this long means the connection is broken: it is dropped with
        `error::ack_timeout` (transient), and the reconnect policy decides.
    */
    std::chrono::milliseconds ack_timeout{10000};

    /** With `acks`: messages written and not yet acknowledged, at most.
        Sends beyond it wait in the write queue (they do not fail).
    */
    std::size_t max_unacked = 1000;

    /** Resume. The client remembers the highest stored-message `"id"` it
        has handed to the application, reconnects with `since=` that id,
        drops a stored message whose id is not above it (counted in
        `client_stats::duplicates_dropped`), and reports the server's
        `resume` answer to the `on_resume` handlers. With
        `client_options::store` set, the id is kept in the store under
        `resume_key` (read when `connect` or `start` is called, written at
        most once a second and when a connection ends), so a new process
        resumes where the last one stopped.
    */
    bool resume = false;

    /** With `resume`: the id to resume from while no higher one is known
        (nothing delivered yet, nothing higher in the store). 0 asks for the
        server's whole history on the first connection; the last id the app
        already has (from a history it fetched by other means) asks for what
        came after it. Empty: the first connection sends no `since=`, and
        the server replays nothing (PROTOCOL.md) until a message with an id
        has been delivered.
    */
    std::optional<std::uint64_t> resume_from;

    /// The query parameter that carries the resume id.
    std::string since_param = "since";

    /// The store's entry holding the resume id (a decimal string).
    std::string resume_key = "chatlink.since";

    /** The prefix of the `"cid"`s this client makes (each is the prefix, a
        dot, and a counter). Empty: 12 random characters chosen when the
        client is made, so that cids stay unique across restarts of the app.
    */
    std::string cid_prefix;

    /// `client::async_request`: no reply within this (from the call) completes
    /// the request with `error::request_timeout`.
    std::chrono::milliseconds request_timeout{10000};
};

/// An acknowledgement from the server (`client::on_ack`).
struct ack_info
{
    std::string cid;                ///< The acknowledged message's `"cid"`.
    std::optional<std::int64_t> id; ///< The id it was stored as, if the server stored it.
};

/// The server's answer to a resume (`client::on_resume`).
struct resume_info
{
    std::uint64_t since = 0; ///< The id the client resumed from.
    /// True: every stored message above `since` follows, then live ones.
    /// False: the server's history does not reach back; nothing is replayed.
    bool ok = false;
    /// When not `ok`: the server's highest id now (0 if none). Ids above it
    /// are accepted from now on; what lies between `since` and `last` is
    /// lost to this client (refetch it by other means).
    std::optional<std::uint64_t> last;
};

} // namespace chatlink

#endif
