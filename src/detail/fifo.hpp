//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// A first-in first-out queue on one std::vector. Unlike std::deque, an empty
// one owns no memory (libstdc++'s deque allocates ~600 bytes when made, and
// a client has two queues per connection, most of the time empty).
//
#ifndef CHATLINK_DETAIL_FIFO_HPP
#define CHATLINK_DETAIL_FIFO_HPP

#include <cstddef>
#include <utility>
#include <vector>

namespace chatlink {
namespace detail {

template<class T>
class fifo
{
    std::vector<T> v_;
    std::size_t head_ = 0; // v_[0, head_) are moved-from, popped elements

    // Capacity above which an emptied queue gives its memory back.
    static constexpr std::size_t keep_capacity = 16;

    void reset_if_empty()
    {
        if(head_ != v_.size())
            return;
        if(v_.capacity() > keep_capacity)
            std::vector<T>().swap(v_);
        else
            v_.clear();
        head_ = 0;
    }

public:
    bool empty() const noexcept { return head_ == v_.size(); }
    std::size_t size() const noexcept { return v_.size() - head_; }

    T& front() { return v_[head_]; }
    T const& front() const { return v_[head_]; }
    T& back() { return v_.back(); }
    T& operator[](std::size_t i) { return v_[head_ + i]; }
    T const& operator[](std::size_t i) const { return v_[head_ + i]; }

    auto begin() { return v_.begin() + static_cast<std::ptrdiff_t>(head_); }
    auto end() { return v_.end(); }

    template<class... Args>
    void emplace_back(Args&&... args)
    {
        v_.emplace_back(std::forward<Args>(args)...);
    }

    void push_back(T&& t)
    {
        v_.push_back(std::move(t));
    }

    void push_front(T&& t)
    {
        if(head_ > 0)
            v_[--head_] = std::move(t);
        else
            v_.insert(v_.begin(), std::move(t));
    }

    void pop_front()
    {
        ++head_;
        reset_if_empty();
        // Drop the popped prefix once it is half the storage: amortised O(1).
        if(head_ >= keep_capacity && 2 * head_ >= v_.size())
        {
            v_.erase(v_.begin(), v_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
    }

    void pop_back()
    {
        v_.pop_back();
        reset_if_empty();
    }

    void erase_at(std::size_t i)
    {
        v_.erase(v_.begin() + static_cast<std::ptrdiff_t>(head_ + i));
        reset_if_empty();
    }

    void clear()
    {
        head_ = v_.size();
        reset_if_empty();
    }
};

} // namespace detail
} // namespace chatlink

#endif
