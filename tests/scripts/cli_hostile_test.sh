#!/usr/bin/env bash
# chatlink-cli against hostile servers (chatlink-hostile-server) and with bad
# usage: every end is bounded and named, server strings cannot drive the
# terminal, an unusable --server is bad usage (exit 2) before any event.
# Usage: cli_hostile_test.sh PATH/TO/chatlink-cli PATH/TO/chatlink-hostile-server [PINGS [MAX_KB [EXIT_MS [SLACK_MS]]]]
#   PINGS: the flood the CLI must read before SIGTERM (a million); MAX_KB:
#   its peak memory bound (50 MB), 0 for none (a sanitizer's memory is its
#   own); EXIT_MS: how soon it must exit after SIGTERM (2000); SLACK_MS: what
#   a close-bound check allows over the bound itself, for starting the CLI,
#   its connect and its exit (1500).
set -u
. "$(dirname "$0")/common.sh"
cli=$1
hostile=$2
flood=${3:-1000000}
max_kb=${4:-51200}
exit_ms=${5:-2000}
slack_ms=${6:-1500}
# Standard input that stays open: its end would close the CLI (CLI.md).
exec 3< <(exec sleep 300)
holder=$!
cleanup_more='kill "$holder" 2>/dev/null'

start() { # start MODE [ARGS]: sets pid and url
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  "$hostile" "$@" >"$tmp/hostile.out" 2>&1 &
  pid=$!
  local port=
  for _ in $(seq 1 200); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/hostile.out")
    [ -n "$port" ] && break
    sleep 0.02
  done
  [ -n "$port" ] || { echo "FAILED: chatlink-hostile-server $1 did not start"; exit 1; }
  url="http://127.0.0.1:$port"
}

# 1. A server that sends its close frame and then holds TCP: the CLI exits
#    within the close bound (--connect-timeout, 1 s here) with the server's
#    code, not a heartbeat timeout 50 s later.
start close-then-hold 4001 maintenance
t0=$(ms)
timeout 20 "$cli" --server "$url" --token t --json --reconnect never --connect-timeout 1s \
  <&3 >"$tmp/1.out" 2>"$tmp/1.err"
rc=$?
took=$(( $(ms) - t0 ))
check "close-then-hold: exits 1 (got $rc)" [ "$rc" -eq 1 ]
check "close-then-hold: within the close bound plus $slack_ms ms (took $took ms)" [ "$took" -lt $((1000 + slack_ms)) ]
check "close-then-hold: the server's code and reason" grep -q '^{"event":"close","code":4001,"reason":"maintenance","error":"closed_by_server","requested":false}$' "$tmp/1.out"

# 2. Our close to a server that never answers it nor closes TCP.
start hold-after-our-close
t0=$(ms)
timeout 20 "$cli" --server "$url" --token t --json --exit-after 300ms --connect-timeout 1s \
  </dev/null >"$tmp/2.out" 2>"$tmp/2.err"
rc=$?
took=$(( $(ms) - t0 ))
check "hold-after-our-close: exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "hold-after-our-close: within 300 ms + the close bound + $slack_ms ms (took $took ms)" [ "$took" -lt $((1300 + slack_ms)) ]
check "hold-after-our-close: a requested close, lost" grep -q '^{"event":"close","code":null,"reason":"","error":"connection_lost","requested":true}$' "$tmp/2.out"

# 3. SIGTERM during a ping flood that never reads: exits within 2 s, and
#    the client's memory stays bounded (one pong pending at most).
start ping-flood
# Default options: the CLI bounds its closing handshakes by 1 s. Not under
# timeout(1): the memory read below must be the CLI's own.
"$cli" --server "$url" --token t --json <&3 >"$tmp/3.out" 2>"$tmp/3.err" &
cpid=$!
# Every line after the first two events is a ping; at most 120 s (the
# ASan CLI read about 700 a second with two busy loops beside ctest -j2).
for _ in $(seq 1 1200); do
  n=$(wc -l <"$tmp/3.out")
  [ "${n:-0}" -ge $((flood + 2)) ] && break
  sleep 0.1
done
pings=$(grep -c '"type":"ping"' "$tmp/3.out")
hwm_kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$cpid/status" 2>/dev/null)
t0=$(ms)
kill -TERM "$cpid"
wait "$cpid"
rc=$?
took=$(( $(ms) - t0 ))
check "ping-flood: the client read $flood pings (read $pings)" [ "$pings" -ge "$flood" ]
check "ping-flood: SIGTERM exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "ping-flood: SIGTERM exits within $exit_ms ms (took $took ms)" [ "$took" -lt "$exit_ms" ]
under_limit() { [ -n "$hwm_kb" ] && [ "$hwm_kb" -lt "$max_kb" ]; }
[ "$max_kb" -eq 0 ] || check "ping-flood: peak memory under $max_kb kB (${hwm_kb:-?} kB)" under_limit

# 4. --pretty: the server's strings cannot drive the terminal or forge lines.
start control-chars
timeout 20 "$cli" --server "$url" --token t --pretty --reconnect never --connect-timeout 1s \
  <&3 >"$tmp/4.out" 2>"$tmp/4.err"
check "--pretty: no ESC or BEL byte in the output" bash -c "! grep -q \$'[\\x1b\\x07]' '$tmp/4.out'"
check "--pretty: one line per event (no forged line)" bash -c "! grep -q '^event=forged\|^close code=1000' '$tmp/4.out'"
check "--pretty: the escapes are shown escaped" grep -qF 'bye\x1b]0;owned\x07\x0aclose code=1000' "$tmp/4.out"

# 4b. --raw: a text message that is not JSON is a text event, a binary one a
#     binary event (base64); without --raw both are bad_message errors.
start raw-frames
timeout 20 "$cli" --server "$url" --token t --raw --json --reconnect never --connect-timeout 1s \
  <&3 >"$tmp/4b.out" 2>"$tmp/4b.err"
check "--raw: text event" grep -qx '{"event":"text","data":"raw, not JSON"}' "$tmp/4b.out"
check "--raw: binary event, base64" grep -qx '{"event":"binary","base64":"AP8QaGk="}' "$tmp/4b.out"
check "--raw: no bad_message" bash -c "! grep -q bad_message '$tmp/4b.out'"
timeout 20 "$cli" --server "$url" --token t --json --reconnect never --connect-timeout 1s \
  <&3 >"$tmp/4c.out" 2>"$tmp/4c.err"
check "without --raw: two bad_message errors" [ "$(grep -c '"error":"bad_message"' "$tmp/4c.out")" -eq 2 ]
check "without --raw: no text or binary event" bash -c "! grep -q '\"event\":\"\(text\|binary\)\"' '$tmp/4c.out'"

# 5. Unusable --server, empty --token: bad usage (exit 2), before any event.
for bad in 'ftp://127.0.0.1:1' '' 'http://127.0.0.1:99999' 'http://' 'ws://host:0'; do
  timeout 10 "$cli" --server "$bad" --token t --json </dev/null >"$tmp/5.out" 2>"$tmp/5.err"
  rc=$?
  check "--server '$bad': exit 2 (got $rc)" [ "$rc" -eq 2 ]
  check "--server '$bad': no event printed" [ ! -s "$tmp/5.out" ]
  check "--server '$bad': a clear message" grep -q 'not a usable URL' "$tmp/5.err"
done
timeout 10 "$cli" --server http://127.0.0.1:1 --token '' --json </dev/null >"$tmp/6.out" 2>"$tmp/6.err"
rc=$?
check "--token '': exit 2 (got $rc)" [ "$rc" -eq 2 ]
check "--token '': no event" [ ! -s "$tmp/6.out" ]

# 6. A token already in --server's query is redacted like ours.
start hold-after-our-close
timeout 20 "$cli" --server "${url/http/ws}/ws?v=2&token=inurl-s3cret" --token t --json --exit-after 200ms \
  --connect-timeout 1s </dev/null >"$tmp/7.out" 2>"$tmp/7.err"
check "a token in --server's query is never printed" bash -c "! grep -q 'inurl-s3cret' '$tmp/7.out' '$tmp/7.err'"
check "... and shown as ***" grep -q 'token=\*\*\*&token=\*\*\*' "$tmp/7.out"

finish
