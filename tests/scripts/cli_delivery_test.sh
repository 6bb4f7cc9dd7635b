#!/usr/bin/env bash
# chatlink-cli and chatlink-server speaking PROTOCOL.md's Delivery extension
# (CLI.md: --ack, --resume, --request, --request-timeout; events ack, reply,
# resume): acks as ack events, replies as reply events, resume across runs
# with --store, across a restart of the server with --history, and a gap.
# Usage: cli_delivery_test.sh PATH/TO/chatlink-cli PATH/TO/chatlink-server
set -u
. "$(dirname "$0")/common.sh"
cli=$1
server=$2
history="$tmp/history"
store="$tmp/store.json"

start_chatlink_server "$server" --token ann:ta --token bob:tb --history "$history"

# 1. --ack: each message gets a cid and an ack event; end of input waits for
#    the acks, then closes.
printf '%s\n%s\n' '{"type":"chat","to":"all","text":"a1"}' '{"type":"chat","to":"all","text":"a2","cid":"own-7"}' |
  timeout 20 "$cli" --server "$url" --token ta --ack --json >"$tmp/1.out" 2>"$tmp/1.err"
rc=$?
check "--ack exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "an ack event with an id" grep -q '^{"event":"ack","cid":"[A-Za-z0-9]*\.1","id":1}$' "$tmp/1.out"
check "the app's own cid is kept" grep -q '^{"event":"ack","cid":"own-7","id":2}$' "$tmp/1.out"
check "no ack as a message" bash -c "! grep -q '\"type\":\"ack\"' '$tmp/1.out'"
check "both delivered back" [ "$(grep -c '"event":"message","data":{"type":"chat"' "$tmp/1.out")" -eq 2 ]

# 2. --request: the reply is a reply event; an unknown type's error too;
#    a request the server never answers (a ping: never acknowledged) is a
#    request_timeout error event.
timeout 20 "$cli" --server "$url" --token ta --json --request-timeout 500ms \
  --request '{"type":"chat","to":"all","text":"q1"}' --request '{"type":"nope","cid":"r-2"}' \
  --request '{"type":"ping"}' </dev/null >"$tmp/2.out" 2>"$tmp/2.err"
rc=$?
check "--request exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "reply event: the ack" grep -q '^{"event":"reply","cid":"[A-Za-z0-9]*\.[0-9]*","data":{"type":"ack","cid":"[A-Za-z0-9.]*","id":3}}$' "$tmp/2.out"
check "reply event: the error" grep -q '^{"event":"reply","cid":"r-2","data":{"type":"error","error":"unknown_type","cid":"r-2"}}$' "$tmp/2.out"
check "request_timeout error event" grep -q '^{"event":"error","error":"request_timeout",' "$tmp/2.out"

# 3. --resume with --store: a first run (no since: no history) sees a live
#    message, and keeps its id.
"$cli" --store "$store" --login tb --user bob
timeout 20 "$cli" --server "$url" --store "$store" --resume --json --exit-after 2s </dev/null >"$tmp/3.out" 2>"$tmp/3.err" &
bob=$!
for _ in $(seq 1 100); do grep -qs '"event":"open"' "$tmp/3.out" && break; sleep 0.05; done
printf '%s\n' '{"type":"chat","to":"all","text":"live"}' | timeout 20 "$cli" --server "$url" --token ta --ack --json >/dev/null 2>&1
wait "$bob"
rc=$?
check "--resume first run exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "no since on the first run" bash -c "! grep -q 'since=' '$tmp/3.out'"
check "the live message arrived" grep -q '"text":"live","id":4}' "$tmp/3.out"
check "the id is in the store" grep -q '"chatlink.since":"4"' "$store"
check "the store is private" [ "$(stat -c %a "$store")" = 600 ]

# 4. While bob is away: two messages, and the server restarts (history in
#    the file). bob's next run resumes from 4: a resume event, then 5 and 6.
printf '%s\n' '{"type":"chat","to":"all","text":"away1"}' | timeout 20 "$cli" --server "$url" --token ta --ack --json >/dev/null 2>&1
kill "$pid"; wait "$pid" 2>/dev/null; pid=
start_chatlink_server "$server" --token ann:ta --token bob:tb --history "$history"
printf '%s\n' '{"type":"chat","to":"all","text":"away2"}' | timeout 20 "$cli" --server "$url" --token ta --ack --json >"$tmp/4a.out" 2>&1
check "ids keep increasing across the restart" grep -q '^{"event":"ack","cid":"[A-Za-z0-9.]*","id":6}$' "$tmp/4a.out"
timeout 20 "$cli" --server "$url" --store "$store" --resume --json --exit-after 1s </dev/null >"$tmp/4.out" 2>"$tmp/4.err"
check "connects with since=4" grep -q '^bob connected (resuming after 4)$' "$tmp/server.err"
check "resume event, ok" grep -q '^{"event":"resume","since":4,"ok":true,"last":null}$' "$tmp/4.out"
check "the missed messages, in order, once" bash -c "[ \"\$(grep -o '\"text\":\"[a-z0-9]*\"' '$tmp/4.out' | tr '\n' ' ')\" = '\"text\":\"away1\" \"text\":\"away2\" ' ]"
check "the id moved on" grep -q '"chatlink.since":"6"' "$store"

# 5. A server that lost its history: ok false with its last id, then on.
kill "$pid"; wait "$pid" 2>/dev/null; pid=
start_chatlink_server "$server" --token ann:ta --token bob:tb
timeout 20 "$cli" --server "$url" --store "$store" --resume --json --exit-after 1s </dev/null >"$tmp/5.out" 2>"$tmp/5.err"
check "a gap is a resume event with ok false" grep -q '^{"event":"resume","since":6,"ok":false,"last":0}$' "$tmp/5.out"
check "the id follows the server" grep -q '"chatlink.since":"0"' "$store"

# 6. --logout removes the resume id with the login.
"$cli" --store "$store" --logout
check "--logout removes both entries" bash -c "! grep -q 'chatlink.since\|chatuser' '$store'"

# 7. Bad usage.
for args in "--request '[1]'" "--request '{'" "--request-timeout 0" "--raw --ack"; do
  eval "timeout 10 \"\$cli\" --server \"\$url\" --token ta $args" </dev/null >"$tmp/7.out" 2>"$tmp/7.err"
  rc=$?
  check "bad usage '$args' exits 2 (got $rc)" [ "$rc" -eq 2 ]
done

finish
