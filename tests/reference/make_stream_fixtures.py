#!/usr/bin/python3
"""Writes tests/data/stream: the same odd-shaped tensors in every format the readers stream
into matrix order (TensorReader::readMatrixOrder), for tests/core/tst_matrixstream, which
checks each against readTensor + MatrixMapping::toMatrix bit for bit.

The shapes are chosen so that slabs never divide them evenly: 1-row and 1-column matrices, a
rank-1 vector, a PyTorch conv (out, in, kh, kw) with kh, kw > 1, a Keras conv kernel
(kh, kw, in, out), a Keras 1x1 conv kernel (1, 1, in, out) whose leading axes have extent 1,
and rank 3. The values are distinct (a permutation of 0..n-1, scaled, signs mixed) so that a
value in the wrong place cannot go unnoticed.

Written here:
- stream.npz (stored members) and stream_deflated.npz (np.savez_compressed): float32, float64,
  float16, int8, int32, uint16, bool, big-endian float32/float16/int64, and Fortran-order
  arrays, little- and big-endian.
- fortran_be_conv.npy: one Fortran-order big-endian float16 Keras conv kernel (a .npy alone).
- stream.safetensors: F32, F64, F16, BF16, I32, U8, BOOL tensors (the writer follows the
  format's published description, as tests/reference/make_safetensors.py does).
- stream.h5: contiguous and chunked datasets (chunks that do not divide the shape, and chunks
  of extent 1 on the leading axes), float16 either byte order, big-endian float32, int32,
  float64, gzip-compressed.

Run: /usr/bin/python3 tests/reference/make_stream_fixtures.py [OUTPUT_DIR]
"""

import json
import os
import struct
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "data", "stream")

SHAPES = {
    "dense": (31, 17),
    "one_row": (1, 37),
    "one_col": (37, 1),
    "vector": (23,),
    "torch_conv": (5, 3, 3, 2),
    "keras_conv": (3, 2, 5, 6),
    "keras_pointwise": (1, 1, 9, 11),
    "rank3": (4, 6, 3),
}


def values(shape, seed):
    n = int(np.prod(shape))
    rng = np.random.default_rng(seed)
    v = rng.permutation(n).astype(np.float64) - n / 3.0
    return (v / 8.0).reshape(shape)


def safetensors_file(path, tensors):
    header = {}
    offset = 0
    blobs = []
    for name, dtype, data in tensors:
        blobs.append(data)
        header[name] = {"dtype": dtype, "shape": list(SHAPES[name.split(".")[0]]),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for blob in blobs:
            out.write(blob)


def bf16_bits(array):
    bits = np.asarray(array, dtype="<f4").view("<u4").astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2")


def main():
    os.makedirs(OUT, exist_ok=True)
    arrays = {}
    for i, (name, shape) in enumerate(SHAPES.items()):
        v = values(shape, i)
        arrays[name + ".f32"] = v.astype("<f4")
        arrays[name + ".f64"] = v.astype("<f8")
        arrays[name + ".f16"] = v.astype("<f2")
        arrays[name + ".i8"] = np.clip(np.round(v), -128, 127).astype("i1")
        arrays[name + ".i32"] = (np.round(v * 1000)).astype("<i4")
        arrays[name + ".u16"] = np.abs(np.round(v * 10)).astype("<u2")
        arrays[name + ".bool"] = (v > 0)
        arrays[name + ".f32be"] = v.astype(">f4")
        arrays[name + ".f16be"] = v.astype(">f2")
        arrays[name + ".i64be"] = np.round(v * 100).astype(">i8")
        arrays[name + ".f32fortran"] = np.asfortranarray(v.astype("<f4"))
        arrays[name + ".f16befortran"] = np.asfortranarray(v.astype(">f2"))
        arrays[name + ".i32befortran"] = np.asfortranarray(np.round(v * 7).astype(">i4"))
    # Member names are file names in the archive: dots are fine, numpy keeps them.
    np.savez(os.path.join(OUT, "stream.npz"), **arrays)
    np.savez_compressed(os.path.join(OUT, "stream_deflated.npz"), **arrays)
    np.save(os.path.join(OUT, "fortran_be_conv.npy"),
            np.asfortranarray(values(SHAPES["keras_conv"], 99).astype(">f2")))

    tensors = []
    for i, (name, shape) in enumerate(SHAPES.items()):
        v = values(shape, 100 + i)
        tensors.append((name + ".f32", "F32", v.astype("<f4").tobytes()))
        tensors.append((name + ".f64", "F64", v.astype("<f8").tobytes()))
        tensors.append((name + ".f16", "F16", v.astype("<f2").tobytes()))
        tensors.append((name + ".bf16", "BF16", bf16_bits(v).tobytes()))
        tensors.append((name + ".i32", "I32", np.round(v * 1000).astype("<i4").tobytes()))
        tensors.append((name + ".u8", "U8", np.abs(np.round(v)).astype("u1").tobytes()))
        tensors.append((name + ".bool", "BOOL", (v > 0).astype("u1").tobytes()))
    tensors.sort(key=lambda t: t[0])
    safetensors_file(os.path.join(OUT, "stream.safetensors"), tensors)

    with h5py.File(os.path.join(OUT, "stream.h5"), "w") as f:
        for i, (name, shape) in enumerate(SHAPES.items()):
            v = values(shape, 200 + i)
            g = f.create_group(name)
            g.create_dataset("f32", data=v.astype("<f4"))
            g.create_dataset("f64", data=v.astype("<f8"))
            g.create_dataset("f16", data=v.astype("<f2"))
            g.create_dataset("f16be", data=v.astype(">f2"))
            g.create_dataset("f32be", data=v.astype(">f4"))
            g.create_dataset("i32", data=np.round(v * 1000).astype("<i4"))
            # Chunks that do not divide the shape: 3 along every axis of extent > 3.
            chunk = tuple(min(3, e) for e in shape)
            g.create_dataset("f32_chunked", data=v.astype("<f4"), chunks=chunk)
            g.create_dataset("f16_gzip", data=v.astype("<f2"), chunks=chunk,
                             compression="gzip", compression_opts=1)
            if len(shape) >= 2:
                # Extent-1 chunks on the leading axes: slabs may then split them.
                lead = (1,) * (len(shape) - 1) + (min(4, shape[-1]),)
                g.create_dataset("f32_rowchunks", data=v.astype("<f4"), chunks=lead)


main()
