//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// chatlink-cli: the command-line chat client of ../shared/spec/CLI.md.
// Every option maps to a client_options field or a library call.
//
#include <chatlink/chatlink.hpp>
#include "parse.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <boost/system/system_error.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr int exit_ok = 0, exit_gave_up = 1, exit_usage = 2, exit_credentials = 3;

using chatlink_cli::usage_error;
using chatlink_cli::parse_count;
using chatlink_cli::parse_duration;
using chatlink_cli::parse_policy;

char const* const help_text =
    "usage: chatlink-cli --server URL [--token TOKEN | --store FILE] [OPTIONS]\n"
    "       chatlink-cli --store FILE --login TOKEN [--user NAME]\n"
    "       chatlink-cli --store FILE --logout\n"
    "\n"
    "Connect to a chat server, print every event as a JSON line, send each\n"
    "line of standard input (and every --send) as one message.\n"
    "\n"
    "  --server URL             http://, https://, ws:// or wss:// base URL\n"
    "  --token TOKEN            connect with this token, on every attempt\n"
    "  --store FILE             credential file; without --token, the token is read from\n"
    "                           its chatuser entry before every attempt\n"
    "  --login TOKEN            write {\"token\":TOKEN,\"user\":NAME} as the chatuser entry, exit\n"
    "  --user NAME              the user name written by --login\n"
    "  --logout                 remove the chatuser entry, exit\n"
    "  --connect-timeout DUR    resolve + connect + TLS + upgrade limit (default 10s)\n"
    "  --heartbeat DUR          interval of our {\"type\":\"ping\"}; 0 turns it off (default 25s)\n"
    "  --heartbeat-timeout DUR  nothing received this long: the connection is dead\n"
    "                           (default twice the heartbeat)\n"
    "  --reconnect POLICY       fixed:DUR, backoff:MIN..MAX or never (default fixed:300s)\n"
    "  --max-queue N            messages held while not connected (default 1000)\n"
    "  --max-message BYTES      largest message accepted (default 1048576)\n"
    "  --send JSON              send once open (repeatable, in order)\n"
    "  --exit-after DUR         close normally after DUR from start, then exit\n"
    "  --ca-file FILE           trust these CA certificates for wss:// (besides the system's)\n"
    "  --insecure               do not verify the server's certificate (development only; warns)\n"
    "  --json | --pretty        JSON lines (default when stdout is not a terminal) or text\n"
    "  --verbose                also print heartbeat events and the library's log\n"
    "  --header \"NAME: VALUE\"   add this header to the upgrade request (repeatable);\n"
    "                           Authorization, Cookie and Proxy-Authorization values are never printed\n"
    "  --token-in query|header  the token in the URL's query (default) or in an\n"
    "                           Authorization: Bearer header (then in no URL)\n"
    "  --subprotocol NAME       offer this subprotocol (repeatable); the server must choose one\n"
    "  --raw                    no JSON: text and binary messages are text and binary events\n"
    "                           (base64); lines read are sent as text as they are\n"
    "  --ping-frames            heartbeat with WebSocket ping frames, not {\"type\":\"ping\"}\n"
    "  --proxy URL|env          connect through this HTTP proxy (CONNECT):\n"
    "                           http://[USER:PASS@]HOST:PORT; env: https_proxy, http_proxy,\n"
    "                           all_proxy and no_proxy, as curl reads them\n"
    "  --ack                    acknowledged delivery: each message gets a cid and is done\n"
    "                           when the server acks it; unacked ones are sent again\n"
    "  --resume                 reconnect with since= the highest message id delivered and\n"
    "                           drop duplicates; with --store, the id is kept there\n"
    "  --request JSON           send this object with a cid once open (repeatable); its\n"
    "                           reply is a reply event\n"
    "  --request-timeout DUR    a --request with no reply in this time is an error event\n"
    "                           (request_timeout; default 10s)\n"
    "  --help                   show this help\n"
    "\n"
    "DUR: a number with a unit (250ms, 10s, 5m, 1h).\n"
    "Exit status: 0 closed as asked; 1 gave up after a network or server failure;\n"
    "2 bad usage; 3 credentials refused or not logged in.\n";

struct settings
{
    chatlink::client_options opts;
    std::optional<std::string> token;
    std::optional<std::string> store_file;
    std::optional<std::string> login, user;
    bool logout = false;
    std::vector<std::string> sends;
    std::vector<json::object> requests;
    std::optional<std::chrono::milliseconds> exit_after;
    bool json_output = ! ::isatty(STDOUT_FILENO);
    bool verbose = false;
};

settings parse_args(int argc, char** argv)
{
    settings st;
    bool have_server = false;
    for(int i = 1; i < argc; ++i)
    {
        std::string const arg = argv[i];
        auto value = [&]() -> std::string {
            if(i + 1 >= argc)
                throw usage_error(arg + " needs a value");
            return argv[++i];
        };
        if(arg == "--help" || arg == "-h")
        {
            std::cout << help_text;
            std::exit(exit_ok);
        }
        else if(arg == "--server")
            st.opts.url = value(), have_server = true;
        else if(arg == "--token")
        {
            st.token = value();
            if(st.token->empty())
                throw usage_error("--token must not be empty");
        }
        else if(arg == "--store")
            st.store_file = value();
        else if(arg == "--login")
            st.login = value();
        else if(arg == "--user")
            st.user = value();
        else if(arg == "--logout")
            st.logout = true;
        else if(arg == "--connect-timeout")
        {
            st.opts.connect_timeout = parse_duration(arg, value());
            if(st.opts.connect_timeout.count() == 0)
                throw usage_error("--connect-timeout must be more than 0");
        }
        else if(arg == "--heartbeat")
            st.opts.heartbeat.interval = parse_duration(arg, value());
        else if(arg == "--heartbeat-timeout")
            st.opts.heartbeat.timeout = parse_duration(arg, value());
        else if(arg == "--reconnect")
            st.opts.reconnect = parse_policy(value());
        else if(arg == "--max-queue")
            st.opts.max_queued = parse_count(arg, value(), true);
        else if(arg == "--max-message")
            st.opts.max_message_size = parse_count(arg, value(), false);
        else if(arg == "--send")
        {
            auto v = value();
            boost::system::error_code ec;
            json::parse(v, ec);
            if(ec)
                throw usage_error("--send: not JSON: " + v);
            st.sends.push_back(std::move(v));
        }
        else if(arg == "--exit-after")
            st.exit_after = parse_duration(arg, value());
        else if(arg == "--ca-file")
            st.opts.tls.ca_file = value();
        else if(arg == "--insecure")
            st.opts.tls.insecure_skip_verify = true;
        else if(arg == "--json")
            st.json_output = true;
        else if(arg == "--pretty")
            st.json_output = false;
        else if(arg == "--verbose")
            st.verbose = true;
        else if(arg == "--header")
        {
            // "NAME: VALUE"; the library refuses a name or value that would
            // break the handshake (invalid_option, exit 2).
            auto const v = value();
            auto const colon = v.find(':');
            if(colon == std::string::npos || colon == 0)
                throw usage_error("--header takes \"NAME: VALUE\"");
            auto val = v.substr(colon + 1);
            auto const first = val.find_first_not_of(" \t");
            val = first == std::string::npos ? std::string() : val.substr(first);
            st.opts.headers.push_back({v.substr(0, colon), val});
        }
        else if(arg == "--token-in")
        {
            auto const v = value();
            if(v == "query")
                st.opts.token_in = chatlink::token_placement::query;
            else if(v == "header")
                st.opts.token_in = chatlink::token_placement::header;
            else
                throw usage_error("--token-in takes query or header");
        }
        else if(arg == "--proxy")
        {
            auto v = value();
            if(v == "env")
                st.opts.proxy_from_environment = true;
            else if(v.empty())
                throw usage_error("--proxy takes a URL or env");
            else
                st.opts.proxy = std::move(v); // checked by the library (invalid_option, exit 2)
        }
        else if(arg == "--raw")
            st.opts.format = chatlink::message_format::text;
        else if(arg == "--ping-frames")
            st.opts.heartbeat.mode = chatlink::heartbeat_mode::frames;
        else if(arg == "--ack")
            st.opts.delivery.acks = true;
        else if(arg == "--resume")
            st.opts.delivery.resume = true;
        else if(arg == "--request")
        {
            auto const v = value();
            boost::system::error_code ec;
            auto parsed = json::parse(v, ec);
            if(ec || ! parsed.is_object())
                throw usage_error("--request: not a JSON object: " + v);
            st.requests.push_back(std::move(parsed.as_object()));
        }
        else if(arg == "--request-timeout")
        {
            st.opts.delivery.request_timeout = parse_duration(arg, value());
            if(st.opts.delivery.request_timeout.count() == 0)
                throw usage_error("--request-timeout must be more than 0");
        }
        else if(arg == "--subprotocol")
        {
            auto v = value();
            if(v.empty())
                throw usage_error("--subprotocol must not be empty");
            st.opts.subprotocols.push_back(std::move(v));
        }
        else
            throw usage_error("unknown option " + arg);
    }
    if(st.login || st.logout)
    {
        if(! st.store_file)
            throw usage_error(std::string(st.login ? "--login" : "--logout") + " needs --store");
        if(st.login && st.logout)
            throw usage_error("--login and --logout go separately");
        if(have_server || st.token)
            throw usage_error("--login/--logout only write the store; connect in a second call");
        return st;
    }
    if(st.user)
        throw usage_error("--user goes with --login");
    if(! have_server)
        throw usage_error("--server is required");
    {
        // Checked before any event: a URL that cannot work is bad usage,
        // not a network failure. Not echoed: it may hold a token.
        chatlink::error_code ec;
        chatlink::make_endpoint(st.opts.url, "t", st.opts.path, st.opts.token_param, ec);
        if(ec)
            throw usage_error("--server: not a usable URL (http://, https://, ws:// or wss://, "
                "with a host, and a port from 1 to 65535 if any)");
    }
    if(! st.token && ! st.store_file)
        throw usage_error("give --token or --store");
    return st;
}

int run_login_logout(settings const& st)
{
    try
    {
        chatlink::file_store store(*st.store_file);
        if(st.logout)
        {
            // The resume id belongs to the user who logs out.
            store.remove(st.opts.store_key);
            store.remove(st.opts.delivery.resume_key);
        }
        else
            chatlink::write_login(store, st.opts.store_key, *st.login, st.user ? *st.user : "",
                st.opts.store_token_field);
        return exit_ok;
    }
    catch(boost::system::system_error const& e)
    {
        std::cerr << "chatlink-cli: " << *st.store_file << ": " << e.code().message() << "\n";
        return exit_gave_up;
    }
}

// Lines from standard input, read on a thread of their own (standard input
// may be a file, which the reactor cannot watch). The reader hands each line
// to the io_context while the program is still running.
class stdin_reader : public std::enable_shared_from_this<stdin_reader>
{
    std::mutex mtx_;
    bool running_ = true;
    net::any_io_executor ex_;
    std::function<void(std::optional<std::string>)> on_line_;

public:
    stdin_reader(net::any_io_executor ex, std::function<void(std::optional<std::string>)> f)
        : ex_(std::move(ex)), on_line_(std::move(f))
    {
    }

    void start()
    {
        std::thread([self = shared_from_this()] { self->loop(); }).detach();
    }

    void stop()
    {
        std::lock_guard<std::mutex> lock(mtx_);
        running_ = false;
    }

private:
    void deliver(std::optional<std::string> line)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        if(running_)
            net::post(ex_, [self = shared_from_this(), line = std::move(line)]() mutable {
                self->on_line_(std::move(line));
            });
    }

    void loop()
    {
        std::string pending;
        char buf[4096];
        for(;;)
        {
            ssize_t const n = ::read(STDIN_FILENO, buf, sizeof buf);
            if(n < 0 && errno == EINTR)
                continue;
            if(n <= 0)
                break;
            pending.append(buf, static_cast<std::size_t>(n));
            std::size_t pos;
            while((pos = pending.find('\n')) != std::string::npos)
            {
                deliver(pending.substr(0, pos));
                pending.erase(0, pos + 1);
            }
        }
        if(! pending.empty())
            deliver(pending);
        deliver(std::nullopt);
    }
};

class app
{
    settings st_;
    net::io_context& ioc_;
    chatlink::client client_;
    net::steady_timer exit_timer_;
    net::signal_set signals_;
    std::shared_ptr<stdin_reader> reader_;

    std::size_t in_flight_ = 0;   // sends not yet completed
    std::size_t attempt_ = 0;
    bool input_done_ = false;
    bool close_asked_ = false;
    bool finished_ = false;
    int exit_code_ = exit_ok;
    int give_up_code_ = exit_gave_up;
    std::string url_;

public:
    app(settings st, net::io_context& ioc)
        : st_(std::move(st))
        , ioc_(ioc)
        , client_(ioc, client_options(st_))
        , exit_timer_(ioc)
        , signals_(ioc, SIGINT, SIGTERM)
    {
        chatlink::error_code ec;
        bool const in_header = st_.opts.token_in == chatlink::token_placement::header;
        url_ = chatlink::make_endpoint(st_.opts.url, "", st_.opts.path,
            in_header ? std::string() : st_.opts.token_param, ec).redacted;
    }

    int run()
    {
        client_.on_state_change([this](chatlink::state s) { on_state(s); });
        client_.on_open([this] {
            auto const p = client_.stats().subprotocol;
            emit("open", {{"url", url_}, {"subprotocol", p.empty() ? json::value() : json::value(p)}});
        });
        client_.on_message([this](json::value const& v) { emit("message", {{"data", v}}); });
        if(st_.opts.format == chatlink::message_format::text)
        {
            client_.on_text([this](std::string_view t) { emit("text", {{"data", t}}); });
            client_.on_binary([this](std::string_view b) { emit("binary", {{"base64", chatlink_cli::base64(b)}}); });
        }
        client_.on_error([this](chatlink::error_code ec) {
            auto const detail = client_.stats().last_error_detail;
            if(detail.empty() || client_.stats().last_error != ec)
                return emit_error(ec);
            emit("error", {{"error", chatlink::error_name(ec)}, {"message", ec.message() + ": " + detail}});
        });
        client_.on_close([this](chatlink::close_info const& i) { on_close(i); });
        client_.on_reconnect([this](chatlink::reconnect_info const& r) {
            emit("reconnect", {{"attempt", r.attempt}, {"delay_ms", r.delay.count()},
                {"cause", chatlink::error_name(r.cause)}});
        });
        client_.on_give_up([this](chatlink::error_code cause) {
            emit("give_up", {{"cause", chatlink::error_name(cause)}});
            // An option the library refused (a --header that would break
            // the handshake) is bad usage.
            give_up_code_ = cause == chatlink::condition::credentials ? exit_credentials
                : cause == chatlink::error::invalid_option            ? exit_usage
                                                                       : exit_gave_up;
        });
        client_.on_ack([this](chatlink::ack_info const& a) {
            emit("ack", {{"cid", a.cid}, {"id", a.id ? json::value(*a.id) : json::value()}});
        });
        client_.on_resume([this](chatlink::resume_info const& r) {
            emit("resume", {{"since", r.since}, {"ok", r.ok}, {"last", r.last ? json::value(*r.last) : json::value()}});
        });
        client_.on_heartbeat([this](std::chrono::microseconds rtt) {
            if(st_.verbose)
                emit("heartbeat", {{"rtt_ms", static_cast<double>(rtt.count()) / 1000.0}});
        });

        signals_.async_wait([this](chatlink::error_code ec, int) {
            if(! ec)
                request_close();
        });
        if(st_.exit_after)
        {
            exit_timer_.expires_after(*st_.exit_after);
            exit_timer_.async_wait([this](chatlink::error_code ec) {
                if(! ec)
                    request_close();
            });
        }

        if(st_.token)
            client_.connect(*st_.token);
        else
            client_.start();
        // Held by the library until the connection opens.
        for(auto& s : st_.sends)
            send(s);
        for(auto& r : st_.requests)
            request(std::move(r));

        reader_ = std::make_shared<stdin_reader>(ioc_.get_executor(),
            [this](std::optional<std::string> line) { on_input(std::move(line)); });
        reader_->start();
        ioc_.run();
        reader_->stop();
        return exit_code_;
    }

private:
    static chatlink::client_options client_options(settings const& st)
    {
        auto opts = st.opts;
        // A closing handshake takes one round trip: a server that has not
        // answered in a second is not going to, and a signal must end the
        // program promptly (a server that floods and never reads, say).
        opts.close_timeout = std::min<std::chrono::milliseconds>(opts.connect_timeout, std::chrono::seconds(1));
        if(st.store_file)
            opts.store = std::make_shared<chatlink::file_store>(*st.store_file);
        bool const verbose = st.verbose;
        opts.logger = [verbose](chatlink::log_level level, std::string_view text) {
            if(verbose || level >= chatlink::log_level::warning)
                std::cerr << "chatlink: " << text << "\n";
        };
        return opts;
    }

    void emit(char const* event, json::object fields)
    {
        if(finished_)
            return;
        if(st_.json_output)
        {
            json::object line;
            line["event"] = event;
            for(auto& kv : fields)
                line[kv.key()] = kv.value();
            std::cout << json::serialize(line) << "\n";
        }
        else
        {
            // Text for a terminal: whatever the server sent (a close reason,
            // a message) has its control characters escaped, so that it can
            // neither repaint the terminal nor forge a line.
            std::string line = event;
            for(auto const& kv : fields)
                line += " " + std::string(kv.key()) + "=" +
                    (kv.value().is_string() ? std::string(kv.value().get_string()) : json::serialize(kv.value()));
            std::cout << chatlink_cli::terminal_safe(line) << "\n";
        }
        std::cout.flush();
    }

    void emit_error(chatlink::error_code ec)
    {
        emit("error", {{"error", chatlink::error_name(ec)}, {"message", ec.message()}});
    }

    void on_state(chatlink::state s)
    {
        if(s == chatlink::state::connecting)
            emit("connecting", {{"url", url_}, {"attempt", ++attempt_}});
        else if(s == chatlink::state::stopped)
            // After the close or give_up event that comes with it.
            net::post(ioc_, [this] { finish(close_asked_ ? exit_ok : give_up_code_); });
        else if(s == chatlink::state::open)
            maybe_close_after_input();
    }

    void send(std::string text)
    {
        ++in_flight_;
        client_.async_send(std::move(text), [this](chatlink::error_code ec, std::size_t) {
            --in_flight_;
            if(ec && ec != net::error::operation_aborted)
                emit_error(ec);
            maybe_close_after_input();
        });
    }

    void request(json::object msg)
    {
        ++in_flight_;
        client_.async_request(std::move(msg), [this](chatlink::error_code ec, json::value reply) {
            --in_flight_;
            if(! ec || ec == chatlink::error::server_rejected)
            {
                auto const* cid = reply.is_object() ? reply.get_object().if_contains("cid") : nullptr;
                emit("reply", {{"cid", cid ? *cid : json::value()}, {"data", reply}});
            }
            else if(ec != net::error::operation_aborted)
                emit_error(ec);
            maybe_close_after_input();
        });
    }

    void on_input(std::optional<std::string> line)
    {
        if(! line)
        {
            input_done_ = true;
            return maybe_close_after_input();
        }
        if(line->find_first_not_of(" \t\r") == std::string::npos)
            return;
        if(st_.opts.format == chatlink::message_format::text)
            return send(std::move(*line)); // --raw: as it is
        boost::system::error_code ec;
        json::parse(*line, ec);
        if(ec)
        {
            emit("error", {{"error", "bad_message"}, {"message", "standard input: a line is not JSON; not sent"}});
            return;
        }
        send(std::move(*line));
    }

    // Without --exit-after, the end of standard input closes the connection
    // once everything read has been sent.
    void maybe_close_after_input()
    {
        if(input_done_ && ! st_.exit_after && in_flight_ == 0 && ! close_asked_ &&
            client_.state() == chatlink::state::open)
            request_close();
    }

    void request_close()
    {
        close_asked_ = true;
        auto const s = client_.state();
        if(s == chatlink::state::idle || s == chatlink::state::stopped)
            finish(exit_ok);
        else
            client_.close(1000, "");
    }

    void on_close(chatlink::close_info const& i)
    {
        json::value code = nullptr;
        if(i.code)
            code = *i.code;
        json::value error = nullptr;
        if(i.error)
            error = chatlink::error_name(i.error);
        emit("close", {{"code", code}, {"reason", i.reason}, {"error", error}, {"requested", i.requested}});
    }

    void finish(int code)
    {
        if(finished_)
            return;
        finished_ = true;
        exit_code_ = code;
        exit_timer_.cancel();
        signals_.cancel();
        reader_->stop();
        ioc_.stop();
    }
};

} // namespace

int main(int argc, char** argv)
{
    settings st;
    try
    {
        st = parse_args(argc, argv);
    }
    catch(usage_error const& e)
    {
        std::cerr << "chatlink-cli: " << e.what() << "\n"
                  << "Try 'chatlink-cli --help'.\n";
        return exit_usage;
    }
    if(st.login || st.logout)
        return run_login_logout(st);
    net::io_context ioc;
    app a(std::move(st), ioc);
    int const code = a.run();
    std::cout.flush();
    // The stdin thread may still be blocked in read(); it touches nothing
    // that exit() destroys, and the process ends with it.
    return code;
}
