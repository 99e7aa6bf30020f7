#!/usr/bin/env bash
# bench_team on both engines (issue #20): a .chorus file and a project on a throwaway
# PostgreSQL server (scripts/pg-test-server.sh, stopped on exit).
# Usage: bench/bench_team.sh [BUILD_DIR] [ITEMS] [REPEATS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
items="${2:-100000}"
repeats="${3:-200}"
bench="$build/bench/bench_team"
[ -x "$bench" ] || { echo "build bench_team first" >&2; exit 1; }
# shellcheck source=pg_bench_server.sh
. "$root/bench/pg_bench_server.sh"
"$bench" "$work/team.chorus" "$items" "$repeats"
"$bench" "$base&project=benchteam" "$items" "$repeats"
