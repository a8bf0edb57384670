#!/usr/bin/env bash
# Installs a .deb built by `cpack -G DEB` on a fresh, minimal Debian 12 (bookworm) made with
# debootstrap, and runs it there as a user would:
#   packaging/check-deb.sh build/sparsity-explorer_0.1.0_amd64.deb [WORK_DIR]
# - `apt-get install ./sparsity-explorer_*.deb`: apt resolves the Depends the package declares
#   (and installs its Recommends, the HDF5 filter plugins, as apt does by default);
# - sparsity-cli --version, list and mask on the demo weights, mask on a Blosc and an LZ4
#   dataset (tests/data/plugins.h5: the plugins are found without HDF5_PLUGIN_PATH);
# - man pages, desktop entry, icons and metainfo where they belong;
# - the GUI's --screenshot under xvfb-run (a PNG of the window, copied to WORK_DIR/screenshot.png);
# - apt-get purge removes every file again.
# Needs root, debootstrap (apt-get install debootstrap) and Debian's package archive, through
# this machine's apt sources. The first
# run debootstraps WORK_DIR/base (default /tmp/sparsity-deb-check; a few minutes), later runs copy
# it, so that every run starts from the same untouched system. Exits 0 when every check passed.
set -euo pipefail

deb="$(realpath "${1:?usage: $0 PACKAGE.deb [WORK_DIR]}")"
work="${2:-/tmp/sparsity-deb-check}"
# debootstrap's own default mirror unless DEBIAN_MIRROR names one.
mirror=(${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"})
source_dir="$(cd "$(dirname "$0")/.." && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "$0: needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }

mkdir -p "$work"
base="$work/base"
if [ ! -x "$base/usr/bin/apt-get" ]; then
    echo "== debootstrap bookworm into $base"
    rm -rf "$base"
    debootstrap --variant=minbase bookworm "$base" "${mirror[@]}"
fi
root="$work/run"
mounted=()
cleanup() {
    local m
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        m="${mounted[$i]}"
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
}
trap cleanup EXIT
rm -rf "$root"
echo "== a fresh copy of the base system in $root"
cp -a "$base" "$root"
mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount --bind /dev "$root/dev" && mounted+=("$root/dev")
mount --bind /dev/pts "$root/dev/pts" && mounted+=("$root/dev/pts")
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The package sources of this machine (bookworm, its updates and security), as apt here has them.
host_sources=()
[ ! -s /etc/apt/sources.list ] || host_sources+=(/etc/apt/sources.list)
for file in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
    [ ! -e "$file" ] || host_sources+=("$file")
done
if [ ${#host_sources[@]} -gt 0 ]; then
    rm -f "$root/etc/apt/sources.list"
    for file in "${host_sources[@]}"; do
        cp "$file" "$root$file"
    done
fi
mkdir -p "$root/tmp/check"
cp "$deb" "$root/tmp/check/"
cp "$source_dir/resources/demo/digits.h5" "$source_dir/tests/data/plugins.h5" "$root/tmp/check/"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"; }

failures=0
check() {
    local what="$1"
    shift
    if "$@"; then
        echo "ok: $what"
    else
        echo "FAIL: $what" >&2
        failures=$((failures + 1))
    fi
}

echo "== apt-get install ./$(basename "$deb")"
in_root apt-get update -q
in_root apt-get install -y -q "/tmp/check/$(basename "$deb")"
echo "== the package"
in_root dpkg-query -W -f='${Package} ${Version}\nDepends: ${Depends}\nRecommends: ${Recommends}\n' sparsity-explorer

version="$(in_root dpkg-query -W -f='${Version}' sparsity-explorer)"
check "sparsity-cli --version prints $version" \
    test "$(in_root sparsity-cli --version)" = "sparsity-cli $version"
check "sparsity-explorer --version prints $version (no display)" \
    test "$(in_root sparsity-explorer --version)" = "sparsity-explorer $version"
in_root sparsity-cli list /tmp/check/digits.h5 >"$work/list.txt" || true
cat "$work/list.txt"
check "sparsity-cli list on the demo weights" grep -q '^/mlp/fc1/weight .* yes$' "$work/list.txt"
check "sparsity-cli mask on the demo weights" \
    in_root sparsity-cli mask /tmp/check/digits.h5 -o /tmp/check/masks.h5 --level 0.5 --block 2:4
check "the mask file was written" test -s "$root/tmp/check/masks.h5"
for filter in blosc lz4 bzip2; do
    check "mask of a $filter dataset (HDF5 plugin found without HDF5_PLUGIN_PATH)" \
        in_root sparsity-cli mask /tmp/check/plugins.h5 -o "/tmp/check/$filter.h5" \
        --dataset "/$filter/f32" --level 0.5 --block 1x4
done
for file in /usr/share/man/man1/sparsity-cli.1.gz /usr/share/man/man1/sparsity-explorer.1.gz \
    /usr/share/applications/sparsity-explorer.desktop \
    /usr/share/metainfo/io.github.sparsityexplorer.SparsityExplorer.metainfo.xml \
    /usr/share/icons/hicolor/scalable/apps/sparsity-explorer.svg \
    /usr/share/icons/hicolor/48x48/apps/sparsity-explorer.png; do
    check "$file installed" test -s "$root$file"
done

echo "== the GUI under xvfb-run"
in_root apt-get install -y -q --no-install-recommends xvfb xauth
rm -f "$root/tmp/check/screenshot.png"
check "sparsity-explorer --screenshot under xvfb-run" \
    in_root xvfb-run -a -s "-screen 0 1600x1000x24" \
    sparsity-explorer /tmp/check/digits.h5 --layer /mlp/fc1/weight --screenshot /tmp/check/screenshot.png
check "the screenshot is a PNG" \
    bash -c "head -c 8 '$root/tmp/check/screenshot.png' | od -An -tx1 | tr -d ' \n' | grep -qx 89504e470d0a1a0a"
cp "$root/tmp/check/screenshot.png" "$work/screenshot.png" 2>/dev/null || true

echo "== apt-get purge"
in_root apt-get purge -y -q sparsity-explorer
check "no file of the package is left" \
    bash -c "! ls '$root/usr/bin/sparsity-cli' '$root/usr/bin/sparsity-explorer' \
        '$root/usr/share/man/man1/sparsity-cli.1.gz' 2>/dev/null"

if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "all checks passed on a fresh Debian 12 (screenshot: $work/screenshot.png)"
