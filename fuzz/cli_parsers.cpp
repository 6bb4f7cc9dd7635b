//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Fuzz target: chatlink-cli's value parsers (examples/cli/parse.hpp), the
// code the CLI itself runs. Input byte 0 picks the parser; the rest is the
// option's value. Anything not accepted must be a usage_error (exit 2), never
// another exception; an accepted duration is not negative and fits the
// clock the library schedules with.
//
#include "parse.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

void fail(char const* what)
{
    std::fprintf(stderr, "fuzz_cli_parsers: %s\n", what);
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    if(size < 1)
        return 0;
    std::string const value(reinterpret_cast<char const*>(data + 1), size - 1);
    try
    {
        switch(data[0] % 3)
        {
        case 0:
        {
            auto const d = chatlink_cli::parse_duration("--heartbeat", value);
            if(d.count() < 0)
                fail("a negative duration");
            if(d > std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::duration::max()))
                fail("a duration the steady clock cannot hold");
            break;
        }
        case 1:
        {
            auto const p = chatlink_cli::parse_policy(value);
            if(! p)
                fail("a policy parsed to nothing");
            break;
        }
        case 2:
            (void)chatlink_cli::parse_count("--max-queue", value, data[0] & 4);
            break;
        }
    }
    catch(chatlink_cli::usage_error const&)
    {
    }
    return 0;
}
