#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/ and runs each in turn.
#   ./scripts/fuzz.sh                       every target, 600 s each
#   ./scripts/fuzz.sh 60 jsonl pairwise     the named targets, 60 s each
# Targets: jsonl long_csv wide_csv chaosnli labelstudio pairwise labelnorm.
# Seeds: small slices of ../shared/data and tests/data/import, copied into
# build-fuzz/seeds/<target>/ (never committed). The growing corpus is build-fuzz/corpus/<target>/,
# crashing inputs go to build-fuzz/crashes/<target>/, logs to build-fuzz/logs/, and one line per
# run to build-fuzz/fuzz-runs.tsv. A target that crashes stops; the others still run; the
# script exits 1 if any crashed. Reproduce a crash: build-fuzz/fuzz/fuzz_<target> <file>.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$CHORUS_ROOT"

seconds="${1:-600}"
shift || true
all=(jsonl long_csv wide_csv chaosnli labelstudio pairwise labelnorm)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
dir="$CHORUS_ROOT/build-fuzz"
shared="$CHORUS_ROOT/../shared/data"
local_data="$CHORUS_ROOT/tests/data/import"

chorus_install_fuzz_deps
if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$CHORUS_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER=clang++ -DCHORUS_FUZZ=ON \
        -DCHORUS_BUILD_TESTS=OFF -DCHORUS_BUILD_BENCH=OFF
fi
cmake --build "$dir" --parallel "${CHORUS_FUZZ_JOBS:-2}" --target $(printf 'fuzz_%s ' "${targets[@]}")

# seed <target> <file> [lines]: the first `lines` lines (default 20), at most 4 KB, of file.
seed() {
    local t="$1" f="$2" n="${3:-20}"
    [ -f "$f" ] || return 0
    local out
    out="$dir/seeds/$t/$(basename "$(dirname "$f")")_$(basename "$f")"
    head -n "$n" "$f" | head -c 4096 > "$out"
}
make_seeds() {
    local t="$1"
    rm -rf "$dir/seeds/$t"
    mkdir -p "$dir/seeds/$t"
    case "$t" in
    jsonl)
        seed "$t" "$local_data/tiny.jsonl"
        for d in emotion discourse flute; do seed "$t" "$shared/llm/$d/items.jsonl" 3; done
        seed "$t" "$shared/distributions/distributions_snli.jsonl" 5 ;;
    long_csv)
        seed "$t" "$local_data/tiny_long.csv"
        for d in dog bluebirds rte temp weather; do seed "$t" "$shared/$d/answers.csv" 40; done
        seed "$t" "$shared/llm/emotion/answers.csv" 40 ;;
    wide_csv)
        seed "$t" "$local_data/tiny_wide.csv"
        seed "$t" "$local_data/tiny_wide_mace.csv"
        seed "$t" "$shared/distributions/human_counts_snli.csv" 20
        seed "$t" "$shared/distributions/gold_snli.csv" 20 ;;
    chaosnli)
        seed "$t" "$local_data/tiny_chaosnli.jsonl"
        seed "$t" "$shared/distributions/chaosNLI_snli.jsonl" 3
        seed "$t" "$shared/distributions/chaosnli_snli.jsonl" 3 ;;
    labelstudio)
        cp "$local_data/tiny_labelstudio.json" "$dir/seeds/$t/" ;;
    pairwise)
        seed "$t" "$shared/pairwise/pandalm.csv" 40
        printf '%s\n' '{"model_a":"x","model_b":"y","winner":"model_a","judge":"human1","item":1}' \
            '{"model_a":"y","model_b":"x","winner":"tie","judge":"gpt","category":"c","first_shown":"a","len_a":10,"len_b":"12"}' \
            '{"model_a":"x","model_b":"z","winner":7,"judge":"j","judge_kind":"llm"}' \
            > "$dir/seeds/$t/inline.jsonl" ;;
    labelnorm)
        printf 'Fear\tJoy\tSadness\n**joy**\n fear.\n"Sadness"\n(new label)!\n=pos\tJoy\n=n/a\tINVALID\nn/a\n!\nother\n' \
            > "$dir/seeds/$t/inline.txt"
        for f in "$shared"/llm/*/label_options.csv; do seed "$t" "$f"; done
        seed "$t" "$shared/llm/emotion/answers.csv" 30 ;;
    esac
}

mkdir -p "$dir/logs"
# ASan's default 256 MB quarantine of freed memory halves the speed of the import targets on a
# small machine; 64 MB still holds many iterations' worth of frees (about 2.5 MB each).
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=64}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
[ -f "$dir/fuzz-runs.tsv" ] || printf 'date\ttarget\tseconds\texecutions\texec_per_s\tcov_start\tcov_end\tcorpus_files\tcrashes\tcommand\n' > "$dir/fuzz-runs.tsv"
status=0
for t in "${targets[@]}"; do
    make_seeds "$t"
    mkdir -p "$dir/corpus/$t" "$dir/crashes/$t"
    log="$dir/logs/$t.log"
    cmd=("$dir/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048
         -print_final_stats=1 -artifact_prefix="$dir/crashes/$t/" "$dir/corpus/$t" "$dir/seeds/$t")
    echo "== $t: ${cmd[*]}"
    rc=0
    "${cmd[@]}" > "$log" 2>&1 || rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    cov0=$(grep -m1 'INITED' "$log" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || true)
    cov1=$(grep -E '(DONE|NEW|REDUCE|pulse) ' "$log" | tail -1 | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || true)
    corpus=$(find "$dir/corpus/$t" -type f | wc -l)
    crashes=$(find "$dir/crashes/$t" -type f | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$seconds" "${execs:-?}" \
        "${rate:-?}" "${cov0:-?}" "${cov1:-?}" "$corpus" "$crashes" "${cmd[*]}" >> "$dir/fuzz-runs.tsv"
    echo "   exit $rc, ${execs:-?} executions, corpus $corpus, crash files $crashes (log: $log)"
    [ "$rc" -eq 0 ] || { status=1; grep -m3 -E 'ERROR|SUMMARY|Test unit written' "$log" || true; }
done
exit $status
