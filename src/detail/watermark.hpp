//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Resume (PROTOCOL.md, Delivery): the highest stored-message id handed to
// the application, which decides what is a duplicate, what `since=` the next
// connection asks for, and when the id is written to the store (at most once
// per `min_gap`, and whenever the session asks: a connection ended). Pure:
// the session reads and writes the store.
//
#ifndef CHATLINK_DETAIL_WATERMARK_HPP
#define CHATLINK_DETAIL_WATERMARK_HPP

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatlink {
namespace detail {

class watermark
{
public:
    using clock = std::chrono::steady_clock;

    explicit watermark(std::chrono::milliseconds min_gap = std::chrono::seconds(1)) noexcept : min_gap_(min_gap) {}

    // The id to resume from, if any message was ever delivered.
    std::optional<std::uint64_t> since() const noexcept { return since_; }

    // A stored value (the store's entry): a decimal id. False when it is
    // not one (then nothing changes).
    bool load(std::string_view text) noexcept
    {
        std::uint64_t v = 0;
        auto const r = std::from_chars(text.data(), text.data() + text.size(), v);
        if(r.ec != std::errc() || r.ptr != text.data() + text.size())
            return false;
        since_ = v;
        written_ = v;
        return true;
    }

    // A stored message with this id arrived: false when it is a duplicate
    // (not above the highest delivered), to be dropped.
    bool fresh(std::uint64_t id) const noexcept { return ! since_ || id > *since_; }

    // It was handed to the application.
    void delivered(std::uint64_t id) noexcept
    {
        if(! since_ || id > *since_)
            since_ = id;
    }

    // The server's history does not reach back: ids above `last` are
    // accepted from now on (even when `last` is below what we had: the
    // server lost its history).
    void gap(std::uint64_t last) noexcept { since_ = last; }

    // Whether the value differs from the one last written.
    bool dirty() const noexcept { return since_ && since_ != written_; }

    // When to write: now (`now` returned), later (that instant), or never
    // (not dirty). A write within min_gap of the last one waits.
    std::optional<clock::time_point> write_due(clock::time_point now) const noexcept
    {
        if(! dirty())
            return std::nullopt;
        if(! last_write_ || now - *last_write_ >= min_gap_)
            return now;
        return *last_write_ + min_gap_;
    }

    // The value to write; the session calls wrote() once it is written.
    std::string text() const { return since_ ? std::to_string(*since_) : std::string(); }

    void wrote(clock::time_point now) noexcept
    {
        written_ = since_;
        last_write_ = now;
    }

private:
    std::chrono::milliseconds min_gap_;
    std::optional<std::uint64_t> since_;
    std::optional<std::uint64_t> written_;
    std::optional<clock::time_point> last_write_;
};

} // namespace detail
} // namespace chatlink

#endif
