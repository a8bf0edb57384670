#!/usr/bin/env bash
# Runs test functions that run themselves or the CLI as user nobody, from copies in a fresh 0700
# directory (the sanitizer suppression files included), as in a checkout under root's /root (mode 0700 on Debian): the runs as nobody
# must not depend on where the checkout lies. Exit 0 when every function passed, 77 (CTest's
# skip) when one skipped (the reason is printed), 1 otherwise.
# Usage: privatecheckout.sh CLI TEST FUNCTION [TEST FUNCTION...]
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: not root, so the permission tests run in-process and never as nobody"
    exit 77
fi
private="$(mktemp -d)"
trap 'rm -rf "$private"' EXIT
chmod 700 "$private"
cp "$1" "$private/"
export SPARSITY_TEST_CLI="$private/$(basename "$1")"
shift
# The HDF5 reader process the CLI starts, beside it as after an install.
if [ -n "${SPARSITY_HDF5_READER:-}" ]; then
    cp "$SPARSITY_HDF5_READER" "$private/"
    export SPARSITY_HDF5_READER="$private/$(basename "$SPARSITY_HDF5_READER")"
fi
# The sanitizer suppression files that the options name lie in the checkout too: put them in
# the private directory, where a private checkout has them.
for variable in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS; do
    [ -n "${!variable:-}" ] || continue
    IFS=':' read -ra parts <<<"${!variable}"
    options=""
    for part in "${parts[@]}"; do
        if [[ "$part" == suppressions=* ]]; then
            cp "${part#suppressions=}" "$private/$variable.supp"
            part="suppressions=$private/$variable.supp"
        fi
        options="${options:+$options:}$part"
    done
    export "$variable=$options"
done
status=0
while [ $# -ge 2 ]; do
    cp "$1" "$private/"
    test="$private/$(basename "$1")"
    output="$(cd "$private" && "$test" "$2" 2>&1)" || true
    echo "$output"
    # A data-driven function passes row by row: "PASS   : Test::function(row)".
    if grep -q "^FAIL!  : " <<<"$output"; then
        echo "FAIL: $(basename "$1") $2 failed when run from $private (mode 0700)"
        status=1
    elif grep -q "^PASS   : .*::$2(" <<<"$output"; then
        :
    elif grep -q "^SKIP   : .*::$2(" <<<"$output"; then
        [ "$status" -ne 0 ] || status=77
    else
        echo "FAIL: $(basename "$1") $2 did not pass when run from $private (mode 0700)"
        status=1
    fi
    shift 2
done
exit "$status"
