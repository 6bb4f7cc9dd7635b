//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Compiles the Beast session for ws:// on an io_context. session_plain_any.cpp
// has the one for any other executor.
//
#include "detail/session.hpp"

namespace chatlink {
namespace detail {

template<class Strand>
using plain_session = session<tcp_stream_on<Strand>>;

std::shared_ptr<session_iface> make_plain_session(net::any_io_executor ex, client_options opts)
{
    if(auto const* io = ex.target<io_executor>())
        return make_io_session<plain_session>(*io, std::move(opts));
    return make_plain_session_any(std::move(ex), std::move(opts));
}

} // namespace detail
} // namespace chatlink
