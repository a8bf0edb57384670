#!/usr/bin/env bash
# ctest install_layout: `cmake --install` of this build tree into a temporary prefix, then checks
# what a user or a distribution gets (packaging/CMakeLists.txt):
# - the programs in bin/, running from there (--version, `list` on the demo weights);
# - the man pages, gzipped, naming every command of `sparsity-cli --help` and every option of
#   each command's --help, and every option of `sparsity-explorer --help`;
# - the desktop entry (desktop-file-validate when installed), its Exec and Icon found in the tree;
# - the hicolor icons, each PNG of the size its folder says, and the SVG;
# - the AppStream metainfo (appstreamcli validate when installed), launching that desktop entry
#   and naming this version;
# - nothing installed outside those places (further programs in bin/ are allowed: issue 13's
#   child reader lives there).
# Needs neither root nor network.
# Usage: check-install.sh CMAKE BUILD_DIR VERSION WITH_GUI(1|0) DEMO_FILE
set -euo pipefail

cmake_command="$1"
build_dir="$2"
version="$3"
with_gui="$4"
demo_file="$5"

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
if ! "$cmake_command" --install "$build_dir" --prefix "$prefix" >"$work/install.log" 2>&1; then
    cat "$work/install.log" >&2
    echo "FAIL: cmake --install $build_dir failed (are all programs built?)" >&2
    exit 1
fi
# Where GNUInstallDirs put things for this prefix (lib64 and the like never matter here).
man1="$prefix/share/man/man1"
applications="$prefix/share/applications"
metainfo="$prefix/share/metainfo"
hicolor="$prefix/share/icons/hicolor"
icon_sizes=(16 24 32 48 64 128 256 512)

expected=("bin/sparsity-cli" "share/man/man1/sparsity-cli.1.gz")
if [ "$with_gui" = 1 ]; then
    expected+=("bin/sparsity-explorer" "share/man/man1/sparsity-explorer.1.gz"
               "share/applications/sparsity-explorer.desktop"
               "share/metainfo/io.github.sparsityexplorer.SparsityExplorer.metainfo.xml"
               "share/icons/hicolor/scalable/apps/sparsity-explorer.svg")
    for size in "${icon_sizes[@]}"; do
        expected+=("share/icons/hicolor/${size}x${size}/apps/sparsity-explorer.png")
    done
fi
for file in "${expected[@]}"; do
    [ -f "$prefix/$file" ] || fail "$file was not installed"
done
# Anything else: a file installed where no rule of ours should put one.
while IFS= read -r file; do
    case " ${expected[*]} " in *" $file "*) continue ;; esac
    case "$file" in
    bin/*) [ -x "$prefix/$file" ] || fail "$file is in bin/ but not executable" ;;
    *) fail "unexpected installed file $file" ;;
    esac
done < <(cd "$prefix" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort)

# The programs run from where they were installed, without the build tree.
cli="$prefix/bin/sparsity-cli"
if [ -x "$cli" ]; then
    out="$("$cli" --version 2>&1)" || fail "installed sparsity-cli --version failed: $out"
    [ "$out" = "sparsity-cli $version" ] || fail "sparsity-cli --version printed '$out'"
    "$cli" list "$demo_file" >"$work/list.txt" 2>&1 || fail "installed sparsity-cli list failed: $(cat "$work/list.txt")"
    grep -q '/mlp/fc1/weight' "$work/list.txt" || fail "installed sparsity-cli list did not list /mlp/fc1/weight"
fi
if [ "$with_gui" = 1 ] && [ -x "$prefix/bin/sparsity-explorer" ]; then
    out="$(env -u DISPLAY -u WAYLAND_DISPLAY "$prefix/bin/sparsity-explorer" --version 2>&1)" ||
        fail "installed sparsity-explorer --version failed: $out"
    [ "$out" = "sparsity-explorer $version" ] || fail "sparsity-explorer --version printed '$out'"
    usage="$(env -u DISPLAY -u WAYLAND_DISPLAY "$prefix/bin/sparsity-explorer" --help | head -n 1)"
    case "$usage" in
    "Usage: sparsity-explorer "*) ;;
    *) fail "sparsity-explorer --help starts '$usage', not 'Usage: sparsity-explorer'" ;;
    esac
fi

# A man page's text with roff's \- as plain -.
man_text() { gzip -dc "$1" | sed 's/\\-/-/g'; }
# The long options a --help text lists ("  -o, --output <OUTPUT.h5>", "  --force").
help_options() { grep -E '^ +(-[A-Za-z], )?--[a-z]' | grep -oE -- '--[a-z][a-z-]*' | sort -u; }
check_man_page() {
    local page="$1" program="$2"
    [ -f "$page" ] || return 0
    gzip -t "$page" || { fail "$page is not valid gzip"; return 0; }
    local text
    text="$(man_text "$page")"
    grep -q "^\.TH $(echo "$program" | tr '[:lower:]' '[:upper:]') 1 " <<<"$text" ||
        fail "$(basename "$page") has no .TH line for $program"
    grep -q "Sparsity Explorer $version" <<<"$text" ||
        fail "$(basename "$page") does not carry version $version"
    if command -v man >/dev/null; then
        local warnings
        warnings="$(gzip -dc "$page" >"$work/page.1" && LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$work/page.1" 2>&1 >/dev/null)" || true
        [ -z "$warnings" ] || fail "$(basename "$page"): man reports: $warnings"
    fi
}
check_man_page "$man1/sparsity-cli.1.gz" sparsity-cli
if [ -x "$cli" ] && [ -f "$man1/sparsity-cli.1.gz" ]; then
    cli_man="$(man_text "$man1/sparsity-cli.1.gz")"
    # Every command of the general help, and every option of each command's help.
    commands="$("$cli" --help | sed -n '/^Commands:/,/^$/p' | grep -oE '^  [a-z]+' | tr -d ' ')"
    [ -n "$commands" ] || fail "no commands found in sparsity-cli --help"
    for command in $commands; do
        grep -qE "^\.B $command\$|^\.B sparsity-cli $command\$" <<<"$cli_man" ||
            fail "sparsity-cli.1 does not describe the command '$command'"
        for option in $("$cli" "$command" --help | help_options); do
            grep -qF -- "$option" <<<"$cli_man" ||
                fail "sparsity-cli.1 does not mention '$command $option'"
        done
    done
fi
if [ "$with_gui" = 1 ]; then
    check_man_page "$man1/sparsity-explorer.1.gz" sparsity-explorer
    if [ -x "$prefix/bin/sparsity-explorer" ] && [ -f "$man1/sparsity-explorer.1.gz" ]; then
        gui_man="$(man_text "$man1/sparsity-explorer.1.gz")"
        for option in $(env -u DISPLAY "$prefix/bin/sparsity-explorer" --help | help_options); do
            grep -qF -- "$option" <<<"$gui_man" ||
                fail "sparsity-explorer.1 does not mention '$option'"
        done
    fi

    desktop="$applications/sparsity-explorer.desktop"
    if [ -f "$desktop" ]; then
        if command -v desktop-file-validate >/dev/null; then
            # Hints are advice; warnings and errors fail.
            out="$(desktop-file-validate "$desktop" 2>&1 | grep -v ': hint: ' || true)"
            [ -z "$out" ] || fail "desktop-file-validate: $out"
        fi
        exec_line="$(grep -m1 '^Exec=' "$desktop" | cut -d= -f2 | cut -d' ' -f1)"
        [ -x "$prefix/bin/$exec_line" ] || fail "the desktop entry runs '$exec_line', not installed in bin/"
        icon_name="$(grep -m1 '^Icon=' "$desktop" | cut -d= -f2)"
        [ -f "$hicolor/scalable/apps/$icon_name.svg" ] ||
            fail "the desktop entry's icon '$icon_name' is not in hicolor/scalable/apps"
    fi

    for size in "${icon_sizes[@]}"; do
        png="$hicolor/${size}x${size}/apps/sparsity-explorer.png"
        [ -f "$png" ] || continue
        # PNG signature, then IHDR's width and height as big-endian 32-bit numbers.
        signature="$(od -An -tx1 -N8 "$png" | tr -d ' \n')"
        [ "$signature" = 89504e470d0a1a0a ] || fail "$png is not a PNG"
        read -r width height < <(od -An -tu1 -j16 -N8 "$png" |
            awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}')
        [ "$width" = "$size" ] && [ "$height" = "$size" ] ||
            fail "$png is ${width}x${height}, not ${size}x${size}"
    done
    svg="$hicolor/scalable/apps/sparsity-explorer.svg"
    [ ! -f "$svg" ] || grep -q '<svg' "$svg" || fail "$svg is not an SVG"

    meta="$metainfo/io.github.sparsityexplorer.SparsityExplorer.metainfo.xml"
    if [ -f "$meta" ]; then
        if command -v appstreamcli >/dev/null; then
            appstreamcli validate --no-net "$meta" >"$work/appstream.txt" 2>&1 ||
                fail "appstreamcli validate: $(cat "$work/appstream.txt")"
        fi
        grep -q '<launchable type="desktop-id">sparsity-explorer.desktop</launchable>' "$meta" ||
            fail "the metainfo does not launch sparsity-explorer.desktop"
        grep -q "<release version=\"$version\"" "$meta" || fail "the metainfo has no release $version"
    fi
fi

if [ "$failures" -gt 0 ]; then
    echo "$failures problem(s) in the installed tree" >&2
    exit 1
fi
echo "installed tree OK: $(cd "$prefix" && find . -type f | wc -l) files under $prefix"
