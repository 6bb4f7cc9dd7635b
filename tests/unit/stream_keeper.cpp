//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// A session's streams (src/detail/stream_keeper.hpp), without a socket: a
// stream is handed back for destruction only once none of the operations
// started on it is pending.
#include "detail/stream_keeper.hpp"

#include <catch2/catch.hpp>

#include <memory>

using chatlink::detail::stream_keeper;

namespace {

struct fake_stream
{
    int id;
};

} // namespace

TEST_CASE("stream_keeper: a stream with no pending operation is handed back at once", "[stream_keeper]")
{
    stream_keeper<fake_stream> k;
    CHECK_FALSE(k);
    CHECK_FALSE(k.retire());
    k.reset(std::make_unique<fake_stream>(fake_stream{1}));
    REQUIRE(k);
    CHECK(k->id == 1);
    k.started();
    CHECK_FALSE(k.completed(k.get()));
    auto out = k.retire();
    REQUIRE(out);
    CHECK(out->id == 1);
    CHECK_FALSE(k);
}

TEST_CASE("stream_keeper: a replaced stream waits for its operations, then is handed back once", "[stream_keeper]")
{
    stream_keeper<fake_stream> k;
    k.reset(std::make_unique<fake_stream>(fake_stream{1}));
    auto const* first = k.get();
    k.started(); // the TLS handshake
    k.started(); // the connect timer's wait, say
    CHECK_FALSE(k.retire()); // kept: two operations pending
    CHECK(k.retired() == 1);
    k.reset(std::make_unique<fake_stream>(fake_stream{2}));
    k.started();
    CHECK_FALSE(k.completed(first));
    auto out = k.completed(first);
    REQUIRE(out);
    CHECK(out->id == 1);
    CHECK(k.retired() == 0);
    // The current stream's count is its own.
    CHECK(k->id == 2);
    CHECK_FALSE(k.completed(k.get()));
    CHECK(k.retire());
}

TEST_CASE("stream_keeper: take() hands back a stuck stream whatever is pending", "[stream_keeper]")
{
    stream_keeper<fake_stream> k;
    k.reset(std::make_unique<fake_stream>(fake_stream{1}));
    auto const* stuck = k.get();
    k.started();
    CHECK_FALSE(k.retire());
    k.reset(std::make_unique<fake_stream>(fake_stream{2}));
    auto out = k.take(stuck);
    REQUIRE(out);
    CHECK(out->id == 1);
    CHECK(k.retired() == 0);
    CHECK(k->id == 2);
    CHECK_FALSE(k.take(stuck));
    auto cur = k.take(k.get());
    REQUIRE(cur);
    CHECK_FALSE(k);
}
