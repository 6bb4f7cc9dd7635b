//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The event handlers of one kind (on_open, on_message, ...), each with the
// id its subscription removes it by. Used on the session's strand only.
//
// A handler may remove itself, or another, while handlers are being
// called: the removed one is marked and skipped, and erased once no call is
// under way, so that no handler is destroyed while it runs and the list is
// never reallocated under a call. Handlers are only added between calls
// (the session posts additions).
//
#ifndef CHATLINK_DETAIL_HANDLER_LIST_HPP
#define CHATLINK_DETAIL_HANDLER_LIST_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace chatlink {
namespace detail {

template<class... Args>
class handler_list
{
    struct entry
    {
        std::uint64_t id; // 0: removed, to be erased
        std::function<void(Args...)> fn;
    };

    std::vector<entry> v_;
    unsigned calling_ = 0;
    bool removed_ = false;

    void compact()
    {
        if(calling_ || ! removed_)
            return;
        v_.erase(std::remove_if(v_.begin(), v_.end(), [](entry const& e) { return e.id == 0; }), v_.end());
        removed_ = false;
    }

public:
    bool empty() const noexcept { return v_.empty(); }

    void add(std::uint64_t id, std::function<void(Args...)> f)
    {
        v_.push_back(entry{id, std::move(f)});
    }

    // True if it held the handler.
    bool remove(std::uint64_t id)
    {
        for(auto& e : v_)
            if(e.id == id)
            {
                e.id = 0;
                removed_ = true;
                compact();
                return true;
            }
        return false;
    }

    void clear()
    {
        for(auto& e : v_)
            e.id = 0;
        removed_ = ! v_.empty();
        compact();
    }

    // Call every handler (in the order they were added) until `stop()`.
    template<class Stop>
    void call(Stop const& stop, Args const&... args)
    {
        ++calling_;
        struct done
        {
            handler_list& l;
            ~done()
            {
                --l.calling_;
                l.compact();
            }
        } guard{*this};
        for(std::size_t i = 0, n = v_.size(); i < n; ++i)
        {
            if(stop())
                return;
            if(v_[i].id != 0)
                v_[i].fn(args...);
        }
    }
};

} // namespace detail
} // namespace chatlink

#endif
