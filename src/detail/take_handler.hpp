//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_DETAIL_TAKE_HANDLER_HPP
#define CHATLINK_DETAIL_TAKE_HANDLER_HPP

namespace chatlink {
namespace detail {

// Handlers are only ever moved by construction and swap: Boost 1.81's
// any_completion_handler move assignment recurses without end (it copies
// `other` as an lvalue into its converting constructor).
template<class Handler>
Handler take_handler(Handler& h) noexcept
{
    Handler out;
    out.swap(h);
    return out;
}

} // namespace detail
} // namespace chatlink

#endif
