#!/usr/bin/env bash
# Rewrites the committed seed corpus: fuzz/corpus/fuzz_hdf5/*.h5 with fuzz_make_seeds (HDF5 C
# API), and the text seeds of fuzz_params and fuzz_cli. Usage: fuzz/make_seeds.sh BUILD_DIR
# (a build configured with -DSPARSITY_BUILD_FUZZ=ON). Inputs that once crashed a target stay in
# the corpus under names starting with "regression-"; this script leaves them alone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build_dir="${1:?usage: $0 BUILD_DIR}"
corpus="$here/corpus"

cmake --build "$build_dir" --target fuzz_make_seeds
# fuzz_safetensors: the test files of tests/data/safetensors (tests/reference/make_safetensors.py),
# whole files and indexes as they are, and each header alone (the target also reads its input as
# a header; see fuzz_safetensors.cpp).
mkdir -p "$corpus/fuzz_safetensors"
data="$here/../tests/data/safetensors"
for file in "$data"/*.safetensors "$data"/hostile/*.safetensors; do
    name="$(basename "$file" .safetensors)"
    [ "$(dirname "$file")" = "$data" ] || name="hostile-$name"
    cp "$file" "$corpus/fuzz_safetensors/$name.safetensors"
    length="$(od -An -t u8 -N 8 "$file" | tr -d ' ')"
    if [ "$length" -lt 65536 ]; then
        tail -c +9 "$file" | head -c "$length" >"$corpus/fuzz_safetensors/$name.header.json"
    fi
done
cp "$data/sharded/model.safetensors.index.json" "$corpus/fuzz_safetensors/index.json"
for index in "$data"/hostile-index/*/model.safetensors.index.json; do
    cp "$index" "$corpus/fuzz_safetensors/index-$(basename "$(dirname "$index")").json"
done
mkdir -p "$corpus/fuzz_hdf5" "$corpus/fuzz_params" "$corpus/fuzz_cli" "$corpus/fuzz_numpy"
"$build_dir/fuzz/fuzz_make_seeds" "$corpus/fuzz_hdf5"

# fuzz_params: level, block, zeros per block, norm; one per line.
params() { printf '%s' "$2" >"$corpus/fuzz_params/$1"; }
params percent $'50%\n1x4\n2\nl1'
params fraction $'0.5\n8X8\n\nl2'
params spaces $' 0.25 \n 2 x 3 \n 0 \n L1 '
params zero $'0\n1x1\n0\n1'
params one $'1\n4x4\n16\n2'
params full_percent $'100%\n32x32'
params exponent $'1e-3\n16x16\n255\nl2'
params huge_block $'0.9\n999999999x999999999\n3\nl1'
params nan $'nan\n2x2\n1\nl2'
params negative $'-0.1\n0x4\n-1\nl3'

# fuzz_cli: the arguments after argv[0], one per line.
cli() { printf '%s' "$2" >"$corpus/fuzz_cli/$1"; }
cli list $'list\nmodel.h5'
cli mask_short $'mask\nmodel.h5\n-o\nmasks.h5\n--level\n0.5\n--block\n1x4'
cli mask_all $'mask\nmodel.h5\n--output=masks.h5\n--dataset\n/dense/kernel\n--dataset\nconv/weight\n--level\n90%\n--block\n8x8\n--zeros-per-block\n32\n--norm\nl1\n--threads\n4\n--force'
cli help $'--help'
cli mask_help $'mask\n-h'
cli version $'-v'
cli repeated $'mask\na.h5\n-o\nb.h5\n--level\n0.5\n--level\n0.6\n--block\n2x2'
cli unknown $'mask\na.h5\n-o\nb.h5\n--levels\n0.5\n--block\n2x2'
cli single_dash $'mask\n-level\n0.5\n-block\n1x4\n-o\nx.h5\nin.h5\n--\n-weird.h5'

# fuzz_numpy: the files numpy wrote for the tests (tests/reference/make_numpy_fixtures.py) and
# the damaged ones, up to 20 KB each; and .npy header texts alone (input that is neither a
# .npy nor a ZIP archive is parsed as one).
for file in "$here"/../tests/data/numpy/*.np? "$here"/../tests/data/numpy/bad/*.np?; do
    [ "$(stat -c %s "$file")" -le 20000 ] || continue
    case "$file" in */bad/*) name="bad-$(basename "$file")" ;; *) name="$(basename "$file")" ;; esac
    cp "$file" "$corpus/fuzz_numpy/$name"
done
header() { printf '%s' "$2" >"$corpus/fuzz_numpy/$1"; }
header header_numpy "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }          "
header header_fortran "{'descr': '>u8', 'fortran_order': True, 'shape': (2, 3, 4), }"
header header_scalar "{'descr': '|b1', 'fortran_order': False, 'shape': (), }"
header header_structured "{'descr': [('x', '<f4'), ('y', '<i4', (2,))], 'fortran_order': False, 'shape': (7,), }"
header header_spacing $'{ "shape" :(3,5,),\n\'fortran_order\':False ,"descr":\'<M8[ns]\',}'
header header_python2 "{'descr': '<i8', 'fortran_order': False, 'shape': (3L, 4L)}"
ls -l "$corpus"/*
