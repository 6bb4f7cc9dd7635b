//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The server's answer to the upgrade request, read by chatlink before
// Beast sees it (coalescing_stream's read path feeds it).
//
// Beast's handshake keeps what it read only when the response is complete
// and within its own 8 KB header limit; on any other failure the session
// would know neither the status nor why. This reader takes the bytes the
// server sends until the end of the header block, within a limit of our own
// (client_options::max_upgrade_header_bytes), and records
//   - the status, once a status line was read (0 before that),
//   - why it failed: the connection closed or reset before the end of the
//     header block, bytes that are not HTTP, a header block over the limit;
// and then hands Beast a compact copy of the response: the status line,
// the fields the handshake checks (Upgrade, Connection, Sec-WebSocket-*),
// no body (a refusal's body is never read: a 401 with a body of any size is
// still a 401), and, after a 101, the frame bytes that came with it.
//
// Pure: bytes in, bytes out, no I/O (tests/unit/upgrade_response.cpp).
//
#ifndef CHATLINK_DETAIL_UPGRADE_RESPONSE_HPP
#define CHATLINK_DETAIL_UPGRADE_RESPONSE_HPP

#include "detail/retry_after.hpp"
#include "detail/upgrade_request.hpp"
#include <chatlink/error.hpp>

#include <boost/asio/error.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chatlink {
namespace detail {

class upgrade_response
{
public:
    explicit upgrade_response(std::size_t header_limit) : limit_(header_limit) {}

    // A buffer to read into, and how much of it the last read filled.
    char* read_buffer() noexcept { return buf_.data(); }
    static constexpr std::size_t read_buffer_size = 4096;

    // `n` bytes arrived in read_buffer().
    void feed(std::size_t n)
    {
        feed(std::string_view(buf_.data(), n));
    }

    void feed(std::string_view bytes)
    {
        if(finished())
            return;
        head_.append(bytes.data(), bytes.size());
        if(status_ == 0)
            read_status_line();
        if(failed())
            return;
        auto const end = head_.find("\r\n\r\n");
        if(end == std::string::npos)
        {
            if(head_.size() > limit_)
                fail("the upgrade response's header block is over " + std::to_string(limit_) +
                    " bytes (max_upgrade_header_bytes)");
            return;
        }
        if(end + 4 > limit_ + 4)
            return fail("the upgrade response's header block is over " + std::to_string(limit_) +
                " bytes (max_upgrade_header_bytes)");
        if(status_ == 0)
            return fail("the server's answer is not HTTP");
        build_output(end);
    }

    // The read failed before the end of the header block.
    void fail_read(error_code ec)
    {
        if(finished())
            return;
        std::string what;
        if(ec == net::error::eof)
            what = "the server closed the connection";
        else if(ec == net::error::connection_reset)
            what = "the server reset the connection";
        else if(std::string_view(ec.category().name()).rfind("asio.ssl", 0) == 0)
            what = "TLS: " + ec.message(); // an alert ("certificate required"), a truncated stream
        else
        {
            // Our own timer or close() cancelled the read: not the server's doing.
            cancelled_ = true;
            what = ec.message();
        }
        if(head_.empty())
            what += " before answering the upgrade";
        else if(status_ == 0)
            what += " before a whole status line";
        else
            what += " in the middle of the upgrade response's header";
        fail(std::move(what), ec);
    }

    bool finished() const noexcept { return failed() || ! out_.empty() || served_; }
    bool failed() const noexcept { return static_cast<bool>(ec_); }

    // Why it failed: error::handshake_failed (or the read's own error when
    // the read was cancelled, so that a timeout stays a timeout).
    error_code error() const noexcept { return ec_; }

    int status() const noexcept { return status_; }
    std::string const& detail() const noexcept { return detail_; }

    // What Beast reads instead of the server's bytes; consume() as read.
    std::string_view output() const noexcept { return std::string_view(out_).substr(out_pos_); }
    void consume(std::size_t n) noexcept
    {
        out_pos_ += n;
        if(out_pos_ >= out_.size())
        {
            served_ = true;
            out_.clear();
            out_pos_ = 0;
        }
    }
    bool drained() const noexcept { return served_; }

    struct failure_report
    {
        error_code ec;
        std::string detail;
    };

    // The handshake failed with `ec`: what to report. A refusal's class
    // decides, whatever its body (401 and 403: auth_rejected); a 101 that
    // Beast rejected (a bad accept key, say) says so; otherwise what this
    // reader saw, or nothing when it saw nothing wrong (the session then
    // reports `ec` as it is: a timeout stays a timeout).
    std::optional<failure_report> failure(error_code ec) const
    {
        if(status_ != 0 && status_ != 101)
            return failure_report{status_ == 401 || status_ == 403 ? error_code(error::auth_rejected)
                : error_code(error::handshake_failed), "HTTP " + std::to_string(status_)};
        if(status_ == 101 && detail_.empty())
            return failure_report{error::handshake_failed, "HTTP 101, but " + ec.message()};
        if(detail_.empty())
            return std::nullopt;
        return failure_report{error::handshake_failed, detail_};
    }

    // A header field of the response (the first with that name), once read.
    std::string_view field(std::string_view name) const noexcept
    {
        for(auto const& f : fields_)
            if(iequals(f.first, name))
                return f.second;
        return {};
    }

private:
    static bool iequals(std::string_view a, std::string_view b) noexcept
    {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
            return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
        });
    }

    void fail(std::string what, error_code ec = error::handshake_failed)
    {
        if(ec != error::handshake_failed && ! cancelled_)
            ec = error::handshake_failed;
        ec_ = ec;
        detail_ = std::move(what);
    }

    // "HTTP/1.x NNN" at the start: the status. Anything else, once enough
    // bytes are there to tell, is not HTTP.
    void read_status_line()
    {
        static constexpr std::string_view prefix = "HTTP/1.";
        auto const n = std::min(head_.size(), prefix.size());
        if(head_.compare(0, n, prefix.data(), n) != 0)
            return fail("the server's answer is not HTTP");
        auto const eol = head_.find("\r\n");
        if(eol == std::string::npos)
        {
            if(head_.size() > 1024)
                fail("the server's answer is not HTTP (no status line in 1024 bytes)");
            return;
        }
        // HTTP/1.x SP 3DIGIT
        if(eol < 12 || head_[8] != ' ' || ! std::isdigit(static_cast<unsigned char>(head_[9])) ||
            ! std::isdigit(static_cast<unsigned char>(head_[10])) || ! std::isdigit(static_cast<unsigned char>(head_[11])))
            return fail("the server's answer is not HTTP (bad status line)");
        status_ = (head_[9] - '0') * 100 + (head_[10] - '0') * 10 + (head_[11] - '0');
    }

    // The compact response Beast reads, from the header block ending at `end`.
    void build_output(std::size_t end)
    {
        static constexpr std::string_view kept[] = {
            "upgrade", "connection", "sec-websocket-accept", "sec-websocket-extensions",
            "sec-websocket-protocol"};
        auto const first_eol = head_.find("\r\n");
        out_ = "HTTP/1.1 " + std::to_string(status_) + " -\r\n";
        std::size_t pos = first_eol + 2;
        while(pos < end)
        {
            auto eol = head_.find("\r\n", pos);
            std::string_view line(head_.data() + pos, eol - pos);
            pos = eol + 2;
            auto const colon = line.find(':');
            if(colon == std::string_view::npos)
                continue;
            std::string_view name = line.substr(0, colon);
            std::string_view value = line.substr(colon + 1);
            while(! value.empty() && (value.front() == ' ' || value.front() == '\t'))
                value.remove_prefix(1);
            while(! value.empty() && (value.back() == ' ' || value.back() == '\t'))
                value.remove_suffix(1);
            fields_.emplace_back(std::string(name), std::string(value));
            for(auto k : kept)
                if(iequals(name, k))
                {
                    out_.append(line.data(), line.size());
                    out_ += "\r\n";
                    break;
                }
        }
        if(status_ != 101)
            out_ += "Content-Length: 0\r\n";
        out_ += "\r\n";
        // After a 101, what came with it is WebSocket frames: Beast reads
        // them next. After a refusal, the body is never read.
        if(status_ == 101)
            out_.append(head_, end + 4, std::string::npos);
        head_.clear();
        head_.shrink_to_fit();
    }

    std::size_t limit_;
    std::vector<char> buf_ = std::vector<char>(read_buffer_size);
    std::string head_;
    std::string out_;
    std::size_t out_pos_ = 0;
    bool served_ = false;
    bool cancelled_ = false;
    int status_ = 0;
    error_code ec_;
    std::string detail_;
    std::vector<std::pair<std::string, std::string>> fields_;
};

// What the session does with the answer, once the handshake completed with
// `ec` (Beast's result): fail the attempt with `error` and `detail`, with the
// server's hint for the next attempt's delay (a 503's or 429's
// Retry-After); or, after a 101 that RFC 6455 4.1 accepts too, open with
// `subprotocol`. No error and no detail: `ec` is reported as it is.
struct upgrade_verdict
{
    error_code error;
    std::string detail;
    std::optional<std::chrono::milliseconds> retry_hint;
    std::string subprotocol;
};

inline upgrade_verdict judge_upgrade(client_options const& o, upgrade_response const& up, error_code ec)
{
    upgrade_verdict v;
    if(! ec)
    {
        // Beast accepted the 101; RFC 6455 4.1 asks more of it.
        auto a = check_answer(o, up.field("Sec-WebSocket-Protocol"), up.field("Sec-WebSocket-Extensions"));
        if(a.error)
        {
            v.error = error::handshake_failed;
            v.detail = std::move(*a.error);
        }
        else
            v.subprotocol = std::move(a.subprotocol);
        return v;
    }
    if(auto f = up.failure(ec))
    {
        if(up.status() == 503 || up.status() == 429)
            v.retry_hint = parse_retry_after(up.field("Retry-After"), std::chrono::system_clock::now());
        v.error = f->ec;
        v.detail = std::move(f->detail);
    }
    return v;
}

} // namespace detail
} // namespace chatlink

#endif
