//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Owns a session's streams: the current one, and the ones replaced or
// released while some of the session's operations on them had not yet
// completed. A stream is handed back for destruction only once none has:
// an SSL stream's operations use its memory until they complete (ASan found
// a close() during the TLS handshake destroying the stream under it).
//
// Pure: never calls the session, does no I/O. What it hands back, the
// session destroys later (posted, never from inside one of the stream's own
// operations). tests/unit/stream_keeper.cpp.
//
#ifndef CHATLINK_DETAIL_STREAM_KEEPER_HPP
#define CHATLINK_DETAIL_STREAM_KEEPER_HPP

#include <cstddef>
#include <memory>
#include <vector>

namespace chatlink {
namespace detail {

template<class Stream>
class stream_keeper
{
public:
    Stream* get() const noexcept { return current_.get(); }
    Stream* operator->() const noexcept { return current_.get(); }
    Stream& operator*() const noexcept { return *current_; }
    explicit operator bool() const noexcept { return current_ != nullptr; }

    // Streams waiting for their operations.
    std::size_t retired() const noexcept { return retired_.size(); }

    // A new current stream; the previous one must have been retired.
    void reset(std::unique_ptr<Stream> s) noexcept
    {
        current_ = std::move(s);
        pending_ = 0;
    }

    // An operation on the current stream started.
    void started() noexcept { ++pending_; }

    // An operation on `s` completed: the stream to destroy now, if that was
    // the last one on a retired stream.
    std::unique_ptr<Stream> completed(Stream const* s)
    {
        if(s == current_.get())
        {
            pending_ -= pending_ > 0;
            return nullptr;
        }
        for(auto it = retired_.begin(); it != retired_.end(); ++it)
            if(it->stream.get() == s)
            {
                if(--it->pending != 0)
                    return nullptr;
                auto out = std::move(it->stream);
                retired_.erase(it);
                return out;
            }
        return nullptr;
    }

    // The current stream is done with: handed back if none of its
    // operations is pending, kept until they complete otherwise.
    std::unique_ptr<Stream> retire()
    {
        if(! current_ || pending_ == 0)
        {
            pending_ = 0;
            return std::move(current_);
        }
        retired_.push_back(retired_stream{std::move(current_), pending_});
        pending_ = 0;
        return nullptr;
    }

    // `s`, wherever it is, whatever is pending on it: its operations will
    // never complete. Handed back to destroy.
    std::unique_ptr<Stream> take(Stream const* s)
    {
        if(s == current_.get())
        {
            pending_ = 0;
            return std::move(current_);
        }
        for(auto it = retired_.begin(); it != retired_.end(); ++it)
            if(it->stream.get() == s)
            {
                auto out = std::move(it->stream);
                retired_.erase(it);
                return out;
            }
        return nullptr;
    }

private:
    struct retired_stream
    {
        std::unique_ptr<Stream> stream;
        std::size_t pending;
    };

    std::unique_ptr<Stream> current_;
    std::size_t pending_ = 0;
    std::vector<retired_stream> retired_;
};

} // namespace detail
} // namespace chatlink

#endif
