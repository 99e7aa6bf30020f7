#!/usr/bin/env bash
# ctest packaging_deb: build the .deb, unpack it into a scratch root, run what it installed.
set -euo pipefail
build="$1"
version="$2"
icon_sizes="$3"   # the PNG icon sizes the build renders (CHORUS_ICON_SIZES), separated by ;
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" > "$work/cpack.log" 2>&1) \
    || { cat "$work/cpack.log"; exit 1; }
deb="$(ls "$work"/out/*.deb | head -1)"
echo "built $(basename "$deb")"
# Capture before grep: with pipefail, grep -q closing the pipe early would fail the writer.
info="$(dpkg-deb --info "$deb")"
grep -q "Depends: .*libqt6widgets6" <<< "$info" || { echo "missing Qt dependencies"; exit 1; }
mkdir "$work/root"
dpkg -x "$deb" "$work/root"
for f in usr/bin/chorus usr/bin/chorus-cli usr/share/applications/io.github.chorus.Chorus.desktop \
         usr/share/metainfo/io.github.chorus.Chorus.metainfo.xml \
         usr/share/icons/hicolor/scalable/apps/io.github.chorus.Chorus.svg usr/share/chorus/sample/sample.jsonl \
         usr/share/man/man1/chorus.1 usr/share/man/man1/chorus-cli.1 usr/share/chorus/llm/llama-cpp-local.json; do
    [ -e "$work/root/$f" ] || { echo "missing $f in the package"; exit 1; }
done
# The PNG icon set: each file a PNG whose IHDR width and height are its directory's size.
[ -n "$icon_sizes" ] || { echo "no icon sizes given"; exit 1; }
for size in ${icon_sizes//;/ }; do
    png="$work/root/usr/share/icons/hicolor/${size}x${size}/apps/io.github.chorus.Chorus.png"
    [ -f "$png" ] || { echo "missing the ${size}x${size} icon"; exit 1; }
    [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || { echo "$png is not a PNG"; exit 1; }
    dims="$(od -An -tu1 -j16 -N8 "$png" | tr -s ' ' | sed 's/^ //')"
    w=$(( $(cut -d' ' -f3 <<< "$dims") * 256 + $(cut -d' ' -f4 <<< "$dims") ))
    h=$(( $(cut -d' ' -f7 <<< "$dims") * 256 + $(cut -d' ' -f8 <<< "$dims") ))
    [ "$w" = "$size" ] && [ "$h" = "$size" ] || { echo "$png is ${w}x${h}, not ${size}x${size}"; exit 1; }
done
got="$("$work/root/usr/bin/chorus-cli" --version)"
[ "$got" = "chorus-cli $version" ] || { echo "chorus-cli --version printed '$got'"; exit 1; }
gui="$(QT_QPA_PLATFORM=offscreen "$work/root/usr/bin/chorus" --version 2>/dev/null)"
grep -q "$version" <<< "$gui" || { echo "chorus --version printed '$gui'"; exit 1; }
"$work/root/usr/bin/chorus-cli" import "$work/p.chorus" "$work/root/usr/share/chorus/sample/sample.jsonl" \
    --label-map "$work/root/usr/share/chorus/sample/label_map.csv" 2> "$work/import.log"
info="$("$work/root/usr/bin/chorus-cli" info "$work/p.chorus" --json)"
items="$(grep '"items"' <<< "$info" | tr -dc 0-9)"
[ "$items" = "400" ] || { echo "import from the package gave $items items"; cat "$work/import.log"; exit 1; }
if command -v appstreamcli > /dev/null; then
    appstreamcli validate --no-net --pedantic "$work/root/usr/share/metainfo/io.github.chorus.Chorus.metainfo.xml" \
        || appstreamcli validate --no-net "$work/root/usr/share/metainfo/io.github.chorus.Chorus.metainfo.xml"
fi
if command -v desktop-file-validate > /dev/null; then
    desktop-file-validate "$work/root/usr/share/applications/io.github.chorus.Chorus.desktop"
fi
# The man page documents every command that `chorus-cli --help` lists.
if command -v groff > /dev/null; then
    page="$(groff -man -Tutf8 -P-cbou -ww "$work/root/usr/share/man/man1/chorus-cli.1" 2> "$work/groff.log")"
    [ ! -s "$work/groff.log" ] || { echo "groff warnings in chorus-cli.1:"; cat "$work/groff.log"; exit 1; }
    help="$("$work/root/usr/bin/chorus-cli" --help)"
    for cmd in $(sed -n 's/^  \([a-z]\+\) .*/\1/p' <<< "$help"); do
        grep -q "^       $cmd " <<< "$page" || { echo "chorus-cli.1 does not document '$cmd'"; exit 1; }
    done
fi
echo "package OK"
