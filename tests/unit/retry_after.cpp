//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// src/detail/retry_after.hpp: Retry-After values (no socket; backends.cpp
// has a 503 with one on a real socket).
//
#include "detail/retry_after.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using chatlink::detail::parse_retry_after;

namespace {

// 1994-11-06 08:49:37 UTC, RFC 9110's example date.
std::chrono::system_clock::time_point const example =
    std::chrono::system_clock::time_point(std::chrono::seconds(784111777));

} // namespace

TEST_CASE("Retry-After: delay-seconds, capped at ten minutes", "[retry_after]")
{
    CHECK(parse_retry_after("2", example) == 2000ms);
    CHECK(parse_retry_after(" 120 ", example) == 120000ms);
    CHECK(parse_retry_after("0", example) == 0ms);
    CHECK(parse_retry_after("600", example) == 600000ms);
    CHECK(parse_retry_after("601", example) == 600000ms);
    CHECK(parse_retry_after("99999999999999999999999999", example) == 600000ms);
    CHECK_FALSE(parse_retry_after("", example));
    CHECK_FALSE(parse_retry_after("-5", example));
    CHECK_FALSE(parse_retry_after("1.5", example));
    CHECK_FALSE(parse_retry_after("soon", example));
}

TEST_CASE("Retry-After: the three HTTP-date forms, relative to now", "[retry_after]")
{
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", example) == 0ms);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", example) == 10000ms);
    CHECK(parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", example) == 60000ms);
    CHECK(parse_retry_after("Sun Nov  6 08:49:39 1994", example) == 2000ms);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", example + 5s) == 0ms); // in the past
    CHECK(parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", example) == 600000ms); // a day: the cap
    // Across a month and a leap day.
    auto const feb29_2024 = std::chrono::system_clock::time_point(std::chrono::seconds(1709164800)); // 2024-02-29 00:00:00
    CHECK(parse_retry_after("Thu, 29 Feb 2024 00:00:30 GMT", feb29_2024) == 30000ms);
    CHECK_FALSE(parse_retry_after("Sun, 06 Nov 1994 08:49:37 UTC", example));
    CHECK_FALSE(parse_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", example));
    CHECK_FALSE(parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT", example));
    CHECK_FALSE(parse_retry_after("Sun, 6 Nov 1994 08:49:37 GMT", example));
}
