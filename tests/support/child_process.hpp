//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// A child process started by a test or a benchmark and stopped by its PID,
// with its standard output read line by line (POSIX only).
//
#ifndef CHATLINK_TEST_CHILD_PROCESS_HPP
#define CHATLINK_TEST_CHILD_PROCESS_HPP

#include <cerrno>
#include <chrono>
#include <csignal>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace chatlink_test {

class child_process
{
    pid_t pid_ = -1;
    int out_ = -1;
    std::string pending_;

public:
    child_process() = default;
    child_process(child_process const&) = delete;
    child_process& operator=(child_process const&) = delete;

    explicit child_process(std::vector<std::string> const& argv)
    {
        int fds[2];
        if(::pipe(fds) != 0)
            throw std::runtime_error("pipe failed");
        pid_ = ::fork();
        if(pid_ < 0)
            throw std::runtime_error("fork failed");
        if(pid_ == 0)
        {
            ::dup2(fds[1], 1);
            ::close(fds[0]);
            ::close(fds[1]);
            std::vector<char*> args;
            for(auto const& a : argv)
                args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        ::close(fds[1]);
        out_ = fds[0];
    }

    ~child_process() { stop(SIGKILL); }

    pid_t pid() const noexcept { return pid_; }

    // The next line of output, waiting at most `timeout`; empty on timeout/EOF.
    std::string read_line(std::chrono::milliseconds timeout)
    {
        auto const deadline = std::chrono::steady_clock::now() + timeout;
        for(;;)
        {
            auto const nl = pending_.find('\n');
            if(nl != std::string::npos)
            {
                std::string line = pending_.substr(0, nl);
                pending_.erase(0, nl + 1);
                return line;
            }
            auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()).count();
            if(left <= 0 || out_ < 0)
                return {};
            pollfd p{out_, POLLIN, 0};
            if(::poll(&p, 1, static_cast<int>(left)) <= 0)
                continue;
            char buf[4096];
            auto const n = ::read(out_, buf, sizeof buf);
            if(n <= 0)
                return {};
            pending_.append(buf, static_cast<std::size_t>(n));
        }
    }

    // Send `sig` and reap the process (bounded: SIGKILL after 5 s).
    void stop(int sig = SIGTERM)
    {
        if(pid_ > 0)
        {
            ::kill(pid_, sig);
            int status = 0;
            for(int i = 0; i < 500; ++i)
            {
                if(::waitpid(pid_, &status, WNOHANG) == pid_)
                {
                    pid_ = -1;
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            if(pid_ > 0)
            {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                pid_ = -1;
            }
        }
        if(out_ >= 0)
        {
            ::close(out_);
            out_ = -1;
        }
    }
};

// The directory holding this executable, so sibling programs can be found.
inline std::string self_dir()
{
    char buf[4096];
    auto const n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if(n <= 0)
        return ".";
    std::string p(buf, static_cast<std::size_t>(n));
    return p.substr(0, p.rfind('/'));
}

} // namespace chatlink_test

#endif
