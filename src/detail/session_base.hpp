//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// What a session does for the application that needs no stream: the order
// public calls take effect in, how completions and events reach the
// application's handlers, the handlers themselves (added, removed, called),
// the state and the counters any thread may read. session.hpp derives from
// it (CRTP: each operation runs as the derived session's do_*()).
//
#ifndef CHATLINK_DETAIL_SESSION_BASE_HPP
#define CHATLINK_DETAIL_SESSION_BASE_HPP

#include <chatlink/detail/session_fwd.hpp>
#include "detail/executors.hpp"
#include "detail/handler_list.hpp"
#include "detail/take_handler.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace chatlink {
namespace detail {

// The longest wait a session schedules: a century. Longer durations in the
// options (or from a policy) mean "practically never"; clamping them keeps
// now() + d inside the steady clock's nanosecond range (292 years), where
// the sum would otherwise overflow.
constexpr std::chrono::milliseconds longest_wait = std::chrono::hours(24 * 365 * 100);

inline std::chrono::milliseconds bounded(std::chrono::milliseconds d) noexcept
{
    return std::min(d, longest_wait);
}

inline client_options bounded(client_options o) noexcept
{
    o.connect_timeout = bounded(o.connect_timeout);
    o.close_timeout = bounded(o.close_timeout.count() > 0 ? o.close_timeout : o.connect_timeout);
    o.heartbeat.interval = bounded(o.heartbeat.interval);
    o.heartbeat.timeout = bounded(o.heartbeat.timeout);
    o.reconnect_reset_after = bounded(o.reconnect_reset_after);
    return o;
}

template<class Derived, class Strand>
class session_base
    : public session_iface
    , public std::enable_shared_from_this<Derived>
{
    using json_handler = std::function<void(boost::json::value const&)>;

public:
    session_base(Strand strand, client_options opts)
        : strand_(std::move(strand)), opts_(bounded(std::move(opts)))
    {
    }

    //--------------------------------------------------------------------------
    // Operations: each takes effect in call order (call()), on the session.

    void async_connect(std::string token, connect_handler h) override
    {
        call([token = std::move(token), h = std::move(h)](Derived& s) mutable {
            s.do_connect(std::move(token), std::move(h));
        });
    }

    void start() override { call([](Derived& s) { s.do_start(); }); }
    void reconnect_now() override { call([](Derived& s) { s.do_reconnect_now(); }); }

    void async_send(std::string text, send_handler h) override
    {
        call([text = std::move(text), h = std::move(h)](Derived& s) mutable {
            s.do_send(std::move(text), std::move(h), false);
        });
    }

    void async_send_binary(std::string bytes, send_handler h) override
    {
        call([bytes = std::move(bytes), h = std::move(h)](Derived& s) mutable {
            s.do_send(std::move(bytes), std::move(h), true);
        });
    }

    void async_request(boost::json::object msg, request_handler h) override
    {
        call([msg = std::move(msg), h = std::move(h)](Derived& s) mutable {
            s.do_request(std::move(msg), std::move(h));
        });
    }

    void close(std::uint16_t code, std::string reason) override
    {
        call([code, reason = std::move(reason)](Derived& s) mutable { s.do_close(code, reason); });
    }

    // Completes once the session is stopped (finish_close_waiters()).
    void async_close(std::uint16_t code, std::string reason, connect_handler h) override
    {
        call([code, reason = std::move(reason), h = std::move(h)](Derived& s) mutable {
            s.do_close(code, reason);
            if(s.detached_)
                s.complete(std::move(h), error_code(net::error::operation_aborted));
            else if(s.state_ == chatlink::state::stopped || s.state_ == chatlink::state::idle)
                s.complete(std::move(h), error_code());
            else
                s.close_waiters_.push_back(std::move(h));
        });
    }

    void detach() noexcept override
    {
        detached_ = true;
        try
        {
            run([](Derived& s) { s.do_shutdown(); });
        }
        catch(...)
        {
            // Posting can only fail on allocation; the pending operations
            // still hold the session and end with the stream.
        }
        // An event handler already past the detached_ check on another
        // thread may still be running: wait for it, so that none runs after
        // the destructor returns. On the strand (from a handler) there is
        // nothing to wait for but the caller itself.
        if(! in_strand(strand_))
            wait_for_events();
    }

    //--------------------------------------------------------------------------
    // Handlers

    std::uint64_t add_open_handler(std::function<void()> f) override { return add(open_handlers_, std::move(f)); }
    std::uint64_t add_message_handler(json_handler f) override { return add(message_handlers_, std::move(f)); }
    std::uint64_t add_close_handler(std::function<void(close_info const&)> f) override { return add(close_handlers_, std::move(f)); }
    std::uint64_t add_text_handler(std::function<void(std::string_view)> f) override { return add(text_handlers_, std::move(f)); }
    std::uint64_t add_binary_handler(std::function<void(std::string_view)> f) override { return add(binary_handlers_, std::move(f)); }
    std::uint64_t add_error_handler(std::function<void(error_code)> f) override { return add(error_handlers_, std::move(f)); }
    std::uint64_t add_give_up_handler(std::function<void(error_code)> f) override { return add(give_up_handlers_, std::move(f)); }
    std::uint64_t add_state_handler(std::function<void(chatlink::state)> f) override { return add(state_handlers_, std::move(f)); }
    std::uint64_t add_reconnect_handler(std::function<void(reconnect_info const&)> f) override { return add(reconnect_handlers_, std::move(f)); }
    std::uint64_t add_heartbeat_handler(std::function<void(std::chrono::microseconds)> f) override { return add(heartbeat_handlers_, std::move(f)); }
    std::uint64_t add_ack_handler(std::function<void(ack_info const&)> f) override { return add(ack_handlers_, std::move(f)); }
    std::uint64_t add_resume_handler(std::function<void(resume_info const&)> f) override { return add(resume_handlers_, std::move(f)); }

    std::uint64_t add_type_handler(std::string type, json_handler f) override
    {
        auto const id = new_id();
        run([id, type = std::move(type), f = std::move(f)](session_base& s) mutable {
            if(s.live(id))
                s.type_handlers_[type].add(id, std::move(f));
        });
        return id;
    }

    void remove_handler(std::uint64_t id) noexcept override
    {
        {
            std::lock_guard<std::mutex> lock(ids_mtx_);
            if(live_ids_.erase(id) == 0)
                return;
        }
        auto rm = [id](session_base& s) { s.for_each_list([id](auto& l) { l.remove(id); }); };
        try
        {
            if(in_strand(strand_))
                rm(*this);
            else
                run(rm);
        }
        catch(...)
        {
            // Posting can only fail on allocation; the id is no longer
            // live, and a handler added later never reuses it.
        }
    }

    bool has_handler(std::uint64_t id) const noexcept override { return live(id); }

    chatlink::state state() const noexcept override { return state_.load(); }
    int last_http_status() const noexcept override { return http_status_.load(); }
    net::any_io_executor get_executor() const noexcept override { return strand_; }

    client_stats stats() const override
    {
        client_stats st;
        st.messages_sent = messages_sent_;
        st.messages_received = messages_received_;
        st.bytes_sent = bytes_sent_;
        st.bytes_received = bytes_received_;
        st.reconnects = reconnects_;
        auto const rtt = last_rtt_us_.load();
        if(rtt >= 0)
            st.last_rtt = std::chrono::microseconds(rtt);
        st.queue_depth = queue_depth_;
        st.messages_resent = messages_resent_;
        st.duplicates_dropped = duplicates_dropped_;
        st.unacked = unacked_;
        std::lock_guard<std::mutex> lock(last_error_mtx_);
        st.last_error = last_error_;
        st.last_error_detail = last_error_detail_;
        st.subprotocol = subprotocol_;
        return st;
    }

protected:
    Derived& self() noexcept { return static_cast<Derived&>(*this); }

    // Run `f(session&)` on the strand, posted.
    template<class F>
    void run(F&& f)
    {
        net::post(strand_, [self = this->shared_from_this(), f = std::forward<F>(f)]() mutable { f(*self); });
    }

    // A public call: at once when made on the strand (from one of our
    // handlers), so that calls from one thread take effect in the order they
    // were made; posted otherwise. While it runs, no handler is called from
    // inside it: completions and events are posted (complete(), emit()).
    template<class F>
    void call(F&& f)
    {
        if(! in_strand(strand_))
            return run(std::forward<F>(f));
        struct restore
        {
            bool& flag;
            bool was;
            ~restore() { flag = was; }
        } guard{initiating_, initiating_};
        initiating_ = true;
        f(self());
    }

    // Complete an operation's handler on its associated executor: at once when
    // we are in a completion of our own, posted when inside a public call.
    template<class Handler, class... Args>
    void complete(Handler h, Args... args)
    {
        auto ex = net::get_associated_executor(h, strand_);
        auto f = [h = std::move(h), args...]() mutable { std::move(h)(args...); };
        if(initiating_)
            net::post(strand_, [ex, f = std::move(f)]() mutable { net::dispatch(ex, std::move(f)); });
        else
            net::dispatch(ex, std::move(f));
    }

    void log(log_level level, std::string const& text)
    {
        if(! opts_.logger || detached_)
            return;
        event_scope in(*this);
        if(! detached_)
            opts_.logger(level, text);
    }

    // Call the handlers of an event; inside a public call, posted.
    template<class List, class... Args>
    void emit(List& list, Args const&... args)
    {
        if(detached_)
            return;
        if(initiating_)
            return run([&list, args...](session_base& s) { s.emit(list, args...); });
        event_scope in(*this);
        list.call([this] { return detached_.load(); }, args...);
    }

    // Marks a call of user code (an event handler, the logger) in progress.
    // Both sides are sequentially consistent: either detach() sees the count
    // raised and waits, or the call sees detached_ and does not start.
    struct event_scope
    {
        session_base& s;
        explicit event_scope(session_base& s_) noexcept : s(s_) { s.in_event_.fetch_add(1); }
        ~event_scope() { s.in_event_.fetch_sub(1); }
        event_scope(event_scope const&) = delete;
        event_scope& operator=(event_scope const&) = delete;
    };

    // Off the strand: until no event handler of this client runs. Unbounded
    // by nature: it waits for user code (see client's Lifetime section).
    void wait_for_events() const noexcept
    {
        for(unsigned spins = 0; in_event_.load() != 0; ++spins)
        {
            if(spins < 64)
                std::this_thread::yield();
            else
                std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
    }

    void emit_error(error_code ec) { emit(error_handlers_, ec); }

    // A raw message (the view is valid during this call only): inside a
    // public call, posted with a copy.
    void emit_raw(handler_list<std::string_view>& list, std::string_view data)
    {
        if(detached_ || list.empty())
            return;
        if(initiating_)
            return run([&list, copy = std::string(data)](session_base& s) { s.emit_raw(list, copy); });
        event_scope in(*this);
        list.call([this] { return detached_.load(); }, data);
    }

    void set_state(chatlink::state s)
    {
        if(state_.exchange(s) != s)
            emit(state_handlers_, s);
    }

    // Only the strand writes a counter; readers on other threads need no
    // more than a relaxed load.
    static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept
    {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }

    void note_error(error_code ec)
    {
        std::lock_guard<std::mutex> lock(last_error_mtx_);
        if(ec != last_error_)
            last_error_detail_.clear();
        last_error_ = ec;
    }

    void set_subprotocol(std::string p)
    {
        std::lock_guard<std::mutex> lock(last_error_mtx_);
        subprotocol_ = std::move(p);
    }

    void note_detail(error_code ec, std::string detail)
    {
        std::lock_guard<std::mutex> lock(last_error_mtx_);
        last_error_ = ec;
        last_error_detail_ = std::move(detail);
    }

    // Connecting, open, closing or waiting to reconnect.
    bool busy() const noexcept
    {
        auto const s = state_.load();
        return s != chatlink::state::idle && s != chatlink::state::stopped;
    }

    // A message: to on_message, then to the handlers of its "type".
    void emit_message(boost::json::value const& v, boost::json::string const* type)
    {
        emit(message_handlers_, v);
        if(! type || type_handlers_.empty() || detached_)
            return;
        auto it = type_handlers_.find(std::string(*type));
        if(it != type_handlers_.end())
            emit(it->second, v);
    }

    // The completions and counters of an outbox's work; `depth`: the
    // outbox's depth after it.
    template<class Work>
    void deliver(Work& w, std::size_t depth)
    {
        if(w.messages)
        {
            bump(messages_sent_, w.messages);
            bump(bytes_sent_, w.bytes);
        }
        queue_depth_.store(depth, std::memory_order_relaxed);
        for(auto& d : w.completions)
        {
            if(d.handler)
                complete(take_handler(d.handler), d.ec, d.bytes);
            else if(d.ec && d.ec != net::error::operation_aborted)
                emit_error(d.ec); // send(), which has no completion handler
        }
    }

    // Complete every async_close waiting; `posted`: after the events the
    // current call emits.
    void finish_close_waiters(error_code ec, bool posted)
    {
        for(auto& h : close_waiters_)
        {
            if(posted)
                run([h = take_handler(h), ec](session_base& s) mutable { s.complete(std::move(h), ec); });
            else
                complete(take_handler(h), ec);
        }
        close_waiters_.clear();
    }

    // The client is going away: no handler is called again.
    void clear_handlers()
    {
        for_each_list([](auto& l) { l.clear(); });
        type_handlers_.clear();
        std::lock_guard<std::mutex> lock(ids_mtx_);
        live_ids_.clear();
    }

    Strand strand_;
    client_options opts_;
    bool initiating_ = false; // inside a public call run inline on the strand
    std::atomic<bool> detached_{false};
    std::atomic<int> in_event_{0}; // user code running (event_scope)
    std::atomic<chatlink::state> state_{chatlink::state::idle};
    std::atomic<int> http_status_{0};

    // Counters, readable from any thread, written only on the strand: a
    // relaxed load and store each, no locked instruction on the hot path.
    std::atomic<std::uint64_t> messages_sent_{0}, messages_received_{0};
    std::atomic<std::uint64_t> bytes_sent_{0}, bytes_received_{0}, reconnects_{0};
    std::atomic<std::int64_t> last_rtt_us_{-1};
    std::atomic<std::size_t> queue_depth_{0};
    std::atomic<std::uint64_t> messages_resent_{0}, duplicates_dropped_{0};
    std::atomic<std::size_t> unacked_{0};
    std::vector<connect_handler> close_waiters_; // async_close, until stopped

    handler_list<> open_handlers_;
    handler_list<boost::json::value> message_handlers_;
    std::unordered_map<std::string, handler_list<boost::json::value>> type_handlers_;
    handler_list<close_info> close_handlers_;
    handler_list<std::string_view> text_handlers_, binary_handlers_;
    handler_list<error_code> error_handlers_;
    handler_list<error_code> give_up_handlers_;
    handler_list<chatlink::state> state_handlers_;
    handler_list<reconnect_info> reconnect_handlers_;
    handler_list<std::chrono::microseconds> heartbeat_handlers_;
    handler_list<ack_info> ack_handlers_;
    handler_list<resume_info> resume_handlers_;

private:
    template<class F>
    void for_each_list(F f)
    {
        f(open_handlers_);
        f(message_handlers_);
        f(close_handlers_);
        f(text_handlers_);
        f(binary_handlers_);
        f(error_handlers_);
        f(give_up_handlers_);
        f(state_handlers_);
        f(reconnect_handlers_);
        f(heartbeat_handlers_);
        f(ack_handlers_);
        f(resume_handlers_);
        for(auto& t : type_handlers_)
            f(t.second);
    }

    std::uint64_t new_id()
    {
        std::lock_guard<std::mutex> lock(ids_mtx_);
        live_ids_.insert(++next_id_);
        return next_id_;
    }

    bool live(std::uint64_t id) const noexcept
    {
        std::lock_guard<std::mutex> lock(ids_mtx_);
        return live_ids_.count(id) != 0;
    }

    template<class List, class F>
    std::uint64_t add(List& list, F f)
    {
        auto const id = new_id();
        run([&list, id, f = std::move(f)](session_base& s) mutable {
            if(s.live(id))
                list.add(id, std::move(f));
        });
        return id;
    }

    mutable std::mutex last_error_mtx_;
    error_code last_error_;
    std::string last_error_detail_;
    std::string subprotocol_; // under last_error_mtx_ too

    // The ids of the handlers not removed, for subscription (any thread).
    mutable std::mutex ids_mtx_;
    std::unordered_set<std::uint64_t> live_ids_;
    std::uint64_t next_id_ = 0;
};

} // namespace detail
} // namespace chatlink

#endif
