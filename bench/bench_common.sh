# Sourced first by every bench script: $root (the repository), $build (the script's first
# argument, default build/) and bench_require, which stops with a clear message when a program
# the script runs has not been built.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"

# bench_require <program...>: each must exist and be executable.
bench_require() {
    local p
    for p in "$@"; do
        [ -x "$p" ] || { echo "no $p: build it first (cmake --build \"$build\" --target $(basename "$p"))" >&2; exit 1; }
    done
}
