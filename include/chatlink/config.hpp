//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_CONFIG_HPP
#define CHATLINK_CONFIG_HPP

/** @file
    Configuration shared by every chatlink header: the `net` namespace alias,
    the `error_code` type and the `CHATLINK_DECL` export macro.
*/

#include <boost/config.hpp>
#include <boost/system/error_code.hpp>

/** Marks a class or function that the chatlink library exports.

    A shared chatlink is built with hidden visibility (`-fvisibility=hidden`),
    so that only what is marked with this macro is part of its ABI. The build
    defines `CHATLINK_SOURCE` while compiling the library, and the CMake
    package defines `CHATLINK_DYN_LINK` for users of the shared library. For
    the static library the macro is empty.
*/
#if defined(CHATLINK_DYN_LINK)
#  if defined(CHATLINK_SOURCE)
#    define CHATLINK_DECL BOOST_SYMBOL_EXPORT
#  else
#    define CHATLINK_DECL BOOST_SYMBOL_IMPORT
#  endif
#else
#  define CHATLINK_DECL
#endif

namespace boost { namespace asio {} }

/// chatlink's public API.
namespace chatlink {

/// Boost.Asio, the library chatlink's I/O runs on.
namespace net = boost::asio;

/// The error code type used throughout chatlink (Boost.System's, as Asio uses).
using error_code = boost::system::error_code;

} // namespace chatlink

#endif
