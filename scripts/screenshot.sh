#!/usr/bin/env bash
# Starts Chorus under Xvfb on the sample project and saves PNGs of the main views, the window
# filling a screen of CHORUS_SCREEN pixels (default 1920x1080).
#   ./scripts/screenshot.sh [OUT_DIR]   (default: docs/screenshots)
#   CHORUS_SCREEN=1366x768 ./scripts/screenshot.sh docs/screenshots/1366x768
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$CHORUS_ROOT"
out="${1:-docs/screenshots}"
screen="${CHORUS_SCREEN:-1920x1080}"
if ! [[ "$screen" =~ ^[1-9][0-9]*x[1-9][0-9]*$ ]]; then
    echo "screenshot.sh: CHORUS_SCREEN must be WIDTHxHEIGHT, e.g. 1366x768 (got \"$screen\")" >&2
    exit 2
fi
mkdir -p "$out"
chorus_install_deps
chorus_build build
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
./build/app/chorus-cli import "$tmp/sample.chorus" resources/sample/sample.jsonl \
    --label-map resources/sample/label_map.csv 2>/dev/null
# A private settings directory so screenshots do not depend on (or change) the user's.
pairwise=()
[ -f ../shared/data/pairwise/pandalm.csv ] && pairwise=(--pairwise ../shared/data/pairwise/pandalm.csv)
HOME="$tmp" XDG_CONFIG_HOME="$tmp/config" xvfb-run -a -s "-screen 0 ${screen}x24" \
    ./build/app/chorus "$tmp/sample.chorus" "${pairwise[@]}" --screenshots "$out"
echo "Screenshots written to $out"
