#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine: installs what is missing, builds, then
#   ./build.sh run             opens Sparsity Explorer on the bundled demo weights
#   ./build.sh test            runs every test stage (what CI runs)
#   ./build.sh test STAGE...   runs only those stages, e.g. `./build.sh test quick`
# Test stages, in order (each a function stage_<name> below; STAGES="..." also selects them):
#   suite  Release build (build/), the whole Qt Test suite         (alias: quick)
#   asan   AddressSanitizer + UBSan build (build-asan/), the whole suite
#   tsan   ThreadSanitizer build (build-tsan/), the tests labelled "tsan"
#   fuzz   libFuzzer targets (clang, build-fuzz/), each run FUZZ_SECONDS (15; longer by hand) on its seeds
# The sanitizer and fuzz stages use the presets of CMakePresets.json; any finding fails the
# stage.
# Root runs apt-get directly; a normal user needs sudo. Extra arguments after 'run' are passed
# to the program (e.g. a file to open).
set -euo pipefail
cd "$(dirname "$0")"

mode="${1:-run}"
shift || true
build_dir="${BUILD_DIR:-build}"

# qt6-tools-dev holds CMake's Qt6LinguistTools package, qt6-l10n-tools the lrelease that
# compiles the translations at build time (and lupdate, which tst_translations runs). liblzf-dev
# decodes h5py's LZF chunks; the two filter plugin packages give HDF5 Blosc, LZ4 and BZip2;
# libdeflate-dev compresses the chunks of apply's pruned HDF5 copies.
packages=(build-essential cmake qt6-base-dev qt6-tools-dev qt6-l10n-tools libqt6opengl6-dev
          libxkbcommon-dev libhdf5-dev libgl-dev zlib1g-dev liblzf-dev libdeflate-dev
          hdf5-filter-plugin hdf5-filter-plugin-blosc-serial)

# Installs those of the given packages (default: the build's) that are missing.
install_missing() {
    local wanted=("$@")
    [ ${#wanted[@]} -gt 0 ] || wanted=("${packages[@]}")
    local missing=()
    for p in "${wanted[@]}"; do
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
    # Unity batches of 8 sources (as in the sanitizer and fuzz presets): the Qt headers are
    # parsed once per batch instead of once per file (tests/README.md, "Build cost").
    cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSPARSITY_NATIVE=ON \
        -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8 ${CMAKE_ARGS:-} >/dev/null
    cmake --build "$build_dir" -j"$(nproc)"
}

# Every stage, in the order `./build.sh test` runs them. A new stage is a stage_<name>
# function and its name here.
all_stages=(suite asan tsan fuzz)
jobs="$(nproc)"
# Tests at once: one more than the cores. A test phase under -j2 kept the two cores busy only
# 70 % of its time (tests wait for the programs and reader processes they start, and for
# widgets' timers); every time limit of the tests allows for the load (tests/README.md,
# "Build cost").
test_jobs=$((jobs + 1))
current_stage=
started=0

stage_suite() {
    build
    (cd "$build_dir" && ctest --output-on-failure --timeout 600 -j"$test_jobs")
}

# A sanitizer tree from its preset: configure, build the preset's targets, run its tests.
sanitizer_stage() {
    local preset="$1"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" -j"$jobs"
    ctest --preset "$preset" -j"$test_jobs"
}

stage_asan() { sanitizer_stage asan; }
stage_tsan() { sanitizer_stage tsan; }

# libFuzzer comes with Debian's clang; only this stage needs it. 15 s per target (5 targets, 2 at
# a time: 45 s instead of 90 s at 30 s): CI starts each run from the committed corpus and keeps
# nothing it finds, so it checks that the seeds and a couple of thousand mutations of each
# (fuzz_hdf5: ~2000 in-process HDF5 inputs) stay clean; searching for new bugs is a long run by
# hand (FUZZ_SECONDS=600).
stage_fuzz() {
    install_missing clang libclang-rt-14-dev
    cmake --preset fuzz >/dev/null
    cmake --build --preset fuzz -j"$jobs"
    fuzz/run.sh build-fuzz "${FUZZ_SECONDS:-15}"
}

run_stages() {
    local stages=("$@")
    [ ${#stages[@]} -gt 0 ] || read -r -a stages <<<"${STAGES:-${all_stages[*]}}"
    local stage summary=() elapsed
    for stage in "${stages[@]}"; do
        [ "$stage" = quick ] && stage=suite
        if ! declare -F "stage_$stage" >/dev/null; then
            echo "unknown test stage '$stage' (stages: ${all_stages[*]}, quick)" >&2
            exit 2
        fi
    done
    # A stage runs under `set -e` (not inside an `if`, which would switch it off): the first
    # failing command ends the script, and the trap names the stage.
    trap '[ -z "${current_stage:-}" ] || echo "=== stage $current_stage FAILED after $((SECONDS - started)) s ===" >&2' EXIT
    for stage in "${stages[@]}"; do
        [ "$stage" = quick ] && stage=suite
        echo "=== stage $stage ==="
        started=$SECONDS
        current_stage=$stage
        "stage_$stage"
        current_stage=
        elapsed=$((SECONDS - started))
        summary+=("$stage ${elapsed}s")
        echo "=== stage $stage passed in ${elapsed} s ==="
    done
    echo "=== all passed: ${summary[*]} ==="
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
    # The install_layout test validates the desktop entry and the AppStream metainfo with
    # these when they are installed.
    install_missing desktop-file-utils appstream
    run_stages "$@"
    ;;
*)
    echo "usage: $0 run [FILE.h5] | test [STAGE...]  (stages: ${all_stages[*]}, quick)" >&2
    exit 2
    ;;
esac
