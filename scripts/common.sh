# Shared by run.sh and test.sh: install what is missing, configure and build.
# Idempotent: a second run installs nothing and rebuilds incrementally.

CHORUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHORUS_PACKAGES=(build-essential cmake ninja-build pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-svg-dev libqt6sql6-sqlite libsqlite3-dev libqt6opengl6-dev
    libqt6sql6-psql libpq-dev postgresql
    libxkbcommon-dev
    nlohmann-json3-dev libgl-dev xvfb xauth appstream desktop-file-utils)

chorus_sudo() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

chorus_install_deps() {
    local missing=()
    for p in "${CHORUS_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing: ${missing[*]}"
        chorus_sudo apt-get update -qq
        chorus_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

# chorus_build <build-dir> [extra cmake args...]
chorus_build() {
    local dir="$1"; shift
    local generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    if [ ! -f "$dir/CMakeCache.txt" ]; then
        cmake -S "$CHORUS_ROOT" -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
    elif [ $# -gt 0 ]; then
        cmake -S "$CHORUS_ROOT" -B "$dir" "$@"
    fi
    cmake --build "$dir" --parallel "$(nproc)"
}

# Extra packages for scripts/fuzz.sh only (clang and its libFuzzer/sanitizer runtimes); not
# part of the default install.
CHORUS_FUZZ_PACKAGES=(clang libclang-rt-dev)

chorus_install_fuzz_deps() {
    chorus_install_deps "${CHORUS_FUZZ_PACKAGES[@]}"
}
