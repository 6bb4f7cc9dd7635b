//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Compiles the Beast session for wss:// on any executor but an io_context's.
//
#include "detail/tls_layer.hpp"

namespace chatlink {
namespace detail {

std::shared_ptr<session_iface> make_tls_session_any(net::any_io_executor ex, client_options opts)
{
    return std::make_shared<tls_session<net::any_io_executor>>(
        net::any_io_executor(net::make_strand(ex)), std::move(opts));
}

} // namespace detail
} // namespace chatlink
