//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Fuzz target: make_endpoint, the base URL + token -> ws(s) endpoint mapping.
// Input: base URL, token, path and parameter name, separated by '\n'.
// Invariants: no exception; an error is invalid_url; a mapped endpoint has a
// host, a numeric port in 1..65535, a target starting with '/', a target
// that carries the token, and a redacted URL that does not depend on the
// token at all (so it cannot show it).
//
#include <chatlink/error.hpp>
#include <chatlink/url.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void fail(char const* what)
{
    std::fprintf(stderr, "fuzz_url: %s\n", what);
    std::abort();
}

std::string_view next_field(std::string_view& in)
{
    auto const nl = in.find('\n');
    auto const field = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    return field;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view in(reinterpret_cast<char const*>(data), size);
    auto const base = next_field(in);
    auto const token = next_field(in);
    auto const path = next_field(in);
    auto const param = next_field(in);

    chatlink::error_code ec;
    auto const ep = chatlink::make_endpoint(base, token, path, param, ec);
    if(ec)
    {
        if(ec != chatlink::error::invalid_url)
            fail("an error other than invalid_url");
        return 0;
    }
    if(ep.host.empty())
        fail("mapped without a host");
    if(ep.port.empty() || ep.port.size() > 5 ||
        ep.port.find_first_not_of("0123456789") != std::string::npos)
        fail("port is not a number");
    auto const port = std::stoul(ep.port);
    if(port == 0 || port > 65535)
        fail("port out of range");
    if(ep.target.empty() || ep.target[0] != '/')
        fail("target does not start with '/'");
    if(ep.host_header.empty())
        fail("no Host header");
    // The redacted URL must not depend on the token: with any other
    // (non-empty) token it is the same string, so it cannot show the token.
    if(! token.empty())
    {
        chatlink::error_code ec2;
        auto const other = chatlink::make_endpoint(base, token == "x" ? "y" : "x", path, param, ec2);
        if(ec2)
            fail("a token alone made the URL invalid");
        if(other.redacted != ep.redacted)
            fail("the redacted URL depends on the token");
        if(other.target == ep.target && ! param.empty())
            fail("the token did not reach the target");
    }
    return 0;
}
