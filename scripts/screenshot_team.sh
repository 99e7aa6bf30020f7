#!/usr/bin/env bash
# The team review screenshot of docs/team.md (issue #20): the sample project on a throwaway
# PostgreSQL server (scripts/pg-test-server.sh, stopped on exit) with team roles, overlap 2;
# reviewers bo and cy have claimed and decided some tickets with chorus-cli; Chorus opens the
# project as the reviewer ana under Xvfb, in My queue with the Team panel, and saves
# team-queue.png into OUT_DIR (default docs/screenshots/1366x768, screen CHORUS_SCREEN).
#   ./scripts/screenshot_team.sh [OUT_DIR]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$CHORUS_ROOT"
out="${1:-docs/screenshots/1366x768}"
screen="${CHORUS_SCREEN:-1366x768}"
mkdir -p "$out"
cli=./build/app/chorus-cli
[ -x "$cli" ] && [ -x ./build/app/chorus ] || { echo "build chorus and chorus-cli first" >&2; exit 1; }
tmp="$(mktemp -d)"
state="$tmp/pg"
cleanup() { scripts/pg-test-server.sh stop "$state" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
scripts/pg-test-server.sh start "$state" >/dev/null
base="$(cat "$state/uri")"
U="$base&project=tickets"
as() { echo "${U/chorus_admin@/$1@}"; }
$cli import "$tmp/sample.chorus" resources/sample/sample.jsonl --label-map resources/sample/label_map.csv >/dev/null 2>&1
$cli push "$tmp/sample.chorus" "$U" >/dev/null
$cli team init "$U" >/dev/null
# The DBA's part: the reviewers' logins (trusted on the test server's socket).
"$(cat "$state/bin")/psql" -h "$(cat "$state/dir")" -p "$(cat "$state/port")" -U chorus_admin -d chorus_test -qAt \
    -c "CREATE ROLE ana LOGIN; CREATE ROLE bo LOGIN; CREATE ROLE cy LOGIN; CREATE ROLE dee LOGIN" >/dev/null
for login in ana bo cy; do $cli team add "$U" "$login" --role reviewer >/dev/null 2>&1; done
$cli team add "$U" dee --role adjudicator >/dev/null 2>&1
$cli team settings --project "$U" --overlap 2 --order queue --lease-minutes 30 >/dev/null
# bo decides 9 of 15 claimed tickets and cy 5 of 10, accepting the consensus and flagging one
# each (different ones: two tickets go to adjudication); ana has decided 3 before she opens
# the window.
work() {  # work LOGIN CLAIM DECIDE FLAG_INDEX
    local items k=0
    items=$($cli claim --project "$(as "$1")" --n "$2" --json \
        | python3 -c 'import json,sys; print(" ".join(c["item"] for c in json.load(sys.stdin)["claims"]))')
    for item in $items; do
        [ "$k" -ge "$3" ] && break
        if [ "$k" -eq "$4" ]; then
            $cli decide --project "$(as "$1")" --item "$item" --flag >/dev/null
        else
            $cli decide --project "$(as "$1")" --item "$item" --accept >/dev/null
        fi
        k=$((k + 1))
    done
    $cli release --project "$(as "$1")" >/dev/null
    [ "$1" = ana ] || $cli claim --project "$(as "$1")" --n "$5" >/dev/null
}
work bo 15 9 2 6
work cy 10 5 3 5
work ana 3 3 -1 0
HOME="$tmp" XDG_CONFIG_HOME="$tmp/config" xvfb-run -a -s "-screen 0 ${screen}x24" \
    ./build/app/chorus "$(as ana)" --screenshots "$tmp/shots"
cp "$tmp/shots/team-queue.png" "$out/team-queue.png"
echo "Screenshot written to $out/team-queue.png"
# The adjudicator's window: the queue of the items whose reviews disagree.
HOME="$tmp" XDG_CONFIG_HOME="$tmp/config" xvfb-run -a -s "-screen 0 ${screen}x24" \
    ./build/app/chorus "$(as dee)" --screenshots "$tmp/shots-dee"
cp "$tmp/shots-dee/adjudication.png" "$out/adjudication.png"
echo "Screenshot written to $out/adjudication.png"
