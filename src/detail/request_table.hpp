//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The requests awaiting a reply (client::async_request): each by its cid,
// with the instant it times out. Every request has the same timeout, so
// deadlines come in call order and a FIFO of them finds the expired ones.
// Like the outbox, it does no I/O and calls nothing: it hands back the
// handlers that are now due, and the session completes them.
//
#ifndef CHATLINK_DETAIL_REQUEST_TABLE_HPP
#define CHATLINK_DETAIL_REQUEST_TABLE_HPP

#include "detail/fifo.hpp"
#include "detail/take_handler.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace chatlink {
namespace detail {

template<class Handler>
class request_table
{
public:
    using clock = std::chrono::steady_clock;

    bool empty() const noexcept { return pending_.empty(); }
    std::size_t size() const noexcept { return pending_.size(); }
    bool contains(std::string_view cid) const { return pending_.count(std::string(cid)) != 0; }

    // False (and `h` untouched) when a request with this cid is pending.
    bool add(std::string cid, Handler& h, clock::time_point deadline)
    {
        auto [it, fresh] = pending_.try_emplace(cid);
        if(! fresh)
            return false;
        // Swapped, never assigned: Boost 1.81's any_completion_handler
        // move assignment copies its argument as an lvalue, which recurses
        // without end (take_handler.hpp).
        it->second.swap(h);
        deadlines_.push_back({deadline, std::move(cid)});
        return true;
    }

    // The request with this cid, if pending: it is done.
    std::optional<Handler> take(std::string_view cid)
    {
        auto it = pending_.find(std::string(cid));
        if(it == pending_.end())
            return std::nullopt;
        Handler h = take_handler(it->second);
        pending_.erase(it);
        return std::optional<Handler>(std::move(h));
    }

    // The requests whose deadline is not after `now`, in call order.
    std::vector<Handler> expire(clock::time_point now)
    {
        std::vector<Handler> due;
        while(! deadlines_.empty() && deadlines_.front().first <= now)
        {
            if(auto h = take(deadlines_.front().second))
                due.push_back(std::move(*h));
            deadlines_.pop_front();
        }
        drop_answered();
        return due;
    }

    // The earliest deadline of a pending request.
    std::optional<clock::time_point> next_deadline()
    {
        drop_answered();
        if(deadlines_.empty())
            return std::nullopt;
        return deadlines_.front().first;
    }

    // Every pending request, in call order: the client stops.
    std::vector<Handler> take_all()
    {
        std::vector<Handler> all;
        while(! deadlines_.empty())
        {
            if(auto h = take(deadlines_.front().second))
                all.push_back(std::move(*h));
            deadlines_.pop_front();
        }
        pending_.clear();
        return all;
    }

private:
    // Deadlines of requests already answered are skipped lazily.
    void drop_answered()
    {
        while(! deadlines_.empty() && pending_.count(deadlines_.front().second) == 0)
            deadlines_.pop_front();
    }

    std::unordered_map<std::string, Handler> pending_;
    fifo<std::pair<clock::time_point, std::string>> deadlines_;
};

} // namespace detail
} // namespace chatlink

#endif
