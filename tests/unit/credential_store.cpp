//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Test that header file is self-contained.
#include <chatlink/credential_store.hpp>

#include <chatlink/error.hpp>

#include <boost/json.hpp>
#include <boost/system/system_error.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using chatlink_test::temp_dir;

namespace {

std::string slurp(std::string const& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

TEST_CASE("memory_store gets, sets and removes", "[store]")
{
    chatlink::memory_store s;
    CHECK_FALSE(s.get("chatuser"));
    s.set("chatuser", R"({"token":"t"})");
    CHECK(s.get("chatuser") == std::string(R"({"token":"t"})"));
    s.remove("chatuser");
    CHECK_FALSE(s.get("chatuser"));
}

TEST_CASE("file_store writes a 0600 JSON file and reads it back", "[store]")
{
    temp_dir d;
    std::string const path = d.path + "/credentials.json";
    ::umask(022); // the file must be private whatever the umask
    chatlink::file_store s(path);
    CHECK_FALSE(s.get("chatuser"));
    s.set("chatuser", R"({"token":"a b+c","user":"ann"})");
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto v = boost::json::parse(slurp(path));
    CHECK(v.at("chatuser") == R"({"token":"a b+c","user":"ann"})");
    CHECK(chatlink::file_store(path).get("chatuser") == std::string(R"({"token":"a b+c","user":"ann"})"));
    s.remove("chatuser");
    CHECK_FALSE(s.get("chatuser"));
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("a corrupt file is reported and never wiped", "[store]")
{
    temp_dir d;
    std::string const path = d.path + "/credentials.json";
    for(std::string bad : {std::string("{\"chatuser\": \"trunc"), std::string("[1,2]"), std::string("{\"chatuser\": 42}")})
    {
        INFO(bad);
        std::ofstream(path) << bad;
        chatlink::file_store s(path);
        try
        {
            s.get("chatuser");
            FAIL("get() did not report the corrupt file");
        }
        catch(boost::system::system_error const& e)
        {
            CHECK(e.code() == chatlink::error::store_corrupt);
        }
        CHECK_THROWS_AS(s.set("chatuser", "x"), boost::system::system_error);
        CHECK_THROWS_AS(s.remove("chatuser"), boost::system::system_error);
        CHECK(slurp(path) == bad);
    }
}

TEST_CASE("8 threads writing at once lose nothing", "[store]")
{
    temp_dir d;
    std::string const path = d.path + "/credentials.json";
    chatlink::file_store s(path);
    std::vector<std::thread> threads;
    for(int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for(int i = 0; i < 25; ++i)
                s.set("k" + std::to_string(t) + "_" + std::to_string(i), std::to_string(i));
        });
    for(auto& t : threads)
        t.join();
    auto v = boost::json::parse(slurp(path)).as_object();
    CHECK(v.size() == 8 * 25);
    CHECK(v.at("k7_24") == "24");
}

TEST_CASE("a writer killed with SIGKILL leaves the old or the new file, never a torn one", "[store]")
{
    temp_dir d;
    std::string const path = d.path + "/credentials.json";
    chatlink::file_store(path).set("chatuser", std::string(20000, 'a'));
    std::set<std::string> const allowed = {std::string(20000, 'a'), std::string(20000, 'b'), std::string(20000, 'c')};
    for(int round = 0; round < 20; ++round)
    {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if(pid == 0)
        {
            // The child rewrites the entry as fast as it can until killed.
            chatlink::file_store s(path);
            for(int i = 0; i < 100000; ++i)
                s.set("chatuser", std::string(20000, i % 2 ? 'b' : 'c'));
            ::_exit(0);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5 + round % 7));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        auto value = chatlink::file_store(path).get("chatuser");
        REQUIRE(value);
        CHECK(allowed.count(*value) == 1);
    }
    // Temporary files of killed writers may remain; the store's file is whole.
    CHECK_NOTHROW(boost::json::parse(slurp(path)));
}
