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
using chatlink::failure_kind;

TEST_CASE("failures are classified as transient, credentials or fatal", "[policy]")
{
    CHECK(chatlink::classify(chatlink::error::auth_rejected) == failure_kind::credentials);
    CHECK(chatlink::classify(chatlink::error::not_logged_in) == failure_kind::credentials);
    CHECK(chatlink::classify(chatlink::error::invalid_url) == failure_kind::fatal);
    CHECK(chatlink::classify(chatlink::error::tls_verify_failed) == failure_kind::fatal);
    for(chatlink::error_code ec : {chatlink::error_code(chatlink::error::connect_timeout),
            chatlink::error_code(chatlink::error::connection_lost), chatlink::error_code(chatlink::error::heartbeat_timeout),
            chatlink::error_code(chatlink::error::handshake_failed), chatlink::error_code(boost::asio::error::connection_refused)})
        CHECK(chatlink::classify(ec) == failure_kind::transient);
    CHECK(chatlink::classify(chatlink::error::closed_by_server, 1001) == failure_kind::transient);
    CHECK(chatlink::classify(chatlink::error::closed_by_server, 1011) == failure_kind::transient);
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
    CHECK(policy->next_delay(1, lost, failure_kind::transient) == 0ms);    // 0.0 * 100
    CHECK(policy->next_delay(2, lost, failure_kind::transient) == 100ms);  // 0.5 * 200
    CHECK(policy->next_delay(3, lost, failure_kind::transient) == 100ms);  // 0.25 * 400
    CHECK(policy->next_delay(4, lost, failure_kind::transient) == 799ms);  // 0.999 * 800
    CHECK(policy->next_delay(9, lost, failure_kind::transient) == 1000ms); // 1.0 * 1000
    CHECK_FALSE(policy->next_delay(1, chatlink::error::auth_rejected, failure_kind::credentials));
    CHECK_FALSE(policy->next_delay(1, chatlink::error::invalid_url, failure_kind::fatal));
}

TEST_CASE("for 1000 clients the first backoff delay spreads across its range", "[policy]")
{
    // One policy per client, as each client gets its own by default:
    // jitter is drawn per attempt, not once per process.
    std::vector<long long> first;
    for(int c = 0; c < 1000; ++c)
        first.push_back(chatlink::exponential_backoff(1000ms, 60000ms)
                            ->next_delay(1, chatlink::error::connection_lost, failure_kind::transient)->count());
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
        distinct.insert(shared->next_delay(1, chatlink::error::connection_lost, failure_kind::transient)->count());
    CHECK(distinct.size() > 500);
}

TEST_CASE("fixed_delay retries transient failures only, never_reconnect never", "[policy]")
{
    auto fixed = chatlink::fixed_delay(300s);
    CHECK(fixed->next_delay(1, chatlink::error::connection_lost, failure_kind::transient) == 300s);
    CHECK(fixed->next_delay(50, chatlink::error::connection_lost, failure_kind::transient) == 300s);
    CHECK_FALSE(fixed->next_delay(1, chatlink::error::auth_rejected, failure_kind::credentials));
    CHECK_FALSE(fixed->next_delay(1, chatlink::error::tls_verify_failed, failure_kind::fatal));
    CHECK_FALSE(chatlink::never_reconnect()->next_delay(1, chatlink::error::connection_lost, failure_kind::transient));
    auto custom = chatlink::make_reconnect_policy([](std::size_t n, chatlink::error_code const&, failure_kind) {
        return n <= 2 ? std::optional<std::chrono::milliseconds>(n * 10ms) : std::nullopt;
    });
    CHECK(custom->next_delay(2, {}, failure_kind::transient) == 20ms);
    CHECK_FALSE(custom->next_delay(3, {}, failure_kind::transient));
}
