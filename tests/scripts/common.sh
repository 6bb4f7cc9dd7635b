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

make_test_certificates() { # a CA (ca.pem) and a leaf for localhost/127.0.0.1 (leaf.pem, leaf.key) in $tmp
  (
    cd "$tmp" &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 1 \
      -subj "/CN=chatlink test CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign" &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=localhost" &&
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >leaf.ext &&
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 1 -extfile leaf.ext
  ) >/dev/null 2>&1
}

free_port() { # a port free on 127.0.0.1 now
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
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
