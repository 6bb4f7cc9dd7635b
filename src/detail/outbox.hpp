//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The outbox: every message the session has been asked to send, from the
// call to its completion. It owns the three queues a message passes through
//
//   held    sends made while not open, written after the next open
//   queue   sends to write on the open connection (the front one is being
//           written while writing())
//   corked  written into the coalescing layer, their bytes not yet on the
//           socket (coalescing_stream.hpp)
//   unacked written, awaiting the server's acknowledgement (a message with
//           a cid under acknowledged delivery): it completes when its ack
//           comes, and goes back to the held sends, in call order, when its
//           connection ends first (it is sent again, with the same cid)
//
// and the rule that every send completes exactly once, in call order,
// whatever path completes it (written, refused, aborted, lost). Each send
// gets a sequence number; a send that finishes while an earlier one has
// not is kept until the earlier ones have, so a refusal never overtakes an
// earlier send. A refused send keeps only its handler.
//
// Both queues are bounded: the held sends by count (max_held), the write
// queue by bytes (max_bytes; a message is refused with queue_full when the
// queue already holds bytes and this one would take it past the limit), the
// unacknowledged messages by count (max_unacked: a message that awaits an
// ack is not written while that many are out; it waits, it does not fail).
// Our own pings and pongs are never queued twice: one pending is enough.
//
// The outbox never calls the session and does no I/O: each call appends what
// is now due (completions, counters, whether to start the next write) to a
// `work`, which the session then carries out. Every operation is linear in
// the number of messages it moves.
//
#ifndef CHATLINK_DETAIL_OUTBOX_HPP
#define CHATLINK_DETAIL_OUTBOX_HPP

#include "detail/fifo.hpp"
#include "detail/take_handler.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <chatlink/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chatlink {
namespace detail {

template<class Handler>
class outbox
{
public:
    enum class kind : std::uint8_t { app, ping, pong };

    // Where a send goes, as the session's state decides.
    enum class mode : std::uint8_t
    {
        write,         // open: the write queue
        hold,          // connecting or waiting: held
        not_connected, // idle or stopped: refused
        aborted        // the client is being destroyed: refused
    };

    // A send that is now complete.
    struct done
    {
        Handler handler;
        error_code ec;
        std::size_t bytes = 0;

        done() = default;
        done(Handler h, error_code e, std::size_t n) : handler(take_handler(h)), ec(e), bytes(n) {}
        done(done&& o) noexcept : handler(take_handler(o.handler)), ec(o.ec), bytes(o.bytes) {}
        done& operator=(done&& o) noexcept
        {
            Handler h = take_handler(o.handler);
            handler.swap(h);
            ec = o.ec;
            bytes = o.bytes;
            return *this;
        }
    };

    // What a call made due; the session carries it out.
    struct work
    {
        std::vector<done> completions;  // in call order
        std::uint64_t messages = 0;     // messages now written (ours too)
        std::uint64_t bytes = 0;        // and their bytes
        bool write_next = false;        // start the next write (if none is under way)
    };

    struct entry
    {
        std::string text;
        Handler handler;
        std::uint64_t seq = 0;   // app sends: the completion order
        std::uint64_t end = 0;   // corked: where its bytes end in the layer's count
        kind k = kind::app;
        bool binary = false;     // a binary message (else text)
        bool await_ack = false;  // completes when the server acks `cid`
        bool sent_before = false; // written on an earlier connection
        std::string cid;
        std::chrono::steady_clock::time_point written_at{}; // unacked: when

        entry(std::string t, Handler h, std::uint64_t s, kind kk, bool bin = false)
            : text(std::move(t)), handler(take_handler(h)), seq(s), k(kk), binary(bin)
        {
        }
        entry(entry&& o) noexcept
            : text(std::move(o.text)), handler(take_handler(o.handler)), seq(o.seq), end(o.end), k(o.k),
              binary(o.binary), await_ack(o.await_ack), sent_before(o.sent_before), cid(std::move(o.cid)),
              written_at(o.written_at)
        {
        }
        entry& operator=(entry&& o) noexcept
        {
            text = std::move(o.text);
            Handler h = take_handler(o.handler);
            handler.swap(h);
            seq = o.seq;
            end = o.end;
            k = o.k;
            binary = o.binary;
            await_ack = o.await_ack;
            sent_before = o.sent_before;
            cid = std::move(o.cid);
            written_at = o.written_at;
            return *this;
        }
    };

    // How a message is acknowledged: `cid` empty, not at all (it completes
    // when written); with `await_ack`, by the server's ack of `cid`.
    struct ack_mark
    {
        std::string cid;
        bool await_ack = false;
    };

    outbox(std::size_t max_held, std::size_t max_bytes, std::size_t max_unacked = ~std::size_t(0)) noexcept
        : max_held_(max_held), max_bytes_(max_bytes), max_unacked_(max_unacked ? max_unacked : 1)
    {
    }

    //--------------------------------------------------------------------------
    // Admission

    // An application's send (`binary`: a binary message).
    void push(std::string text, Handler h, mode m, work& w, bool binary = false, ack_mark a = {})
    {
        std::uint64_t const seq = next_seq_++;
        slots_.emplace_back();
        switch(m)
        {
        case mode::aborted:
            return finish(seq, h, net::error::operation_aborted, 0, w);
        case mode::not_connected:
            return finish(seq, h, error::not_connected, 0, w);
        case mode::hold:
            if(held_.size() >= max_held_)
                return finish(seq, h, max_held_ == 0
                    ? error_code(error::not_connected) : error_code(error::queue_full), 0, w);
            held_.emplace_back(std::move(text), take_handler(h), seq, kind::app, binary);
            mark(held_.back(), std::move(a));
            return;
        case mode::write:
            if(bytes_ > 0 && text.size() > max_bytes_ - std::min(bytes_, max_bytes_))
                return finish(seq, h, error::queue_full, 0, w);
            bytes_ += text.size();
            queue_.emplace_back(std::move(text), take_handler(h), seq, kind::app, binary);
            mark(queue_.back(), std::move(a));
            w.write_next = true;
            return;
        }
    }

    // Our ping or pong, on the open connection: not queued while another of
    // its kind is still unwritten.
    void push_internal(kind k, std::string const& text, work& w)
    {
        bool& pending = k == kind::ping ? ping_pending_ : pong_pending_;
        if(pending)
            return;
        pending = true;
        bytes_ += text.size();
        queue_.emplace_back(text, Handler(), 0, k);
        w.write_next = true;
    }

    //--------------------------------------------------------------------------
    // Writing

    bool writing() const noexcept { return writing_; }

    // A message is ready to be written: one is queued, and it does not
    // await an ack while max_unacked are out.
    bool has_unwritten() const noexcept
    {
        std::size_t const next = writing_ ? 1u : 0u;
        if(queue_.size() <= next)
            return false;
        return ! queue_[next].await_ack || unacked_count_ < max_unacked_;
    }

    // The message being written awaits an ack.
    bool writing_awaits_ack() const noexcept { return writing_ && queue_.front().await_ack; }

    // The next message to write; start_write() marks it as being written.
    entry& front() noexcept { return queue_.front(); }
    void start_write() noexcept { writing_ = true; }

    // Whether another message waits behind the one being written, and may
    // be written right after it (not held back by max_unacked: corked bytes
    // must never wait for an ack that needs them).
    bool more_behind_front() const noexcept
    {
        if(queue_.size() <= 1)
            return false;
        std::size_t const out = unacked_count_ + (queue_.front().await_ack ? 1u : 0u);
        return ! queue_[1].await_ack || out < max_unacked_;
    }

    // The write of front() completed with `ec` (already what the send
    // completes with), `n` bytes. `corked_end`: its bytes wait in the layer
    // and end there; it completes once `flushed` passes that (settle()).
    // A message that awaits an ack joins the unacked ones when written (at
    // `now`); when its write failed because the connection was lost, it goes
    // back to the held sends to be sent again.
    void write_done(error_code ec, std::size_t n, std::optional<std::uint64_t> corked_end,
        std::uint64_t flushed, work& w, std::chrono::steady_clock::time_point now = {})
    {
        writing_ = false;
        entry e = pop_front_of_queue();
        if(e.await_ack)
        {
            settle(flushed, ec, w);
            if(! ec)
            {
                ++w.messages;
                w.bytes += n;
                e.written_at = now;
                unacked_.push_back(std::move(e));
                ++unacked_count_;
            }
            else if(ec == error::connection_lost)
                hold_again(std::move(e));
            else
                complete(e, e.sent_before ? error_code(error::delivery_unknown) : ec, 0, w);
            w.write_next = ! ec && has_unwritten();
            return;
        }
        if(! ec && corked_end)
        {
            e.end = *corked_end;
            corked_.push_back(std::move(e));
            w.write_next = ! queue_.empty();
            return;
        }
        // Every corked byte before this write's has been written, or never will be.
        settle(flushed, ec, w);
        complete(e, ec, ec ? 0 : n, w);
        w.write_next = ! ec && ! queue_.empty();
    }

    // The write in flight will never complete (its connection was torn down
    // under it): complete it with `ec`.
    void drop_writing(error_code ec, work& w)
    {
        if(! writing_)
            return;
        writing_ = false;
        entry e = pop_front_of_queue();
        if(e.await_ack && ec == error::connection_lost)
            return hold_again(std::move(e));
        complete(e, ec, 0, w);
    }

    // Complete the corked sends whose bytes the layer has written, in order;
    // with `lost` set, complete the others with it.
    void settle(std::uint64_t flushed, error_code lost, work& w)
    {
        while(! corked_.empty())
        {
            if(corked_.front().end > flushed && ! lost)
                break;
            error_code const ec = corked_.front().end > flushed ? lost : error_code();
            entry e = std::move(corked_.front());
            corked_.pop_front();
            complete(e, ec, ec ? 0 : e.text.size(), w);
        }
    }

    //--------------------------------------------------------------------------
    // Acknowledgements

    // The server acknowledged `cid` (ec empty) or refused it (ec set): the
    // unacked message with that cid completes. False when none awaits it (a
    // duplicate ack, or an unknown cid).
    bool acknowledge(std::string_view cid, error_code ec, work& w)
    {
        for(std::size_t i = 0; i < unacked_.size(); ++i)
        {
            auto& e = unacked_[i];
            if(e.cid != cid)
                continue;
            std::size_t const n = ec ? 0 : e.text.size();
            finish(e.seq, e.handler, ec, n, w);
            if(i == 0)
                unacked_.pop_front();
            else
                unacked_.erase_at(i);
            --unacked_count_;
            w.write_next = true; // the window may have opened
            return true;
        }
        return false;
    }

    // When the oldest unacked message was written.
    std::optional<std::chrono::steady_clock::time_point> oldest_unacked() const
    {
        if(unacked_.empty())
            return std::nullopt;
        return unacked_.front().written_at;
    }

    std::size_t unacked() const noexcept { return unacked_count_; }

    //--------------------------------------------------------------------------
    // Connection changes

    // After the open: the held sends join the write queue, in order.
    void flush_held(work& w)
    {
        if(held_.empty())
            return;
        for(auto& e : held_)
        {
            bytes_ += e.text.size();
            queue_.push_back(std::move(e));
        }
        held_.clear();
        w.write_next = true;
    }

    // After a connection ended: what was not acknowledged or not written
    // yet goes back to the front of the held sends, in call order; the one
    // being written stays (it completes with its own result, or comes back
    // through write_done). Our pings and pongs are dropped. Returns how
    // many written messages will be sent again.
    std::size_t hold_unsent()
    {
        fifo<entry> back;
        std::size_t const resend = unacked_.size();
        for(std::size_t i = 0; i < unacked_.size(); ++i)
        {
            unacked_[i].sent_before = true;
            back.push_back(std::move(unacked_[i]));
        }
        unacked_.clear();
        unacked_count_ = 0;
        std::size_t const keep = writing_ ? 1 : 0;
        for(std::size_t i = keep; i < queue_.size(); ++i)
        {
            auto& e = queue_[i];
            bytes_ -= e.text.size();
            if(e.k == kind::app)
                back.push_back(std::move(e));
            else
                clear_pending(e.k);
        }
        truncate_queue(keep);
        for(auto& e : held_)
            back.push_back(std::move(e));
        held_ = std::move(back);
        if(resend)
            sort_held();
        return resend;
    }

    // Complete every queued, held or unacked send except the one being
    // written, in call order, with `ec` (or delivery_unknown, for those
    // written before: they may have arrived); drop our own pings and pongs.
    void abort(error_code ec, work& w)
    {
        for(std::size_t i = 0; i < unacked_.size(); ++i)
            finish(unacked_[i].seq, unacked_[i].handler, error::delivery_unknown, 0, w);
        unacked_.clear();
        unacked_count_ = 0;
        std::size_t const keep = writing_ ? 1 : 0;
        for(std::size_t i = keep; i < queue_.size(); ++i)
        {
            auto& e = queue_[i];
            bytes_ -= e.text.size();
            if(e.k == kind::app)
                finish(e.seq, e.handler, e.sent_before ? error_code(error::delivery_unknown) : ec, 0, w);
            else
                clear_pending(e.k);
        }
        truncate_queue(keep);
        for(auto& e : held_)
            finish(e.seq, e.handler, e.sent_before ? error_code(error::delivery_unknown) : ec, 0, w);
        held_.clear();
    }

    //--------------------------------------------------------------------------
    // Observers

    // Sends (and our pings and pongs) queued, held, corked or unacked.
    std::size_t depth() const noexcept { return queue_.size() + held_.size() + corked_.size() + unacked_count_; }

    // Bytes in the write queue, the one being written included.
    std::size_t queued_bytes() const noexcept { return bytes_; }

    std::size_t held() const noexcept { return held_.size(); }

    // Sends not completed yet (the refused ones waiting for earlier ones too).
    std::size_t outstanding() const noexcept { return slots_.size(); }

private:
    struct slot
    {
        bool ready = false;
        done d;

        slot() = default;
        slot(slot&&) noexcept = default;
        slot& operator=(slot&& o) noexcept
        {
            ready = o.ready;
            d = std::move(o.d);
            return *this;
        }
    };

    void mark(entry& e, ack_mark a)
    {
        e.cid = std::move(a.cid);
        e.await_ack = a.await_ack;
    }

    // The held sends in call order (after unacked ones came back).
    void sort_held()
    {
        std::vector<entry> v;
        v.reserve(held_.size());
        for(std::size_t i = 0; i < held_.size(); ++i)
            v.push_back(std::move(held_[i]));
        held_.clear();
        auto by_seq = [](entry const& a, entry const& b) { return a.seq < b.seq; };
        if(! std::is_sorted(v.begin(), v.end(), by_seq))
            std::stable_sort(v.begin(), v.end(), by_seq);
        for(auto& e : v)
            held_.push_back(std::move(e));
    }

    // A message whose write was lost with its connection: held again, in
    // call order, to be sent on the next connection.
    void hold_again(entry e)
    {
        e.sent_before = true;
        held_.push_back(std::move(e));
        sort_held();
    }

    entry pop_front_of_queue()
    {
        entry e = std::move(queue_.front());
        queue_.pop_front();
        bytes_ -= e.text.size();
        if(e.k != kind::app)
            clear_pending(e.k);
        return e;
    }

    void clear_pending(kind k) noexcept
    {
        (k == kind::ping ? ping_pending_ : pong_pending_) = false;
    }

    // Keep only the first `keep` entries of the write queue.
    void truncate_queue(std::size_t keep)
    {
        while(queue_.size() > keep)
            queue_.pop_back();
    }

    void complete(entry& e, error_code ec, std::size_t n, work& w)
    {
        if(! ec)
        {
            ++w.messages;
            w.bytes += n;
        }
        if(e.k == kind::app)
            finish(e.seq, e.handler, ec, n, w);
    }

    // Send `seq` is complete; deliver it and every later one already
    // complete, once every earlier one is.
    void finish(std::uint64_t seq, Handler& h, error_code ec, std::size_t n, work& w)
    {
        auto& s = slots_[static_cast<std::size_t>(seq - first_seq_)];
        s.d = done(take_handler(h), ec, n);
        s.ready = true;
        while(! slots_.empty() && slots_.front().ready)
        {
            w.completions.push_back(std::move(slots_.front().d));
            slots_.pop_front();
            ++first_seq_;
        }
    }

    std::size_t max_held_;
    std::size_t max_bytes_;
    std::size_t max_unacked_;
    fifo<entry> held_;
    fifo<entry> queue_;
    fifo<entry> corked_;
    fifo<entry> unacked_;           // in write order
    std::size_t unacked_count_ = 0;
    std::size_t bytes_ = 0;
    bool writing_ = false;
    bool ping_pending_ = false;
    bool pong_pending_ = false;

    fifo<slot> slots_;            // slot i is send first_seq_ + i
    std::uint64_t first_seq_ = 0; // the earliest send not yet delivered
    std::uint64_t next_seq_ = 0;
};

} // namespace detail
} // namespace chatlink

#endif
