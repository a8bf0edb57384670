#!/usr/bin/python3
"""Cross-checks `sparsity-cli mask` against PyTorch's WeightNormSparsifier on many new cases.

Developer-run, not CI: needs Debian's python3-torch (1.13, torch.ao.sparsity), python3-h5py and
python3-numpy, so run it with Debian's interpreter from the source root:
    /usr/bin/python3 tests/reference/cross_check.py            # full run, a few minutes
    /usr/bin/python3 tests/reference/cross_check.py --quick    # a subset, well under a minute

It writes HDF5 inputs into a temporary directory (float16, float32, float64, big-endian; rank 2,
3 and 4; odd and prime shapes, 1xN, Nx1 and a 1024x1536 layer; normal, heavy-tailed, exactly
tied, non-finite, all-zero, denormal and float16-extreme values; nested groups) and also uses
resources/demo/digits.h5 (trained MLP and CNN weights). For every (file, parameters) case of a
grid it runs the CLI once and compares the mask of every dataset with PyTorch's, computed as
tests/reference/make_goldens.py does (its functions are imported, not copied):
  - a rank-2 matrix divisible by the block goes through the public API (an nn.Linear prepared
    with WeightNormSparsifier and stepped once),
  - anything else (not divisible, rank > 2 seen as (d0, d1*...*dn)) through the "padded" method
    that docs/SPEC.md defines the result by,
  - float16 is computed in float32 (CPU torch 1.13 has no half pooling), float64 in float64.
Masks are compared tie-aware exactly like tests/core/tst_goldens.cpp (tieAwareDifference):
PyTorch's topk leaves ties to chance, docs/SPEC.md resolves them (lower index first). The run also
checks that each mask's attributes carry the parameters, and that --threads 1 and 2 write the
same masks. It prints a summary and exits 1 on any failure.

The CLI (--cli, default build/app/sparsity-cli) is copied first, so a concurrent rebuild cannot
change it mid-run. --seed changes the generated values and the random parameters; --keep keeps
the generated inputs (to rerun a failure's printed command); --verbose lists the tie-only
differences per dataset.
"""
import argparse
import collections
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from make_goldens import norm_fn, reference_norms, with_padded_buffer, with_sparsifier  # noqa: E402

IN_FLIGHT = 3  # CLI runs at a time
DIGITS = os.path.join(ROOT, "resources", "demo", "digits.h5")

FIXED_LEVELS = [0.0, 0.05, 0.3, 0.5, 0.77, 0.999, 1.0]
# 0.375 * N lands on x.5 for many block counts: Python's round-half-even decides. A tiny level
# rounds to 0 blocks and one just below 1 is clamped to N - 1, both past the shortcuts.
EXTRA_LEVELS = [0.375, 1e-9, 0.9999999999]
BLOCKS = [(1, 1), (1, 4), (4, 1), (2, 2), (2, 4), (4, 4), (8, 8), (3, 5), (16, 16), (32, 32),
          (64, 128),      # bigger than most of the small matrices
          (1100, 1600)]   # bigger than every matrix, the 1024x1536 layer included


# ----------------------------------------------------------------------------------------------
# Inputs


def sprinkle_nonfinite(a, rng, fraction):
    """Puts NaN, -NaN, +inf and -inf at about `fraction` of the positions of a (in place)."""
    flat = a.reshape(-1)
    count = max(1, int(round(flat.size * fraction)))
    where = rng.choice(flat.size, size=count, replace=False)
    specials = np.array([np.nan, -np.nan, np.inf, -np.inf], dtype=a.dtype)
    flat[where] = specials[rng.integers(0, len(specials), size=count)]
    return a


def nan_edges(a):
    a[-1, :] = np.nan
    a[:, -1] = np.nan
    return a


def ties(rng, shape, dtype, spread=4):
    """Values k * 0.25 with k in [-spread, spread]: few magnitudes, many exact ties."""
    return (rng.integers(-spread, spread + 1, size=shape) * 0.25).astype(dtype)


def make_inputs(directory, rng, quick):
    """Writes the generated input files; returns their paths (digits.h5 appended)."""
    normal = lambda shape, dtype, scale=1.0: (rng.standard_normal(shape) * scale).astype(dtype)
    heavy = lambda shape, dtype, scale=1.0: (rng.standard_t(2, size=shape) * scale).astype(dtype)
    files = {}

    # float32: shapes (odd, prime, 1xN, Nx1, wide, rank 3 and 4) in nested groups.
    files["f32_shapes.h5"] = {
        "model/dense_a/kernel": normal((64, 96), np.float32),
        "model/prime/kernel": normal((97, 61), np.float32),
        "model/deep/odd/layer/kernel": normal((257, 129), np.float32),
        "model/row/kernel": normal((1, 257), np.float32),
        "model/col/kernel": normal((193, 1), np.float32),
        "model/wide/kernel": normal((3, 1000), np.float32),
        "model/tiny/kernel": normal((2, 3), np.float32),
        "model/single/kernel": normal((1, 1), np.float32),
        "conv/c4/weight": normal((16, 3, 5, 5), np.float32),
        "conv/c4odd/weight": normal((7, 5, 3, 3), np.float32),
        "conv/pointwise/weight": normal((9, 13, 1, 1), np.float32),
        "conv/c3/weight": normal((12, 7, 9), np.float32),
        "conv/c5/weight": normal((4, 3, 2, 3, 5), np.float32),
    }

    # float32: values (heavy tails, ties, non-finite, zeros, denormals).
    denormal32 = (rng.integers(-3000, 3001, size=(30, 44)).astype(np.float32)
                  * np.float32(2.0 ** -149))
    denormal32[rng.random((30, 44)) < 0.1] = np.float32(1.1754944e-38)  # smallest normal
    tiny32 = normal((27, 35), np.float32, 1e-20)  # squares are denormal or underflow to 0
    zeros32 = np.zeros((24, 20), np.float32)
    zeros32[rng.random((24, 20)) < 0.5] = -0.0
    files["f32_values.h5"] = {
        "heavy/a/kernel": heavy((128, 96), np.float32),
        "heavy/b/kernel": heavy((61, 97), np.float32, 100.0),
        "ties/quarter/kernel": ties(rng, (40, 36), np.float32),
        "ties/narrow/kernel": ties(rng, (33, 17), np.float32, spread=2),
        "ties/constant/kernel": np.full((16, 12), 0.5, np.float32),
        "ties/conv/weight": ties(rng, (8, 4, 3, 3), np.float32),
        "nonfinite/a/kernel": sprinkle_nonfinite(normal((48, 50), np.float32), rng, 0.015),
        "nonfinite/odd/kernel": sprinkle_nonfinite(normal((37, 23), np.float32), rng, 0.02),
        "nonfinite/conv/weight": sprinkle_nonfinite(normal((6, 3, 3, 3), np.float32), rng, 0.02),
        # The last row and column NaN: partial blocks whose valid elements are all NaN, where
        # PyTorch's topk may zero only the NaN padding (see tie_aware_difference).
        "nonfinite/nan_edges/kernel": nan_edges(normal((37, 23), np.float32)),
        "zeros/signed/kernel": zeros32,
        "zeros/odd/kernel": np.zeros((5, 7), np.float32),
        "denormal/f32/kernel": denormal32,
        "denormal/tiny_squares/kernel": tiny32,
        # Squares (and block sums of squares) overflow to +inf, absolute values do not.
        "overflow/kernel": (rng.choice([-1.0, 1.0], size=(26, 34))
                            * 10.0 ** rng.uniform(15, 20, size=(26, 34))).astype(np.float32),
    }

    denormal64 = (rng.integers(-3000, 3001, size=(30, 44)).astype(np.float64)
                  * np.float64(2.0 ** -1074))
    denormal64[rng.random((30, 44)) < 0.1] = 2.2250738585072014e-308
    files["f64.h5"] = {
        "dense/prime/kernel": normal((97, 61), np.float64),
        "dense/even/kernel": normal((64, 96), np.float64),
        "dense/row/kernel": normal((1, 100), np.float64),
        "dense/col/kernel": normal((100, 1), np.float64),
        "dense/heavy/kernel": heavy((128, 96), np.float64),
        "ties/kernel": ties(rng, (40, 36), np.float64),
        "nonfinite/kernel": sprinkle_nonfinite(normal((48, 50), np.float64), rng, 0.015),
        "nonfinite/nan_edges/kernel": nan_edges(normal((29, 45), np.float64)),
        "zeros/kernel": np.zeros((24, 20), np.float64),
        "denormal/kernel": denormal64,
        "denormal/tiny_squares/kernel": normal((27, 35), np.float64, 1e-160),
        "overflow/kernel": rng.choice([-1.0, 1.0], size=(26, 34))
                           * 10.0 ** rng.uniform(150, 156, size=(26, 34)),
        "conv/c4/weight": normal((8, 4, 3, 3), np.float64),
        "conv/c3/weight": normal((10, 3, 7), np.float64),
    }

    extremes = np.array([65504.0, -65504.0, 6e-8, -6e-8, 6.104e-5, -6.104e-5, 1.0, -1.0, 0.5,
                         1000.0, 0.0, -0.0, 3e-6, 60000.0], dtype=np.float16)
    subnormal16 = (rng.integers(-1023, 1024, size=(19, 26)) * 2.0 ** -24).astype(np.float16)
    files["f16.h5"] = {
        "dense/a/kernel": normal((64, 72), np.float16, 3.0),
        "dense/prime/kernel": normal((61, 97), np.float16),
        "dense/heavy/kernel": heavy((50, 40), np.float16, 30.0),  # a few overflow to +-inf
        "extremes/kernel": extremes[rng.integers(0, len(extremes), size=(33, 47))],
        "extremes/subnormal/kernel": subnormal16,
        "ties/kernel": ties(rng, (40, 36), np.float16),
        "nonfinite/kernel": sprinkle_nonfinite(normal((32, 40), np.float16), rng, 0.02),
        "conv/weight": normal((10, 3, 3, 3), np.float16),
    }

    files["bigendian.h5"] = {
        "be/f4/kernel": normal((50, 70), ">f4"),
        "be/f4/odd/kernel": normal((29, 31), ">f4"),
        "be/f4/ties/kernel": ties(rng, (24, 36), ">f4"),
        "be/f4/conv/weight": normal((6, 4, 3, 3), ">f4"),
        "be/f8/kernel": normal((33, 29), ">f8"),
        "be/f2/kernel": normal((20, 30), ">f2"),
    }

    if not quick:
        files["large.h5"] = {"model/encoder/big/kernel": normal((1024, 1536), np.float32, 0.02)}

    paths = []
    for name, datasets in files.items():
        path = os.path.join(directory, name)
        with h5py.File(path, "w") as f:
            for dataset, data in datasets.items():
                f.create_dataset(dataset, data=data)
        paths.append(path)
    paths.append(DIGITS)
    return paths


def load_weights(path):
    """The datasets the CLI masks by default: floating point, rank >= 2. {path: ndarray}."""
    found = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f" and obj.ndim >= 2:
            found["/" + name] = obj[()]

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return found


# ----------------------------------------------------------------------------------------------
# The reference (PyTorch) and the tie-aware comparison of tests/core/tst_goldens.cpp


class Layer:
    """One weight tensor, with its 2-D view in PyTorch's compute precision."""

    def __init__(self, path, array):
        self.path = path
        self.array = array
        self.shape = array.shape
        self.dtype = array.dtype.str  # '<f4', '>f8', ...
        compute = np.float64 if array.dtype.itemsize == 8 else np.float32
        self.w2d = torch.from_numpy(np.ascontiguousarray(array.astype(compute))).reshape(
            array.shape[0], -1)
        self._f = {}

    def f_values(self, norm):
        """f(x) in the compute precision, widened to float64 (exact): the element order key."""
        if norm not in self._f:
            self._f[norm] = norm_fn(self.w2d, norm).to(torch.float64).numpy()
        return self._f[norm]

    def method(self, block):
        h, c = self.w2d.shape
        divisible = h % block[0] == 0 and c % block[1] == 0
        return "sparsifier" if len(self.shape) == 2 and divisible else "padded"

    def reference_mask(self, case):
        if self.method(case.block) == "sparsifier":
            mask = with_sparsifier(self.w2d, case.level, case.block, case.zeros, case.norm)
        else:
            mask = with_padded_buffer(self.w2d, case.level, case.block, case.zeros, case.norm)
        return mask.to(torch.uint8).reshape(self.shape).numpy()

    def reference_blocks(self, case):
        """PyTorch's block-level decision alone (its tensor-level mask, 0 = pruned): the padded
        method with whole blocks zeroed never builds a block mask."""
        whole = case.block[0] * case.block[1]
        mask = with_padded_buffer(self.w2d, case.level, case.block, whole, case.norm)
        return mask.to(torch.uint8).numpy()

    def reference_norms(self, block, norm):
        return reference_norms(norm_fn(self.w2d, norm), block).to(torch.float64).numpy().ravel()


NAN_KEY = np.uint64(np.iinfo(np.uint64).max - 1)  # NaN sorts last ...
UNZEROED = np.uint64(np.iinfo(np.uint64).max)     # ... but before "not zeroed" (sort padding)


def order_keys(values):
    """detail::orderKey on float64: unsigned keys in docs/SPEC.md's order (-0 == +0, NaN last)."""
    values = np.asarray(values, dtype=np.float64)
    x = np.where(values == 0, 0.0, values)
    bits = x.view(np.uint64)
    sign = np.uint64(1 << 63)
    keys = np.where((bits & sign) != 0, ~bits, bits | sign)
    keys[np.isnan(values)] = NAN_KEY
    return keys


def blockify(a, block, fill):
    """(h, c) -> (R*Q, bh*bw): the blocks row-major, each row-major, padded with `fill`."""
    h, c = a.shape
    bh, bw = block
    rows, cols = -(-h // bh), -(-c // bw)
    padded = np.full((rows * bh, cols * bw), fill, dtype=a.dtype)
    padded[:h, :c] = a
    return padded.reshape(rows, bh, cols, bw).transpose(0, 2, 1, 3).reshape(rows * cols, bh * bw)


def tie_aware_difference(f2d, ref_norms, block, reference, ours, reference_blocks=None):
    """Port of tieAwareDifference (tests/core/tst_goldens.cpp); None when equal up to ties.

    One addition: PyTorch pads a partial block with NaN, and when every valid element of that
    block is NaN, topk may zero only padding, so the cropped reference mask shows a block it
    pruned as kept (docs/SPEC.md zeroes the NaN weights before the padding). For such blocks only,
    "pruned by the reference" is PyTorch's own block-level decision, `reference_blocks()` (its
    tensor-level mask, h x c, 0 = pruned); tst_goldens.cpp never meets the case.
    """
    refz = blockify(reference == 0, block, False)
    ourz = blockify(ours == 0, block, False)
    ref_pruned = refz.any(axis=1)
    our_pruned = ourz.any(axis=1)
    if reference_blocks is not None:
        valid = blockify(np.ones(f2d.shape, dtype=bool), block, False).sum(axis=1)
        nans = blockify(np.isnan(f2d), block, False).sum(axis=1)
        hidden = ~ref_pruned & (valid < block[0] * block[1]) & (nans == valid)
        if hidden.any():
            decided = blockify(reference_blocks() == 0, block, False).any(axis=1)
            ref_pruned = ref_pruned | (hidden & decided)
    if ref_pruned.sum() != our_pruned.sum():
        return "pruned blocks: reference %d, ours %d" % (ref_pruned.sum(), our_pruned.sum())
    norm_keys = order_keys(ref_norms)
    # The reference's boundary norm: the largest norm among the blocks it pruned.
    boundary = norm_keys[ref_pruned].max() if ref_pruned.any() else np.uint64(0)
    bad = np.nonzero((ref_pruned != our_pruned) & (norm_keys != boundary))[0]
    if bad.size:
        b = int(bad[0])
        return "block %d (norm %r, boundary %r) %s by us but not by PyTorch, no tie" % (
            b, float(ref_norms[b]), float(ref_norms[norm_keys == boundary][0]),
            "pruned" if our_pruned[b] else "kept")
    # Both pruned: the zeroed elements may differ only among equal f values.
    both = np.nonzero(ref_pruned & our_pruned & (refz != ourz).any(axis=1))[0]
    if not both.size:
        return None
    keys = blockify(order_keys(f2d), block, np.uint64(0))[both]
    ref_keys = np.sort(np.where(refz[both], keys, UNZEROED), axis=1)
    our_keys = np.sort(np.where(ourz[both], keys, UNZEROED), axis=1)
    valid = blockify(np.ones(f2d.shape, dtype=bool), block, False)[both].sum(axis=1)
    for j in np.nonzero(~(ref_keys == our_keys).all(axis=1))[0]:
        nref, nour = int(refz[both[j]].sum()), int(ourz[both[j]].sum())
        # PyTorch pads partial blocks with NaN, which ties with a NaN weight: it may zero the
        # padding where the spec zeroes the NaN weight first.
        nan_padding_tie = (valid[j] < block[0] * block[1] and nref < nour
                           and (ref_keys[j, :nref] == our_keys[j, :nref]).all()
                           and (our_keys[j, nref:nour] == NAN_KEY).all())
        if not nan_padding_tie:
            return "block %d: zeroed elements differ beyond ties (reference zeroes %d, ours %d)" % (
                int(both[j]), nref, nour)
    return None


# ----------------------------------------------------------------------------------------------
# Cases


class Case:
    def __init__(self, level, block, zeros, norm, threads, pass_zeros):
        self.level, self.block, self.zeros, self.norm = level, block, zeros, norm
        self.threads, self.pass_zeros = threads, pass_zeros

    def cli_args(self, threads=None):
        args = ["--level", repr(self.level), "--block", "%dx%d" % self.block,
                "--norm", "l%d" % self.norm, "--threads", str(threads or self.threads)]
        if self.pass_zeros:
            args += ["--zeros-per-block", str(self.zeros)]
        return args

    def __str__(self):
        return "level %r block %dx%d zeros %d%s l%d threads %d" % (
            self.level, self.block[0], self.block[1], self.zeros,
            "" if self.pass_zeros else " (default)", self.norm, self.threads)


def zero_choices(per_block, rng):
    """0, 1, half, all and a random count, as a list without repeats, 'all' first."""
    choices = [per_block, 1, per_block // 2, int(rng.integers(1, per_block + 1)), 0]
    return list(dict.fromkeys(choices))


def make_cases(rng, quick):
    """The parameter grid for one file."""
    blocks = list(BLOCKS)
    if quick:
        blocks = [(1, 1), (1, 4), (4, 1), (2, 2), (3, 5), (8, 8), (32, 32), (64, 128)]
    blocks.append((int(rng.integers(1, 13)), int(rng.integers(1, 13))))  # a random shape
    huge = lambda block: block[0] * block[1] > 1 << 20
    others = [0.3, 0.5, 0.999, 0.77, 0.05, 0.375, 1e-9]
    cases = []
    counter = itertools.count()
    for block in blocks:
        per_block = block[0] * block[1]
        for norm in (1, 2):
            if quick:
                levels = [0.0, 1.0, others[next(counter) % len(others)],
                          round(float(rng.random()), 6)]
            elif huge(block):
                # One block per matrix: only level 1 prunes, so vary the zeros instead.
                levels = [0.0, 0.999, 1.0]
            else:
                levels = FIXED_LEVELS + EXTRA_LEVELS + [float(rng.random()),
                                                         round(float(rng.random()), 3)]
            for level in levels:
                zeros = zero_choices(per_block, rng)
                if level == 0.0:
                    take = 1  # everything is kept whatever the count
                elif quick:
                    take = 3 if level == 1.0 else 2
                elif level in (0.5, 1.0) or huge(block):
                    take = len(zeros)
                else:
                    take = 2
                # 'all' always, then the other counts in turn.
                turn = next(counter) % (len(zeros) - 1)
                rest = zeros[1:][turn:] + zeros[1:][:turn]
                for z in zeros[:1] + rest[:take - 1]:
                    i = next(counter)
                    cases.append(Case(level, block, z, norm, threads=1 + i % 2,
                                      pass_zeros=(z != per_block or i % 3 != 0)))
    return cases


# ----------------------------------------------------------------------------------------------
# Running


def snapshot_cli(cli, directory):
    """Copies the CLI into `directory` so that a concurrent rebuild cannot pull it away
    mid-run; waits (up to ~2 minutes) while the build is relinking it. Returns the copy."""
    copy = os.path.join(directory, "sparsity-cli")
    for attempt in range(25):
        try:
            size = os.path.getsize(cli)
            time.sleep(0.5)
            if os.path.getsize(cli) == size and os.access(cli, os.X_OK):
                shutil.copy2(cli, copy)
                version = subprocess.run([copy, "--version"], stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True)
                if version.returncode == 0:
                    return copy, version.stdout.strip()
        except OSError:
            pass
        print("waiting for %s (being rebuilt?)" % cli, file=sys.stderr)
        time.sleep(5)
    sys.exit("%s does not run; build it: cmake --build build --target sparsity-cli" % cli)


def start_cli(cli, source, output, args):
    """Starts `sparsity-cli mask` in the background (PyTorch works meanwhile)."""
    command = [cli, "mask", source, "-o", output] + args + ["--force"]
    return command, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)


def read_masks(path):
    masks = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            masks["/" + name] = (obj[()], dict(obj.attrs), obj.dtype)

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return masks


def check_attributes(case, attrs, mask):
    """The docs/SPEC.md attributes carry the case's parameters; None when they do."""
    problems = []
    if attrs.get("sparsity_level") != case.level:
        problems.append("sparsity_level %r" % attrs.get("sparsity_level"))
    if list(np.asarray(attrs.get("sparse_block_shape", [])).ravel()) != list(case.block):
        problems.append("sparse_block_shape %r" % attrs.get("sparse_block_shape"))
    if attrs.get("zeros_per_block") != case.zeros:
        problems.append("zeros_per_block %r" % attrs.get("zeros_per_block"))
    norm = attrs.get("norm")
    norm = norm.decode() if isinstance(norm, bytes) else norm
    if norm != "l%d" % case.norm:
        problems.append("norm %r" % norm)
    achieved = float(np.count_nonzero(mask == 0)) / mask.size
    if abs(attrs.get("achieved_sparsity", -1.0) - achieved) > 1e-12:
        problems.append("achieved_sparsity %r, the mask has %r" % (
            attrs.get("achieved_sparsity"), achieved))
    return "attributes: " + ", ".join(problems) if problems else None


def compare_layer(layer, case, written, reference, stats):
    """(difference or None, whether it differs only in ties) for one dataset of one run."""
    if written is None:
        return "no mask written", False
    ours, attrs, dtype = written
    if dtype != np.uint8 or ours.shape != layer.shape or (ours > 1).any():
        return "mask is %s %s with values %s" % (dtype, ours.shape, np.unique(ours)[:5]), False
    stats[layer.method(case.block)] += 1
    difference = None
    if np.array_equal(reference, ours):
        stats["identical"] += 1
    else:
        difference = tie_aware_difference(
            layer.f_values(case.norm), layer.reference_norms(case.block, case.norm),
            case.block, reference.reshape(layer.w2d.shape), ours.reshape(layer.w2d.shape),
            lambda: layer.reference_blocks(case))
        if not difference:
            stats["ties"] += 1
    if not difference:
        difference = check_attributes(case, attrs, ours)
    return difference, not difference and not np.array_equal(reference, ours)


def check_run(run, name, layers, stats, failures, tie_cases, cli_name):
    """Compares one CLI run (and its --threads rerun, if any) with the reference."""
    case = run["case"]
    stats["runs"] += 1
    references = {layer.path: layer.reference_mask(case) for layer in layers}

    def fail(layer, message, command):
        failures.append({"file": name, "dataset": layer.path if layer else "-",
                         "shape": layer.shape if layer else "-",
                         "dtype": layer.dtype if layer else "-", "case": str(case),
                         "message": message, "command": " ".join([cli_name] + command[1:])})

    command, process = run["main"]
    _, stderr = process.communicate()
    masks = {}
    if process.returncode != 0:
        fail(None, "exit %d: %s" % (process.returncode, stderr.strip()[-500:]), command)
    else:
        masks = read_masks(run["output"])
        extra = sorted(set(masks) - set(references))
        if extra:
            fail(None, "unexpected datasets in the mask file: %s" % ", ".join(extra), command)
        for layer in layers:
            stats["cases"] += 1
            difference, tie = compare_layer(layer, case, masks.get(layer.path),
                                            references[layer.path], stats)
            if difference:
                fail(layer, difference, command)
            elif tie:
                tie_cases[(name, layer.path, layer.dtype)] += 1
    if "other" in run:
        stats["thread_checks"] += 1
        command, process = run["other"]
        process.communicate()
        second = read_masks(run["other_output"]) if process.returncode == 0 else {}
        for path, (mask, _, _) in masks.items():
            if path not in second or not np.array_equal(second[path][0], mask):
                layer = next((l for l in layers if l.path == path), None)
                fail(layer, "--threads %d writes a different mask" % (3 - case.threads), command)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", default=os.path.join(ROOT, "build", "app", "sparsity-cli"))
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--quick", action="store_true", help="a subset, under a minute")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--show", type=int, default=40, help="failures printed in full")
    parser.add_argument("--verbose", action="store_true",
                        help="also list the tie-only differences per dataset")
    options = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(options.seed)
    start = time.time()
    tmp = tempfile.mkdtemp(prefix="sparsity-cross-check-")
    stats = {"runs": 0, "cases": 0, "identical": 0, "ties": 0, "sparsifier": 0, "padded": 0,
             "thread_checks": 0}
    failures = []
    tie_cases = collections.Counter()
    try:
        cli, version = snapshot_cli(os.path.abspath(options.cli), tmp)
        print("testing %s (%s), a copy of %s" % (version, time.ctime(os.path.getmtime(cli)),
                                                  os.path.abspath(options.cli)), file=sys.stderr)
        inputs = make_inputs(tmp, rng, options.quick)
        for source in inputs:
            layers = [Layer(p, a) for p, a in load_weights(source).items()]
            cases = make_cases(rng, options.quick)
            name = os.path.relpath(source, ROOT) if source == DIGITS else os.path.basename(source)
            file_start = time.time()
            # A few CLI runs at a time, in the background, while PyTorch computes the reference.
            for first in range(0, len(cases), IN_FLIGHT):
                batch = []
                for index in range(first, min(first + IN_FLIGHT, len(cases))):
                    case = cases[index]
                    output = os.path.join(tmp, "masks%d.h5" % (index - first))
                    run = {"case": case, "output": output,
                           "main": start_cli(cli, source, output, case.cli_args())}
                    if index % 7 == 0:
                        # The masks never depend on the thread count: rerun with the other.
                        run["other_output"] = os.path.join(tmp, "other%d.h5" % (index - first))
                        run["other"] = start_cli(cli, source, run["other_output"],
                                                 case.cli_args(threads=3 - case.threads))
                    batch.append(run)
                for run in batch:
                    check_run(run, name, layers, stats, failures, tie_cases, options.cli)
            print("%-32s %4d runs, %3d datasets, %6.1f s" % (
                name, len(cases), len(layers), time.time() - file_start), file=sys.stderr)
    finally:
        if options.keep:
            print("inputs kept in %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp)

    print()
    print("sparsity-cli vs PyTorch %s WeightNormSparsifier (seed %d%s)" % (
        torch.__version__, options.seed, ", quick" if options.quick else ""))
    print("  CLI runs                 %d (%d more to compare --threads 1 and 2)" % (
        stats["runs"], stats["thread_checks"]))
    print("  cases (dataset x params) %d (%d via the sparsifier API, %d via the padded method)" % (
        stats["cases"], stats["sparsifier"], stats["padded"]))
    print("  bit-identical            %d" % stats["identical"])
    print("  differ only in ties      %d" % stats["ties"])
    print("  failures                 %d" % len(failures))
    print("  time                     %.1f s" % (time.time() - start))
    if options.verbose:
        print("tie-only differences by dataset:")
        for (name, path, dtype), count in sorted(tie_cases.items()):
            print("  %5d  %s %s (%s)" % (count, name, path, dtype))
    for failure in failures[:options.show]:
        print("FAIL %(file)s %(dataset)s shape %(shape)s dtype %(dtype)s, %(case)s: %(message)s"
              % failure)
        print("     %(command)s" % failure)
    if len(failures) > options.show:
        print("... and %d more failures" % (len(failures) - options.show))
    if failures:
        print("failures by file and kind:")
        kinds = collections.Counter(
            (f["file"], re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "#", f["message"])[:90])
            for f in failures)
        for (name, kind), count in sorted(kinds.items()):
            print("  %5d  %s: %s" % (count, name, kind))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
