//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#include <chatlink/credential_store.hpp>
#include <chatlink/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace chatlink {

//------------------------------------------------------------------------------

std::optional<std::string> memory_store::get(std::string_view key)
{
    std::lock_guard<std::mutex> lock(mtx_);
    auto it = values_.find(key);
    if(it == values_.end())
        return std::nullopt;
    return it->second;
}

void memory_store::set(std::string_view key, std::string_view value)
{
    std::lock_guard<std::mutex> lock(mtx_);
    values_[std::string(key)] = std::string(value);
}

void memory_store::remove(std::string_view key)
{
    std::lock_guard<std::mutex> lock(mtx_);
    auto it = values_.find(key);
    if(it != values_.end())
        values_.erase(it);
}

//------------------------------------------------------------------------------

namespace {

[[noreturn]] void throw_errno(char const* what)
{
    boost::throw_exception(boost::system::system_error(
        error_code(errno, boost::system::system_category()), what));
}

// Read the whole file; nothing if it does not exist.
std::optional<std::string> read_file(std::string const& path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if(fd < 0)
    {
        if(errno == ENOENT)
            return std::nullopt;
        throw_errno("credential store: open");
    }
    std::string data;
    char buf[4096];
    for(;;)
    {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if(n < 0 && errno == EINTR)
            continue;
        if(n < 0)
        {
            int e = errno;
            ::close(fd);
            errno = e;
            throw_errno("credential store: read");
        }
        if(n == 0)
            break;
        data.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return data;
}

boost::json::object load(std::string const& path)
{
    auto data = read_file(path);
    if(! data)
        return {};
    error_code ec;
    auto v = boost::json::parse(*data, ec);
    if(ec || ! v.is_object())
        boost::throw_exception(boost::system::system_error(error::store_corrupt, path));
    for(auto const& kv : v.get_object())
        if(! kv.value().is_string())
            boost::throw_exception(boost::system::system_error(error::store_corrupt, path));
    return std::move(v.get_object());
}

void write_all(int fd, std::string const& data)
{
    std::size_t done = 0;
    while(done < data.size())
    {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if(n < 0 && errno == EINTR)
            continue;
        if(n < 0)
            throw_errno("credential store: write");
        done += static_cast<std::size_t>(n);
    }
}

// Temporary file in the same directory, 0600, fsync, rename, fsync the
// directory: readers see the old file or the new one, never a mix.
void store(std::string const& path, boost::json::object const& obj)
{
    std::string const data = boost::json::serialize(obj);
    std::string tmp = path + ".tmp.XXXXXX";
    int fd = ::mkstemp(tmp.data()); // mkstemp creates the file with mode 0600
    if(fd < 0)
        throw_errno("credential store: create temporary file");
    try
    {
        if(::fchmod(fd, S_IRUSR | S_IWUSR) != 0)
            throw_errno("credential store: fchmod");
        write_all(fd, data);
        if(::fsync(fd) != 0)
            throw_errno("credential store: fsync");
        if(::close(fd) != 0)
        {
            fd = -1;
            throw_errno("credential store: close");
        }
        fd = -1;
        if(::rename(tmp.c_str(), path.c_str()) != 0)
            throw_errno("credential store: rename");
    }
    catch(...)
    {
        if(fd >= 0)
            ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    auto const slash = path.find_last_of('/');
    std::string const dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if(dfd >= 0)
    {
        ::fsync(dfd);
        ::close(dfd);
    }
}

} // namespace

file_store::file_store(std::string path)
    : path_(std::move(path))
{
}

std::optional<std::string> file_store::get(std::string_view key)
{
    std::lock_guard<std::mutex> lock(mtx_);
    auto obj = load(path_);
    auto const* v = obj.if_contains(key);
    if(! v)
        return std::nullopt;
    return std::string(v->get_string());
}

void file_store::set(std::string_view key, std::string_view value)
{
    std::lock_guard<std::mutex> lock(mtx_);
    auto obj = load(path_); // throws on a corrupt file, which is left alone
    obj[key] = value;
    store(path_, obj);
}

void file_store::remove(std::string_view key)
{
    std::lock_guard<std::mutex> lock(mtx_);
    auto obj = load(path_);
    if(obj.erase(key) == 0 && ! read_file(path_))
        return;
    store(path_, obj);
}

std::optional<std::string> read_token(credential_store& store,
    std::string_view key, std::string_view token_field, error_code& ec)
{
    ec = {};
    std::optional<std::string> entry;
    try
    {
        entry = store.get(key);
    }
    catch(boost::system::system_error const& e)
    {
        ec = e.code();
        return std::nullopt;
    }
    if(! entry)
    {
        ec = error::not_logged_in;
        return std::nullopt;
    }
    error_code pec;
    auto const v = boost::json::parse(*entry, pec);
    boost::json::value const* t = nullptr;
    if(! pec && v.is_object())
        t = v.get_object().if_contains(token_field);
    if(! t || ! t->is_string())
    {
        ec = error::store_corrupt;
        return std::nullopt;
    }
    return std::string(t->get_string());
}

void write_login(credential_store& store, std::string_view key,
    std::string_view token, std::string_view user, std::string_view token_field)
{
    boost::json::object entry;
    entry[token_field] = token;
    if(! user.empty())
        entry["user"] = user;
    store.set(key, boost::json::serialize(entry));
}

} // namespace chatlink
