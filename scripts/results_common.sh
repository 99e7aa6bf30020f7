# Sourced by the results_*.sh scripts: where they run, what they check before running
# chorus-cli, and the label order they import with. Sets root (the checkout, also the working
# directory), work (a scratch folder, removed at exit) and cli (CHORUS_CLI, default
# ./build/app/chorus-cli); the script's own name starts every message.

set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cli="${CHORUS_CLI:-./build/app/chorus-cli}"
results_script="$(basename "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# results_need DATA_DIR [python]: stops unless chorus-cli is built (these scripts build nothing),
# the data directory exists and, when asked for, python3 is on the PATH.
results_need() {
    if [ ! -x "$cli" ]; then
        echo "$results_script: $cli not found; build it first (cmake --build build --target chorus-cli)" >&2
        exit 1
    fi
    if [ ! -d "$1" ]; then
        echo "$results_script: no data directory $1" >&2
        exit 1
    fi
    if [ "${2:-}" = python ] && ! command -v python3 >/dev/null 2>&1; then
        echo "$results_script: needs python3" >&2
        exit 1
    fi
}

# sorted_labels ANSWERS_CSV GOLD_CSV: the sorted class names (gold and valid answers, INVALID
# left out), so that majority vote breaks ties toward the alphabetically first label as
# crowd-kit does; nothing when a file is missing or quoted (the import's own order then).
sorted_labels() {
    if [ ! -f "$1" ] || [ ! -f "$2" ] || grep -q '"' "$1" "$2"; then
        return 0
    fi
    { tail -n +2 "$1" | cut -d, -f3; tail -n +2 "$2" | cut -d, -f2; } |
        tr -d '\r' | grep -v -x -e INVALID -e '' | LC_ALL=C sort -u | paste -sd, -
}

# task_labels DIR: sets the array labels to (--labels <sorted classes>) for the task in DIR
# (answers.csv, gold.csv), or to () when sorted_labels gives nothing.
task_labels() {
    labels=()
    local l
    l="$(sorted_labels "$1/answers.csv" "$1/gold.csv")"
    [ -z "$l" ] || labels=(--labels "$l")
}

# llm_tasks DIR: sets the array tasks to the task folders in DIR that hold an items.jsonl (the
# LLM tasks of ../shared/data/llm), in name order.
llm_tasks() {
    tasks=()
    local d
    for d in "$1"/*/; do
        if [ -f "$d/items.jsonl" ]; then
            tasks+=("${d%/}")
        fi
    done
}
