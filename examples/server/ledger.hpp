//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// The server side of PROTOCOL.md's Delivery extension: what a server must
// remember to acknowledge each (user, cid) once and to replay what a client
// missed. Plain data, no I/O but its history file; used by chatlink-server
// and by the tests' server (tests/support/test_server.cpp).
//
//   - cids: per user, the answer given to each of the last `cid_capacity`
//     cids, so that a message sent again is answered the same way and not
//     processed twice;
//   - history: the last `history_capacity` stored messages, ids increasing
//     (never reused: with a file, across restarts too);
//   - since(): what a client resuming from an id gets: the stored messages
//     addressed to it above that id, or "the history does not reach back".
//
// The history file holds one stored message per line (JSON, as delivered),
// appended as they are stored; it is read back, and compacted to the last
// `history_capacity` lines, when the ledger opens it.
//
#ifndef CHATLINK_EXAMPLES_SERVER_LEDGER_HPP
#define CHATLINK_EXAMPLES_SERVER_LEDGER_HPP

#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace chatlink_server {

class ledger
{
public:
    struct stored
    {
        std::int64_t id = 0;
        std::string from, to; // "all" or a user
        std::string text;     // the message as delivered (JSON, with its id)
    };

    struct replay
    {
        bool ok = true;
        std::int64_t last = 0;         // the highest id now (0: none)
        std::vector<std::string> messages; // when ok: in id order
    };

    explicit ledger(std::size_t history_capacity = 10000, std::size_t cid_capacity = 10000)
        : history_capacity_(history_capacity), cid_capacity_(cid_capacity)
    {
    }

    // Keep the history in this file: read what it holds (the ids go on
    // from its last), rewrite it compacted, then append to it.
    void open_file(std::string const& path)
    {
        std::ifstream in(path);
        std::string line;
        while(in && std::getline(in, line))
        {
            boost::system::error_code ec;
            auto v = boost::json::parse(line, ec);
            if(ec || ! v.is_object())
                continue; // a torn last line (a crash mid-write)
            auto const& o = v.get_object();
            auto const* id = o.if_contains("id");
            if(! id || ! id->is_int64())
                continue;
            stored s;
            s.id = id->get_int64();
            s.from = string_field(o, "from");
            s.to = string_field(o, "to");
            s.text = line;
            keep(std::move(s));
        }
        // Ids are given one after another: below the first kept, forgotten.
        if(! history_.empty() && history_.front().id - 1 > forgotten_)
            forgotten_ = history_.front().id - 1;
        path_ = path;
        std::string const tmp = path + ".tmp";
        {
            std::ofstream out(tmp, std::ios::trunc);
            for(auto const& s : history_)
                out << s.text << '\n';
            out.flush();
            if(! out)
                throw std::runtime_error("cannot write " + tmp);
        }
        if(std::rename(tmp.c_str(), path.c_str()) != 0)
            throw std::runtime_error("cannot replace " + path);
        file_.open(path, std::ios::app);
        if(! file_)
            throw std::runtime_error("cannot append to " + path);
    }

    // The answer given to this user's cid before, if any.
    std::optional<std::string> answered(std::string const& user, std::string const& cid) const
    {
        auto u = cids_.find(user);
        if(u == cids_.end())
            return std::nullopt;
        auto a = u->second.answers.find(cid);
        if(a == u->second.answers.end())
            return std::nullopt;
        return a->second;
    }

    // Remember the answer to this user's cid (the oldest is forgotten past
    // cid_capacity).
    void answer(std::string const& user, std::string const& cid, std::string reply)
    {
        auto& u = cids_[user];
        if(u.answers.emplace(cid, std::move(reply)).second)
        {
            u.order.push_back(cid);
            if(u.order.size() > cid_capacity_)
            {
                u.answers.erase(u.order.front());
                u.order.pop_front();
            }
        }
    }

    // Store a chat message: it gets the next id; returns it as delivered.
    stored const& store(boost::json::object msg, std::string const& from, std::string const& to)
    {
        stored s;
        s.id = next_id_;
        s.from = from;
        s.to = to;
        msg["from"] = from;
        msg["to"] = to;
        msg["id"] = s.id;
        s.text = boost::json::serialize(msg);
        keep(std::move(s));
        if(file_.is_open())
            file_ << history_.back().text << '\n' << std::flush;
        return history_.back();
    }

    // What `user`, resuming from `since`, is owed.
    replay since(std::string const& user, std::int64_t since) const
    {
        replay r;
        r.last = next_id_ - 1;
        if(since < forgotten_ || since > r.last)
        {
            r.ok = false;
            return r;
        }
        for(auto const& s : history_)
            if(s.id > since && addressed_to(s, user))
                r.messages.push_back(s.text);
        return r;
    }

    static bool addressed_to(stored const& s, std::string const& user)
    {
        return s.to == "all" || s.to == user || s.from == user;
    }

    std::int64_t last_id() const noexcept { return next_id_ - 1; }

private:
    struct user_cids
    {
        std::unordered_map<std::string, std::string> answers;
        std::deque<std::string> order;
    };

    static std::string string_field(boost::json::object const& o, char const* name)
    {
        auto const* v = o.if_contains(name);
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
    }

    void keep(stored s)
    {
        if(s.id >= next_id_)
            next_id_ = s.id + 1;
        history_.push_back(std::move(s));
        while(history_.size() > history_capacity_)
        {
            forgotten_ = history_.front().id;
            history_.pop_front();
        }
    }

    std::size_t history_capacity_;
    std::size_t cid_capacity_;
    std::deque<stored> history_;
    std::int64_t next_id_ = 1;
    std::int64_t forgotten_ = 0; // the highest id no longer kept (0: none)
    std::unordered_map<std::string, user_cids> cids_;
    std::string path_;
    std::ofstream file_;
};

} // namespace chatlink_server

#endif
