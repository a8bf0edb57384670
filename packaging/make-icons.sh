#!/usr/bin/env bash
# Renders the hicolor icon sizes that resources/icons lacks from the SVG, for `cmake --install`
# (packaging/CMakeLists.txt installs every resources/icons/sparsity-explorer-N.png). Run by hand
# after changing the SVG; the PNGs are committed, so building needs no SVG renderer.
# Needs rsvg-convert (Debian package librsvg2-bin). The 32, 64 and 256 px icons, which the GUI
# also embeds (resources/resources.qrc), are drawn from the same SVG.
set -euo pipefail
cd "$(dirname "$0")/../resources/icons"
for size in 16 24 32 48 64 128 256 512; do
    rsvg-convert --width "$size" --height "$size" --format png \
        --output "sparsity-explorer-$size.png" sparsity-explorer.svg
done
