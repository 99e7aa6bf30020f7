#!/usr/bin/env bash
# bench_team on both engines (issue #20): a .chorus file and a project on a throwaway
# PostgreSQL server (scripts/pg-test-server.sh, stopped on exit).
# Usage: bench/bench_team.sh [BUILD_DIR] [ITEMS] [REPEATS]
set -euo pipefail
# shellcheck source=bench_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench_common.sh"
items="${2:-100000}"
repeats="${3:-200}"
bench="$build/bench/bench_team"
bench_require "$bench"
# shellcheck source=pg_bench_server.sh
. "$root/bench/pg_bench_server.sh"
"$bench" "$work/team.chorus" "$items" "$repeats"
"$bench" "$base&project=benchteam" "$items" "$repeats"
