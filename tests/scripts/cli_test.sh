#!/usr/bin/env bash
# chatlink-cli against chatlink-server on 127.0.0.1, as CLI.md specifies:
# open, --send, messages as JSON lines, --exit-after, standard input, exit
# codes 0/1/2/3, --token-in, --header, --subprotocol, and no token in any
# output.
# Usage: cli_test.sh PATH/TO/chatlink-cli PATH/TO/chatlink-server
set -u
. "$(dirname "$0")/common.sh"
cli=$1
server=$2
token='s3cret+/=&? tok'

no_token_in() {
  ! grep -qF "$token" "$@" && ! grep -qF 's3cret' "$@"
}

start_chatlink_server "$server" --token "ann:$token"

# 1. open, --send, the acknowledgement as a message, --exit-after, exit 0.
timeout 20 "$cli" --server "$url" --token "$token" --json --exit-after 1s \
  --send '{"type":"chat","to":"all","text":"hello one"}' \
  --send '{"type":"ping"}' </dev/null >"$tmp/1.out" 2>"$tmp/1.err"
rc=$?
check "--send/--exit-after exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "connecting event shows token=***" grep -q '^{"event":"connecting","url":"ws://127.0.0.1:'"$port"'/ws?token=\*\*\*","attempt":1}$' "$tmp/1.out"
check "open event" grep -q '^{"event":"open","url":"ws://127.0.0.1:'"$port"'/ws?token=\*\*\*","subprotocol":null}$' "$tmp/1.out"
check "chat acknowledgement as a message" grep -q '^{"event":"message","data":{"type":"chat","from":"ann","to":"all","text":"hello one","id":1}}$' "$tmp/1.out"
check "pong as a message, after the chat" bash -c "grep -n '\"type\":\"pong\"' '$tmp/1.out' | grep -q '^4:'"
check "requested close event" grep -q '^{"event":"close","code":1000,"reason":"","error":null,"requested":true}$' "$tmp/1.out"
check "no token in output (1)" no_token_in "$tmp/1.out" "$tmp/1.err"

# 2. Standard input: each line is a message; its end closes normally. A
#    second client, listening meanwhile, receives the broadcast.
timeout 20 "$cli" --server "$url" --token "$token" --json --exit-after 3s </dev/null >"$tmp/2l.out" 2>"$tmp/2l.err" &
listener=$!
for _ in $(seq 1 100); do grep -q '"event":"open"' "$tmp/2l.out" && break; sleep 0.05; done
printf '%s\n\n%s\n' '{"type":"chat","to":"all","text":"from stdin"}' 'not json' |
  timeout 20 "$cli" --server "$url" --token "$token" --json >"$tmp/2.out" 2>"$tmp/2.err"
rc=$?
wait "$listener"
lrc=$?
check "end of standard input exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "listener exits 0 (got $lrc)" [ "$lrc" -eq 0 ]
check "stdin line reached another client" grep -q '^{"event":"message","data":{"type":"chat","from":"ann","to":"all","text":"from stdin","id":2}}$' "$tmp/2l.out"
check "a non-JSON line is an error event" grep -q '^{"event":"error","error":"bad_message",' "$tmp/2.out"
check "stdin close is requested" grep -q '"event":"close","code":1000,.*"requested":true' "$tmp/2.out"
check "no token in output (2)" no_token_in "$tmp/2.out" "$tmp/2.err"

# 3. A refused token: error auth_rejected, give_up, exit 3.
timeout 20 "$cli" --server "$url" --token 's3cret-wrong' --json </dev/null >"$tmp/3.out" 2>"$tmp/3.err"
rc=$?
check "bad token exits 3 (got $rc)" [ "$rc" -eq 3 ]
check "auth_rejected error event" grep -q '^{"event":"error","error":"auth_rejected",' "$tmp/3.out"
check "give_up event" grep -q '^{"event":"give_up","cause":"auth_rejected"}$' "$tmp/3.out"
check "no token in output (3)" no_token_in "$tmp/3.out" "$tmp/3.err"

# 4. Bad usage: exit 2, with a message on standard error.
for args in "" "--token x" "--server $url --token x --exit-after 5parsecs" \
            "--server $url --token x --reconnect sometimes" "--server $url --token x --bogus" \
            "--server $url --token x --reconnect backoff:5s..1s" "--login x" "--server $url" \
            "--server $url --token x --send {nope"; do
  timeout 10 "$cli" $args </dev/null >"$tmp/4.out" 2>"$tmp/4.err"
  rc=$?
  check "bad usage '$args' exits 2 (got $rc)" [ "$rc" -eq 2 ]
  check "bad usage '$args' says why" grep -q 'chatlink-cli: ' "$tmp/4.err"
done
timeout 10 "$cli" --help >"$tmp/help.out" 2>&1
check "--help exits 0" [ $? -eq 0 ]
check "--help shows usage" grep -q '^usage: chatlink-cli' "$tmp/help.out"

# 5. Readable output hides the token too.
timeout 20 "$cli" --server "$url" --token "$token" --pretty --verbose --exit-after 300ms </dev/null >"$tmp/5.out" 2>"$tmp/5.err"
rc=$?
check "--pretty exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "--pretty shows open" grep -q '^open url=ws://127.0.0.1:'"$port"'/ws?token=\*\*\* subprotocol=null$' "$tmp/5.out"
check "no token in output (5)" no_token_in "$tmp/5.out" "$tmp/5.err"

# 6. The credential file: --login writes it (0600), a connection without
#    --token reads it, --logout empties it and then nobody is logged in.
timeout 10 "$cli" --store "$tmp/creds.json" --login "$token" --user ann >"$tmp/6a.out" 2>&1
check "--login exits 0" [ $? -eq 0 ]
check "--login writes a 0600 file" [ "$(stat -c %a "$tmp/creds.json")" = 600 ]
timeout 20 "$cli" --server "$url" --store "$tmp/creds.json" --json --exit-after 500ms </dev/null >"$tmp/6b.out" 2>"$tmp/6b.err"
rc=$?
check "--store connects with the stored token (got $rc)" [ "$rc" -eq 0 ]
check "--store opens" grep -q '"event":"open"' "$tmp/6b.out"
timeout 10 "$cli" --store "$tmp/creds.json" --logout >"$tmp/6c.out" 2>&1
check "--logout exits 0" [ $? -eq 0 ]
timeout 20 "$cli" --server "$url" --store "$tmp/creds.json" --json </dev/null >"$tmp/6d.out" 2>"$tmp/6d.err"
rc=$?
check "logged out exits 3 (got $rc)" [ "$rc" -eq 3 ]
check "not_logged_in give_up" grep -q '^{"event":"give_up","cause":"not_logged_in"}$' "$tmp/6d.out"
check "no token in output (6)" no_token_in "$tmp"/6?.out "$tmp/6b.err" "$tmp/6d.err"

# 7. A server that is gone: with --reconnect never, error, give_up, exit 1;
#    with backoff, reconnect events until --exit-after.
kill "$pid"; wait "$pid" 2>/dev/null; pid=
timeout 20 "$cli" --server "$url" --token "$token" --reconnect never --json </dev/null >"$tmp/6.out" 2>"$tmp/6.err"
rc=$?
check "server gone exits 1 (got $rc)" [ "$rc" -eq 1 ]
check "connection refused is named system:111" grep -q '^{"event":"error","error":"system:111",' "$tmp/6.out"
check "no token in output (7)" no_token_in "$tmp/6.out" "$tmp/6.err"
timeout 20 "$cli" --server "$url" --token "$token" --reconnect backoff:10ms..40ms --exit-after 500ms --json </dev/null >"$tmp/6r.out" 2>"$tmp/6r.err"
rc=$?
check "retrying until --exit-after exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "reconnect events name the attempt and cause" grep -q '^{"event":"reconnect","attempt":2,"delay_ms":[0-9]*,"cause":"system:111"}$' "$tmp/6r.out"
check "connecting events count attempts" grep -q '^{"event":"connecting","url":"ws://127.0.0.1:'"$port"'/ws?token=\*\*\*","attempt":3}$' "$tmp/6r.out"

# 8. wss:// with a CA made now: verified with --ca-file, refused without it
#    (tls_verify_failed, exit 1), accepted with --insecure (with a warning).
make_test_certificates
check "test certificates made" [ -s "$tmp/leaf.pem" ]
"$server" --port 0 --token "ann:$token" --cert "$tmp/leaf.pem" --key "$tmp/leaf.key" >"$tmp/tls-server.out" 2>"$tmp/tls-server.err" &
pid=$!
for _ in $(seq 1 100); do grep -q '^listening on' "$tmp/tls-server.out" && break; sleep 0.05; done
tport=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) (wss)$/\1/p' "$tmp/tls-server.out")
check "chatlink-server serves wss" [ -n "$tport" ]

timeout 20 "$cli" --server "https://localhost:$tport" --token "$token" --ca-file "$tmp/ca.pem" --json \
  --send '{"type":"ping"}' --exit-after 1s </dev/null >"$tmp/7.out" 2>"$tmp/7.err"
rc=$?
check "wss with --ca-file exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "https base URL opened as wss" grep -q '^{"event":"open","url":"wss://localhost:'"$tport"'/ws?token=\*\*\*","subprotocol":null}$' "$tmp/7.out"
check "pong over wss" grep -q '^{"event":"message","data":{"type":"pong"}}$' "$tmp/7.out"

timeout 20 "$cli" --server "wss://127.0.0.1:$tport" --token "$token" --json </dev/null >"$tmp/8.out" 2>"$tmp/8.err"
rc=$?
check "wss without the CA exits 1 (got $rc)" [ "$rc" -eq 1 ]
check "tls_verify_failed error event" grep -q '^{"event":"error","error":"tls_verify_failed",' "$tmp/8.out"
check "OpenSSL's reason on stderr" grep -q 'unable to get local issuer certificate' "$tmp/8.err"

timeout 20 "$cli" --server "wss://127.0.0.1:$tport" --token "$token" --insecure --json --exit-after 500ms </dev/null >"$tmp/9.out" 2>"$tmp/9.err"
rc=$?
check "--insecure exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "--insecure warns" grep -q 'verification is OFF' "$tmp/9.err"
check "no token in output (7-9)" no_token_in "$tmp"/[789].out "$tmp"/[789].err
kill "$pid"; wait "$pid" 2>/dev/null; pid=

# 10. Other backends' upgrades: --token-in header (the token in no URL),
#     --header (a Cookie's value never printed, even with --verbose), and
#     --subprotocol (the server's choice in the open event; one it does not
#     speak fails with handshake_failed); a header that would break the
#     handshake is bad usage (exit 2) and nothing is printed of its value.
start_chatlink_server "$server" --token "ann:$token" --subprotocol chat.v1
timeout 20 "$cli" --server "$url" --token "$token" --token-in header --json --verbose \
  --header "Cookie: sid=s3cret-cookie" --header "X-Client: cli-test" \
  --subprotocol chat.v2 --subprotocol chat.v1 \
  --send '{"type":"chat","to":"all","text":"by header"}' --exit-after 1s </dev/null >"$tmp/10.out" 2>"$tmp/10.err"
rc=$?
check "--token-in header exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "--token-in header: no token= in the URL" grep -q '^{"event":"connecting","url":"ws://127.0.0.1:'"$port"'/ws","attempt":1}$' "$tmp/10.out"
check "--subprotocol: the server's choice in the open event" grep -q '^{"event":"open","url":"ws://127.0.0.1:'"$port"'/ws","subprotocol":"chat.v1"}$' "$tmp/10.out"
check "--token-in header: the server took the token" grep -q '"from":"ann",.*"text":"by header"' "$tmp/10.out"
check "--verbose lists the headers" grep -q 'X-Client: cli-test' "$tmp/10.err"
check "a Cookie's value is never printed" bash -c "! grep -q 's3cret-cookie' '$tmp/10.out' '$tmp/10.err'"
check "no token in output (10)" no_token_in "$tmp/10.out" "$tmp/10.err"
timeout 20 "$cli" --server "$url" --token "$token" --subprotocol chat.v3 --reconnect never --json </dev/null >"$tmp/11.out" 2>"$tmp/11.err"
rc=$?
check "a subprotocol the server does not speak exits 1 (got $rc)" [ "$rc" -eq 1 ]
check "... with handshake_failed" grep -q '^{"event":"error","error":"handshake_failed",.*none of the subprotocols' "$tmp/11.out"
timeout 20 "$cli" --server "$url" --token "$token" --header "Host: s3cret-host" --json </dev/null >"$tmp/12.out" 2>"$tmp/12.err"
rc=$?
check "--header Host is bad usage (got $rc)" [ "$rc" -eq 2 ]
check "... named invalid_option" grep -q '^{"event":"give_up","cause":"invalid_option"}$' "$tmp/12.out"
check "... its value never printed" bash -c "! grep -q 's3cret-host' '$tmp/12.out' '$tmp/12.err'"
for args in "--token-in body" "--header NoColon" "--subprotocol ''"; do
  eval "timeout 10 \"\$cli\" --server \"\$url\" --token x $args" </dev/null >"$tmp/13.out" 2>"$tmp/13.err"
  rc=$?
  check "bad usage '$args' exits 2 (got $rc)" [ "$rc" -eq 2 ]
done
kill "$pid"; wait "$pid" 2>/dev/null; pid=

finish
