//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_CONFIG_HPP
#define CHATLINK_CONFIG_HPP

#include <boost/system/error_code.hpp>

namespace boost { namespace asio {} }

namespace chatlink {

namespace net = boost::asio;

/// The error code type used throughout chatlink (Boost.System's, as Asio uses).
using error_code = boost::system::error_code;

} // namespace chatlink

#endif
