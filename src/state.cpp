//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#include <chatlink/state.hpp>

namespace chatlink {

std::string_view to_string(state s) noexcept
{
    switch(s)
    {
    case state::idle:       return "idle";
    case state::connecting: return "connecting";
    case state::open:       return "open";
    case state::closing:    return "closing";
    case state::waiting:    return "waiting";
    case state::stopped:    return "stopped";
    }
    return "unknown";
}

} // namespace chatlink
