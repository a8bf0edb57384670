#!/usr/bin/python3
"""Writes tests/data/goldens.h5: weights and the masks PyTorch's WeightNormSparsifier makes.

Run with Debian's Python, which has python3-torch (1.13, module torch.ao.sparsity) and
python3-h5py:   /usr/bin/python3 tests/reference/make_goldens.py

For every named source tensor /<source> holds
  weights           the input, in its own dtype (float16, float32 or float64) and shape
  norms/l<N>_<R>x<C> float64, the reference block norms (rows x cols of blocks) for that
                    norm and block shape, for tie-aware comparison
  level, block, zeros_per_block, norm, method   one entry per case (float64, int64 (n, 2),
                    int64, int64 1 or 2, int64 0 = sparsifier / 1 = padded)
  masks             uint8 (n, *shape), 1 = keep: the reference mask of each case

method "sparsifier": the public API. An nn.Linear whose weight is set to the case's matrix is
  prepared with WeightNormSparsifier and stepped once; the mask is the parametrization's.
method "padded": PyTorch 1.13 raises when the matrix is not divisible by the block, and it has
  no rank > 2 path. For those cases docs/SPEC.md defines the result as what the sparsifier's own
  _make_tensor_mask and _make_block_mask compute on a padded buffer
  (mask=torch.ones(h+dh, w+dw)), each cropped to [:h, :w] and OR-ed, with update_mask's two
  shortcuts (level <= 0 or zeros == 0 keeps all; level >= 1 with whole blocks prunes all).
  A rank > 2 tensor is viewed as (d0, d1*...*dn) first.
float16 weights are computed in float32: CPU torch 1.13 has no half-precision pooling.
"""
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.ao.sparsity import WeightNormSparsifier

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "goldens.h5")


def datasets():
    """Named input tensors, fixed seeds: normal, heavy-tailed, ties, non-finite, odd shapes."""
    rng = np.random.RandomState(20261129)
    normal = lambda *s: rng.standard_normal(s)
    sets = {}
    sets["normal_16x24_f32"] = normal(16, 24).astype(np.float32)
    sets["normal_16x24_f16"] = (normal(16, 24) * 3).astype(np.float16)
    sets["normal_16x24_f64"] = normal(16, 24).astype(np.float64)
    sets["normal_13x22_f32"] = normal(13, 22).astype(np.float32)
    sets["normal_13x22_f64"] = normal(13, 22).astype(np.float64)
    sets["normal_13x22_f16"] = normal(13, 22).astype(np.float16)
    sets["odd_9x12_f32"] = normal(9, 12).astype(np.float32)  # 27 blocks of 1x4, 9 of 3x5
    sets["odd_5x7_f32"] = normal(5, 7).astype(np.float32)    # 35 blocks of 1x1
    sets["tiny_5x3_f32"] = normal(5, 3).astype(np.float32)   # smaller than most blocks
    sets["heavy_32x40_f32"] = rng.standard_t(2, size=(32, 40)).astype(np.float32)
    sets["conv_6x3x3x3_f32"] = normal(6, 3, 3, 3).astype(np.float32)
    sets["conv_4x2x3x5_f64"] = normal(4, 2, 3, 5).astype(np.float64)
    # Exact ties: few distinct magnitudes, signs mixed, so many blocks and elements tie.
    sets["ties_12x20_f32"] = (rng.randint(-3, 4, size=(12, 20)) * 0.25).astype(np.float32)
    nonfinite = normal(12, 16).astype(np.float32)
    for (r, c), v in zip([(0, 1), (3, 7), (5, 5), (8, 12), (11, 0), (6, 9)],
                         [np.nan, np.inf, -np.inf, np.nan, np.inf, -np.nan]):
        nonfinite[r, c] = v
    sets["nonfinite_12x16_f32"] = nonfinite
    return sets


BLOCKS = [(1, 1), (1, 4), (4, 1), (2, 2), (8, 8), (3, 5), (16, 32)]
LEVELS = [0.0, 0.1, 0.5, 0.999, 1.0]
NORMS = [1, 2]


def zeros_choices(block):
    n = block[0] * block[1]
    return sorted({0, 1, n // 2, n})


def norm_fn(t, norm):
    return t.abs() if norm == 1 else t * t


def reference_norms(ww, block):
    if block == (1, 1):
        return ww.clone()
    return F.avg_pool2d(ww[None, None], kernel_size=block, stride=block, ceil_mode=True)[0, 0]


def with_sparsifier(w2d, level, block, zeros, norm):
    h, w = w2d.shape
    linear = nn.Linear(w, h, bias=False).to(w2d.dtype)
    linear.weight.data = w2d.clone()
    sparsifier = WeightNormSparsifier(sparsity_level=level, sparse_block_shape=block,
                                      zeros_per_block=zeros, norm=norm)
    sparsifier.prepare(linear, config=[{"tensor_fqn": "weight"}])
    sparsifier.step()
    return linear.parametrizations.weight[0].mask.detach().clone()


def with_padded_buffer(w2d, level, block, zeros, norm):
    h, w = w2d.shape
    bh, bw = block
    per_block = bh * bw
    if level <= 0 or zeros == 0:
        return torch.ones(h, w)
    if level >= 1.0 and zeros == per_block:
        return torch.zeros(h, w)
    sparsifier = WeightNormSparsifier(sparsity_level=level, sparse_block_shape=block,
                                      zeros_per_block=zeros, norm=norm)
    ww = sparsifier.norm_fn(w2d)
    dh = (bh - h % bh) % bh
    dw = (bw - w % bw) % bw
    tensor_mask = sparsifier._make_tensor_mask(
        data=ww, input_shape=ww.shape, sparsity_level=level, sparse_block_shape=block,
        mask=torch.ones(h + dh, w + dw))[:h, :w]
    if zeros != per_block:
        block_mask = sparsifier._make_block_mask(
            data=ww, sparse_block_shape=block, zeros_per_block=zeros,
            mask=torch.ones(h + dh, w + dw))[:h, :w]
        tensor_mask = torch.logical_or(tensor_mask, block_mask)
    return tensor_mask


def main():
    total = 0
    with h5py.File(OUT + ".tmp", "w") as out:
        out.attrs["generator"] = "tests/reference/make_goldens.py, torch " + torch.__version__
        for name, weights in datasets().items():
            compute_dtype = torch.float64 if weights.dtype == np.float64 else torch.float32
            w = torch.from_numpy(weights.astype(np.float64 if compute_dtype == torch.float64
                                                else np.float32))
            w2d = w.reshape(w.shape[0], -1)
            h, c = w2d.shape
            source = out.create_group(name)
            source.create_dataset("weights", data=weights)
            rows = {"level": [], "block": [], "zeros_per_block": [], "norm": [], "method": []}
            masks = []
            for block in BLOCKS:
                for norm in NORMS:
                    norms = reference_norms(norm_fn(w2d, norm), block).to(torch.float64)
                    source.create_dataset("norms/l%d_%dx%d" % (norm, block[0], block[1]),
                                          data=norms.numpy())
                    for level in LEVELS:
                        for zeros in zeros_choices(block):
                            divisible = h % block[0] == 0 and c % block[1] == 0
                            if w.dim() == 2 and divisible:
                                method = 0
                                mask = with_sparsifier(w2d, level, block, zeros, norm)
                            else:
                                method = 1
                                mask = with_padded_buffer(w2d, level, block, zeros, norm)
                            masks.append(mask.reshape(weights.shape).to(torch.uint8).numpy())
                            rows["level"].append(level)
                            rows["block"].append(block)
                            rows["zeros_per_block"].append(zeros)
                            rows["norm"].append(norm)
                            rows["method"].append(method)
            source.create_dataset("level", data=np.array(rows["level"], dtype=np.float64))
            for key in ("block", "zeros_per_block", "norm", "method"):
                source.create_dataset(key, data=np.array(rows[key], dtype=np.int64))
            source.create_dataset("masks", data=np.stack(masks), compression="gzip",
                                  compression_opts=9, shuffle=True)
            total += len(masks)
    os.replace(OUT + ".tmp", OUT)
    print("wrote %d cases to %s" % (total, os.path.normpath(OUT)), file=sys.stderr)


if __name__ == "__main__":
    main()
