//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// chatlink-server: the example chat backend of PROTOCOL.md, on Boost.Beast.
//
//   chatlink-server [--address ADDR] [--port N] [--cert PEM --key PEM]
//                   [--subprotocol NAME ...] [--history FILE]
//                   (--token USER:TOKEN ... | --tokens FILE | --allow-any)
//
// With --cert and --key it serves wss:// instead of ws://.
//
// - GET /ws?token=TOKEN (or with Authorization: Bearer TOKEN) upgrades for
//   a known token, 401 otherwise; with --subprotocol, it chooses the first
//   of the client's offers that it speaks.
// - Binary messages are echoed to their sender as they are.
// - {"type":"ping"} is answered with {"type":"pong"}.
// - {"type":"chat","to":"all"|USER,"text":...} is delivered, with "from" and
//   an "id", to the addressees and back to the sender.
// - Other types get {"type":"error","error":"unknown_type"}; text that is not
//   a JSON object gets {"type":"error","error":"bad_message"}.
// - The Delivery extension (PROTOCOL.md): a message with a "cid" is processed
//   once per user (the last 10,000 cids are remembered) and acknowledged
//   ({"type":"ack","cid":C,"id":N} for a chat); one sent again gets the same
//   answer. Chats are stored (the last 10,000, in memory or, with --history,
//   in a file, so that ids keep increasing across restarts), and a client
//   connecting with since=N gets {"type":"resume",...} and every stored
//   message addressed to it above N before any live one.
// It prints "listening on ADDR:PORT" on standard output once ready, logs
// connections to standard error (never a token), and stops on SIGINT/SIGTERM.
//
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "ledger.hpp"

#include <charconv>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

// What the room needs of a connection, plain or TLS.
class peer
{
public:
    virtual ~peer() = default;
    virtual void send(std::string text) = 0;
};

// Server-wide state: known tokens, the connected users, the message ids.
struct chat_room
{
    std::map<std::string, std::string> users_by_token;
    bool allow_any = false;
    std::multimap<std::string, std::weak_ptr<peer>> online;
    chatlink_server::ledger ledger; // cids answered, stored messages
    std::int64_t next_guest = 1;
    std::vector<std::string> subprotocols; // offered by --subprotocol, in preference order
};

template<class Stream>
class session : public peer, public std::enable_shared_from_this<session<Stream>>
{
    static constexpr bool tls = ! std::is_same<Stream, beast::tcp_stream>::value;

    chat_room& room_;
    websocket::stream<Stream> ws_;
    beast::flat_buffer buffer_{1024 * 1024 + 4096};
    http::request<http::string_body> req_;
    std::deque<std::pair<std::string, bool>> outbox_; // (payload, binary)
    std::string user_;
    std::optional<std::int64_t> since_; // the client resumes from this id
    bool writing_ = false;

public:
    template<class... Args>
    session(chat_room& room, tcp::socket sock, Args&... args) : room_(room), ws_(std::move(sock), args...) {}

    void start()
    {
        beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
        if constexpr(tls)
            ws_.next_layer().async_handshake(net::ssl::stream_base::server,
                [self = this->shared_from_this()](error_code ec) {
                    if(ec)
                        return void(std::cerr << "TLS handshake failed: " << ec.message() << "\n");
                    self->read_request();
                });
        else
            read_request();
    }

    void read_request()
    {
        http::async_read(ws_.next_layer(), buffer_, req_,
            beast::bind_front_handler(&session::on_request, this->shared_from_this()));
    }

    void send(std::string text) override
    {
        outbox_.push_back({std::move(text), false});
        if(! writing_)
            do_write();
    }

    void send_binary(std::string bytes)
    {
        outbox_.push_back({std::move(bytes), true});
        if(! writing_)
            do_write();
    }

private:
    void on_request(error_code ec, std::size_t)
    {
        if(ec)
            return;
        std::optional<std::string> token;
        if(auto u = boost::urls::parse_origin_form(req_.target()))
            for(auto p : u->params())
            {
                if(p.key == "token")
                    token = std::string(p.value);
                else if(p.key == "since")
                {
                    std::int64_t n = -1;
                    std::string const v(p.value);
                    auto const r = std::from_chars(v.data(), v.data() + v.size(), n);
                    if(r.ec == std::errc() && r.ptr == v.data() + v.size() && n >= 0)
                        since_ = n;
                }
            }
        // Or in an Authorization: Bearer header (PROTOCOL.md).
        if(! token)
        {
            auto const auth = req_[http::field::authorization];
            if(auth.size() > 7 && beast::iequals(auth.substr(0, 7), "Bearer "))
                token = std::string(auth.substr(7));
        }

        if(token && ! token->empty())
        {
            auto it = room_.users_by_token.find(*token);
            if(it != room_.users_by_token.end())
                user_ = it->second;
            else if(room_.allow_any)
                user_ = "guest" + std::to_string(room_.next_guest++);
        }
        if(! websocket::is_upgrade(req_) || user_.empty())
        {
            std::cerr << "refused a connection: " << (token ? "unknown token" : "no token") << "\n";
            auto res = std::make_shared<http::response<http::string_body>>(
                user_.empty() ? http::status::unauthorized : http::status::bad_request, req_.version());
            res->set(http::field::content_type, "text/plain");
            res->body() = user_.empty() ? "unknown token\n" : "WebSocket upgrade required\n";
            res->prepare_payload();
            http::async_write(ws_.next_layer(), *res,
                [self = this->shared_from_this(), res](error_code, std::size_t) {
                    error_code ignored;
                    beast::get_lowest_layer(self->ws_).socket().shutdown(tcp::socket::shutdown_send, ignored);
                });
            return;
        }
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.read_message_max(1024 * 1024);
        // The first subprotocol the client offers that this server speaks.
        if(auto chosen = choose_subprotocol(req_[http::field::sec_websocket_protocol]); ! chosen.empty())
            ws_.set_option(websocket::stream_base::decorator([chosen](websocket::response_type& res) {
                res.set(http::field::sec_websocket_protocol, chosen);
            }));
        ws_.async_accept(req_, beast::bind_front_handler(&session::on_accept, this->shared_from_this()));
    }

    std::string choose_subprotocol(beast::string_view offered) const
    {
        std::size_t pos = 0;
        while(pos < offered.size())
        {
            auto comma = offered.find(',', pos);
            if(comma == beast::string_view::npos)
                comma = offered.size();
            auto name = offered.substr(pos, comma - pos);
            while(! name.empty() && (name.front() == ' ' || name.front() == '\t'))
                name.remove_prefix(1);
            while(! name.empty() && (name.back() == ' ' || name.back() == '\t'))
                name.remove_suffix(1);
            for(auto const& p : room_.subprotocols)
                if(name == p)
                    return p;
            pos = comma + 1;
        }
        return {};
    }

    void on_accept(error_code ec)
    {
        if(ec)
            return;
        std::cerr << user_ << " connected" << (since_ ? " (resuming after " + std::to_string(*since_) + ")" : "") << "\n";
        if(since_)
        {
            // The answer, the replay, then live messages: all from this
            // thread, so that no live message overtakes the replay.
            auto const r = room_.ledger.since(user_, *since_);
            json::object answer{{"type", "resume"}, {"since", *since_}, {"ok", r.ok}};
            if(! r.ok)
                answer["last"] = r.last;
            send(json::serialize(answer));
            for(auto const& m : r.messages)
                send(m);
        }
        room_.online.emplace(user_, this->shared_from_this());
        do_read();
    }

    void do_read()
    {
        ws_.async_read(buffer_, beast::bind_front_handler(&session::on_read, this->shared_from_this()));
    }

    void on_read(error_code ec, std::size_t)
    {
        if(ec)
        {
            for(auto it = room_.online.begin(); it != room_.online.end();)
                it = it->second.lock().get() == this || it->second.expired() ? room_.online.erase(it) : std::next(it);
            std::cerr << user_ << " disconnected: " << ec.message() << "\n";
            return;
        }
        std::string text = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        if(ws_.got_binary())
            send_binary(std::move(text)); // binary frames are echoed as they are
        else
            handle(text, true);
        do_read();
    }

    void handle(std::string const& text, bool is_text)
    {
        error_code ec;
        json::value v = is_text ? json::parse(text, ec) : json::value();
        json::string const* type = nullptr;
        if(! ec && v.is_object())
            if(auto* t = v.get_object().if_contains("type"))
                type = t->if_string();
        if(! type)
            return send(R"({"type":"error","error":"bad_message"})");
        if(*type == "ping")
            return send(R"({"type":"pong"})");
        if(*type == "pong")
            return;
        // A message with a cid is processed once: sent again, it gets the
        // answer it got the first time.
        std::string cid;
        if(auto const* c = v.get_object().if_contains("cid"); c && c->is_string())
            cid = std::string(c->get_string());
        if(! cid.empty())
            if(auto again = room_.ledger.answered(user_, cid))
                return send(*again);
        if(*type == "chat")
            return relay(v.get_object(), cid);
        json::object err{{"type", "error"}, {"error", "unknown_type"}};
        if(! cid.empty())
            err["cid"] = cid;
        std::string reply = json::serialize(err);
        if(! cid.empty())
            room_.ledger.answer(user_, cid, reply);
        send(std::move(reply));
    }

    void relay(json::object const& in, std::string const& cid)
    {
        json::object out;
        out["type"] = "chat";
        out["from"] = user_;
        auto const* to = in.if_contains("to");
        out["to"] = to && to->is_string() ? *to : json::value("all");
        auto const* text = in.if_contains("text");
        out["text"] = text ? *text : json::value("");
        std::string const to_name(out["to"].as_string());
        auto const& stored = room_.ledger.store(std::move(out), user_, to_name);
        std::string const msg = stored.text;
        if(! cid.empty())
        {
            // The acknowledgement first, then the delivery (the sender's too).
            std::string ack = json::serialize(json::object{{"type", "ack"}, {"cid", cid}, {"id", stored.id}});
            room_.ledger.answer(user_, cid, ack);
            send(std::move(ack));
        }

        std::set<peer*> sent;
        auto deliver = [&](std::shared_ptr<peer> const& s) {
            if(s && sent.insert(s.get()).second)
                s->send(msg);
        };
        if(to_name == "all")
        {
            for(auto& entry : room_.online)
                deliver(entry.second.lock());
        }
        else
        {
            auto range = room_.online.equal_range(to_name);
            for(auto it = range.first; it != range.second; ++it)
                deliver(it->second.lock());
        }
        deliver(this->shared_from_this()); // the sender's acknowledgement, with the id
    }

    void do_write()
    {
        writing_ = true;
        ws_.binary(outbox_.front().second);
        ws_.async_write(net::buffer(outbox_.front().first),
            beast::bind_front_handler(&session::on_write, this->shared_from_this()));
    }

    void on_write(error_code ec, std::size_t)
    {
        writing_ = false;
        outbox_.pop_front();
        if(! ec && ! outbox_.empty())
            do_write();
    }
};

void accept_loop(tcp::acceptor& acceptor, chat_room& room, net::ssl::context* tls)
{
    acceptor.async_accept([&acceptor, &room, tls](error_code ec, tcp::socket sock) {
        if(ec)
            return;
        if(tls)
            std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(room, std::move(sock), *tls)->start();
        else
            std::make_shared<session<beast::tcp_stream>>(room, std::move(sock))->start();
        accept_loop(acceptor, room, tls);
    });
}

int usage(std::ostream& os, int code)
{
    os << "usage: chatlink-server [--address ADDR] [--port N] [--cert PEM --key PEM] [--history FILE]\n"
          "                       (--token USER:TOKEN ... | --tokens FILE | --allow-any)\n"
          "\n"
          "  --address ADDR      address to listen on (default 127.0.0.1)\n"
          "  --port N            port to listen on; 0 picks a free one (default 7001)\n"
          "  --token USER:TOKEN  accept TOKEN as USER (repeatable)\n"
          "  --tokens FILE       JSON object of USER: TOKEN pairs\n"
          "  --allow-any         accept any non-empty token, as guestN\n"
          "  --subprotocol NAME  speak this subprotocol when a client offers it (repeatable,\n"
          "                      in order of preference)\n"
          "  --history FILE      keep the stored messages (the last 10,000) in this file, so\n"
          "                      that ids keep increasing and resume works across restarts\n"
          "  --cert PEM          certificate chain (PEM file): serve wss://\n"
          "  --key PEM           the certificate's private key (PEM file)\n"
          "  --help              show this help\n";
    return code;
}

} // namespace

int main(int argc, char** argv)
{
    std::string address = "127.0.0.1";
    unsigned short port = 7001;
    chat_room room;
    std::string cert_file, key_file, history_file;
    try
    {
        for(int i = 1; i < argc; ++i)
        {
            std::string const arg = argv[i];
            auto value = [&]() -> std::string {
                if(i + 1 >= argc)
                    throw std::invalid_argument(arg + " needs a value");
                return argv[++i];
            };
            if(arg == "--help" || arg == "-h")
                return usage(std::cout, EXIT_SUCCESS);
            else if(arg == "--address")
                address = value();
            else if(arg == "--port")
                port = static_cast<unsigned short>(std::stoul(value()));
            else if(arg == "--cert")
                cert_file = value();
            else if(arg == "--key")
                key_file = value();
            else if(arg == "--history")
                history_file = value();
            else if(arg == "--subprotocol")
                room.subprotocols.push_back(value());
            else if(arg == "--allow-any")
                room.allow_any = true;
            else if(arg == "--token")
            {
                auto const v = value();
                auto const colon = v.find(':');
                if(colon == 0 || colon == std::string::npos || colon + 1 == v.size())
                    throw std::invalid_argument("--token takes USER:TOKEN");
                room.users_by_token[v.substr(colon + 1)] = v.substr(0, colon);
            }
            else if(arg == "--tokens")
            {
                std::ifstream in(value());
                std::stringstream ss;
                ss << in.rdbuf();
                if(! in)
                    throw std::invalid_argument("cannot read the tokens file");
                for(auto const& kv : json::parse(ss.str()).as_object())
                    room.users_by_token[std::string(kv.value().as_string())] = std::string(kv.key());
            }
            else
                throw std::invalid_argument("unknown option " + arg);
        }
        if(cert_file.empty() != key_file.empty())
            throw std::invalid_argument("--cert and --key go together");
        if(room.users_by_token.empty() && ! room.allow_any)
            throw std::invalid_argument("give --token, --tokens or --allow-any");
    }
    catch(std::exception const& e)
    {
        std::cerr << "chatlink-server: " << e.what() << "\n";
        return usage(std::cerr, 2);
    }

    try
    {
        if(! history_file.empty())
            room.ledger.open_file(history_file);
        net::io_context ioc;
        std::optional<net::ssl::context> tls;
        if(! cert_file.empty())
        {
            tls.emplace(net::ssl::context::tls_server);
            tls->use_certificate_chain_file(cert_file);
            tls->use_private_key_file(key_file, net::ssl::context::pem);
        }
        tcp::endpoint ep(net::ip::make_address(address), port);
        tcp::acceptor acceptor(ioc);
        acceptor.open(ep.protocol());
        acceptor.set_option(net::socket_base::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
        accept_loop(acceptor, room, tls ? &*tls : nullptr);

        net::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](error_code, int) { ioc.stop(); });

        auto const local = acceptor.local_endpoint();
        std::cout << "listening on " << local.address().to_string() << ":" << local.port()
                  << (tls ? " (wss)" : "") << std::endl;
        ioc.run();
    }
    catch(std::exception const& e)
    {
        std::cerr << "chatlink-server: " << e.what() << "\n";
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
