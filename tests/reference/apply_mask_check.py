#!/usr/bin/python3
"""Proves the README's "apply a mask in PyTorch" snippet works on a file sparsity-cli wrote.

Needs torch and h5py (Debian: python3-torch, python3-h5py), so CI does not run it:
    /usr/bin/python3 tests/reference/apply_mask_check.py build/app/sparsity-cli
It writes weights with h5py, masks them with `sparsity-cli mask`, runs the README snippet
verbatim, and checks that the pruned layer's weight is weight * mask, that the mask has the
input's shape and the docs/SPEC.md attributes, and that it equals PyTorch's own sparsifier mask.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import torch
from torch import nn
from torch.ao.sparsity import WeightNormSparsifier

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")


def readme_snippet():
    """The first ```python block of README.md under 'Apply a mask in PyTorch'."""
    text = open(README, encoding="utf-8").read()
    section = text[text.index("## Apply a mask in PyTorch"):]
    start = section.index("```python\n") + len("```python\n")
    return section[start:section.index("```", start)]


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else "build/app/sparsity-cli"
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        torch.manual_seed(0)
        reference = nn.Linear(24, 16)
        with h5py.File("model.h5", "w") as f:
            f["dense/kernel"] = reference.weight.detach().numpy()
        subprocess.run([cli, "mask", "model.h5", "-o", "masks.h5", "--level", "0.5",
                        "--block", "1x4", "--zeros-per-block", "2"], check=True)

        # The snippet uses `layer`, expects it to hold the exported weight.
        layer = nn.Linear(24, 16)
        layer.weight.data = reference.weight.detach().clone()
        scope = {"layer": layer}
        exec(readme_snippet(), scope)
        layer = scope["layer"]

        with h5py.File("masks.h5", "r") as f:
            mask = f["/dense/kernel"][()]
            attrs = dict(f["/dense/kernel"].attrs)
            assert f["/dense/kernel"].dtype == np.uint8
            assert "generator" in f.attrs
        assert mask.shape == (16, 24)
        assert attrs["norm"] == "l2" and list(attrs["sparse_block_shape"]) == [1, 4]
        assert attrs["zeros_per_block"] == 2 and attrs["sparsity_level"] == 0.5
        expected = reference.weight.detach() * torch.from_numpy(mask).float()
        assert torch.equal(layer.weight, expected), "pruned weight is not weight * mask"
        assert hasattr(layer, "weight_mask"), "custom_from_mask did not run"

        sparsifier = WeightNormSparsifier(sparsity_level=0.5, sparse_block_shape=(1, 4),
                                          zeros_per_block=2)
        model = nn.Linear(24, 16)
        model.weight.data = reference.weight.detach().clone()
        sparsifier.prepare(model, config=[{"tensor_fqn": "weight"}])
        sparsifier.step()
        torch_mask = model.parametrizations.weight[0].mask.to(torch.uint8).numpy()
        assert np.array_equal(torch_mask, mask), "mask differs from PyTorch's"
    print("README snippet OK: custom_from_mask applied the sparsity-cli mask; equals PyTorch's")


if __name__ == "__main__":
    main()
