#!/usr/bin/python3
"""Checks `sparsity-cli apply` outputs with h5py and numpy (docs/SPEC.md "Pruned weights").

Needs h5py and numpy (Debian: python3-h5py, python3-numpy), so CI does not run it; the C++
tests (tests/core/tst_prunedexport, tests/cli/tst_apply) check the same things without Python:
    /usr/bin/python3 tests/reference/apply_check.py build/app/sparsity-cli
For HDF5 (plain, chunked+gzip+shuffle, big-endian; gzip with edge chunks, fletcher32,
float16, float64 and scale-offset, whose output must not depend on --threads 1 or 3), .npy (C and Fortran order, big-endian
float16), .npz (stored and deflated) and safetensors, it writes weights holding NaN, inf and
-0.0, a mask file with h5py, runs `apply --masks`, and checks: every masked tensor equals the
source bit for bit where the mask keeps and is the +0.0 bit pattern where it prunes, and every
other dataset, attribute, dtype, chunk layout, filter and npz member is as in the source. Then
`apply` with mask options is checked against the mask file `mask` writes for the same options.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

import h5py
import numpy as np

CLI = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/app/sparsity-cli")
rng = np.random.default_rng(12)


def weights(shape, dtype):
    w = rng.standard_normal(shape).astype(dtype)
    flat = w.reshape(-1)
    flat[:6] = [np.nan, np.inf, -np.inf, -0.0, 0.0, np.nan]
    flat[-6:] = [np.nan, -0.0, np.inf, 1.0, -np.inf, -0.0]
    return w


def random_mask(shape):
    return (rng.random(shape) < 0.5).astype(np.uint8)


def check_tensor(name, source, output, mask):
    assert source.dtype == output.dtype, f"{name}: dtype {output.dtype} != {source.dtype}"
    assert source.shape == output.shape, f"{name}: shape changed"
    unsigned = np.dtype(f"u{source.dtype.itemsize}").newbyteorder(source.dtype.byteorder)
    s = np.ascontiguousarray(source).view(unsigned)
    o = np.ascontiguousarray(output).view(unsigned)
    keep = mask.astype(bool)
    assert np.array_equal(s[keep], o[keep]), f"{name}: a kept element changed"
    assert np.all(o[~keep] == 0), f"{name}: a pruned element is not +0.0"


def run(*args):
    subprocess.run([CLI, *args], check=True, stdout=subprocess.DEVNULL)


def write_masks(path, masks):
    with h5py.File(path, "w") as f:
        for name, mask in masks.items():
            f[name] = mask


def compare_h5(source, output, masks):
    with h5py.File(source, "r") as s, h5py.File(output, "r") as o:
        assert dict(s.attrs) .keys() == dict(o.attrs).keys()
        names = []
        s.visit(names.append)
        o_names = []
        o.visit(o_names.append)
        assert names == o_names, "the objects differ"
        for name in names:
            a, b = s[name], o[name]
            for key in a.attrs:
                assert np.array_equal(np.asarray(a.attrs[key]), np.asarray(b.attrs[key]))
            if not isinstance(a, h5py.Dataset):
                continue
            assert a.dtype == b.dtype and a.chunks == b.chunks
            assert a.compression == b.compression and a.shuffle == b.shuffle, name
            assert a.compression_opts == b.compression_opts and a.fletcher32 == b.fletcher32
            assert a.scaleoffset == b.scaleoffset and a.fillvalue == b.fillvalue, name
            assert a.id.get_create_plist().get_nfilters() == b.id.get_create_plist().get_nfilters()
            if "/" + name in masks:
                check_tensor(name, a[()], b[()], masks["/" + name])
            else:
                assert a[()].tobytes() == b[()].tobytes(), f"{name} changed"


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    return data[: 8 + n], json.loads(data[8 : 8 + n]), data[8 + n :]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        # HDF5
        masks = {"/dense/kernel": random_mask((16, 24)), "/conv/w": random_mask((8, 3, 3, 3)),
                 "/big": random_mask((40, 32))}
        with h5py.File("w.h5", "w") as f:
            f["dense/kernel"] = weights((16, 24), "<f4")
            f["dense/kernel"].attrs["units"] = 16
            f.create_dataset("conv/w", data=weights((8, 3, 3, 3), ">f8"), chunks=(2, 3, 3, 3),
                             compression="gzip", shuffle=True)
            f.create_dataset("big", data=weights((40, 32), "<f2"), chunks=(8, 8),
                             compression="gzip", compression_opts=9)
            f["dense/bias"] = weights((24,), "<f4")
            f["step"] = np.arange(5)
            f.attrs["keras_version"] = "2.11.0"
        write_masks("m.h5", masks)
        run("apply", "w.h5", "-o", "p.h5", "--masks", "m.h5")
        compare_h5("w.h5", "p.h5", masks)

        # Compressed chunks written in parallel (deflate, shuffle, fletcher32, edge chunks,
        # byte orders, precisions), a pipeline left to HDF5 (scale-offset), 1 and 3 threads.
        masks = {"/edge": random_mask((37, 53)), "/fletcher": random_mask((30, 40)),
                 "/half": random_mask((40, 30)), "/double": random_mask((24, 40)),
                 "/ints": random_mask((32, 48))}
        with h5py.File("z.h5", "w") as f:
            f.create_dataset("edge", data=weights((37, 53), "<f4"), chunks=(16, 16),
                             compression="gzip", compression_opts=6, fillvalue=7.5)
            f.create_dataset("fletcher", data=weights((30, 40), ">f4"), chunks=(7, 16),
                             compression="gzip", shuffle=True, fletcher32=True)
            f.create_dataset("half", data=weights((40, 30), "<f2"), chunks=(16, 16),
                             compression="gzip", compression_opts=9, shuffle=True)
            f.create_dataset("double", data=weights((24, 40), ">f8"), chunks=(8, 16),
                             compression="gzip", compression_opts=1)
            f.create_dataset("ints", data=rng.integers(-1000, 1000, (32, 48), dtype="<i4"),
                             chunks=(16, 16), compression="gzip", scaleoffset=0)
            f.create_dataset("untouched", data=weights((16, 16), "<f4"), chunks=(8, 8),
                             compression="gzip")
        write_masks("zm.h5", masks)
        run("apply", "z.h5", "-o", "zp1.h5", "--masks", "zm.h5", "--threads", "1")
        run("apply", "z.h5", "-o", "zp3.h5", "--masks", "zm.h5", "--threads", "3")
        compare_h5("z.h5", "zp1.h5", masks)
        with open("zp1.h5", "rb") as one, open("zp3.h5", "rb") as three:
            assert one.read() == three.read(), "the output depends on the thread count"

        # .npy, C and Fortran order
        for name, array in {"c": weights((12, 20), "<f4"),
                            "f": np.asfortranarray(weights((12, 20), ">f2"))}.items():
            np.save(f"{name}.npy", array)
            mask = random_mask((12, 20))
            write_masks(f"{name}_m.h5", {f"/{name}": mask})
            run("apply", f"{name}.npy", "-o", f"{name}_p.npy", "--masks", f"{name}_m.h5")
            with open(f"{name}.npy", "rb") as s, open(f"{name}_p.npy", "rb") as o:
                hs, ho = s.read(128), o.read(128)
                assert hs == ho, "the .npy header changed"
            check_tensor(name, np.load(f"{name}.npy"), np.load(f"{name}_p.npy"), mask)

        # .npz, stored and deflated
        for save, method in ((np.savez, zipfile.ZIP_STORED), (np.savez_compressed, zipfile.ZIP_DEFLATED)):
            save("w.npz", **{"layer1.weight": weights((10, 8), "<f4"), "layer1.bias": weights((8,), "<f4"),
                             "layer2.weight": weights((6, 10), "<f8")})
            mask = random_mask((10, 8))
            write_masks("npz_m.h5", {"/layer1.weight": mask})
            run("apply", "w.npz", "-o", "p.npz", "--masks", "npz_m.h5", "--force")
            with zipfile.ZipFile("w.npz") as s, zipfile.ZipFile("p.npz") as o:
                assert s.namelist() == o.namelist()
                for info in o.infolist():
                    assert info.compress_type == method, "the member's method changed"
                assert o.testzip() is None
                for name in s.namelist():
                    if name != "layer1.weight.npy":
                        assert s.read(name) == o.read(name)
            check_tensor("layer1.weight", np.load("w.npz")["layer1.weight"],
                         np.load("p.npz")["layer1.weight"], mask)

        # safetensors
        tensors = {"a.weight": weights((8, 16), "<f4"), "b.weight": weights((4, 8), "<f2"),
                   "a.bias": weights((16,), "<f4")}
        header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
        for name, array in tensors.items():
            blob = array.tobytes()
            header[name] = {"dtype": {"<f4": "F32", "<f2": "F16"}[array.dtype.str], "shape": list(array.shape),
                            "data_offsets": [offset, offset + len(blob)]}
            offset += len(blob)
            blobs.append(blob)
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        with open("w.safetensors", "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
        mask = random_mask((8, 16))
        write_masks("st_m.h5", {"/a.weight": mask})
        run("apply", "w.safetensors", "-o", "p.safetensors", "--masks", "st_m.h5")
        hs, js, ds = read_safetensors("w.safetensors")
        ho, jo, do = read_safetensors("p.safetensors")
        assert hs == ho, "the safetensors header changed"
        for name, info in js.items():
            if name == "__metadata__":
                continue
            b, e = info["data_offsets"]
            dtype = {"F32": "<f4", "F16": "<f2"}[info["dtype"]]
            s = np.frombuffer(ds[b:e], dtype).reshape(info["shape"])
            o = np.frombuffer(do[b:e], dtype).reshape(info["shape"])
            if name == "a.weight":
                check_tensor(name, s, o, mask)
            else:
                assert ds[b:e] == do[b:e]

        # Mask options: the same masks as `mask` writes.
        run("mask", "w.h5", "-o", "computed_m.h5", "--level", "0.6", "--block", "2:4")
        run("apply", "w.h5", "-o", "computed_p.h5", "--level", "0.6", "--block", "2:4")
        with h5py.File("computed_m.h5", "r") as f:
            computed = {}
            f.visititems(lambda n, o: computed.update({"/" + n: o[()]}) if isinstance(o, h5py.Dataset) else None)
        compare_h5("w.h5", "computed_p.h5", computed)
    print("apply outputs OK: HDF5, .npy, .npz, safetensors; kept bits equal, pruned +0.0, the rest unchanged")


if __name__ == "__main__":
    main()
