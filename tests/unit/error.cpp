//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Test that header file is self-contained.
#include <chatlink/error.hpp>

#include <boost/asio/error.hpp>

#include <catch2/catch.hpp>

TEST_CASE("error codes carry the chatlink category and stable names", "[error]")
{
    chatlink::error_code ec = chatlink::error::auth_rejected;
    CHECK(std::string(ec.category().name()) == "chatlink");
    CHECK(chatlink::error_name(ec) == "auth_rejected");
    CHECK(chatlink::error_name(chatlink::error::connect_timeout) == "connect_timeout");
    CHECK(chatlink::error_name(chatlink::error::message_too_big) == "message_too_big");
    CHECK(chatlink::error_name(chatlink::error::not_connected) == "not_connected");
    CHECK(chatlink::error_name({}) == "success");
    CHECK(chatlink::error_name(chatlink::error_code(111, boost::system::system_category())) == "system:111");
    CHECK_FALSE(ec.message().empty());
    CHECK(ec == chatlink::error::auth_rejected);
    CHECK(ec != chatlink::error::invalid_url);
}

TEST_CASE("the delivery errors have stable names and conditions", "[error]")
{
    using chatlink::error;
    using chatlink::condition;
    CHECK(chatlink::error_name(error::ack_timeout) == "ack_timeout");
    CHECK(chatlink::error_name(error::server_rejected) == "server_rejected");
    CHECK(chatlink::error_name(error::delivery_unknown) == "delivery_unknown");
    CHECK(chatlink::error_name(error::request_timeout) == "request_timeout");
    // A broken connection is worth retrying; a refused message is not.
    CHECK(chatlink::error_code(error::ack_timeout) == condition::transient);
    CHECK(chatlink::error_code(error::server_rejected) == condition::fatal);
    CHECK(chatlink::error_code(error::delivery_unknown) == condition::transient);
    CHECK(chatlink::error_code(error::request_timeout) == condition::transient);
}
