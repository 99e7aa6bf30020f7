#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest.
#   ./scripts/test.sh             Release build in build/
#   ./scripts/test.sh --sanitize  ASan+UBSan build in build-sanitize/
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$CHORUS_ROOT"
dir=build
extra=()
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
ctest --output-on-failure --parallel "$(nproc)"
