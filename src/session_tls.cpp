//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Compiles the Beast session for wss:// on an io_context (tls_layer.hpp).
// session_tls_any.cpp has the one for any other executor: two translation
// units, so that a parallel build compiles them side by side.
//
#include "detail/tls_layer.hpp"

namespace chatlink {
namespace detail {

std::shared_ptr<session_iface> make_tls_session(net::any_io_executor ex, client_options opts)
{
    if(auto const* io = ex.target<io_executor>())
        return make_io_session<tls_session>(*io, std::move(opts));
    return make_tls_session_any(std::move(ex), std::move(opts));
}

} // namespace detail
} // namespace chatlink
