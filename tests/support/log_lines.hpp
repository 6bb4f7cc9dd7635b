//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// Every line a client logs, at every level, for tests that check what was
// (or was not) logged. The logger may run on another thread than the test's.
//
#ifndef CHATLINK_TEST_LOG_LINES_HPP
#define CHATLINK_TEST_LOG_LINES_HPP

#include <chatlink/client_options.hpp>

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace chatlink_test {

struct log_lines
{
    std::mutex mtx;
    std::vector<std::string> lines;

    void attach(chatlink::client_options& o)
    {
        o.logger = [this](chatlink::log_level, std::string_view text) {
            std::lock_guard<std::mutex> lock(mtx);
            lines.emplace_back(text);
        };
    }

    bool any_contains(std::string const& s)
    {
        std::lock_guard<std::mutex> lock(mtx);
        for(auto const& l : lines)
            if(l.find(s) != std::string::npos)
                return true;
        return false;
    }
};

} // namespace chatlink_test

#endif
