//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
#include "test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/json.hpp>

#include "server/ledger.hpp"

#include <charconv>
#include <future>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <type_traits>

namespace chatlink_test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using boost::system::error_code;

struct test_server::impl
{
    struct session_base;
    template<class Stream>
    struct session;

    server_options opts;
    net::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::thread thread;

    mutable std::mutex mtx;
    std::condition_variable cv;
    std::vector<std::string> targets, tokens, received;
    std::vector<std::uint16_t> close_codes;
    std::size_t accepted = 0;
    std::size_t pongs = 0;
    std::vector<error_code> write_errors; // why a message could not be finished
    std::vector<std::weak_ptr<session_base>> sessions; // server thread only
    std::vector<std::string> sni;
    std::vector<std::shared_ptr<session_base>> silent_sessions;
    std::optional<net::ssl::context> ssl_ctx;
    std::vector<std::shared_ptr<tcp::socket>> silent; // never_upgrade sockets
    chatlink_server::ledger ledger{10000}; // delivery: server thread only
    std::size_t drops_left = 0;         // drop_before_ack
    std::size_t connections = 0;        // delivery: opened so far
    std::vector<std::string> stored_copy; // under mtx: ledger's history

    // Store a chat (server thread); deliver_pending() then delivers it to
    // every open session, after the sender's acknowledgement.
    std::string store_and_deliver_later(boost::json::object msg, std::string const& from)
    {
        msg.erase("cid");
        msg["from"] = from;
        auto const& st = ledger.store(std::move(msg), from, "all");
        std::string text = st.text;
        record([&] { stored_copy.push_back(text); });
        pending.push_back(text);
        return text;
    }

    void deliver_pending()
    {
        for(auto const& text : pending)
            for(auto& w : sessions)
                if(auto s = w.lock())
                    if(s->open)
                        s->send(text, false);
        pending.clear();
    }
    std::vector<std::string> pending;

    template<class F>
    void record(F&& f)
    {
        {
            std::lock_guard<std::mutex> lock(mtx);
            f();
        }
        cv.notify_all();
    }

    struct session_base
    {
        bool open = false;
        virtual ~session_base() = default;
        virtual void send(std::string payload, bool binary) = 0;
        virtual void close(std::uint16_t code) = 0;
        virtual void drop(bool reset) = 0;
        virtual void write_raw(std::string bytes, std::size_t chunk) = 0;
        virtual void ping(std::size_t n) = 0;
    };

    template<class Stream>
    struct session : session_base, std::enable_shared_from_this<session<Stream>>
    {
        static constexpr bool tls = ! std::is_same<Stream, beast::tcp_stream>::value;

        impl& srv;
        websocket::stream<Stream> ws;
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
        std::deque<std::pair<std::string, bool>> outbox;
        bool writing = false;
        std::string user = "anon";          // delivery: the token
        std::optional<std::int64_t> since;  // delivery: resume from this id
        bool withhold_acks = false;

        template<class... Args>
        session(impl& s, tcp::socket sock, Args&... args) : srv(s), ws(std::move(sock), args...) {}

        void start()
        {
            if constexpr(tls)
            {
                ws.next_layer().async_handshake(net::ssl::stream_base::server,
                    [self = this->shared_from_this()](error_code ec) {
                        if(ec)
                            return;
                        if(char const* sni = SSL_get_servername(self->ws.next_layer().native_handle(),
                               TLSEXT_NAMETYPE_host_name))
                            self->srv.record([&] { self->srv.sni.push_back(sni); });
                        self->read_request();
                    });
            }
            else
            {
                read_request();
            }
        }

        void read_request()
        {
            http::async_read(ws.next_layer(), buffer, req,
                beast::bind_front_handler(&session::on_request, this->shared_from_this()));
        }

        void on_request(error_code ec, std::size_t)
        {
            if(ec)
                return;
            std::string target(req.target());
            std::optional<std::string> token;
            auto u = boost::urls::parse_origin_form(target);
            if(u)
                for(auto p : u->params())
                {
                    if(p.key == "token")
                        token = std::string(p.value);
                    else if(p.key == "since")
                    {
                        std::string const v(p.value);
                        std::int64_t n = -1;
                        auto const r = std::from_chars(v.data(), v.data() + v.size(), n);
                        if(r.ec == std::errc() && r.ptr == v.data() + v.size())
                            since = n;
                    }
                }
            if(token && ! token->empty())
                user = *token;
            srv.record([&] {
                srv.targets.push_back(target);
                if(token)
                    srv.tokens.push_back(*token);
            });

            int status = srv.opts.refuse_status;
            if(status == 0 && ! srv.opts.tokens.empty() && (! token || ! srv.opts.tokens.count(*token)))
                status = 401;
            if(status != 0)
            {
                auto res = std::make_shared<http::response<http::string_body>>(
                    static_cast<http::status>(status), req.version());
                res->set(http::field::content_type, "text/plain");
                res->body() = "refused\n";
                res->prepare_payload();
                http::async_write(ws.next_layer(), *res,
                    [self = this->shared_from_this(), res](error_code, std::size_t) {
                        error_code ignored;
                        beast::get_lowest_layer(self->ws).socket().shutdown(tcp::socket::shutdown_send, ignored);
                    });
                return;
            }
            ws.read_message_max(64 * 1024 * 1024);
            ws.async_accept(req, beast::bind_front_handler(&session::on_accept, this->shared_from_this()));
        }

        void on_accept(error_code ec)
        {
            if(ec)
                return;
            open = true;
            // Record a client's close code when its close frame arrives: the
            // read may still end with another error if our reply cannot be
            // written (a client that failed the connection may drop TCP).
            ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
                if(kind == websocket::frame_type::close)
                    srv.record([&] { srv.close_codes.push_back(ws.reason().code); });
                else if(kind == websocket::frame_type::pong)
                    srv.record([&] { ++srv.pongs; });
            });
            if(srv.opts.delivery)
                start_delivery();
            srv.sessions.push_back(this->shared_from_this());
            srv.record([] {});
            if(srv.opts.close_after_open)
            {
                ws.async_close(websocket::close_reason(*srv.opts.close_after_open),
                    [self = this->shared_from_this()](error_code) {});
            }
            if(srv.opts.silent_after_open)
            {
                // Keep the connection, read nothing, send nothing.
                srv.silent_sessions.push_back(this->shared_from_this());
                return;
            }
            do_read();
        }

        void do_read()
        {
            ws.async_read(buffer, beast::bind_front_handler(&session::on_read, this->shared_from_this()));
        }

        void on_read(error_code ec, std::size_t)
        {
            if(ec)
            {
                open = false;
                srv.record([] {});
                return;
            }
            std::string text = beast::buffers_to_string(buffer.data());
            buffer.consume(buffer.size());
            bool const binary = ! ws.got_text();
            srv.record([&] { srv.received.push_back(text); });
            if(srv.opts.delivery && ! binary)
            {
                if(! deliver(text))
                    return; // dropped
            }
            else if(srv.opts.answer_pings && ! binary && text == R"({"type":"ping"})")
                send(R"({"type":"pong"})", false);
            else if(srv.opts.echo)
                send(std::move(text), binary);
            do_read();
        }

        // A resuming client: the answer, the replay, before any live message.
        void start_delivery()
        {
            withhold_acks = srv.connections++ < srv.opts.withhold_acks_connections;
            if(! since)
                return;
            auto const r = srv.ledger.since(user, *since);
            boost::json::object answer{{"type", "resume"}, {"since", *since}, {"ok", r.ok}};
            if(! r.ok)
                answer["last"] = r.last;
            send(boost::json::serialize(answer), false);
            if(srv.opts.replay_overlap && r.ok)
                for(auto const& m : srv.ledger.since(user, std::max<std::int64_t>(0, *since - 2)).messages)
                    if(boost::json::parse(m).as_object().at("id").as_int64() <= *since)
                        send(m, false);
            for(auto const& m : r.messages)
                send(m, false);
            if(srv.opts.replay_overlap && ! r.messages.empty())
                send(r.messages.back(), false);
        }

        // A text message under the Delivery extension; false when the
        // connection was dropped instead of answering.
        bool deliver(std::string const& text)
        {
            error_code ec;
            auto v = boost::json::parse(text, ec);
            if(ec || ! v.is_object())
                return send(R"({"type":"error","error":"bad_message"})", false), true;
            auto& o = v.as_object();
            auto const* t = o.if_contains("type");
            std::string const type = t && t->is_string() ? std::string(t->get_string()) : std::string();
            if(type == "ping")
                return send(R"({"type":"pong"})", false), true;
            std::string cid;
            if(auto const* c = o.if_contains("cid"); c && c->is_string())
                cid = std::string(c->get_string());
            if(! cid.empty())
                if(auto again = srv.ledger.answered(user, cid))
                {
                    if(! withhold_acks)
                        send(*again, false);
                    return true;
                }
            std::string answer;
            if(type == "chat")
            {
                auto stored = srv.store_and_deliver_later(o, user);
                auto const id = boost::json::parse(stored).as_object().at("id").as_int64();
                if(! cid.empty())
                    answer = boost::json::serialize(boost::json::object{{"type", "ack"}, {"cid", cid}, {"id", id}});
                if(! answer.empty())
                    srv.ledger.answer(user, cid, answer);
                if(! cid.empty() && srv.drops_left > 0)
                {
                    --srv.drops_left;
                    open = false;
                    drop(true);
                    srv.record([] {});
                    srv.deliver_pending();
                    return false;
                }
                if(! answer.empty() && ! withhold_acks)
                {
                    send(answer, false);
                    if(srv.opts.duplicate_acks)
                        send(answer, false);
                }
                srv.deliver_pending();
                return true;
            }
            boost::json::object err{{"type", "error"}, {"error", "unknown_type"}};
            if(! cid.empty())
            {
                err["cid"] = cid;
                answer = boost::json::serialize(err);
                srv.ledger.answer(user, cid, answer);
            }
            send(boost::json::serialize(err), false);
            return true;
        }

        // End TCP without a close frame: FIN, or RST (linger 0).
        void drop(bool reset) override
        {
            auto& sock = beast::get_lowest_layer(ws).socket();
            error_code ignored;
            if(reset)
                sock.set_option(net::socket_base::linger(true, 0), ignored);
            else
                sock.shutdown(tcp::socket::shutdown_both, ignored);
            sock.close(ignored);
        }

        // Bytes on the connection as they are (below WebSocket framing; in
        // TLS for wss://): for frames Beast would never write.
        void write_raw(std::string bytes, std::size_t chunk) override
        {
            error_code ignored;
            beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true), ignored);
            write_chunks(std::make_shared<std::string>(std::move(bytes)), 0, chunk ? chunk : std::string::npos);
        }

        // One write per chunk, each after the previous one completed.
        void write_chunks(std::shared_ptr<std::string> buf, std::size_t at, std::size_t chunk)
        {
            if(at >= buf->size())
                return;
            auto const n = std::min(chunk, buf->size() - at);
            net::async_write(ws.next_layer(), net::buffer(buf->data() + at, n),
                [self = this->shared_from_this(), buf, at, n, chunk](error_code ec, std::size_t) {
                    if(ec)
                        return self->srv.record([&] { self->srv.write_errors.push_back(ec); });
                    self->write_chunks(buf, at + n, chunk);
                });
        }

        // n WebSocket ping frames, one after another.
        void ping(std::size_t n) override
        {
            if(n == 0)
                return;
            ws.async_ping({}, [self = this->shared_from_this(), n](error_code ec) {
                if(! ec)
                    self->ping(n - 1);
            });
        }

        void close(std::uint16_t code) override
        {
            ws.async_close(websocket::close_reason(code), [self = this->shared_from_this()](error_code) {});
        }

        void send(std::string payload, bool binary) override
        {
            outbox.emplace_back(std::move(payload), binary);
            if(! writing)
                do_write();
        }

        void do_write()
        {
            writing = true;
            ws.binary(outbox.front().second);
            ws.async_write(net::buffer(outbox.front().first),
                beast::bind_front_handler(&session::on_write, this->shared_from_this()));
        }

        void on_write(error_code ec, std::size_t)
        {
            if(ec)
                srv.record([&] { srv.write_errors.push_back(ec); });
            writing = false;
            outbox.pop_front();
            if(! ec && ! outbox.empty())
                do_write();
        }
    };

    void do_accept()
    {
        acceptor.async_accept([self = this](error_code ec, tcp::socket sock) {
            if(ec)
                return;
            self->record([&] { ++self->accepted; });
            if(self->opts.never_upgrade)
                self->silent.push_back(std::make_shared<tcp::socket>(std::move(sock)));
            else if(self->ssl_ctx)
                std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(
                    *self, std::move(sock), *self->ssl_ctx)->start();
            else
                std::make_shared<session<beast::tcp_stream>>(*self, std::move(sock))->start();
            self->do_accept();
        });
    }
};

test_server::test_server(server_options opts)
    : impl_(std::make_shared<impl>())
{
    impl_->opts = std::move(opts);
    impl_->ledger = chatlink_server::ledger(impl_->opts.history_capacity);
    impl_->drops_left = impl_->opts.drop_before_ack;
    if(! impl_->opts.tls_cert_pem.empty())
    {
        impl_->ssl_ctx.emplace(net::ssl::context::tls_server);
        impl_->ssl_ctx->use_certificate_chain(net::buffer(impl_->opts.tls_cert_pem));
        impl_->ssl_ctx->use_private_key(net::buffer(impl_->opts.tls_key_pem), net::ssl::context::pem);
    }
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), impl_->opts.port);
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.set_option(net::socket_base::reuse_address(true));
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen();
    impl_->do_accept();
    impl_->thread = std::thread([i = impl_.get()] { i->ioc.run(); });
}

test_server::~test_server()
{
    impl_->ioc.stop();
    impl_->thread.join();
}

unsigned short test_server::port() const
{
    return impl_->acceptor.local_endpoint().port();
}

std::string test_server::url(std::string const& scheme) const
{
    return scheme + "://127.0.0.1:" + std::to_string(port());
}

#define CHATLINK_TEST_OBSERVE(name, member)                 \
    auto test_server::name() const -> decltype(impl::member) \
    {                                                       \
        std::lock_guard<std::mutex> lock(impl_->mtx);       \
        return impl_->member;                               \
    }
CHATLINK_TEST_OBSERVE(targets, targets)
CHATLINK_TEST_OBSERVE(tokens, tokens)
CHATLINK_TEST_OBSERVE(received, received)
CHATLINK_TEST_OBSERVE(close_codes, close_codes)
CHATLINK_TEST_OBSERVE(tcp_accepted, accepted)
CHATLINK_TEST_OBSERVE(sni_names, sni)
CHATLINK_TEST_OBSERVE(write_errors, write_errors)
CHATLINK_TEST_OBSERVE(pongs, pongs)
CHATLINK_TEST_OBSERVE(stored, stored_copy)
#undef CHATLINK_TEST_OBSERVE

std::size_t test_server::open_sessions() const
{
    std::size_t n = 0;
    std::mutex done_mtx;
    std::condition_variable done_cv;
    bool done = false;
    net::post(impl_->ioc, [&] {
        for(auto& w : impl_->sessions)
            if(auto s = w.lock())
                n += s->open ? 1 : 0;
        std::lock_guard<std::mutex> lock(done_mtx);
        done = true;
        done_cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(done_mtx);
    done_cv.wait_for(lock, std::chrono::seconds(5), [&] { return done; });
    return n;
}

std::int64_t test_server::store(std::string text)
{
    auto id = std::make_shared<std::promise<std::int64_t>>();
    auto f = id->get_future();
    net::post(impl_->ioc, [i = impl_.get(), text = std::move(text), id] {
        auto stored = i->store_and_deliver_later(
            boost::json::object{{"type", "chat"}, {"to", "all"}, {"text", text}}, "server");
        i->deliver_pending();
        id->set_value(boost::json::parse(stored).as_object().at("id").as_int64());
    });
    if(f.wait_for(std::chrono::seconds(5)) != std::future_status::ready)
        return -1;
    return f.get();
}

void test_server::send_all(std::string payload, bool binary)
{
    // As in close_all: the session may not be marked open yet.
    wait_for([&] { return open_sessions() > 0; }, std::chrono::seconds(5));
    net::post(impl_->ioc, [i = impl_.get(), payload = std::move(payload), binary] {
        for(auto& w : i->sessions)
            if(auto s = w.lock())
                if(s->open)
                    s->send(payload, binary);
    });
}

void test_server::close_all(std::uint16_t code)
{
    // A client may see the 101 before our accept handler has marked the
    // session open: wait (bounded) until one is.
    wait_for([&] { return open_sessions() > 0; }, std::chrono::seconds(5));
    net::post(impl_->ioc, [i = impl_.get(), code] {
        for(auto& w : i->sessions)
            if(auto s = w.lock())
                if(s->open)
                    s->close(code);
    });
}

namespace {

template<class F>
void for_each_open(test_server& srv, test_server::impl& i, F f)
{
    srv.wait_for([&] { return srv.open_sessions() > 0; }, std::chrono::seconds(5));
    net::post(i.ioc, [i = &i, f = std::move(f)] {
        for(auto& w : i->sessions)
            if(auto s = w.lock())
                if(s->open)
                    f(*s);
    });
}

} // namespace

void test_server::drop_all(bool reset)
{
    for_each_open(*this, *impl_, [reset](impl::session_base& s) { s.drop(reset); });
}

void test_server::write_raw_all(std::string bytes, std::size_t chunk)
{
    for_each_open(*this, *impl_, [bytes = std::move(bytes), chunk](impl::session_base& s) { s.write_raw(bytes, chunk); });
}

void test_server::ping_all(std::size_t n)
{
    for_each_open(*this, *impl_, [n](impl::session_base& s) { s.ping(n); });
}

bool test_server::wait_for(std::function<bool()> pred, std::chrono::milliseconds limit)
{
    auto const deadline = std::chrono::steady_clock::now() + limit;
    while(! pred())
    {
        std::unique_lock<std::mutex> lock(impl_->mtx);
        if(impl_->cv.wait_until(lock, std::min(deadline,
               std::chrono::steady_clock::now() + std::chrono::milliseconds(20))) == std::cv_status::timeout &&
            std::chrono::steady_clock::now() >= deadline)
        {
            lock.unlock();
            return pred();
        }
    }
    return true;
}

} // namespace chatlink_test
