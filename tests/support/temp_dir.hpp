//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// A scratch directory under /tmp for a test, removed with everything in it.
//
#ifndef CHATLINK_TESTS_SUPPORT_TEMP_DIR_HPP
#define CHATLINK_TESTS_SUPPORT_TEMP_DIR_HPP

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include <unistd.h>

namespace chatlink_test {

struct temp_dir
{
    std::string path;
    temp_dir()
    {
        char t[] = "/tmp/chatlink-test-XXXXXX";
        REQUIRE(::mkdtemp(t) != nullptr);
        path = t;
    }
    ~temp_dir()
    {
        std::string cmd = "rm -rf '" + path + "'";
        if(std::system(cmd.c_str()) != 0) {}
    }
    temp_dir(temp_dir const&) = delete;
    temp_dir& operator=(temp_dir const&) = delete;
};

} // namespace chatlink_test

#endif
