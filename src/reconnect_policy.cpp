//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#include <chatlink/error.hpp>
#include <chatlink/reconnect_policy.hpp>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <random>

namespace chatlink {

std::chrono::milliseconds backoff_ceiling(std::size_t attempt,
    std::chrono::milliseconds initial, std::chrono::milliseconds max, double multiplier) noexcept
{
    if(attempt == 0)
        attempt = 1;
    double const ceiling = static_cast<double>(initial.count()) *
        std::pow(std::max(multiplier, 1.0), static_cast<double>(attempt - 1));
    if(! (ceiling < static_cast<double>(max.count()))) // also catches inf/nan
        return max;
    return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(ceiling));
}

namespace {

class fixed_policy : public reconnect_policy
{
    std::chrono::milliseconds delay_;

public:
    explicit fixed_policy(std::chrono::milliseconds d) : delay_(d) {}

    std::optional<std::chrono::milliseconds>
    next_delay(std::size_t, error_code const& cause) override
    {
        if(cause != condition::transient)
            return std::nullopt;
        return delay_;
    }
};

class backoff_policy : public reconnect_policy
{
    std::chrono::milliseconds initial_, max_;
    double multiplier_;
    std::function<double()> random_;
    std::mutex mtx_;
    std::mt19937_64 rng_{std::random_device{}()};

public:
    backoff_policy(std::chrono::milliseconds i, std::chrono::milliseconds m, double mult, std::function<double()> r)
        : initial_(i), max_(m), multiplier_(mult), random_(std::move(r))
    {
    }

    std::optional<std::chrono::milliseconds>
    next_delay(std::size_t attempt, error_code const& cause) override
    {
        if(cause != condition::transient)
            return std::nullopt;
        auto const ceiling = backoff_ceiling(attempt, initial_, max_, multiplier_);
        double u;
        {
            std::lock_guard<std::mutex> lock(mtx_);
            u = random_ ? random_() : std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
        }
        u = std::clamp(u, 0.0, 1.0);
        return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(
            std::floor(u * static_cast<double>(ceiling.count()))));
    }
};

class never_policy : public reconnect_policy
{
public:
    std::optional<std::chrono::milliseconds>
    next_delay(std::size_t, error_code const&) override
    {
        return std::nullopt;
    }
};

class function_policy : public reconnect_policy
{
    std::function<std::optional<std::chrono::milliseconds>(std::size_t, error_code const&)> f_;

public:
    explicit function_policy(decltype(f_) f) : f_(std::move(f)) {}

    std::optional<std::chrono::milliseconds>
    next_delay(std::size_t attempt, error_code const& ec) override
    {
        return f_ ? f_(attempt, ec) : std::nullopt;
    }
};

} // namespace

std::shared_ptr<reconnect_policy> fixed_delay(std::chrono::milliseconds delay)
{
    return std::make_shared<fixed_policy>(delay);
}

std::shared_ptr<reconnect_policy> exponential_backoff(std::chrono::milliseconds initial,
    std::chrono::milliseconds max, double multiplier, std::function<double()> random)
{
    return std::make_shared<backoff_policy>(initial, max, multiplier, std::move(random));
}

std::shared_ptr<reconnect_policy> never_reconnect()
{
    return std::make_shared<never_policy>();
}

std::shared_ptr<reconnect_policy> make_reconnect_policy(
    std::function<std::optional<std::chrono::milliseconds>(std::size_t, error_code const&)> f)
{
    return std::make_shared<function_policy>(std::move(f));
}

} // namespace chatlink
