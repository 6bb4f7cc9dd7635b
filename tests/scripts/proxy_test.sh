#!/usr/bin/env bash
# chatlink-cli through a real HTTP proxy from Debian's packages (tinyproxy,
# installed by scripts/deps.sh): ws and wss, without and with Basic
# authentication, a wrong password (proxy_auth_failed), --proxy env with
# no_proxy, and no password in any output.
# Usage: proxy_test.sh PATH/TO/chatlink-cli PATH/TO/chatlink-server PATH/TO/tinyproxy
set -u
. "$(dirname "$0")/common.sh"
cli=$1
server=$2
tinyproxy=$3
token='t0ken-for-proxy'
proxy_pids=
cleanup_more='for p in $proxy_pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done; [ -n "${tls_pid:-}" ] && kill "$tls_pid" 2>/dev/null'

start_proxy() { # start_proxy NAME [BasicAuth line]: sets proxy_port
  proxy_port=$(free_port)
  {
    echo "Port $proxy_port"
    echo "Listen 127.0.0.1"
    echo "Timeout 30"
    echo "LogLevel Info"
    echo "MaxClients 50"
    echo "Allow 127.0.0.1"
    [ -n "${2:-}" ] && echo "$2"
  } >"$tmp/$1.conf"
  "$tinyproxy" -d -c "$tmp/$1.conf" >"$tmp/$1.log" 2>&1 &
  proxy_pids="$proxy_pids $!"
  for _ in $(seq 1 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $proxy_port), 0.2)" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "FAILED: tinyproxy ($1) did not start"; cat "$tmp/$1.log"; exit 1
}

start_chatlink_server "$server" --token "ann:$token"
make_test_certificates
check "test certificates made" [ -s "$tmp/leaf.pem" ]
"$server" --port 0 --token "ann:$token" --cert "$tmp/leaf.pem" --key "$tmp/leaf.key" >"$tmp/tls-server.out" 2>"$tmp/tls-server.err" &
tls_pid=$!
for _ in $(seq 1 100); do grep -q '^listening on' "$tmp/tls-server.out" && break; sleep 0.05; done
tport=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) (wss)$/\1/p' "$tmp/tls-server.out")
check "chatlink-server serves wss" [ -n "$tport" ]

start_proxy open
open_port=$proxy_port
start_proxy auth "BasicAuth proxyuser s3cret-proxy-pw"
auth_port=$proxy_port

run_cli() { # run_cli NAME SERVER-URL PROXY [more args]: runs one exchange, sets rc
  local name=$1 server_url=$2 proxy=$3; shift 3
  timeout 20 "$cli" --server "$server_url" --token "$token" --ca-file "$tmp/ca.pem" --proxy "$proxy" \
    --reconnect never --json --send '{"type":"chat","to":"all","text":"via tinyproxy"}' --exit-after 1500ms "$@" \
    </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
}

for mode in ws wss; do
  if [ "$mode" = ws ]; then server_url="http://127.0.0.1:$port"; else server_url="https://localhost:$tport"; fi
  run_cli "$mode-open" "$server_url" "http://127.0.0.1:$open_port"
  check "$mode through tinyproxy exits 0 (got $rc)" [ "$rc" -eq 0 ]
  check "$mode through tinyproxy: the echo came back" grep -q '"text":"via tinyproxy","id":' "$tmp/$mode-open.out"
  run_cli "$mode-auth" "$server_url" "http://proxyuser:s3cret-proxy-pw@127.0.0.1:$auth_port"
  check "$mode through tinyproxy with Basic auth exits 0 (got $rc)" [ "$rc" -eq 0 ]
  check "$mode with Basic auth: the echo came back" grep -q '"text":"via tinyproxy","id":' "$tmp/$mode-auth.out"
  run_cli "$mode-wrong" "$server_url" "http://proxyuser:wrong-pw@127.0.0.1:$auth_port"
  check "$mode with a wrong password: exit 1 (got $rc)" [ "$rc" -eq 1 ]
  check "$mode with a wrong password: proxy_auth_failed" grep -q '^{"event":"give_up","cause":"proxy_auth_failed"}$' "$tmp/$mode-wrong.out"
done
check "the proxy logged the tunnels" grep -q "CONNECT" "$tmp/open.log"
check "no password or token in any output" bash -c "! grep -q 's3cret-proxy-pw\|wrong-pw\|$token' '$tmp'/*-open.* '$tmp'/*-auth.* '$tmp'/*-wrong.*"

# --proxy env: http_proxy is used; no_proxy exempts the host.
http_proxy="http://proxyuser:s3cret-proxy-pw@127.0.0.1:$auth_port" no_proxy= NO_PROXY= all_proxy= ALL_PROXY= \
  run_cli env "http://127.0.0.1:$port" env
check "--proxy env exits 0 (got $rc)" [ "$rc" -eq 0 ]
before=$(grep -c "CONNECT" "$tmp/auth.log")
http_proxy="http://proxyuser:s3cret-proxy-pw@127.0.0.1:$auth_port" no_proxy="localhost,127.0.0.1" \
  run_cli env-bypass "http://127.0.0.1:$port" env
check "--proxy env with no_proxy: straight to the server (got $rc)" [ "$rc" -eq 0 ]
check "--proxy env with no_proxy: the proxy saw nothing more" [ "$(grep -c "CONNECT" "$tmp/auth.log")" -eq "$before" ]
finish
