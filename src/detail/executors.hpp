//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The executors a session runs on, and the heartbeat timer that goes with
// each. Private to the library.
//
#ifndef CHATLINK_DETAIL_EXECUTORS_HPP
#define CHATLINK_DETAIL_EXECUTORS_HPP

#include <chatlink/detail/session_fwd.hpp>
#include "detail/timer_wheel.hpp"

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <memory>

namespace chatlink {
namespace detail {

// Every I/O object of a session runs on its strand, and on an io_context
// (the common case) the strand is named by its type, so that the completions
// of Beast's operations never go through a type-erased executor: copies of an
// any_io_executor holding a strand allocate, several times per message.
// - An io_context made with concurrency hint 1 is, by Asio's documentation,
//   run by one thread: its executor is already a strand, and is used as is.
// - Any other io_context: a strand of its executor.
// - Any other executor: an any_io_executor holding a strand of it.
using io_executor = net::io_context::executor_type;
using io_strand = net::strand<io_executor>;
using any_strand = net::strand<net::any_io_executor>;


// The heartbeat's timer: on an io_context run by one thread, one shared by
// every client on it (timer_wheel.hpp); otherwise one per connection.
template<class Strand>
struct heartbeat_timer_for
{
    using type = net::basic_waitable_timer<std::chrono::steady_clock,
        net::wait_traits<std::chrono::steady_clock>, Strand>;
};

template<>
struct heartbeat_timer_for<io_executor>
{
    using type = wheel_timer;
};

inline bool in_strand(io_executor const& ex) noexcept
{
    return ex.running_in_this_thread();
}

inline bool in_strand(io_strand const& s) noexcept
{
    return s.running_in_this_thread();
}

inline bool in_strand(net::any_io_executor const& ex) noexcept
{
    auto const* s = ex.target<any_strand>();
    return s && s->running_in_this_thread();
}

// Whether the io_context promised to be run by one thread only.
inline bool runs_on_one_thread(net::io_context& ctx)
{
#if !defined(BOOST_ASIO_HAS_IOCP)
    int const hint = net::use_service<net::detail::scheduler>(ctx).concurrency_hint();
    return hint == 1 || hint == BOOST_ASIO_CONCURRENCY_HINT_UNSAFE ||
        hint == BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO;
#else
    (void)ctx;
    return false;
#endif
}

// Make Session<Strand> on the best strand for an io_context's executor.
template<template<class> class Session>
std::shared_ptr<session_iface> make_io_session(io_executor const& ex, client_options opts)
{
    if(runs_on_one_thread(ex.context()))
        return std::make_shared<Session<io_executor>>(ex, std::move(opts));
    return std::make_shared<Session<io_strand>>(net::make_strand(ex), std::move(opts));
}

// The sessions on any other executor, each in a translation unit of its own.
std::shared_ptr<session_iface> make_plain_session_any(net::any_io_executor ex, client_options opts);
std::shared_ptr<session_iface> make_tls_session_any(net::any_io_executor ex, client_options opts);

} // namespace detail
} // namespace chatlink

#endif
