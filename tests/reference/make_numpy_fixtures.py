#!/usr/bin/python3
"""Writes tests/data/numpy/: NumPy files written by numpy itself, and damaged ones.

Run with Debian's Python (python3-numpy, python3-h5py):
    /usr/bin/python3 tests/reference/make_numpy_fixtures.py
The tests (tests/core/tst_numpyio.cpp, tests/cli/tst_cli.cpp) read only the files; they
compute the expected values with the same formulas as values() below.

- layers.npz / layers_compressed.npz: every array of tests/data/layers.h5 under the same path
  (np.savez / np.savez_compressed), so that masks of the .npz and the .h5 can be compared.
- dense_kernel.npy: layers.h5's /dense/kernel alone.
- dtypes.npz / dtypes_compressed.npz: a 3x5 array per dtype and byte order, C and Fortran
  order, a 3-d Fortran array, a 0-d and a 1-d array and a big-endian Fortran 4-d conv weight.
- version1.npy, version2.npy, version3.npy: the same float32 array in each .npy version.
- zip64.npz: an archive whose records use ZIP64 fields, as numpy's zipfile writes them for
  members and offsets beyond 2 GiB (built by hand, small, and checked with np.load).
- bad/: hostile and damaged files, each refused by the reader with a reason.
"""
import io
import os
import struct
import zipfile
import zlib

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
OUT = os.path.join(DATA, "numpy")
BAD = os.path.join(OUT, "bad")

INT_TYPES = ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]
FLOAT_TYPES = ["f2", "f4", "f8"]


def values(code):
    """The 3x5 test array of a dtype code ('f4', 'u8', 'b1'): k = 5*i + j."""
    k = np.arange(15).reshape(3, 5)
    dtype = np.dtype(code)
    if dtype.kind == "f":
        v = (k - 7) * 0.25
        v = v.astype(dtype)
        v[2, 4] = 65504.0 if dtype.itemsize == 2 else np.finfo(dtype).max
        return v
    if dtype.kind == "i":
        v = (k - 7).astype(dtype)
        v[0, 0] = np.iinfo(dtype).min
        v[2, 4] = np.iinfo(dtype).max
        return v
    if dtype.kind == "u":
        v = k.astype(dtype)
        v[2, 4] = np.iinfo(dtype).max
        return v
    return (k % 3 == 0)


def dtype_arrays():
    arrays = {}
    for code in FLOAT_TYPES + INT_TYPES:
        for order in "<>":
            arrays["%s_%s" % (code, "le" if order == "<" else "be")] = \
                values(code).astype(np.dtype(order + code))
    arrays["bool"] = values("b1")
    for name in ["f4_le", "f8_be", "f2_be", "i2_be", "u8_le", "i8_be"]:
        arrays[name + "_fortran"] = np.asfortranarray(arrays[name])
    k = np.arange(24).reshape(2, 3, 4)
    arrays["f4_fortran_3d"] = np.asfortranarray((k * 0.5).astype("<f4"))
    conv = (np.arange(108).reshape(4, 3, 3, 3) * 0.125 - 5).astype(">f4")
    arrays["conv_be_fortran"] = np.asfortranarray(conv)
    arrays["scalar"] = np.array(2.5, dtype="<f4")
    arrays["vector"] = (np.arange(7) - 3).astype("<f8")
    for name, array in arrays.items():
        if name.endswith("fortran") or name.endswith("fortran_3d"):
            assert array.flags.f_contiguous and not array.flags.c_contiguous, name
    return arrays


def layers_arrays():
    arrays = {}
    with h5py.File(os.path.join(DATA, "layers.h5"), "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                # A fresh dtype: h5py's string dtypes carry metadata numpy warns about.
                value = obj[()]
                arrays[name] = value.astype(np.dtype(value.dtype.str))
        f.visititems(visit)
    return arrays


def npy_bytes(array, version=None):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, version=version, allow_pickle=True)
    return buffer.getvalue()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def raw_npy(header_text, data=b"", version=(1, 0)):
    """A .npy file with a given header text (padded as numpy pads it)."""
    text = header_text.encode("latin1")
    size_format = "<H" if version[0] == 1 else "<I"
    preamble = b"\x93NUMPY" + bytes(version)
    total = len(preamble) + struct.calcsize(size_format) + len(text) + 1
    text += b" " * ((64 - total % 64) % 64) + b"\n"
    return preamble + struct.pack(size_format, len(text)) + text + data


def zip_members(members, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as z:
        for name, data in members:
            # numpy's own date, so that the archives do not change when written again.
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                       compress_type=compression)
    return bytearray(buffer.getvalue())


def central_entries(data):
    """Offsets of the central directory entries of a ZIP archive."""
    offsets = []
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        offsets.append(at)
        at = data.find(b"PK\x01\x02", at + 4)
    return offsets


def zip64_archive(members):
    """A stored archive with ZIP64 extra fields (sizes and offsets) and ZIP64 end records."""
    out = bytearray()
    directory = bytearray()
    for name, data in members:
        name = name.encode()
        crc = zlib.crc32(data)
        offset = len(out)
        extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF,
                           0xFFFFFFFF, len(name), len(extra)) + name + extra + data
        extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc,
                                 0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra), 0, 0, 0, 0,
                                 0xFFFFFFFF) + name + extra
    directory_offset = len(out)
    out += directory
    end64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(members), len(members),
                       len(directory), directory_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, end64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(out)


def write_good():
    layers = layers_arrays()
    np.savez(os.path.join(OUT, "layers.npz"), **layers)
    np.savez_compressed(os.path.join(OUT, "layers_compressed.npz"), **layers)
    np.save(os.path.join(OUT, "dense_kernel.npy"), layers["dense/kernel"])

    arrays = dtype_arrays()
    np.savez(os.path.join(OUT, "dtypes.npz"), **arrays)
    np.savez_compressed(os.path.join(OUT, "dtypes_compressed.npz"), **arrays)
    for version in [(1, 0), (2, 0), (3, 0)]:
        write(os.path.join(OUT, "version%d.npy" % version[0]),
              npy_bytes(values("f4"), version=version))

    zip64 = zip64_archive([("first.npy", npy_bytes(values("f4"))),
                           ("deep/second.npy", npy_bytes(values("i2").astype(">i2")))])
    write(os.path.join(OUT, "zip64.npz"), zip64)
    with np.load(os.path.join(OUT, "zip64.npz")) as loaded:
        assert sorted(loaded.files) == ["deep/second", "first"]
        assert np.array_equal(loaded["first"], values("f4"))
        assert np.array_equal(loaded["deep/second"], values("i2"))

    # Everything numpy wrote loads back as written (the reference for the C++ tests).
    with np.load(os.path.join(OUT, "dtypes_compressed.npz")) as loaded:
        for name, array in arrays.items():
            assert np.array_equal(loaded[name], array), name
            assert loaded[name].dtype == array.dtype, name


def write_bad():
    good = npy_bytes(values("f4").astype("<f4"))
    header_end = good.index(b"\n") + 1
    write(os.path.join(BAD, "truncated.npy"), good[:header_end + 20])
    write(os.path.join(BAD, "extra_bytes.npy"), good + b"\0\0\0\0")
    write(os.path.join(BAD, "bad_magic.npy"), b"\x93NUMPZ" + good[6:])
    write(os.path.join(BAD, "bad_version.npy"), good[:6] + b"\x04\x00" + good[8:])
    write(os.path.join(BAD, "header_cut.npy"), good[:40])
    data = values("f4").astype("<f4").tobytes()
    headers = {
        "header_syntax": "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), ",
        "header_unknown_key": "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), "
                              "'extra': 1}",
        "header_missing_key": "{'descr': '<f4', 'shape': (3, 5)}",
        "header_duplicate_key": "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), "
                                "'shape': (3, 5)}",
        "header_not_dict": "['<f4', False, (3, 5)]",
        "header_negative_shape": "{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 5)}",
        "header_float_shape": "{'descr': '<f4', 'fortran_order': False, 'shape': (3.0, 5)}",
        "header_bad_descr": "{'descr': '<x4', 'fortran_order': False, 'shape': (3, 5)}",
        "header_fortran_not_bool": "{'descr': '<f4', 'fortran_order': 0, 'shape': (3, 5)}",
        "header_huge_shape": "{'descr': '<f4', 'fortran_order': False, "
                             "'shape': (4611686018427387904, 4611686018427387904)}",
        "header_trailing_garbage": "{'descr': '<f4', 'fortran_order': False, "
                                   "'shape': (3, 5)} x",
    }
    for name, text in headers.items():
        write(os.path.join(BAD, name + ".npy"), raw_npy(text, data))
    # Spacing, key order and a trailing comma numpy never writes, but Python would read.
    write(os.path.join(OUT, "header_spacing.npy"),
          raw_npy("{ 'shape' :(3,5,),\n'fortran_order':False ,\"descr\":'<f4',}", data))
    assert np.array_equal(np.load(os.path.join(OUT, "header_spacing.npy")), values("f4"))
    # A header that claims 2 MiB in a version 2.0 file.
    write(os.path.join(BAD, "header_too_long.npy"),
          b"\x93NUMPY\x02\x00" + struct.pack("<I", 2 << 20) + b"{'descr'")

    np.save(os.path.join(BAD, "object.npy"), np.array([1, "a", None], dtype=object),
            allow_pickle=True)
    np.save(os.path.join(BAD, "structured.npy"),
            np.zeros((2, 3), dtype=[("x", "<f4"), ("y", "<i4")]))
    np.save(os.path.join(BAD, "complex.npy"), np.zeros((2, 3), dtype="<c8"))
    np.save(os.path.join(BAD, "strings.npy"), np.array([["ab", "c"], ["d", "e"]]))
    np.save(os.path.join(BAD, "long_double.npy"), np.zeros((2, 3), dtype=np.longdouble))

    f4 = npy_bytes(values("f4"))
    stored = zip_members([("w.npy", f4), ("v.npy", npy_bytes(values("f8")))])
    wrong_crc = bytearray(stored)
    wrong_crc[len(f4) - 3 + 30 + len("w.npy")] ^= 0x40  # a data byte of w.npy
    write(os.path.join(BAD, "wrong_crc.npz"), wrong_crc)

    # 16 KiB of noise, so that the header is a small part of the deflate stream.
    noise = npy_bytes(np.random.RandomState(3).standard_normal((64, 64)).astype("<f4"))
    deflated = zip_members([("w.npy", noise)], zipfile.ZIP_DEFLATED)
    entry = central_entries(deflated)[0]
    lie = bytearray(deflated)
    struct.pack_into("<I", lie, entry + 24, len(noise) + 8)  # uncompressed size
    struct.pack_into("<I", lie, 22, len(noise) + 8)
    write(os.path.join(BAD, "sizes_lie.npz"), lie)
    # 2 GiB claimed from 15 KB: more than deflate can expand.
    bomb = bytearray(deflated)
    struct.pack_into("<I", bomb, entry + 24, 0x7FFFFFFF)
    write(os.path.join(BAD, "deflate_bomb.npz"), bomb)
    lie = bytearray(deflated)
    compressed = struct.unpack_from("<I", lie, entry + 20)[0]
    struct.pack_into("<I", lie, entry + 20, compressed - 10)  # compressed size
    struct.pack_into("<I", lie, 18, compressed - 10)
    write(os.path.join(BAD, "compressed_size_lie.npz"), lie)
    # The first place past the header's bytes where four 0xff bytes make zlib refuse the data.
    start = 30 + len("w.npy")
    for at in range(start + compressed // 2, start + compressed - 4):
        damaged = bytearray(deflated)
        damaged[at:at + 4] = b"\xff\xff\xff\xff"
        try:
            zlib.decompressobj(-15).decompress(bytes(damaged[start:start + compressed]))
        except zlib.error:
            break
    write(os.path.join(BAD, "deflate_damaged.npz"), damaged)

    write(os.path.join(BAD, "truncated.npz"), stored[:len(stored) * 2 // 3])

    encrypted = bytearray(stored)
    struct.pack_into("<H", encrypted, 6, 1)
    for at in central_entries(encrypted):
        struct.pack_into("<H", encrypted, at + 8, 1)
    write(os.path.join(BAD, "encrypted.npz"), encrypted)

    write(os.path.join(BAD, "bzip2.npz"), zip_members([("w.npy", f4)], zipfile.ZIP_BZIP2))

    # The directory names one local header twice: two members sharing their bytes.
    single = zip_members([("w.npy", f4)])
    entry = central_entries(single)[0]
    end = single.index(b"PK\x05\x06")
    record = single[entry:end]
    overlap = single[:end] + record + single[end:]
    end = overlap.index(b"PK\x05\x06")
    struct.pack_into("<HHI", overlap, end + 8, 2, 2, len(record) * 2)
    write(os.path.join(BAD, "overlap.npz"), overlap)

    beyond = bytearray(stored)
    struct.pack_into("<I", beyond, central_entries(beyond)[1] + 42, 0x7FFFFFF0)
    write(os.path.join(BAD, "offset_beyond.npz"), beyond)

    write(os.path.join(BAD, "not_numpy.npz"),
          zip_members([("config.json", b"{}"), ("model.weights.h5", b"\x89HDF")]))
    write(os.path.join(BAD, "member_bad_header.npz"),
          zip_members([("w.npy", raw_npy("{'descr': '<f4', 'shape': (3, 5)}", data))]))
    write(os.path.join(BAD, "array_and_folder.npz"),
          zip_members([("a.npy", f4), ("a/b.npy", f4)]))
    write(os.path.join(BAD, "same_path.npz"), zip_members([("a.npy", f4), ("a", f4)]))


def main():
    os.makedirs(BAD, exist_ok=True)
    write_good()
    write_bad()


if __name__ == "__main__":
    main()
