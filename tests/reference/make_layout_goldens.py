#!/usr/bin/python3
"""Writes the layout and view fixtures of docs/SPEC.md "Layout" and "View" with PyTorch 1.13.

Run with Debian's Python (python3-torch, python3-h5py):
    /usr/bin/python3 tests/reference/make_layout_goldens.py

tests/data/keras_layout.h5   a Keras 2 weights file as Keras writes it: root attributes
                             keras_version, backend and layer_names, each layer's group with
                             weight_names, a Dense kernel (in, out) = (24, 16) and a Conv2D
                             kernel (kh, kw, in, out) = (3, 3, 4, 8), with their biases.
tests/data/keras_model.h5    a full-model file: the markers only on /model_weights.
tests/data/layout_goldens.h5 one group per case:
    attrs  input (file name under tests/data), dataset, layout ("keras"/"torch"), view
    weights                 the stored tensor (a copy of the input's)
    level, block, zeros_per_block, norm   one entry per row (float64, int64 (n, 2), int64, int64)
    masks                   uint8 (n, *stored shape): the mask in the stored axis order

Every mask is PyTorch's WeightNormSparsifier (public API, an nn.Linear stepped once) on the
matrix of the SPEC (Keras tensors transposed by (r-1, r-2, 0, ..., r-3) to (out, in, k...),
then flatten: reshape(out, -1), or channels-last: permute(0, 2, ..., 1).reshape(-1, in)),
mapped back to the stored shape and axis order. All shapes are multiples of the blocks, so
PyTorch 1.13 runs every case. Weights are normal random numbers: no ties.
"""
import os
import sys

import h5py
import numpy as np
import torch
from torch import nn
from torch.ao.sparsity import WeightNormSparsifier

torch.set_num_threads(1)
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")

BLOCKS = [(1, 4), (4, 1), (2, 2), (4, 4)]
LEVELS = [0.3, 0.5, 0.75, 1.0]
NORMS = [1, 2]


def with_sparsifier(w2d, level, block, zeros, norm):
    h, w = w2d.shape
    linear = nn.Linear(w, h, bias=False).to(w2d.dtype)
    linear.weight.data = w2d.clone()
    sparsifier = WeightNormSparsifier(sparsity_level=level, sparse_block_shape=block,
                                      zeros_per_block=zeros, norm=norm)
    sparsifier.prepare(linear, config=[{"tensor_fqn": "weight"}])
    sparsifier.step()
    return linear.parametrizations.weight[0].mask.detach().clone()


def to_torch_order(t, layout):
    """The stored tensor in PyTorch's (out, in, k...) order, and the permutation used."""
    r = t.dim()
    if layout == "keras":
        order = [r - 1, r - 2] + list(range(r - 2))
    else:
        order = list(range(r))
    return t.permute(order), order


def matrix_of(ordered, view):
    if view == "flatten":
        return ordered.reshape(ordered.shape[0], -1)
    r = ordered.dim()
    return ordered.permute([0] + list(range(2, r)) + [1]).reshape(-1, ordered.shape[1])


def mask_back(mask2d, ordered_shape, order, view):
    """The matrix's mask in the stored shape and axis order."""
    r = len(ordered_shape)
    if view == "flatten":
        ordered_mask = mask2d.reshape(ordered_shape)
    else:
        cl_shape = [ordered_shape[0]] + list(ordered_shape[2:]) + [ordered_shape[1]]
        cl = mask2d.reshape(cl_shape)
        # channels-last axes (out, k..., in) back to (out, in, k...)
        ordered_mask = cl.permute([0, r - 1] + list(range(1, r - 1)))
    inverse = [0] * r
    for i, axis in enumerate(order):
        inverse[axis] = i
    return ordered_mask.permute(inverse).contiguous()


def cases_for(weights, layout, view):
    w = torch.from_numpy(weights)
    ordered, order = to_torch_order(w, layout)
    matrix = matrix_of(ordered, view).contiguous()
    h, c = matrix.shape
    rows = {"level": [], "block": [], "zeros_per_block": [], "norm": []}
    masks = []
    for block in BLOCKS:
        assert h % block[0] == 0 and c % block[1] == 0, (weights.shape, view, block)
        n = block[0] * block[1]
        for zeros in sorted({n, n // 2}):
            for norm in NORMS:
                for level in LEVELS:
                    mask = with_sparsifier(matrix, level, block, zeros, norm)
                    back = mask_back(mask, list(ordered.shape), order, view)
                    masks.append(back.to(torch.uint8).numpy())
                    rows["level"].append(level)
                    rows["block"].append(block)
                    rows["zeros_per_block"].append(zeros)
                    rows["norm"].append(norm)
    return rows, masks


def write_keras_files(rng):
    dense = rng.standard_normal((24, 16)).astype(np.float32)
    conv = rng.standard_normal((3, 3, 4, 8)).astype(np.float32)
    path = os.path.join(DATA, "keras_layout.h5")
    with h5py.File(path + ".tmp", "w") as f:
        f.attrs["keras_version"] = b"2.11.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["layer_names"] = np.array([b"dense", b"conv"])
        for layer, kernel in (("dense", dense), ("conv", conv)):
            group = f.create_group(layer)
            group.attrs["weight_names"] = np.array(
                [("%s/kernel:0" % layer).encode(), ("%s/bias:0" % layer).encode()])
            inner = group.create_group(layer)
            inner.create_dataset("kernel:0", data=kernel)
            inner.create_dataset("bias:0", data=rng.standard_normal(kernel.shape[-1])
                                 .astype(np.float32))
    os.replace(path + ".tmp", path)
    model = os.path.join(DATA, "keras_model.h5")
    with h5py.File(model + ".tmp", "w") as f:
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = np.array([b"dense"])
        weights.attrs["backend"] = b"tensorflow"
        group = weights.create_group("dense").create_group("dense")
        group.create_dataset("kernel:0", data=dense[:8, :4])
        f.create_group("optimizer_weights")
    os.replace(model + ".tmp", model)
    return dense, conv


def main():
    rng = np.random.RandomState(20261130)
    dense, conv = write_keras_files(rng)
    torch_conv = rng.standard_normal((16, 8, 3, 3)).astype(np.float32)
    cases = [
        ("keras_dense_flatten", "keras_layout.h5", "/dense/dense/kernel:0", dense, "keras",
         "flatten"),
        ("keras_dense_channels_last", "keras_layout.h5", "/dense/dense/kernel:0", dense, "keras",
         "channels-last"),
        ("keras_conv_flatten", "keras_layout.h5", "/conv/conv/kernel:0", conv, "keras",
         "flatten"),
        ("keras_conv_channels_last", "keras_layout.h5", "/conv/conv/kernel:0", conv, "keras",
         "channels-last"),
        ("torch_conv_channels_last", "layout_goldens.h5", "/torch_conv_channels_last/weights",
         torch_conv, "torch", "channels-last"),
    ]
    out_path = os.path.join(DATA, "layout_goldens.h5")
    total = 0
    with h5py.File(out_path + ".tmp", "w") as out:
        out.attrs["generator"] = ("tests/reference/make_layout_goldens.py, torch "
                                  + torch.__version__)
        for name, input_file, dataset, weights, layout, view in cases:
            rows, masks = cases_for(weights, layout, view)
            group = out.create_group(name)
            group.attrs["input"] = input_file
            group.attrs["dataset"] = dataset
            group.attrs["layout"] = layout
            group.attrs["view"] = view
            group.create_dataset("weights", data=weights)
            group.create_dataset("level", data=np.array(rows["level"], dtype=np.float64))
            for key in ("block", "zeros_per_block", "norm"):
                group.create_dataset(key, data=np.array(rows[key], dtype=np.int64))
            group.create_dataset("masks", data=np.stack(masks), compression="gzip",
                                 compression_opts=9, shuffle=True)
            total += len(masks)
    os.replace(out_path + ".tmp", out_path)
    print("wrote %d cases to %s" % (total, os.path.normpath(out_path)), file=sys.stderr)


if __name__ == "__main__":
    main()
