# Sourced by the shell tests: a scratch directory, the server's pid (killed
# on exit), check(), and a millisecond clock. A test sets `pid` when it
# starts a server, may append to `cleanup_more`, and ends with `finish`.
tmp=$(mktemp -d)
failures=0
pid=
cleanup_more=:

cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  eval "$cleanup_more"
  rm -rf "$tmp"
}
trap cleanup EXIT

check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}

ms() { date +%s%3N; }

finish() {
  [ "$failures" -eq 0 ] || { echo "$failures failed"; exit 1; }
}

start_chatlink_server() { # start_chatlink_server PATH ARGS...: sets pid, port and url
  local server=$1; shift
  "$server" --port 0 "$@" >"$tmp/server.out" 2>"$tmp/server.err" &
  pid=$!
  for _ in $(seq 1 100); do
    grep -q '^listening on' "$tmp/server.out" && break
    sleep 0.05
  done
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/server.out")
  [ -n "$port" ] || { echo "FAILED: chatlink-server did not start"; exit 1; }
  url="http://127.0.0.1:$port"
}
