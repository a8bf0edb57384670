#!/usr/bin/python3
"""Writes the safetensors test files of tests/data/safetensors (numpy and h5py only: Debian 12
has no safetensors package).

The files follow the format's published description (huggingface/safetensors, "Format"):
8 bytes, a little-endian unsigned 64-bit N; N bytes of UTF-8 JSON, an object mapping each
tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the
byte after the header) and an optional "__metadata__" object of strings; then the data,
little-endian, C order. The reference writer pads the header with spaces to a multiple of 8
and stores tensors in order; so does this one.

Written here:
- dtypes.safetensors: one tensor per dtype (F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32,
  U16, U8, BOOL) with edge values (signed zeros, subnormals, inf, NaN, extremes), and
  dtypes_expected.h5: each tensor's values widened by numpy to float64 (BF16 by shifting its
  bits into a float32), for the exact comparison in tests/core/tst_safetensors.
- model.safetensors / model.h5: the same weights (float32 matrices and a conv, a float64 and a
  float16 layer, a bias, an int64 counter) in both formats, for the CLI's mask on each.
- bf16.safetensors / bf16.h5: a BF16 checkpoint and its exact float32 widening.
- sharded/: model.safetensors.index.json and two shards holding model.safetensors' tensors.
- hostile/*.safetensors and hostile-index/<case>/: headers and indexes the reader refuses
  (tests/core/tst_safetensors lists each with the reason it must give).

Run: /usr/bin/python3 tests/reference/make_safetensors.py [OUTPUT_DIR]
(default: tests/data/safetensors beside this script).
"""

import json
import os
import shutil
import struct
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "data", "safetensors")

NUMPY_DTYPE = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
    "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "u1",
}


def bf16_bits(values):
    """float32 values rounded to the nearest bfloat16 (ties to even), as uint16 bit patterns."""
    bits = np.asarray(values, dtype="<f4").view("<u4").astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype("<u2")


def bf16_widened(bits):
    """The float32 values of bfloat16 bit patterns: the bits are a float32's upper half."""
    return (np.asarray(bits, dtype="<u2").astype("<u4") << 16).view("<f4")


def tensor_bytes(dtype, array):
    if dtype == "BF16":
        return np.ascontiguousarray(array, dtype="<u2").tobytes()
    return np.ascontiguousarray(array, dtype=NUMPY_DTYPE[dtype]).tobytes()


def header_bytes(header):
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    return text + b" " * (-len(text) % 8)


def write_raw(path, header_text, data=b"", length=None):
    """A file of the format's layout from a header given as bytes (hostile cases)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_text) if length is None else length))
        f.write(header_text)
        f.write(data)


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, dtype, array); BF16 arrays hold bit patterns (uint16)."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, dtype, array in tensors:
        blob = tensor_bytes(dtype, array)
        header[name] = {"dtype": dtype, "shape": list(np.shape(array)),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    write_raw(path, header_bytes(header), b"".join(blobs))


def write_h5(path, datasets):
    with h5py.File(path, "w") as f:
        for name, array in datasets:
            f.create_dataset(name, data=array)


def dtype_cases():
    """(name, dtype, array stored, float64 expected) for every dtype."""
    f32 = np.array([[0.0, -0.0, 1.5, -2.25], [3.4028235e38, 1e-45, np.inf, -np.inf],
                    [np.nan, 0.1, -7.0, 65504.0]], dtype="<f4")
    f64 = np.array([[0.0, -0.0, 0.1, -1e308], [5e-324, np.inf, np.nan, 1.0 / 3.0]], dtype="<f8")
    f16 = np.array([[0.0, -0.0, 1.0, -2.5], [65504.0, 6e-8, 6.1e-5, np.inf],
                    [-np.inf, np.nan, 0.333, -1e-7]], dtype="<f2")
    bf16_source = np.array([[0.0, -0.0, 1.0, -2.5], [3.0e38, 1e-40, np.inf, -np.inf],
                            [np.nan, 0.1, 1.00390625, 65536.5]], dtype="<f4")
    bf16 = bf16_bits(bf16_source)
    i64 = np.array([[0, -1, 2**53, -(2**53)], [7, -7, 123456789, -987654321]], dtype="<i8")
    i32 = np.array([[0, -1, 2**31 - 1, -(2**31)]], dtype="<i4")
    i16 = np.array([[0, -1, 32767, -32768], [1, 2, 3, 4]], dtype="<i2")
    i8 = np.array([[0, -1, 127, -128]], dtype="i1")
    u64 = np.array([[0, 1, 2**53, 12345]], dtype="<u8")
    u32 = np.array([[0, 1, 2**32 - 1, 77]], dtype="<u4")
    u16 = np.array([[0, 1, 65535, 300]], dtype="<u2")
    u8 = np.array([[0, 1, 255, 128]], dtype="u1")
    # BOOL bytes: 0 and 1, and 2, which numpy and PyTorch read as true.
    boolean = np.array([[0, 1], [2, 0]], dtype="u1")
    return [
        ("f64", "F64", f64, f64.astype("<f8")),
        ("f32", "F32", f32, f32.astype("<f8")),
        ("f16", "F16", f16, f16.astype("<f8")),
        ("bf16", "BF16", bf16, bf16_widened(bf16).astype("<f8")),
        ("i64", "I64", i64, i64.astype("<f8")),
        ("i32", "I32", i32, i32.astype("<f8")),
        ("i16", "I16", i16, i16.astype("<f8")),
        ("i8", "I8", i8, i8.astype("<f8")),
        ("u64", "U64", u64, u64.astype("<f8")),
        ("u32", "U32", u32, u32.astype("<f8")),
        ("u16", "U16", u16, u16.astype("<f8")),
        ("u8", "U8", u8, u8.astype("<f8")),
        ("bool", "BOOL", boolean, (boolean != 0).astype("<f8")),
    ]


def model_tensors(rng):
    return [
        ("model.embed.weight", "F32", rng.standard_normal((16, 12)).astype("<f4")),
        ("model.layers.0.conv.weight", "F32", rng.standard_normal((8, 3, 3, 3)).astype("<f4")),
        ("model.layers.0.conv.bias", "F32", rng.standard_normal((8,)).astype("<f4")),
        ("model.layers.1.weight", "F64", rng.standard_normal((10, 16)).astype("<f8")),
        ("model.head.weight", "F16", rng.standard_normal((6, 10)).astype("<f2")),
        ("model.step", "I64", np.array([1234], dtype="<i8")),
    ]


def write_hostile(directory):
    """Each refusal of docs/SPEC.md "Files read" and the checks around it."""
    def entry(dtype="F32", shape=(2, 2), offsets=(0, 16)):
        return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}

    def json_case(name, header, data=bytes(16)):
        write_raw(os.path.join(directory, name + ".safetensors"), header_bytes(header), data)

    def text_case(name, text, data=bytes(16), length=None):
        write_raw(os.path.join(directory, name + ".safetensors"), text.encode("utf-8"), data,
                  length)

    good = header_bytes({"w": entry()})
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "too_short.safetensors"), "wb") as f:
        f.write(b"\x02\x00\x00\x00\x00")
    write_raw(os.path.join(directory, "header_past_end.safetensors"), good, bytes(16),
              length=len(good) + 1000)
    write_raw(os.path.join(directory, "header_over_100mb.safetensors"), good, bytes(16),
              length=100_000_001)
    text_case("malformed_json", '{"w": {"dtype": "F32", "shape": [2, 2],')
    text_case("not_an_object", "[1, 2, 3]")
    json_case("unknown_dtype", {"w": entry(dtype="F12")})
    json_case("dtype_not_a_string", {"w": entry(dtype=4)})
    json_case("shape_negative", {"w": entry(shape=(-2, 2))})
    json_case("shape_not_a_list", {"w": {"dtype": "F32", "shape": "2x2", "data_offsets": [0, 16]}})
    json_case("shape_fraction", {"w": entry(shape=(2.5, 2))})
    json_case("shape_beyond_int64", {"w": entry(shape=(2**64, 1))})
    json_case("shape_overflow", {"w": entry(shape=(2**40, 2**40, 2**10), offsets=(0, 0))})
    json_case("offsets_not_a_pair", {"w": entry(offsets=(0,))})
    json_case("offsets_not_integers", {"w": entry(offsets=("0", "16"))})
    json_case("offsets_reversed", {"w": entry(offsets=(16, 0))})
    json_case("offsets_outside_data", {"w": entry(shape=(2, 4), offsets=(0, 32))})
    json_case("size_mismatch", {"w": entry(offsets=(0, 12))})
    json_case("overlap", {"a": entry(shape=(2,), offsets=(0, 8)),
                          "b": entry(shape=(2,), offsets=(4, 12))})
    text_case("duplicate_name", '{"w":' + json.dumps(entry(offsets=(0, 16))) + ',"w":'
              + json.dumps(entry(offsets=(16, 32))) + "}", bytes(32))
    text_case("duplicate_escaped_name", '{"w":' + json.dumps(entry()) + ',"\\u0077":'
              + json.dumps(entry(offsets=(16, 32))) + "}", bytes(32))
    text_case("duplicate_field",
              '{"w":{"dtype":"F32","dtype":"F64","shape":[2,2],"data_offsets":[0,16]}}')
    for field in ("dtype", "shape", "data_offsets"):
        header = {"w": entry()}
        del header["w"][field]
        json_case("missing_" + field, header)
    json_case("entry_not_an_object", {"w": 5})
    json_case("metadata_not_an_object", {"__metadata__": "free text", "w": entry()})
    json_case("name_not_a_path", {"a//b": entry()})


def write_hostile_indexes(directory, shard_tensors):
    """Sharded checkpoints whose index or shards are refused; one directory per case."""
    def shard_case(case, weight_map, shards, index_text=None):
        folder = os.path.join(directory, case)
        os.makedirs(folder, exist_ok=True)
        for file_name, tensors in shards.items():
            write_safetensors(os.path.join(folder, file_name), tensors)
        with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
            f.write(index_text if index_text is not None else
                    json.dumps({"metadata": {"total_size": 48}, "weight_map": weight_map}))

    a, b = shard_tensors
    shards = {"part1.safetensors": [a], "part2.safetensors": [b]}
    good_map = {a[0]: "part1.safetensors", b[0]: "part2.safetensors"}
    shard_case("missing_shard", good_map, {"part1.safetensors": [a]})
    shard_case("no_weight_map", None, shards, json.dumps({"metadata": {}}))
    shard_case("weight_map_not_an_object", None, shards, json.dumps({"weight_map": ["a"]}))
    shard_case("malformed_index", None, shards, '{"weight_map": {"a": ')
    shard_case("index_not_an_object", None, shards, "[]")
    shard_case("shard_not_a_string", {a[0]: 3, b[0]: "part2.safetensors"}, shards)
    shard_case("absolute_shard", {a[0]: "/etc/passwd", b[0]: "part2.safetensors"}, shards)
    shard_case("escaping_shard", {a[0]: "../part1.safetensors", b[0]: "part2.safetensors"},
               shards)
    shard_case("tensor_not_in_shard", dict(good_map, **{"extra.weight": "part1.safetensors"}),
               shards)
    shard_case("tensor_not_in_index", {a[0]: "part1.safetensors"},
               {"part1.safetensors": [a, b]})
    shard_case("tensor_in_other_shard", {a[0]: "part1.safetensors", b[0]: "part2.safetensors"},
               {"part1.safetensors": [a, b], "part2.safetensors": [b]})
    shard_case("duplicate_in_weight_map", None, shards,
               '{"weight_map": {"%s": "part1.safetensors", "%s": "part2.safetensors", '
               '"%s": "part2.safetensors"}}' % (a[0], b[0], a[0]))
    # A shard whose own header is refused: the message names the index and the shard.
    shard_case("hostile_shard", good_map, {"part2.safetensors": [b]})
    with open(os.path.join(directory, "hostile_shard", "part1.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 1000) + b"{}")


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)

    cases = dtype_cases()
    write_safetensors(os.path.join(OUT, "dtypes.safetensors"),
                      [(name, dtype, array) for name, dtype, array, _ in cases],
                      metadata={"format": "pt", "note": "one tensor per dtype"})
    write_h5(os.path.join(OUT, "dtypes_expected.h5"),
             [(name, expected) for name, _, _, expected in cases])

    rng = np.random.default_rng(20261130)
    tensors = model_tensors(rng)
    write_safetensors(os.path.join(OUT, "model.safetensors"), tensors, metadata={"format": "pt"})
    write_h5(os.path.join(OUT, "model.h5"), [(name, array) for name, _, array in tensors])

    # Sharded as the reference tools shard: whole tensors per shard, an index naming each.
    sharded = os.path.join(OUT, "sharded")
    halves = {"model-00001-of-00002.safetensors": tensors[:3],
              "model-00002-of-00002.safetensors": tensors[3:]}
    weight_map = {}
    total = 0
    for file_name, part in halves.items():
        write_safetensors(os.path.join(sharded, file_name), part, metadata={"format": "pt"})
        for name, dtype, array in part:
            weight_map[name] = file_name
            total += len(tensor_bytes(dtype, array))
    with open(os.path.join(sharded, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)

    bf16_source = rng.standard_normal((12, 16)).astype("<f4")
    bf16_conv = rng.standard_normal((4, 2, 3, 3)).astype("<f4")
    bits = bf16_bits(bf16_source)
    conv_bits = bf16_bits(bf16_conv)
    write_safetensors(os.path.join(OUT, "bf16.safetensors"),
                      [("decoder.weight", "BF16", bits), ("encoder.conv.weight", "BF16", conv_bits)],
                      metadata={"format": "pt"})
    write_h5(os.path.join(OUT, "bf16.h5"),
             [("decoder.weight", bf16_widened(bits)), ("encoder.conv.weight", bf16_widened(conv_bits))])

    write_hostile(os.path.join(OUT, "hostile"))
    shard_tensors = [("a.weight", "F32", np.arange(4, dtype="<f4").reshape(2, 2)),
                     ("b.weight", "F32", np.arange(8, dtype="<f4").reshape(2, 4))]
    write_hostile_indexes(os.path.join(OUT, "hostile-index"), shard_tensors)


if __name__ == "__main__":
    main()
