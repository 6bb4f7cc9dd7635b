//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_SUBSCRIPTION_HPP
#define CHATLINK_SUBSCRIPTION_HPP

#include <chatlink/config.hpp>

#include <cstdint>
#include <memory>

namespace chatlink {

namespace detail { class session_iface; }

/** A handler added with one of `client::on_open`, `client::on_message`,
    `client::on`, ... : `remove()` removes it.

    Destroying a subscription does not remove the handler (most handlers
    live as long as their client); keep it only to remove the handler
    later. Copies refer to the same handler.
*/
class CHATLINK_DECL subscription
{
public:
    /// A subscription that refers to no handler.
    subscription() noexcept = default;

    /** Remove the handler: it is not called again. Idempotent; does nothing
        after the client is destroyed.

        Called on the client's executor (from any of its handlers, the
        handler itself included), it takes effect at once. From another
        thread it takes effect on the client's executor, as soon as the call
        in progress there (if any) returns.
    */
    void remove() noexcept;

    /** Whether the handler is still registered.

        @return false once `remove()` was called (on any copy) or the client
        was destroyed.
    */
    bool active() const noexcept;

private:
    friend class client;
    subscription(std::weak_ptr<detail::session_iface> s, std::uint64_t id) noexcept
        : session_(std::move(s)), id_(id)
    {
    }

    std::weak_ptr<detail::session_iface> session_;
    std::uint64_t id_ = 0;
};

} // namespace chatlink

#endif
