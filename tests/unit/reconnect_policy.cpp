//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Test that header file is self-contained.
#include <chatlink/reconnect_policy.hpp>

#include <chatlink/error.hpp>

#include <boost/asio/error.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace std::chrono_literals;
using chatlink::condition;

TEST_CASE("failures compare equal to exactly one condition: transient, credentials or fatal", "[policy]")
{
    using chatlink::error_code;
    namespace e = chatlink;
    auto kinds = [](error_code ec) {
        return int(ec == condition::transient) + int(ec == condition::credentials) + int(ec == condition::fatal);
    };
    for(error_code ec : {error_code(e::error::auth_rejected), error_code(e::error::not_logged_in),
            error_code(e::error::store_corrupt)})
    {
        CHECK(ec == condition::credentials);
        CHECK(kinds(ec) == 1);
    }
    for(error_code ec : {error_code(e::error::invalid_url), error_code(e::error::tls_verify_failed)})
    {
        CHECK(ec == condition::fatal);
        CHECK(kinds(ec) == 1);
    }
    for(error_code ec : {error_code(e::error::connect_timeout), error_code(e::error::connection_lost),
            error_code(e::error::heartbeat_timeout), error_code(e::error::handshake_failed),
            error_code(e::error::closed_by_server), error_code(e::error::message_too_big),
            error_code(boost::asio::error::connection_refused), error_code(boost::asio::error::eof)})
    {
        CHECK(ec == condition::transient);
        CHECK(kinds(ec) == 1);
    }
    CHECK(kinds(error_code()) == 0);
    CHECK(chatlink::make_error_condition(condition::credentials).category().name() == std::string("chatlink.condition"));
}

TEST_CASE("backoff_ceiling doubles from initial up to max", "[policy]")
{
    struct row { std::size_t attempt; long long expected_ms; };
    row const table[] = {{1, 100}, {2, 200}, {3, 400}, {4, 800}, {5, 1600}, {6, 3200}, {7, 5000}, {8, 5000}, {64, 5000}, {100000, 5000}};
    for(auto r : table)
    {
        INFO(r.attempt);
        CHECK(chatlink::backoff_ceiling(r.attempt, 100ms, 5000ms, 2.0).count() == r.expected_ms);
    }
    CHECK(chatlink::backoff_ceiling(3, 100ms, 5000ms, 3.0).count() == 900);
}

TEST_CASE("exponential_backoff draws exactly from the injected source", "[policy]")
{
    std::vector<double> draws = {0.0, 0.5, 0.25, 0.999, 1.0};
    std::size_t i = 0;
    auto policy = chatlink::exponential_backoff(100ms, 1000ms, 2.0, [&] { return draws[i++ % draws.size()]; });
    chatlink::error_code const lost = chatlink::error::connection_lost;
    // attempt n: floor(u * min(1000, 100 * 2^(n-1)))
    CHECK(policy->next_delay(1, lost) == 0ms);    // 0.0 * 100
    CHECK(policy->next_delay(2, lost) == 100ms);  // 0.5 * 200
    CHECK(policy->next_delay(3, lost) == 100ms);  // 0.25 * 400
    CHECK(policy->next_delay(4, lost) == 799ms);  // 0.999 * 800
    CHECK(policy->next_delay(9, lost) == 1000ms); // 1.0 * 1000
    CHECK_FALSE(policy->next_delay(1, chatlink::error::auth_rejected));
    CHECK_FALSE(policy->next_delay(1, chatlink::error::invalid_url));
}

TEST_CASE("for 1000 clients the first backoff delay spreads across its range", "[policy]")
{
    // One policy per client, as each client gets its own by default:
    // jitter is drawn per attempt, not once per process.
    std::vector<long long> first;
    for(int c = 0; c < 1000; ++c)
        first.push_back(chatlink::exponential_backoff(1000ms, 60000ms)
                            ->next_delay(1, chatlink::error::connection_lost)->count());
    auto const [lo, hi] = std::minmax_element(first.begin(), first.end());
    CHECK(*lo >= 0);
    CHECK(*hi < 1000);
    CHECK(*lo < 50);  // reaches the bottom of [0, 1000)
    CHECK(*hi > 950); // and the top
    CHECK(std::set<long long>(first.begin(), first.end()).size() > 500);
    // Ten buckets of 100 ms each hold between 5% and 15% of the clients.
    std::vector<int> buckets(10, 0);
    for(auto d : first)
        ++buckets[static_cast<std::size_t>(d / 100)];
    for(int b : buckets)
        CHECK((b > 50 && b < 150));

    // One policy shared by many clients spreads too.
    auto shared = chatlink::exponential_backoff(1000ms, 60000ms);
    std::set<long long> distinct;
    for(int c = 0; c < 1000; ++c)
        distinct.insert(shared->next_delay(1, chatlink::error::connection_lost)->count());
    CHECK(distinct.size() > 500);
}

TEST_CASE("fixed_delay retries transient failures only, never_reconnect never", "[policy]")
{
    auto fixed = chatlink::fixed_delay(300s);
    CHECK(fixed->next_delay(1, chatlink::error::connection_lost) == 300s);
    CHECK(fixed->next_delay(50, chatlink::error::connection_lost) == 300s);
    CHECK_FALSE(fixed->next_delay(1, chatlink::error::auth_rejected));
    CHECK_FALSE(fixed->next_delay(1, chatlink::error::tls_verify_failed));
    CHECK_FALSE(chatlink::never_reconnect()->next_delay(1, chatlink::error::connection_lost));
    auto custom = chatlink::make_reconnect_policy([](std::size_t n, chatlink::error_code const&) {
        return n <= 2 ? std::optional<std::chrono::milliseconds>(n * 10ms) : std::nullopt;
    });
    CHECK(custom->next_delay(2, {}) == 20ms);
    CHECK(fixed->next_delay(1, chatlink::error::store_corrupt) == std::nullopt);
    CHECK_FALSE(custom->next_delay(3, {}));
}
