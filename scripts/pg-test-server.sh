#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite (issue #19).
#   scripts/pg-test-server.sh start STATE_DIR   initdb into a new temporary folder, start the
#                                                server on a Unix socket in that folder and a
#                                                free port on 127.0.0.1; writes STATE_DIR/uri
#   scripts/pg-test-server.sh stop STATE_DIR    stops it and deletes the folder
#   scripts/pg-test-server.sh status STATE_DIR  exit 0 when it is running
#   scripts/pg-test-server.sh restart STATE_DIR pg_ctl restart -m fast (the fault tests: every
#                                                session is cut, the server comes back)
#   scripts/pg-test-server.sh stop-immediate STATE_DIR
#                                               pg_ctl stop -m immediate (a crash: no checkpoint,
#                                               sessions cut mid-transaction); the data stays
#   scripts/pg-test-server.sh resume STATE_DIR  starts that stopped cluster again on the same
#                                               socket folder and port (crash recovery runs first)
# ctest runs start and stop as a fixture (tests/CMakeLists.txt), so every test run gets its own
# server and a failed test never leaves one behind. initdb and pg_ctl refuse to run as root: as
# root they run as the `postgres` user on a folder it owns.
#
# Authentication: the socket trusts every role (tests connect as the superuser `chorus_admin`
# and as the reviewer roles they create); TCP on 127.0.0.1 asks for a password (scram), so that
# the wrong-password path can be tested. The superuser's password is in STATE_DIR/password.
set -euo pipefail
cmd="${1:-}"
state="${2:-}"
if [ -z "$cmd" ] || [ -z "$state" ]; then
    echo "usage: $0 start|stop|status|restart|stop-immediate|resume STATE_DIR" >&2
    exit 2
fi
mkdir -p "$state"
state="$(cd "$state" && pwd)"

pgbin() {
    local b
    for b in /usr/lib/postgresql/*/bin; do
        [ -x "$b/pg_ctl" ] && { echo "$b"; return; }
    done
    command -v pg_ctl >/dev/null && { dirname "$(command -v pg_ctl)"; return; }
    echo "pg-test-server: PostgreSQL is not installed (Debian package postgresql)" >&2
    exit 1
}

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A port nothing listens on (bash's /dev/tcp connects when something does). Another process
# may still take it before the server does: start retries with a new port.
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 40000))
        (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

case "$cmd" in
start)
    if [ -f "$state/dir" ] && "$0" status "$state" >/dev/null 2>&1; then
        "$0" stop "$state"
    fi
    bin="$(pgbin)"
    dir="$(mktemp -d /tmp/chorus-pg.XXXXXX)"
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    echo "$dir" > "$state/dir"
    password="test-$RANDOM-$RANDOM"
    echo "$password" > "$state/password"
    as_owner sh -c "printf '%s\n' '$password' > '$dir/pwfile'"
    as_owner "$bin/initdb" -D "$dir/data" -U chorus_admin --pwfile="$dir/pwfile" -E UTF8 \
        --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >"$state/initdb.log" 2>&1 \
        || { cat "$state/initdb.log" >&2; exit 1; }
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200" \
            start >"$state/start.log" 2>&1; then
            break
        fi
        [ "$attempt" -eq 5 ] && { cat "$state/start.log" "$dir/server.log" >&2; exit 1; }
    done
    echo "$port" > "$state/port"
    echo "$bin" > "$state/bin"
    # The database the tests use; each test makes its own projects (schemas) in it.
    as_owner "$bin/psql" -h "$dir" -p "$port" -U chorus_admin -d postgres -qAt \
        -c "CREATE DATABASE chorus_test" >/dev/null
    echo "postgresql://chorus_admin@/chorus_test?host=$dir&port=$port" > "$state/uri"
    echo "pg-test-server: running on $dir port $port"
    ;;
stop)
    [ -f "$state/dir" ] || exit 0
    dir="$(cat "$state/dir")"
    bin="$(cat "$state/bin" 2>/dev/null || pgbin)"
    if [ -d "$dir/data" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    rm -f "$state/dir" "$state/uri" "$state/port" "$state/password" "$state/bin"
    echo "pg-test-server: stopped"
    ;;
restart)
    [ -f "$state/dir" ] || { echo "pg-test-server: not running" >&2; exit 1; }
    dir="$(cat "$state/dir")"
    bin="$(cat "$state/bin")"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null
    ;;
stop-immediate)
    [ -f "$state/dir" ] || { echo "pg-test-server: not running" >&2; exit 1; }
    dir="$(cat "$state/dir")"
    bin="$(cat "$state/bin")"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null
    ;;
resume)
    [ -f "$state/dir" ] || { echo "pg-test-server: no cluster" >&2; exit 1; }
    dir="$(cat "$state/dir")"
    bin="$(cat "$state/bin")"
    port="$(cat "$state/port")"
    # Crash recovery replays the WAL since the last checkpoint: on a loaded machine after a
    # whole test run that can take a while.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 300 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200" \
        start >/dev/null
    ;;
status)
    [ -f "$state/dir" ] || exit 1
    dir="$(cat "$state/dir")"
    bin="$(cat "$state/bin" 2>/dev/null || pgbin)"
    as_owner "$bin/pg_ctl" -D "$dir/data" status
    ;;
*)
    echo "usage: $0 start|stop|status|restart|stop-immediate|resume STATE_DIR" >&2
    exit 2
    ;;
esac
