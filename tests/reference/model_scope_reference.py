#!/usr/bin/python3
"""Writes tests/data/model_scope.h5: cases of docs/SPEC.md "Model scope" with the per-layer
pruned block counts and masks the SPEC text defines.

An independent reference: it follows the SPEC's words with numpy alone and shares no code and
no structure with the C++ (no running sums, no bisection, no order keys): every block of every
layer is put in one Python list and sorted. Run with Debian's Python, which has numpy and
h5py:   /usr/bin/python3 tests/reference/model_scope_reference.py
When torch is importable too, the block norms are also checked against PyTorch's
avg_pool2d(..., ceil_mode=True), the norms docs/SPEC.md "Block norms" names.

Layout, one group per case (tests/core/tst_modelscope.cpp and tests/cli/tst_cli.cpp read it):
  /<case>/weights/<layer>  the input layers, float32 or float64; <layer> names sort in dataset
                           order ("a", "b", ...), so the order `list` prints is the case's order
  /<case>/masks/<layer>    uint8, 1 = keep: the expected mask of each layer, in its shape
  /<case>/pruned           int64, the expected pruned blocks of each layer, in dataset order
  /<case>/blocks           int64, the blocks of each layer
  attributes of /<case>:   level, min_level, max_level (float64), block (int64 pair),
                           zeros_per_block (int64), norm ("l1"/"l2"), description
"""
import os
import sys

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "model_scope.h5")


# ---- docs/SPEC.md "Inputs" and "Block norms" ----------------------------------------------

def as_matrix(w):
    """The (d0, d1*...*dn) matrix of "Inputs"."""
    return w.reshape(w.shape[0], -1)


def element_measure(m, norm):
    """f(x) = |x| or x*x, in the tensor's own precision (one rounding, as numpy multiplies)."""
    return np.abs(m) if norm == "l1" else m * m


def block_norms(w, block, norm):
    """Mean of f over the elements each block really holds, as a (R, Q) array in w's dtype.

    The sum of a block is formed element by element in row-major order inside the block,
    one rounding per addition in the tensor's precision, then divided by the block's own
    element count (a partial block divides by fewer)."""
    m = as_matrix(w)
    f = element_measure(m, norm)
    h, c = m.shape
    bh, bw = block
    r, q = -(-h // bh), -(-c // bw)
    sums = np.zeros((r, q), dtype=m.dtype)
    counts = np.zeros((r, q), dtype=np.int64)
    for i in range(bh):
        for j in range(bw):
            rows = np.arange(r) * bh + i
            cols = np.arange(q) * bw + j
            valid = (rows < h)[:, None] & (cols < c)[None, :]
            values = np.zeros((r, q), dtype=m.dtype)
            rr, cc = np.nonzero(valid)
            values[rr, cc] = f[rows[rr], cols[cc]]
            sums = np.where(valid, sums + values, sums)
            counts += valid
    return sums / counts.astype(m.dtype)


def check_against_torch(w, block, norm, norms):
    """When PyTorch is here, its avg_pool2d must give the same norms bit for bit."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return False
    m = torch.from_numpy(np.ascontiguousarray(as_matrix(w)))
    f = m.abs() if norm == "l1" else m * m
    pooled = F.avg_pool2d(f[None, None], kernel_size=block, stride=block,
                          ceil_mode=True)[0, 0].numpy()
    same = (pooled == norms) | (np.isnan(pooled) & np.isnan(norms))
    if not same.all():
        sys.exit("block norms differ from torch's avg_pool2d for block %r, %s" % (block, norm))
    return True


# ---- docs/SPEC.md "Order, ties, NaN and infinity" -----------------------------------------

def value_key(x):
    """Smaller first, -0 = +0, +inf after every finite value, NaN after +inf; any dtype as
    a Python float (a double)."""
    x = float(x)
    return (1, 0.0) if x != x else (0, x + 0.0)


# ---- docs/SPEC.md "Model scope" ----------------------------------------------------------

def round_half_even(x):
    return int(round(x))  # Python 3 rounds floats half to even


def model_pruned_counts(norms, level, zeros, min_level, max_level):
    """Blocks each layer prunes; norms is one flat array of block norms per layer."""
    sizes = [len(n) for n in norms]
    total = sum(sizes)
    if level <= 0 or zeros == 0:
        return [0] * len(norms)
    if level >= 1:
        return list(sizes)
    k = min(max(round_half_even(level * total), 0), total - 1)
    lo = [round_half_even(min_level * n) for n in sizes]
    hi = [round_half_even(max_level * n) for n in sizes]
    # Each layer's own order: norm, then block number.
    own = [sorted(range(n), key=lambda b, d=d: (value_key(norms[d][b]), b))
           for d, n in enumerate(sizes)]
    # Every block not yet pruned, in one order: norm, then dataset order, then block number.
    rest = max(0, k - sum(lo))
    candidates = sorted((value_key(norms[d][b]), d, b)
                        for d in range(len(sizes)) for b in own[d][lo[d]:])
    more = [0] * len(sizes)
    for _, d, _ in candidates:
        if rest == 0:
            break
        if more[d] < hi[d] - lo[d]:
            more[d] += 1
            rest -= 1
    return [lo[d] + more[d] for d in range(len(sizes))]


def layer_mask(w, block, zeros, norm, norms2d, pruned):
    """docs/SPEC.md "The mask" steps 4 and 5 for the `pruned` lowest blocks of one layer."""
    m = as_matrix(w)
    h, c = m.shape
    bh, bw = block
    q = norms2d.shape[1]
    flat = norms2d.ravel()
    order = sorted(range(len(flat)), key=lambda b: (value_key(flat[b]), b))
    f = element_measure(m, norm)
    mask = np.ones(m.shape, dtype=np.uint8)
    for b in order[:pruned]:
        br, bc = divmod(b, q)
        elements = []
        for r in range(br * bh, min(h, br * bh + bh)):
            for col in range(bc * bw, min(c, bc * bw + bw)):
                inside = (r - br * bh) * bw + (col - bc * bw)
                elements.append((value_key(f[r, col]), inside, r, col))
        # Missing positions of a partial block are padding larger than any value: they would
        # come last, so the first `zeros` real elements are the ones zeroed.
        for _, _, r, col in sorted(elements)[:zeros]:
            mask[r, col] = 0
    return mask.reshape(w.shape)


# ---- the cases ---------------------------------------------------------------------------

RNG = np.random.RandomState(20261130)


def normal(shape, scale=1.0, dtype=np.float32):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def quantized(shape, dtype=np.float32):
    """Few distinct magnitudes, signs mixed: exact ties within and across layers."""
    return (RNG.randint(-2, 3, size=shape) * 0.5).astype(dtype)


def with_nonfinite(w, cells):
    w = w.copy()
    flat = w.reshape(w.shape[0], -1)
    for (r, c), v in cells:
        flat[r, c] = v
    return w


def cases():
    out = []

    def case(name, description, layers, level, block, zeros=None, norm="l2", min_level=0.0,
             max_level=1.0):
        out.append(dict(name=name, description=description, layers=layers, level=level,
                        block=block, zeros=block[0] * block[1] if zeros is None else zeros,
                        norm=norm, min_level=min_level, max_level=max_level))

    case("max_binds", "layer a's tiny weights would give it every block; max 0.6 stops it at "
         "round(0.6*16) = 10 and the rest come from b and c",
         {"a": normal((8, 8), 0.01), "b": normal((8, 8)), "c": normal((4, 12), 2.0)},
         0.5, (1, 4), max_level=0.6)
    case("min_binds", "layer b's large weights would keep everything; min 0.25 makes it prune "
         "round(0.25*16) = 4 of its own lowest blocks first",
         {"a": normal((8, 8)), "b": normal((8, 8), 100.0)}, 0.3, (2, 2), norm="l1",
         min_level=0.25)
    case("both_bind", "four layers of different scales with min 0.125 and max 0.5",
         {"a": normal((6, 8), 0.05), "b": normal((6, 8), 0.5), "c": normal((6, 8), 5.0),
          "d": normal((4, 6), 50.0)}, 0.4, (1, 2), min_level=0.125, max_level=0.5)
    case("too_few_available", "max 0.3 everywhere cannot reach the level: every layer prunes "
         "exactly its upper bound", {"a": normal((5, 8)), "b": normal((7, 4), 3.0)}, 0.8, (1, 2),
         max_level=0.3)
    case("lower_bounds_exceed_k", "min 0.5 everywhere asks for more than level 0.2: every "
         "layer prunes its lower bound (round half even: 5 blocks -> 2, 3 -> 2)",
         {"a": normal((5, 1)), "b": normal((3, 1), 2.0), "c": normal((6, 1), 0.5)}, 0.2, (1, 1),
         min_level=0.5)
    case("nan_layer", "NaN and inf weights in layer a: their blocks rank last, after +inf",
         {"a": with_nonfinite(normal((6, 8)), [((0, 1), np.nan), ((2, 4), np.inf),
                                                ((3, 0), -np.inf), ((5, 7), np.nan)]),
          "b": normal((6, 8))}, 0.5, (1, 2))
    case("nan_blocks_pruned", "level 0.97 reaches the inf and NaN blocks of two layers: inf "
         "before NaN, NaN blocks by dataset order then block number; zeros per block 2 of 4 "
         "zeroes NaN elements last",
         {"a": with_nonfinite(normal((4, 8)), [((0, 1), np.nan), ((1, 4), np.inf),
                                                ((3, 5), np.nan), ((3, 6), np.nan)]),
          "b": with_nonfinite(normal((4, 8), dtype=np.float64),
                              [((0, 0), np.nan), ((2, 2), -np.inf), ((2, 3), np.nan)])},
         0.97, (1, 4), zeros=2)
    tied = quantized((6, 8))
    case("ties_across_layers", "a and c hold the same weights and b the same values shuffled: "
         "equal norms across layers go to the earlier dataset, then the lower block number",
         {"a": tied, "b": RNG.permutation(tied.ravel()).reshape(6, 8), "c": tied.copy()},
         0.45, (1, 2), norm="l1")
    case("ties_with_bounds", "quantized weights (many equal norms) with max 0.4 binding in the "
         "tie group", {"a": quantized((4, 6)), "b": quantized((4, 6)), "c": quantized((2, 6))},
         0.5, (1, 2), max_level=0.4)
    case("one_block_layers", "every layer is one block (the block is larger than the layer): "
         "k = round(0.5*4) = 2 whole layers pruned",
         {"a": normal((2, 3)), "b": normal((4, 4), 0.1), "c": normal((1, 1), 3.0),
          "d": normal((3, 2, 1), 0.5)}, 0.5, (4, 4))
    case("one_block_half_bound", "one-block layers with max 0.5: round(0.5*1) = 0 (half to "
         "even), so no layer may prune its block whatever the level",
         {"a": normal((2, 3)), "b": normal((3, 3), 0.1)}, 0.75, (4, 4), max_level=0.5)
    case("k_clamped", "round(0.99*20) = 20 is limited to N-1 = 19: one block survives, the "
         "largest", {"a": normal((2, 4)), "b": normal((3, 4), 2.0)}, 0.99, (1, 1), norm="l1")
    case("k_clamped_one_block", "one-block layers at level 0.9: round(2.7) = 3 limited to 2",
         {"a": normal((2, 2)), "b": normal((2, 2)), "c": normal((2, 2))}, 0.9, (2, 2))
    case("level_zero", "level 0 prunes nothing, even with min 0.5",
         {"a": normal((4, 4)), "b": normal((2, 6))}, 0.0, (1, 2), min_level=0.5)
    case("level_one", "level 1 prunes every block, even with max 0.25; 2x2 blocks with 3 "
         "zeros each and partial blocks", {"a": normal((5, 5)), "b": normal((3, 4), 2.0)}, 1.0,
         (2, 2), zeros=3, norm="l1", max_level=0.25)
    case("level_one_whole_blocks", "level 1 with whole blocks: every element pruned",
         {"a": normal((3, 5)), "b": normal((2, 2))}, 1.0, (2, 2))
    case("zeros_per_block_partial", "2x3 blocks with 4 zeros each over 5x7 and 7x8 layers: "
         "partial blocks with fewer than 4 elements are zeroed whole",
         {"a": normal((5, 7)), "b": normal((7, 8), 0.7)}, 0.6, (2, 3), zeros=4, norm="l1",
         min_level=0.1, max_level=0.9)
    case("zeros_zero", "zeros per block 0 prunes nothing",
         {"a": normal((4, 4)), "b": normal((4, 4))}, 0.5, (2, 2), zeros=0)
    case("mixed_dtypes", "float32 layers beside a float64 one, 1x1 l1: the float64 0.1 ranks "
         "before the float32 0.1 (0.100000001...), and 0.5 in all three ties by dataset order",
         {"a": np.array([[0.1, 0.5, 0.9, 0.7]], dtype=np.float32),
          "b": np.array([[0.1, 0.5, 0.3, 0.95]], dtype=np.float64),
          "c": np.array([[0.5, 0.2, 0.8, 0.6]], dtype=np.float32)}, 0.5, (1, 1), norm="l1")
    case("mixed_dtypes_conv", "a rank-4 conv layer (27 columns, partial 1x4 blocks), a dense "
         "float32 layer and a float64 layer with bounds",
         {"a": normal((6, 3, 3, 3)), "b": normal((16, 24), 0.3),
          "c": normal((10, 10), 1.5, np.float64)}, 0.37, (1, 4), min_level=0.1, max_level=0.8)
    return out


def main():
    torch_checked = False
    # The 1.8+ file format keeps small groups compact (75 KB instead of 130 KB).
    with h5py.File(OUT + ".tmp", "w", libver="v108") as out:
        out.attrs["generator"] = "tests/reference/model_scope_reference.py, numpy " + \
            np.__version__
        for c in cases():
            names = sorted(c["layers"])
            norms2d = {}
            for name in names:
                w = c["layers"][name]
                norms2d[name] = block_norms(w, c["block"], c["norm"])
                torch_checked |= check_against_torch(w, c["block"], c["norm"], norms2d[name])
            pruned = model_pruned_counts([norms2d[n].ravel() for n in names], c["level"],
                                         c["zeros"], c["min_level"], c["max_level"])
            group = out.create_group(c["name"])
            for attribute in ("level", "min_level", "max_level"):
                group.attrs[attribute] = np.float64(c[attribute])
            group.attrs["block"] = np.array(c["block"], dtype=np.int64)
            group.attrs["zeros_per_block"] = np.int64(c["zeros"])
            group.attrs["norm"] = c["norm"]
            group.attrs["description"] = c["description"]
            group.create_dataset("pruned", data=np.array(pruned, dtype=np.int64))
            group.create_dataset("blocks", data=np.array([norms2d[n].size for n in names],
                                                         dtype=np.int64))
            for name, count in zip(names, pruned):
                w = c["layers"][name]
                group.create_dataset("weights/" + name, data=w)
                group.create_dataset("masks/" + name, data=layer_mask(
                    w, c["block"], c["zeros"], c["norm"], norms2d[name], count))
            print("%-26s pruned %s of %s" % (c["name"], pruned,
                                             [norms2d[n].size for n in names]))
    os.replace(OUT + ".tmp", OUT)
    print("wrote %s (%d bytes)%s" % (os.path.normpath(OUT), os.path.getsize(OUT),
                                     ", norms checked against torch" if torch_checked else ""))


if __name__ == "__main__":
    main()
