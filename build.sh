#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine: installs what is missing, builds, then
#   ./build.sh run    opens Sparsity Explorer on the bundled demo weights
#   ./build.sh test   runs the whole test suite (what CI runs)
# Root runs apt-get directly; a normal user needs sudo. Extra arguments after 'run' are passed
# to the program (e.g. a file to open).
set -euo pipefail
cd "$(dirname "$0")"

mode="${1:-run}"
shift || true
build_dir="${BUILD_DIR:-build}"

packages=(build-essential cmake qt6-base-dev libqt6opengl6-dev libxkbcommon-dev libhdf5-dev
          libgl-dev zlib1g-dev)

install_missing() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
    # Built where it runs, so tuned for this CPU (SPARSITY_NATIVE); CMake's default is portable.
    cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSPARSITY_NATIVE=ON ${CMAKE_ARGS:-} >/dev/null
    cmake --build "$build_dir" -j"$(nproc)"
}

case "$mode" in
run)
    install_missing
    build
    if [ -x "$build_dir/app/sparsity-explorer" ]; then
        exec "$build_dir/app/sparsity-explorer" "$@"
    fi
    exec "$build_dir/app/sparsity-cli" list resources/demo/digits.h5
    ;;
test)
    install_missing
    build
    cd "$build_dir"
    exec ctest --output-on-failure --timeout 600 -j"$(nproc)"
    ;;
*)
    echo "usage: $0 run [FILE.h5] | test" >&2
    exit 2
    ;;
esac
