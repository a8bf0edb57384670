#!/usr/bin/python3
"""Writes tests/data/layers.h5, a small multi-layer file shaped like real exports.

Run with Debian's Python (python3-h5py):  /usr/bin/python3 tests/reference/make_fixtures.py
It mixes what the CLI and GUI must mask (float16/32/64 matrices and a conv kernel at several
depths) with what they must skip with a note (a bias, integers, strings, an empty dataset, a
dangling soft link).
"""
import os

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "layers.h5")


def main():
    rng = np.random.RandomState(7)
    with h5py.File(OUT + ".tmp", "w") as f:
        f.create_dataset("dense/kernel", data=rng.standard_normal((16, 24)).astype(np.float32))
        f.create_dataset("dense/bias", data=rng.standard_normal(16).astype(np.float32))
        f.create_dataset("conv/weight", data=rng.standard_normal((4, 3, 3, 3)).astype(np.float32))
        f.create_dataset("half", data=rng.standard_normal((8, 16)).astype(np.float16))
        f.create_dataset("nested/deep/w", data=rng.standard_normal((10, 10)))
        f.create_dataset("int_table", data=rng.randint(-5, 5, size=(8, 8)).astype(np.int32))
        f.create_dataset("names", data=np.array([b"alpha", b"beta"]))
        f.create_dataset("empty", shape=(0, 5), dtype=np.float32)
        f["broken"] = h5py.SoftLink("/does/not/exist")
    os.replace(OUT + ".tmp", OUT)


if __name__ == "__main__":
    main()
