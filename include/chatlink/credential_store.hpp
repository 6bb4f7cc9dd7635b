//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#ifndef CHATLINK_CREDENTIAL_STORE_HPP
#define CHATLINK_CREDENTIAL_STORE_HPP

#include <chatlink/config.hpp>
#include <chatlink/error.hpp>

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
class CHATLINK_DECL credential_store
{
public:

    /// Destroy the store.
    virtual ~credential_store() = default;

    /** Read an entry.

        @param key The entry's name.
        @return The value stored under `key`, or `std::nullopt`.
        @throws boost::system::system_error on failure (for `file_store`,
        `error::store_corrupt` when the file is not a JSON object of strings).
    */
    virtual std::optional<std::string> get(std::string_view key) = 0;

    /** Write an entry, replacing any value under the same key.

        @param key The entry's name.
        @param value The value.
        @throws boost::system::system_error on failure.
    */
    virtual void set(std::string_view key, std::string_view value) = 0;

    /** Remove an entry (nothing if absent).

        @param key The entry's name.
        @throws boost::system::system_error on failure.
    */
    virtual void remove(std::string_view key) = 0;
};

/// A store in memory, for tests and for apps that keep credentials elsewhere.
class CHATLINK_DECL memory_store : public credential_store
{
    std::mutex mtx_;
    std::map<std::string, std::string, std::less<>> values_;

public:
    /// @copydoc credential_store::get
    std::optional<std::string> get(std::string_view key) override;
    /// @copydoc credential_store::set
    void set(std::string_view key, std::string_view value) override;
    /// @copydoc credential_store::remove
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
class CHATLINK_DECL file_store : public credential_store
{
    std::string path_;
    std::mutex mtx_;

public:
    /** Use the file at `path`. Performs no I/O: the file is read on each
        `get` and created by the first `set`.

        @param path The file's path; its directory must exist.
    */
    explicit file_store(std::string path);

    /// @copydoc credential_store::get
    std::optional<std::string> get(std::string_view key) override;
    /// @copydoc credential_store::set
    void set(std::string_view key, std::string_view value) override;
    /// @copydoc credential_store::remove
    void remove(std::string_view key) override;

    /** The file's path.

        @return The path given to the constructor.
    */
    std::string const& path() const noexcept { return path_; }
};

/** Read the token of a credential entry: the JSON object the app keeps
    under `key` (`{"token":"...","user":"ann"}`), as `client::start()` does
    before every attempt.

    @param store The store.
    @param key The entry (`client_options::store_key`).
    @param token_field The token's field (`client_options::store_token_field`).
    @param ec Set to `error::not_logged_in` when there is no entry,
    `error::store_corrupt` when the entry is not a JSON object with a string
    in `token_field`, or the store's own error when reading it failed.
    @return The token, or `std::nullopt` with `ec` set.
*/
CHATLINK_DECL std::optional<std::string> read_token(credential_store& store,
    std::string_view key, std::string_view token_field, error_code& ec);

/** Write a credential entry (a login): `{"token": token, "user": user}`
    under `key`, replacing any other.

    @param store The store.
    @param key The entry (`client_options::store_key`).
    @param token The token.
    @param user The user's name; empty: no `"user"` field.
    @param token_field The token's field (`client_options::store_token_field`).
    @throws boost::system::system_error when the store cannot be written.
*/
CHATLINK_DECL void write_login(credential_store& store, std::string_view key,
    std::string_view token, std::string_view user = {}, std::string_view token_field = "token");

} // namespace chatlink

#endif
