//
// Copyright (c) 2026 The chatlink authors.
// Distributed under the Boost Software License, Version 1.0 (see LICENSE).
//
// chatlink-cli: the command-line chat client of ../shared/spec/CLI.md.
// Every option maps to a client_options field or a library call.
//
#include <chatlink/chatlink.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
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

struct usage_error : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

char const* const help_text =
    "usage: chatlink-cli --server URL --token TOKEN [OPTIONS]\n"
    "\n"
    "Connect to a chat server, print every event as a JSON line, send each\n"
    "line of standard input (and every --send) as one message.\n"
    "\n"
    "  --server URL             http://, https://, ws:// or wss:// base URL (required)\n"
    "  --token TOKEN            connect with this token\n"
    "  --connect-timeout DUR    resolve + connect + upgrade limit (default 10s)\n"
    "  --max-message BYTES      largest message accepted (default 1048576)\n"
    "  --send JSON              send once open (repeatable, in order)\n"
    "  --exit-after DUR         close normally after DUR from start, then exit\n"
    "  --reconnect never        the only policy in this version (the default here)\n"
    "  --ca-file FILE           trust these CA certificates for wss:// (besides the system's)\n"
    "  --insecure               do not verify the server's certificate (development only; warns)\n"
    "  --json | --pretty        JSON lines (default when stdout is not a terminal) or text\n"
    "  --verbose                also print the library's informational log to stderr\n"
    "  --help                   show this help\n"
    "\n"
    "DUR: a number with a unit (250ms, 10s, 5m, 1h).\n"
    "Not yet available (refused with exit 2): --store, --login, --logout, --user,\n"
    "--heartbeat, --heartbeat-timeout, --max-queue, other --reconnect policies.\n"
    "\n"
    "Exit status: 0 closed as asked; 1 gave up after a network or server failure;\n"
    "2 bad usage; 3 credentials refused.\n";

// "250ms", "10s", "5m", "1h"; a bare "0" is zero.
std::chrono::milliseconds parse_duration(std::string const& opt, std::string const& s)
{
    if(s == "0")
        return 0ms;
    std::size_t digits = 0;
    while(digits < s.size() && s[digits] >= '0' && s[digits] <= '9')
        ++digits;
    if(digits == 0 || digits > 12)
        throw usage_error(opt + ": '" + s + "' is not a duration (like 250ms, 10s, 5m, 1h)");
    auto const n = std::stoll(s.substr(0, digits));
    auto const unit = s.substr(digits);
    if(unit == "ms")
        return std::chrono::milliseconds(n);
    if(unit == "s")
        return std::chrono::seconds(n);
    if(unit == "m")
        return std::chrono::minutes(n);
    if(unit == "h")
        return std::chrono::hours(n);
    throw usage_error(opt + ": '" + s + "' is not a duration (like 250ms, 10s, 5m, 1h)");
}

struct settings
{
    chatlink::client_options opts;
    std::optional<std::string> token;
    std::vector<std::string> sends;
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
            st.token = value();
        else if(arg == "--connect-timeout")
        {
            st.opts.connect_timeout = parse_duration(arg, value());
            if(st.opts.connect_timeout.count() == 0)
                throw usage_error("--connect-timeout must be more than 0");
        }
        else if(arg == "--max-message")
        {
            auto const v = value();
            if(v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 12 ||
                std::stoull(v) == 0)
                throw usage_error("--max-message takes a positive number of bytes");
            st.opts.max_message_size = static_cast<std::size_t>(std::stoull(v));
        }
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
        else if(arg == "--reconnect")
        {
            if(value() != "never")
                throw usage_error("--reconnect: only 'never' is available in this version");
        }
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
        else if(arg == "--store" || arg == "--login" || arg == "--logout" || arg == "--user" ||
            arg == "--heartbeat" || arg == "--heartbeat-timeout" || arg == "--max-queue")
            throw usage_error(arg + " is not available in this version of chatlink-cli");
        else
            throw usage_error("unknown option " + arg);
    }
    if(! have_server)
        throw usage_error("--server is required");
    if(! st.token)
        throw usage_error("--token is required");
    return st;
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

    std::deque<std::string> held_;  // lines and --send messages waiting for open
    std::size_t in_flight_ = 0;
    bool input_done_ = false;
    bool close_asked_ = false;
    bool finished_ = false;
    int exit_code_ = exit_ok;
    std::string url_;

public:
    app(settings st, net::io_context& ioc)
        : st_(std::move(st))
        , ioc_(ioc)
        , client_(ioc, with_logger(st_))
        , exit_timer_(ioc)
        , signals_(ioc, SIGINT, SIGTERM)
    {
        chatlink::error_code ec;
        url_ = chatlink::make_endpoint(st_.opts.url, "", st_.opts.path, st_.opts.token_param, ec).redacted;
        for(auto& s : st_.sends)
            held_.push_back(s);
    }

    int run()
    {
        client_.on_open([this] { on_open(); });
        client_.on_message([this](json::value const& v) { emit("message", {{"data", v}}); });
        client_.on_error([this](chatlink::error_code ec) { emit_error(ec); });
        client_.on_close([this](chatlink::close_info const& i) { on_close(i); });

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
        reader_ = std::make_shared<stdin_reader>(ioc_.get_executor(),
            [this](std::optional<std::string> line) { on_input(std::move(line)); });
        reader_->start();

        emit("connecting", {{"url", url_}, {"attempt", 1}});
        client_.async_connect(*st_.token, [this](chatlink::error_code ec) {
            if(ec && ! close_asked_)
            {
                emit_error(ec);
                give_up(ec);
            }
            else if(ec)
                finish(exit_ok);
        });
        ioc_.run();
        reader_->stop();
        return exit_code_;
    }

private:
    static chatlink::client_options with_logger(settings const& st)
    {
        auto opts = st.opts;
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
            std::cout << event;
            for(auto const& kv : fields)
                std::cout << " " << std::string(kv.key()) << "="
                          << (kv.value().is_string() ? std::string(kv.value().get_string())
                                                     : json::serialize(kv.value()));
            std::cout << "\n";
        }
        std::cout.flush();
    }

    void emit_error(chatlink::error_code ec)
    {
        emit("error", {{"error", chatlink::error_name(ec)}, {"message", ec.message()}});
    }

    void on_open()
    {
        emit("open", {{"url", url_}});
        while(! held_.empty())
        {
            send(std::move(held_.front()));
            held_.pop_front();
        }
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

    void on_input(std::optional<std::string> line)
    {
        if(! line)
        {
            input_done_ = true;
            return maybe_close_after_input();
        }
        auto const first = line->find_first_not_of(" \t\r");
        if(first == std::string::npos)
            return;
        boost::system::error_code ec;
        json::parse(*line, ec);
        if(ec)
        {
            emit("error", {{"error", "bad_message"}, {"message", "standard input: a line is not JSON; not sent"}});
            return;
        }
        if(client_.state() == chatlink::state::open)
            send(std::move(*line));
        else
            held_.push_back(std::move(*line));
    }

    // Without --exit-after, the end of standard input closes the connection
    // once everything read has been sent.
    void maybe_close_after_input()
    {
        if(input_done_ && ! st_.exit_after && held_.empty() && in_flight_ == 0 &&
            client_.state() == chatlink::state::open)
            request_close();
    }

    void request_close()
    {
        close_asked_ = true;
        auto const s = client_.state();
        if(s == chatlink::state::open || s == chatlink::state::connecting)
            client_.close(1000, "");
        else if(s != chatlink::state::closing)
            finish(exit_ok);
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
        if(i.requested)
            finish(exit_ok);
        else
            give_up(i.error);
    }

    void give_up(chatlink::error_code cause)
    {
        emit("give_up", {{"cause", chatlink::error_name(cause)}});
        finish(cause == chatlink::error::auth_rejected || cause == chatlink::error::not_logged_in
            ? exit_credentials : exit_gave_up);
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
    net::io_context ioc;
    app a(std::move(st), ioc);
    int const code = a.run();
    std::cout.flush();
    // The stdin thread may still be blocked in read(); it touches nothing
    // that exit() destroys, and the process ends with it.
    return code;
}
