# Sourced by the bench scripts that run on both engines (needs $root, the repository): a scratch
# directory $work and a throwaway PostgreSQL server (scripts/pg-test-server.sh) whose connection
# URI is $base; the server is stopped and $work removed on exit.
work="$(mktemp -d)"
state="$work/pg"
cleanup() { "$root/scripts/pg-test-server.sh" stop "$state" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"$root/scripts/pg-test-server.sh" start "$state" >/dev/null
base="$(cat "$state/uri")"
