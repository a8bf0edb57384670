#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) on a copy of its committed seed corpus, so a
# run never writes into the repository, and fails if any target reports a crash, a sanitizer
# error, a leak, a timeout or running out of memory. Usage: fuzz/run.sh BUILD_DIR [SECONDS]
# (BUILD_DIR configured with -DSPARSITY_BUILD_FUZZ=ON and built). The targets run side by side,
# one per core (FUZZ_JOBS=N: at most N at once), each on one core. What a failing target found
# is kept in BUILD_DIR/fuzz-findings/TARGET/ (the input, and the log), for fuzz/README.md's steps.
# FUZZ_TARGETS="fuzz_hdf5" runs only the named targets.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build_dir="$(cd "${1:?usage: $0 BUILD_DIR [SECONDS]}" && pwd)"
seconds="${2:-60}"
targets=(${FUZZ_TARGETS:-fuzz_params fuzz_cli fuzz_hdf5 fuzz_numpy fuzz_safetensors})

# Leaks are checked after each input (libFuzzer's -detect_leaks, on by default); UBSan stops at
# the first report so that it fails the run like ASan does. allocator_may_return_null: a C
# malloc of an absurd size (HDF5 trusts sizes read from a damaged file) returns NULL, as it does
# outside ASan, and HDF5 reports the failure; C++ new still reports out-of-memory. lsan.supp
# names HDF5's own leaks on damaged files (fuzz/README.md); no function of ours is in it.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:fast_unwind_on_malloc=0}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/lsan.supp}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Whether a report is HDF5's own: the first frame of its first stack that is neither the
# sanitizer or fuzzer runtime nor libc's allocation and copy functions lies in libhdf5. That is
# a memory error, leak or absurd allocation inside the library on a damaged file, past every
# check the project makes first (fuzz_hdf5 also checks after each input that no HDF5 identifier
# of ours stays open, so a leak of ours cannot pass for one of HDF5's). A report whose first
# such frame is ours, an assertion of the target, a UBSan report or a timeout is never HDF5's.
inside_hdf5() {
    grep -qE 'runtime error:|invariant broken|ERROR: libFuzzer: timeout' "$1" && return 1
    awk '/ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)/ { on = 1 }
         on && /^    #[0-9]+ / {
             if ($0 ~ / in (__sanitizer|__asan|__lsan|__interceptor|fuzzer::)/ ||
                 $0 ~ / in (__pthread_kill_implementation|raise|abort|__libc_message|__fortify_fail|__stack_chk_fail)[ (]/ ||
                 $0 ~ /^    #[0-9]+ 0x[0-9a-f]+ +\(.*libc\.so/ ||
                 $0 ~ / in (malloc|calloc|realloc|free|operator new|operator delete|mem(cpy|move|set)|str[a-z]+)[ (]/ ||
                 $0 ~ / in __(mem|str)[a-z_0-9]+ / || $0 ~ /sysdeps\/|libclang_rt|compiler-rt|sanitizer_common/) next
             print ($0 ~ /libhdf5/) ? "hdf5" : "other"; exit
         }' "$1" | grep -qx hdf5
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Runs one target for the whole time on a copy of its corpus; prints its result and fails if it
# found anything.
run_target() {
    local target="$1"
    binary="$build_dir/fuzz/$target"
    if [ ! -x "$binary" ]; then
        echo "$target: $binary is missing; build with -DSPARSITY_BUILD_FUZZ=ON" >&2
        return 1
    fi
    corpus="$work/$target/corpus"
    artifacts="$work/$target/artifacts"
    mkdir -p "$corpus" "$artifacts"
    cp "$here/corpus/$target"/* "$corpus/"
    options=(-max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=65536 -timeout=20
             -print_final_stats=1 -artifact_prefix="$artifacts/")
    [ -f "$here/$target.dict" ] && options+=(-dict="$here/$target.dict")
    [ -f "$here/$target.options" ] && mapfile -t extra < <(grep -v '^#' "$here/$target.options") &&
        options+=("${extra[@]}")
    log="$work/$target/log"
    # A crash inside HDF5 itself whose stack holds a frame listed in known-hdf5-crashes/frames
    # (fuzz/README.md) is noted and the target restarted for the time left; anything else ends
    # the target's run as a failure. The working directory is empty, so nothing a fuzzed input
    # names can be found relative to it.
    known=0
    runs_total=0
    end=$((SECONDS + seconds))
    while :; do
        left=$((end - SECONDS))
        [ "$left" -ge 1 ] || { status=0; : >"$log"; break; }
        options[0]=-max_total_time="$left"
        (cd "$work/$target" && "$binary" "${options[@]}" "$corpus" >"$log" 2>&1)
        status=$?
        runs_total=$((runs_total + $(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 | grep -E '^[0-9]+$' || echo 0)))
        [ "$status" -ne 0 ] || break
        grep -qE '^    #[0-9]+ .* in ('"$(paste -sd'|' "$here/known-hdf5-crashes/frames")"') ' "$log" ||
            inside_hdf5 "$log" || break
        known=$((known + 1))
        mkdir -p "$build_dir/fuzz-findings/$target/known-hdf5"
        mv "$artifacts"/* "$build_dir/fuzz-findings/$target/known-hdf5/" 2>/dev/null
    done
    runs=$runs_total
    found="$(find "$artifacts" -type f | wc -l)"
    if [ "$status" -ne 0 ] || [ "$found" -ne 0 ] ||
        grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
        keep="$build_dir/fuzz-findings/$target"
        mkdir -p "$keep"
        cp "$log" "$keep/log"
        cp -r "$artifacts"/. "$keep/" 2>/dev/null || true
        echo "$target: FAILED (exit $status, ${runs:-?} runs); input and log in $keep" >&2
        grep -E -A25 'ERROR:|runtime error:|==ERROR|deadly signal|invariant broken' "$log" |
            head -60 >&2
        return 1
    fi
    echo "$target: ok, $runs runs in ${seconds}s, corpus $(ls "$corpus" | wc -l) inputs, $known known HDF5 crashes (fuzz/README.md)"
}

# The targets run side by side, at most FUZZ_JOBS (default: one per core) at once, each on one
# core for SECONDS: on 2 cores the 3 targets take 2 x SECONDS instead of 3 x, with as many
# inputs each. Each target's output is shown whole, in the order of the targets.
max_jobs="${FUZZ_JOBS:-$(nproc)}"
for target in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$max_jobs" ]; do wait -n || true; done
    (run_target "$target" >"$work/$target.out" 2>&1; echo $? >"$work/$target.status") &
done
wait
passed=0
failed=0
for target in "${targets[@]}"; do
    if [ "$(cat "$work/$target.status" 2>/dev/null)" = 0 ]; then
        cat "$work/$target.out"
        passed=$((passed + 1))
    else
        cat "$work/$target.out" >&2
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
