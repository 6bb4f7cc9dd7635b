#!/usr/bin/env bash
# A message round trip on loopback: start chatlink-server, connect two
# chatlink-cli clients, send a chat message from one to the other, stop.
# Installs the Debian packages it needs when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
chatlink_install_deps

cmake --preset release >/dev/null
cmake --build --preset release --target chatlink-server chatlink-cli
bin=build/release/examples
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# 1. The example server, on a free port of 127.0.0.1, with two users.
"$bin/chatlink-server" --port 0 --token ann:ann-secret --token bob:bob-secret >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 1 100); do grep -q '^listening on' "$tmp/server.out" && break; sleep 0.05; done
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/server.out")
[ -n "$port" ] || { echo "chatlink-server did not start" >&2; exit 1; }
echo "== chatlink-server listening on 127.0.0.1:$port (pid $server_pid)"

# 2. Bob listens for 2 seconds.
"$bin/chatlink-cli" --server "http://127.0.0.1:$port" --token bob-secret --json --exit-after 2s </dev/null >"$tmp/bob.out" &
bob=$!
for _ in $(seq 1 100); do grep -q '"event":"open"' "$tmp/bob.out" && break; sleep 0.05; done

# 3. Ann sends one message through standard input; its end closes her connection.
echo "== ann: chatlink-cli --server http://127.0.0.1:$port --token *** (stdin: one chat message)"
ann_status=0
echo '{"type":"chat","to":"bob","text":"hello bob"}' |
  "$bin/chatlink-cli" --server "http://127.0.0.1:$port" --token ann-secret --json || ann_status=$?
echo "== ann exited with status $ann_status"

bob_status=0
wait "$bob" || bob_status=$?
echo "== bob: chatlink-cli --server http://127.0.0.1:$port --token *** --exit-after 2s"
cat "$tmp/bob.out"
echo "== bob exited with status $bob_status"

grep -q '"text":"hello bob"' "$tmp/bob.out" || { echo "demo FAILED: bob did not receive the message" >&2; exit 1; }
[ "$ann_status" -eq 0 ] && [ "$bob_status" -eq 0 ] || { echo "demo FAILED: a client did not exit cleanly" >&2; exit 1; }
echo "== round trip OK; stopping chatlink-server (pid $server_pid)"
