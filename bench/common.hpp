//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// What every benchmark program shares: the message, clocks, statistics,
// process figures (RSS, CPU time, file limit) and the JSON line each
// measurement is reported as. No Beast here.
//
#ifndef CHATLINK_BENCH_COMMON_HPP
#define CHATLINK_BENCH_COMMON_HPP

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace bench {

using clock = std::chrono::steady_clock;

// A 100-byte chat message, as PROTOCOL.md's clients send them.
inline std::string const& message()
{
    static std::string const m = [] {
        std::string s = R"({"type":"chat","to":"all","text":")";
        std::string const tail = "\"}";
        s.append(100 - s.size() - tail.size(), 'x');
        s += tail;
        return s;
    }();
    return m;
}

// The result of one throughput run.
struct run_result
{
    double rate = 0;   // messages per second
    double p50_us = 0; // latency percentiles; 0 when not measured
    double p99_us = 0;
    bool ok = false;
    std::string error;
};

// Latencies in nanoseconds; p in [0, 1].
inline double percentile_us(std::vector<std::int64_t>& ns, double p)
{
    if(ns.empty())
        return 0;
    auto const i = static_cast<std::size_t>(p * static_cast<double>(ns.size() - 1));
    std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(i), ns.end());
    return static_cast<double>(ns[i]) / 1000.0;
}

// The result of a throughput run of `n` messages timed from t0 to t1.
inline run_result finish_run(std::size_t n, clock::time_point t0, clock::time_point t1,
    std::vector<std::int64_t>& lat, std::string const& error, bool done)
{
    run_result r;
    r.error = error;
    r.ok = error.empty() && done;
    if(! r.ok && r.error.empty())
        r.error = "did not finish";
    if(! r.ok)
        return r;
    r.rate = static_cast<double>(n) / std::chrono::duration<double>(t1 - t0).count();
    r.p50_us = percentile_us(lat, 0.50);
    r.p99_us = percentile_us(lat, 0.99);
    return r;
}

inline double median(std::vector<double> v)
{
    if(v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    auto const n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

inline double seconds_since(clock::time_point t0)
{
    return std::chrono::duration<double>(clock::now() - t0).count();
}

// Resident set size of this process, in bytes.
inline std::size_t rss_bytes()
{
    std::ifstream f("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    f >> pages >> resident;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// User + system CPU time of this process (all threads), in seconds.
inline double cpu_seconds()
{
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    auto tv = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// Raise the open-file limit to the hard limit; returns the new soft limit.
inline rlim_t raise_file_limit()
{
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur;
}

// A flat JSON object written field by field, for one result line.
class json_line
{
    std::ostringstream os_;
    bool first_ = true;

    void key(char const* k)
    {
        os_ << (first_ ? "{" : ",") << '"' << k << "\":";
        first_ = false;
    }

public:
    json_line& add(char const* k, std::string const& v)
    {
        key(k);
        os_ << '"';
        for(char c : v)
        {
            if(c == '"' || c == '\\')
                os_ << '\\';
            os_ << (c == '\n' ? ' ' : c);
        }
        os_ << '"';
        return *this;
    }
    json_line& add(char const* k, double v)
    {
        key(k);
        os_ << v;
        return *this;
    }
    json_line& add(char const* k, bool v)
    {
        key(k);
        os_ << (v ? "true" : "false");
        return *this;
    }
    std::string str() const { return os_.str() + "}"; }
};

inline std::string to_json(run_result const& r)
{
    json_line j;
    j.add("ok", r.ok).add("rate", r.rate).add("p50_us", r.p50_us).add("p99_us", r.p99_us);
    if(! r.error.empty())
        j.add("error", r.error);
    return j.str();
}

} // namespace bench

#endif
