#!/usr/bin/env bash
# Whole commands as a user runs them, from start to exit with the output written (issue #17):
# the 1M-label crowd CSV (100,000 items x 10 of 200 annotators, 5 classes, gold for every item)
# made by scripts/make_crowd_csv.py, then
#   aggregate --input  (ds, mace; --json to a file)
#   import into a new project file
#   aggregate --project (mv: almost all of it is reading the project back; ds)
# Each command runs RUNS times (default 3); the best wall time, the best CPU time (user+sys; on
# a busy machine the two bests may come from different runs) and the peak RSS are printed.
# Usage: bench/bench_end_to_end.sh [BUILD_DIR] [RUNS]
set -euo pipefail
# shellcheck source=bench_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench_common.sh"
runs="${2:-3}"
cli="$build/app/chorus-cli"
bench_require "$cli"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$root/scripts/make_crowd_csv.py" "$work/data"
answers="$work/data/answers.csv" gold="$work/data/gold.csv"

# best <label> <command...>: runs the command $runs times, prints the best wall time.
best() {
    local label="$1"; shift
    local bestWall="" bestCpu="" line
    for ((r = 0; r < runs; ++r)); do
        rm -f "$work/p.chorus" "$work/p.chorus-wal" "$work/p.chorus-shm"
        case "$label" in
            "aggregate --project"*) "$cli" import "$work/p.chorus" "$answers" --gold "$gold" 2>/dev/null ;;
        esac
        /usr/bin/time -o "$work/time" -f "%e %U %S %M" "$@" > "$work/out" 2>/dev/null
        line=$(tail -1 "$work/time")
        local wall cpu
        read -r wall u s m <<<"$line"
        cpu=$(awk "BEGIN{print $u+$s}")
        if [ -z "$bestWall" ] || awk "BEGIN{exit !($wall < $bestWall)}"; then
            bestWall=$wall
            peak=$m
        fi
        if [ -z "$bestCpu" ] || awk "BEGIN{exit !($cpu < $bestCpu)}"; then
            bestCpu=$cpu
        fi
    done
    printf "%-32s wall %6.2f s   cpu %6.2f s   peak %5d MB   output %s\n" "$label" "$bestWall" "$bestCpu" \
        $((peak / 1024)) "$(du -h "$work/out" | cut -f1)"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
best "aggregate --input ds --json" "$cli" aggregate --input "$answers" --gold "$gold" --method ds --json
best "aggregate --input mace --json" "$cli" aggregate --input "$answers" --gold "$gold" --method mace --json
best "import" "$cli" import "$work/p.chorus" "$answers" --gold "$gold"
best "aggregate --project mv" "$cli" aggregate --project "$work/p.chorus" --method mv
best "aggregate --project ds" "$cli" aggregate --project "$work/p.chorus" --method ds
