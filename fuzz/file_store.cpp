//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Fuzz target: file_store's loader. The input is written as the store's file;
// get() must return an entry or nothing, or throw a system_error whose code is
// store_corrupt, and a corrupt file must be left byte for byte as it was.
//
#include <chatlink/credential_store.hpp>
#include <chatlink/error.hpp>

#include <boost/system/system_error.hpp>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace {

void fail(char const* what)
{
    std::fprintf(stderr, "fuzz_file_store: %s\n", what);
    std::abort();
}

std::string const& store_path()
{
    static std::string const path = [] {
        char const* dir = std::getenv("TMPDIR");
        return std::string(dir && *dir ? dir : "/tmp") + "/chatlink-fuzz-store-" +
            std::to_string(::getpid()) + ".json";
    }();
    return path;
}

std::string read_all(std::string const& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string const content(reinterpret_cast<char const*>(data), size);
    {
        std::ofstream out(store_path(), std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
    }
    chatlink::file_store store(store_path());
    try
    {
        auto const v = store.get("chatuser");
        (void)v;
        // A file that loads must also take a write and read it back.
        store.set("fuzz", "value");
        if(store.get("fuzz") != std::string("value"))
            fail("a value written is not read back");
    }
    catch(boost::system::system_error const& e)
    {
        if(e.code() != chatlink::error::store_corrupt)
            fail("a failure other than store_corrupt");
        if(read_all(store_path()) != content)
            fail("a corrupt file was changed");
    }
    std::remove(store_path().c_str());
    return 0;
}
