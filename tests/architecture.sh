#!/usr/bin/env bash
# Checks the include rules of docs/ARCHITECTURE.md on the source tree, so a file that crosses a
# layer fails the suite instead of waiting for a reviewer. Prints every violation; exits 1 if
# there is one. Usage: architecture.sh SOURCE_DIR
set -uo pipefail
shopt -s lastpipe # refuse() runs in this shell, so it can set status
cd "${1:?usage: architecture.sh SOURCE_DIR}" || exit 2

status=0
# Lists the lines of the files in `dirs` that match the extended regular expression.
matching() {
    local pattern="$1"
    shift
    grep -rnE --include='*.h' --include='*.cpp' "$pattern" "$@" 2>/dev/null
}
# Fails with `rule` when any line is given on standard input.
refuse() {
    local rule="$1" found
    found="$(cat)"
    if [ -n "$found" ]; then
        echo "VIOLATION: $rule"
        echo "$found" | sed 's/^/  /'
        status=1
    fi
}

ui_folders='(compare|curves|heatmap|histogram|jobs|layers|learn|mainwindow|model|parameters|session|stats)/'
cli_headers='(applycommand|commandline|datasetselection|jsonoutput|listcommand|maskcommand|sweepcommand|texttable)\.h'

matching "#include [\"<]$ui_folders" core cli |
    refuse "core/ and cli/ never include ui/ headers"
matching "#include [\"<](Qt(Gui|Widgets)/|Q(Widget|Painter|Image|Pixmap|Color|Application)\b)" core cli |
    refuse "core/ and cli/ use Qt Core only (no Gui, no Widgets)"
matching "#include [\"<]$cli_headers" core ui |
    refuse "core/ and ui/ never include the CLI"
matching "#include [\"<]hdf5\.h[\">]" core ui cli app | grep -v '^core/hdf5/' |
    refuse "only core/hdf5 includes hdf5.h; everything else goes through core/io"
matching "#include [\"<](hdf5|numpy)/" ui cli app |
    refuse "ui/, cli/ and app/ see files only through core/io (io/tensorfile.h)"
matching "#include [\"<]session/(coalescingrunner|pooljob|jobfailure)" ui |
    refuse "background work in ui/ goes through ui/jobs"
matching "QtConcurrent|QFutureWatcher|QPromise|QThreadPool::globalInstance\(\)" core ui cli app |
    grep -v '^[^:]*:[0-9]*: *//' |
    refuse "one way to run background work: core::parallelFor/startOnPool in core, ui/jobs in ui, on injected pools"
find app -name '*.cpp' ! -name main.cpp | refuse "app/ holds only the main.cpp files of its three programs"

[ "$status" -eq 0 ] && echo "architecture rules hold"
exit "$status"
