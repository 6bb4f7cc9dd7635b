//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#include "raw_server.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace chatlink_test {

namespace {

using clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds slice{20};

// Wait for `events` on fd for at most one slice; true when ready.
bool ready(int fd, short events)
{
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, static_cast<int>(slice.count())) > 0;
}

} // namespace

//------------------------------------------------------------------------------

raw_conn::~raw_conn()
{
    if(fd_ >= 0)
        ::close(fd_);
}

bool raw_conn::stopping() const noexcept
{
    return server_.stopping();
}

bool raw_conn::read_request(std::chrono::milliseconds limit)
{
    auto const deadline = clock::now() + limit;
    char buf[4096];
    while(request_.find("\r\n\r\n") == std::string::npos)
    {
        if(stopping() || clock::now() >= deadline || request_.size() > 65536)
            return false;
        if(! ready(fd_, POLLIN))
            continue;
        auto const n = ::recv(fd_, buf, sizeof buf, 0);
        if(n <= 0)
        {
            peer_closed_ = true;
            return false;
        }
        request_.append(buf, static_cast<std::size_t>(n));
    }
    // Bytes after the head (none from a client that waits for the 101).
    auto const end = request_.find("\r\n\r\n") + 4;
    received_ = request_.substr(end);
    request_.resize(end);
    return true;
}

std::string raw_conn::accept_key() const
{
    static std::string const name = "sec-websocket-key:";
    std::string lower = request_;
    for(auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto pos = lower.find(name);
    if(pos == std::string::npos)
        return {};
    pos += name.size();
    auto const end = request_.find("\r\n", pos);
    std::string key = request_.substr(pos, end - pos);
    while(! key.empty() && key.front() == ' ')
        key.erase(0, 1);
    while(! key.empty() && key.back() == ' ')
        key.pop_back();
    key += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<unsigned char const*>(key.data()), key.size(), digest);
    unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
    int const n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<char const*>(out), static_cast<std::size_t>(n));
}

bool raw_conn::accept_upgrade(std::string const& extra)
{
    return write("HTTP/1.1 101 Switching Protocols\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: " + accept_key() + "\r\n" + extra + "\r\n");
}

bool raw_conn::write(std::string_view bytes, std::chrono::milliseconds limit)
{
    auto const deadline = clock::now() + limit;
    while(! bytes.empty())
    {
        if(stopping() || clock::now() >= deadline)
            return false;
        if(! ready(fd_, POLLOUT))
            continue;
        auto const n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            continue;
        if(n <= 0)
            return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool raw_conn::relay_to(unsigned short port, std::chrono::milliseconds limit)
{
    int const up = ::socket(AF_INET, SOCK_STREAM, 0);
    if(up < 0)
        return false;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if(::connect(up, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    {
        ::close(up);
        return false;
    }
    // What the client sent after its request head goes first.
    if(! received_.empty())
        ::send(up, received_.data(), received_.size(), MSG_NOSIGNAL);
    auto const deadline = clock::now() + limit;
    char buf[16384];
    bool open = true;
    while(open && ! stopping() && clock::now() < deadline)
    {
        pollfd fds[2] = {{fd_, POLLIN, 0}, {up, POLLIN, 0}};
        if(::poll(fds, 2, 20) <= 0)
            continue;
        for(int i = 0; i < 2 && open; ++i)
        {
            if(! (fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int const from = i == 0 ? fd_ : up, to = i == 0 ? up : fd_;
            auto const n = ::recv(from, buf, sizeof buf, MSG_DONTWAIT);
            if(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                continue;
            if(n <= 0)
            {
                open = false;
                break;
            }
            std::string_view rest(buf, static_cast<std::size_t>(n));
            while(! rest.empty())
            {
                auto const w = ::send(to, rest.data(), rest.size(), MSG_NOSIGNAL);
                if(w <= 0)
                {
                    open = false;
                    break;
                }
                rest.remove_prefix(static_cast<std::size_t>(w));
            }
        }
    }
    ::shutdown(up, SHUT_RDWR);
    ::close(up);
    return true;
}

std::size_t raw_conn::drain_for(std::chrono::milliseconds d)
{
    auto const deadline = clock::now() + d;
    std::size_t total = 0;
    char buf[16384];
    while(! peer_closed_ && ! stopping() && clock::now() < deadline)
    {
        if(! ready(fd_, POLLIN))
            continue;
        auto const n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        if(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            continue;
        if(n <= 0)
        {
            peer_closed_ = true;
            break;
        }
        total += static_cast<std::size_t>(n);
        if(received_.size() < (1u << 20))
            received_.append(buf, static_cast<std::size_t>(n));
    }
    return total;
}

void raw_conn::hold(std::chrono::milliseconds d)
{
    auto const deadline = clock::now() + d;
    while(! stopping() && clock::now() < deadline)
        std::this_thread::sleep_for(slice);
}

bool raw_conn::wait_closed(std::chrono::milliseconds limit)
{
    drain_for(limit);
    return peer_closed_;
}

void raw_conn::close()
{
    if(fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

void raw_conn::reset()
{
    if(fd_ < 0)
        return;
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
}

//------------------------------------------------------------------------------

std::string ws_frame(unsigned opcode, std::string_view payload, bool fin)
{
    std::string f;
    f.push_back(static_cast<char>((fin ? 0x80 : 0) | (opcode & 0x0f)));
    auto const n = payload.size();
    if(n < 126)
        f.push_back(static_cast<char>(n));
    else if(n < 65536)
    {
        f.push_back(126);
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xff));
    }
    else
    {
        f.push_back(127);
        for(int i = 7; i >= 0; --i)
            f.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xff));
    }
    f.append(payload);
    return f;
}

std::string http_date(std::chrono::system_clock::time_point t)
{
    static char const* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static char const* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
        "Oct", "Nov", "Dec"};
    std::time_t const tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
        months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string ws_close_frame(std::uint16_t code, std::string_view reason)
{
    std::string p;
    p.push_back(static_cast<char>(code >> 8));
    p.push_back(static_cast<char>(code & 0xff));
    p.append(reason);
    return ws_frame(8, p);
}

std::vector<std::uint16_t> client_close_codes(std::string_view b)
{
    std::vector<std::uint16_t> codes;
    std::size_t i = 0;
    while(i + 2 <= b.size())
    {
        unsigned const op = static_cast<unsigned char>(b[i]) & 0x0f;
        bool const masked = static_cast<unsigned char>(b[i + 1]) & 0x80;
        std::uint64_t len = static_cast<unsigned char>(b[i + 1]) & 0x7f;
        std::size_t h = 2;
        if(len == 126)
        {
            if(i + 4 > b.size())
                break;
            len = (std::uint64_t(static_cast<unsigned char>(b[i + 2])) << 8) | static_cast<unsigned char>(b[i + 3]);
            h = 4;
        }
        else if(len == 127)
        {
            if(i + 10 > b.size())
                break;
            len = 0;
            for(int k = 0; k < 8; ++k)
                len = (len << 8) | static_cast<unsigned char>(b[i + 2 + k]);
            h = 10;
        }
        std::size_t const mask_at = i + h;
        if(masked)
            h += 4;
        if(i + h + len > b.size())
            break;
        if(op == 8 && len >= 2)
        {
            unsigned char p0 = static_cast<unsigned char>(b[i + h]);
            unsigned char p1 = static_cast<unsigned char>(b[i + h + 1]);
            if(masked)
            {
                p0 ^= static_cast<unsigned char>(b[mask_at]);
                p1 ^= static_cast<unsigned char>(b[mask_at + 1]);
            }
            codes.push_back(static_cast<std::uint16_t>((p0 << 8) | p1));
        }
        i += h + static_cast<std::size_t>(len);
    }
    return codes;
}

//------------------------------------------------------------------------------

raw_server::raw_server(script s) : script_(std::move(s))
{
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if(listen_fd_ < 0)
        throw std::runtime_error("raw_server: socket");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 64) != 0)
        throw std::runtime_error("raw_server: bind/listen");
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

raw_server::~raw_server()
{
    stopping_ = true;
    acceptor_.join();
    ::close(listen_fd_);
    std::vector<std::thread> conns;
    {
        std::lock_guard<std::mutex> lock(mtx_);
        conns.swap(conns_);
    }
    for(auto& t : conns)
        t.join();
}

void raw_server::accept_loop()
{
    while(! stopping_)
    {
        if(! ready(listen_fd_, POLLIN))
            continue;
        int const fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if(fd < 0)
            continue;
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ++accepted_;
        std::lock_guard<std::mutex> lock(mtx_);
        conns_.emplace_back([this, fd] {
            raw_conn c(fd, *this);
            script_(c);
        });
    }
}

std::string raw_server::url(std::string const& scheme) const
{
    return scheme + "://127.0.0.1:" + std::to_string(port_);
}

void raw_server::note(std::string what)
{
    std::lock_guard<std::mutex> lock(mtx_);
    notes_.push_back(std::move(what));
}

std::vector<std::string> raw_server::notes() const
{
    std::lock_guard<std::mutex> lock(mtx_);
    return notes_;
}

bool raw_server::wait_for(std::function<bool()> pred, std::chrono::milliseconds limit) const
{
    auto const deadline = clock::now() + limit;
    while(! pred())
    {
        if(clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

} // namespace chatlink_test
