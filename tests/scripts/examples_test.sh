#!/usr/bin/env bash
# The README's examples (examples/callback, examples/coro) against
# chatlink-server on 127.0.0.1: they chat and exit 0; with the server down or
# a refused token they exit 1 with the error at once, instead of waiting for
# the default policy's retry 300 s later.
# Usage: examples_test.sh PATH/TO/chatlink-server EXAMPLE...
set -u
. "$(dirname "$0")/common.sh"
server=$1
shift

start_chatlink_server "$server" --token "ann:good"

# A port with nothing listening: one the kernel gave out and took back.
down=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

for ex in "$@"; do
  name=$(basename "$ex")
  timeout 20 "$ex" "http://127.0.0.1:$port" good >"$tmp/ok.out" 2>"$tmp/ok.err"
  rc=$?
  check "$name: chats and exits 0 (got $rc)" [ "$rc" -eq 0 ]
  check "$name: received its chat back" grep -q '"text":"hello' "$tmp/ok.out"

  t0=$(ms)
  timeout 20 "$ex" "http://127.0.0.1:$down" good >"$tmp/down.out" 2>"$tmp/down.err"
  rc=$?
  took=$(( $(ms) - t0 ))
  check "$name: server down: exits 1 (got $rc)" [ "$rc" -eq 1 ]
  check "$name: server down: exits at once, not after the retry (took $took ms)" [ "$took" -lt 3000 ]
  check "$name: server down: says why" grep -qi 'refused' "$tmp/down.err"

  t0=$(ms)
  timeout 20 "$ex" "http://127.0.0.1:$port" wrong >"$tmp/bad.out" 2>"$tmp/bad.err"
  rc=$?
  took=$(( $(ms) - t0 ))
  check "$name: refused token: exits 1 (got $rc)" [ "$rc" -eq 1 ]
  check "$name: refused token: at once (took $took ms)" [ "$took" -lt 3000 ]
done

finish
