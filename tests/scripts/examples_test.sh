#!/usr/bin/env bash
# The README's examples (examples/callback, examples/coro) against
# chatlink-server on 127.0.0.1: they chat and exit 0; with the server down or
# a refused token they exit 1 with the error at once, instead of waiting for
# the default policy's retry 300 s later.
# Usage: examples_test.sh PATH/TO/chatlink-server EXAMPLE...
set -u
server=$1
shift
tmp=$(mktemp -d)
failures=0
pid=

cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}

ms() { date +%s%3N; }

"$server" --port 0 --token "ann:good" >"$tmp/server.out" 2>"$tmp/server.err" &
pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening on' "$tmp/server.out" && break
  sleep 0.05
done
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/server.out")
[ -n "$port" ] || { echo "FAILED: chatlink-server did not start"; exit 1; }

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

[ "$failures" -eq 0 ] || { echo "$failures failed"; exit 1; }
