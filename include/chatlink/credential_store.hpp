//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_CREDENTIAL_STORE_HPP
#define CHATLINK_CREDENTIAL_STORE_HPP

#include <chatlink/config.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace chatlink {

/** A small key-value store for credentials, like the app's
    `uni.getStorageSync` / `setStorageSync` / `removeStorageSync`.

    The client reads it again before every connection attempt (see
    `client::start`). Implementations must be safe to call from several
    threads. Failures throw `boost::system::system_error`.
*/
class credential_store
{
public:
    virtual ~credential_store() = default;

    /// The value stored under `key`, or nothing.
    virtual std::optional<std::string> get(std::string_view key) = 0;

    /// Store `value` under `key`.
    virtual void set(std::string_view key, std::string_view value) = 0;

    /// Remove `key` (nothing if absent).
    virtual void remove(std::string_view key) = 0;
};

/// A store in memory, for tests and for apps that keep credentials elsewhere.
class memory_store : public credential_store
{
    std::mutex mtx_;
    std::map<std::string, std::string, std::less<>> values_;

public:
    std::optional<std::string> get(std::string_view key) override;
    void set(std::string_view key, std::string_view value) override;
    void remove(std::string_view key) override;
};

/** A store in one file holding a JSON object of strings.

    The file is created with mode 0600. Each change is written atomically: a
    temporary file in the same directory (0600), fsync, rename over the old
    one, fsync of the directory; a crash leaves the old content or the new,
    never a torn file. A file that is not a JSON object of strings is
    `error::store_corrupt`, and it is never overwritten. Changes from several
    threads of one process are serialised.
*/
class file_store : public credential_store
{
    std::string path_;
    std::mutex mtx_;

public:
    explicit file_store(std::string path);

    std::optional<std::string> get(std::string_view key) override;
    void set(std::string_view key, std::string_view value) override;
    void remove(std::string_view key) override;

    /// The file's path.
    std::string const& path() const noexcept { return path_; }
};

} // namespace chatlink

#endif
