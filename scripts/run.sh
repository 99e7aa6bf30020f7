#!/usr/bin/env bash
# Installs what is missing, builds Release into build/, and opens Chorus on the sample project.
# Extra arguments are passed to chorus (e.g. another project file).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$CHORUS_ROOT"
chorus_install_deps
chorus_build build

sample="$CHORUS_ROOT/build/sample/sample.chorus"
if [ ! -f "$sample" ]; then
    mkdir -p "$(dirname "$sample")"
    ./build/app/chorus-cli import "$sample" resources/sample/sample.jsonl \
        --label-map resources/sample/label_map.csv
fi
args=("$@")
[ ${#args[@]} -eq 0 ] && args=("$sample")
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    echo "No display found; running under xvfb-run (nothing will be visible)." >&2
    exec xvfb-run -a ./build/app/chorus "${args[@]}"
fi
exec ./build/app/chorus "${args[@]}"
