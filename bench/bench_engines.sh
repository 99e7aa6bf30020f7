#!/usr/bin/env bash
# The same project on both engines, side by side (issue #19): a .chorus file and a project on a
# throwaway PostgreSQL server (scripts/pg-test-server.sh, stopped on exit). The 1M-label crowd
# of scripts/make_crowd_csv.py (100,000 items x 10 of 200 annotators, gold on every item):
#   import into a new project; open it as the GUI does (bench_open); analysis commands with
#   --project (aggregate mv/ds/mace, agreement, evaluate, divergence, select, simulate).
# Every figure is the best wall time of RUNS whole-process runs; the last column is server/file.
# Usage: bench/bench_engines.sh [BUILD_DIR] [RUNS]
set -euo pipefail
# shellcheck source=bench_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench_common.sh"
runs="${2:-3}"
cli="$build/app/chorus-cli"
open="$build/bench/bench_open"
bench_require "$cli" "$open"
# shellcheck source=pg_bench_server.sh
. "$root/bench/pg_bench_server.sh"
python3 "$root/scripts/make_crowd_csv.py" "$work/data" >/dev/null
answers="$work/data/answers.csv" gold="$work/data/gold.csv"
file="$work/p.chorus" server="$base&project=bench"

wall() {  # wall seconds of one run of the command
    /usr/bin/time -o "$work/time" -f "%e" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    tail -1 "$work/time"
}
bestOf() {
    local best="" w
    for ((r = 0; r < runs; ++r)); do
        w=$(wall "$@")
        if [ -z "$best" ] || awk "BEGIN{exit !($w < $best)}"; then best=$w; fi
    done
    echo "$best"
}
importBest() {  # importBest PROJECT: a new project each run
    local best="" w
    for ((r = 0; r < runs; ++r)); do
        if [ "$1" = "$file" ]; then
            rm -f "$file" "$file-wal" "$file-shm"
        else
            psql "$base" -qc "DROP SCHEMA IF EXISTS bench CASCADE" >/dev/null 2>&1
        fi
        w=$(wall "$cli" import "$1" "$answers" --gold "$gold")
        if [ -z "$best" ] || awk "BEGIN{exit !($w < $best)}"; then best=$w; fi
    done
    echo "$best"
}
row() {  # row LABEL FILE_SECONDS SERVER_SECONDS
    printf "| %-58s | %7.2f | %7.2f | %5.2fx |\n" "$1" "$2" "$3" "$(awk "BEGIN{print $3/$2}")"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| what (1M labels, 100k items x 10 of 200 annotators) | file (s) | server (s) | ratio |"
echo "|---|---:|---:|---:|"
fi=$(importBest "$file"); si=$(importBest "$server")
row "import (new project, with gold)" "$fi" "$si"
fo=$("$open" "$file" "$runs" | awk '/open_seconds/{print $2}')
so=$("$open" "$server" "$runs" | awk '/open_seconds/{print $2}')
row "open as the GUI does (snapshot, consensus, table model)" "$fo" "$so"
while IFS='|' read -r label args; do
    # shellcheck disable=SC2086
    f=$(bestOf "$cli" $args --project "$file")
    # shellcheck disable=SC2086
    s=$(bestOf "$cli" $args --project "$server")
    row "$label" "$f" "$s"
done <<'COMMANDS'
aggregate --method mv --json|aggregate --method mv --json
aggregate --method ds --json|aggregate --method ds --json
aggregate --method mace --json|aggregate --method mace --json
agreement --json|agreement --json
evaluate --methods mv,ds --json|evaluate --methods mv,ds --json
divergence --p votes --q method:ds --no-dcor --json|divergence --p votes --q method:ds --no-dcor --json
select --method ds --budget 1000 ... --json|select --method ds --budget 1000 --cost 1 --relabeler-accuracy 0.9 --json
simulate --method mv --relabeler gold ... --json|simulate --method mv --relabeler gold --budget 1000 --cost 1 --strategy uncertainty --json
COMMANDS
