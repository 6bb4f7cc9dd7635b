//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The one translation unit that compiles the Beast session for ws://.
//
#include "detail/session.hpp"

namespace chatlink {
namespace detail {

std::shared_ptr<session_iface> make_plain_session(net::any_io_executor ex, client_options opts)
{
    return std::make_shared<session<beast::tcp_stream>>(std::move(ex), std::move(opts));
}

} // namespace detail
} // namespace chatlink
