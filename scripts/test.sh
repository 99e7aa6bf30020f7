#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest.
#   ./scripts/test.sh             Release build in build/
#   ./scripts/test.sh --sanitize  ASan+UBSan build in build-sanitize/
#   ./scripts/test.sh --repeat N  runs the whole suite N times in a row, stopping at the first
#                                 failure (to find tests that fail by chance; docs/robustness.md)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$CHORUS_ROOT"
dir=build
extra=()
repeat=1
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --repeat)
            repeat="${2:-}"
            shift 2 || true
            if ! [[ "$repeat" =~ ^[1-9][0-9]*$ ]]; then
                echo "test.sh: --repeat needs a positive number of runs" >&2
                exit 2
            fi
            ;;
        *) args+=("$1"); shift ;;
    esac
done
set -- "${args[@]+"${args[@]}"}"
if [ "${1:-}" = "--sanitize" ]; then
    dir=build-sanitize
    # The benchmarks are not tests (ctest does not run them): not building them saves a slow
    # instrumented build.
    extra=(-DCHORUS_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHORUS_BUILD_BENCH=OFF)
    # A UBSan finding fails its test instead of scrolling past in the log.
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fi
chorus_install_deps
chorus_build "$dir" "${extra[@]}"
export QT_QPA_PLATFORM=offscreen
cd "$dir"
for ((run = 1; run <= repeat; ++run)); do
    if ! ctest --output-on-failure --parallel "$(nproc)"; then
        [ "$repeat" -gt 1 ] && echo "test.sh: run $run of $repeat failed" >&2
        exit 1
    fi
    [ "$repeat" -gt 1 ] && echo "test.sh: run $run of $repeat passed"
done
exit 0
