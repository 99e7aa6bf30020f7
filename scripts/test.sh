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
    extra=(-DCHORUS_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
chorus_install_deps
chorus_build "$dir" "${extra[@]}"
export QT_QPA_PLATFORM=offscreen
cd "$dir"
ctest --output-on-failure --parallel "$(nproc)"
