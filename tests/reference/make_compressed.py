#!/usr/bin/python3
"""Writes the compressed HDF5 files of tests/data that tst_compression reads.

Run with Debian's Python:  /usr/bin/python3 tests/reference/make_compressed.py
(python3-h5py for LZF and gzip; python3-hdf5plugin for Blosc, LZ4 and BZip2, needed only here:
the program reads those through Debian's hdf5-filter-plugin packages.)

- compressed.h5: every /raw/<name> has compressed twins /<filter>/<name> holding the same
  values: h5py's LZF (id 32000) alone and after shuffle, and gzip, on float32 and float16, in
  chunks that leave partial chunks at the edges. /lzf/random holds full-precision values that
  LZF often cannot shrink: h5py then stores those chunks unfiltered.
- plugins.h5: /raw/f32 and its twins /blosc/f32, /lz4/f32 and /bzip2/f32.
- lzf_damaged.h5: /w in LZF whose first chunk was damaged after writing (its first bytes
  replaced by a back-reference before the start of the output), /ok an intact LZF twin.
"""
import os

import h5py
import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")


def quantized(rng, shape):
    # Multiples of 1/8: exact in float16 and float32, and compressible.
    return np.round(rng.standard_normal(shape) * 8) / 8


def write_compressed(path):
    rng = np.random.RandomState(12)
    f32 = quantized(rng, (37, 23)).astype(np.float32)
    f16 = quantized(rng, (19, 45)).astype(np.float16)
    rank3 = quantized(rng, (5, 6, 7)).astype(np.float32)
    random = rng.standard_normal((40, 30)).astype(np.float32)
    with h5py.File(path + ".tmp", "w") as f:
        for name, data, chunks in (("f32", f32, (16, 8)), ("f16", f16, (8, 16)),
                                   ("rank3", rank3, (2, 4, 3)), ("random", random, (8, 8))):
            f.create_dataset("raw/" + name, data=data)
            f.create_dataset("lzf/" + name, data=data, chunks=chunks, compression="lzf")
            f.create_dataset("shuffle_lzf/" + name, data=data, chunks=chunks, shuffle=True,
                             compression="lzf")
            f.create_dataset("gzip/" + name, data=data, chunks=chunks, compression="gzip")
    os.replace(path + ".tmp", path)


def write_plugins(path):
    import hdf5plugin

    rng = np.random.RandomState(13)
    f32 = quantized(rng, (33, 21)).astype(np.float32)
    with h5py.File(path + ".tmp", "w") as f:
        f.create_dataset("raw/f32", data=f32)
        f.create_dataset("blosc/f32", data=f32, chunks=(16, 8),
                         **hdf5plugin.Blosc(cname="lz4", clevel=5,
                                            shuffle=hdf5plugin.Blosc.SHUFFLE))
        f.create_dataset("lz4/f32", data=f32, chunks=(16, 8), **hdf5plugin.LZ4())
        f.create_dataset("bzip2/f32", data=f32, chunks=(16, 8), **hdf5plugin.BZip2())
    os.replace(path + ".tmp", path)


def write_damaged(path):
    rng = np.random.RandomState(14)
    data = quantized(rng, (16, 16)).astype(np.float32)
    with h5py.File(path + ".tmp", "w") as f:
        f.create_dataset("w", data=data, chunks=(8, 16), compression="lzf")
        f.create_dataset("ok", data=data, chunks=(8, 16), compression="lzf")
        info = f["w"].id.get_chunk_info(0)
        assert info.filter_mask == 0, "the first chunk must be LZF-compressed"
    with open(path + ".tmp", "r+b") as raw:
        # 0xFF 0xFF: a back-reference of 9 bytes at distance 8192 from the start of the output.
        raw.seek(info.byte_offset)
        raw.write(b"\xff\xff")
    os.replace(path + ".tmp", path)


def main():
    write_compressed(os.path.join(DATA, "compressed.h5"))
    write_plugins(os.path.join(DATA, "plugins.h5"))
    write_damaged(os.path.join(DATA, "lzf_damaged.h5"))


if __name__ == "__main__":
    main()
