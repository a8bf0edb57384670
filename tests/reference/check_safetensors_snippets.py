#!/usr/bin/python3
"""Runs `sparsity-cli mask --print-pytorch` scripts on safetensors inputs through PyTorch.

For a single file, a sharded checkpoint (masks as HDF5) and a BF16 checkpoint (masks as
safetensors) of tests/data/safetensors: writes the masks, prints the script, runs it with
/usr/bin/python3 (Debian's python3-torch) and checks that it exits 0 and finds every 2-D layer
"identical" or "differs only in ties"; then flips bytes of one mask in the file and checks that
the script says "differs" and exits 1. Not in CTest (it needs torch).

Usage: /usr/bin/python3 tests/reference/check_safetensors_snippets.py [--cli build/app/sparsity-cli]
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import h5py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data", "safetensors")

CASES = [
    # (input, output name, options, a 2-D layer PyTorch can make, to tamper with)
    ("model.safetensors", "a.safetensors", ["--level", "0.5", "--block", "1x4"],
     "/model.layers.1.weight"),
    ("sharded/model.safetensors.index.json", "b.h5", ["--level", "0.5", "--block", "2:4"],
     "/model.layers.1.weight"),
    ("bf16.safetensors", "c.safetensors", ["--level", "0.6", "--block", "2x2"],
     "/decoder.weight"),
]


def tamper(path, dataset):
    """Flips the first byte of the mask at `dataset` (0 <-> 1) in place."""
    if path.endswith(".h5"):
        with h5py.File(path, "r+") as f:
            mask = f[dataset][()]
            mask.flat[0] ^= 1
            f[dataset][...] = mask
        return
    with open(path, "r+b") as f:
        length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(length))
        begin = header[dataset[1:]]["data_offsets"][0]
        f.seek(8 + length + begin)
        value = f.read(1)[0]
        f.seek(8 + length + begin)
        f.write(bytes([value ^ 1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", default=os.path.join(ROOT, "build", "app", "sparsity-cli"))
    cli = os.path.abspath(parser.parse_args().cli)
    failures = []
    with tempfile.TemporaryDirectory(prefix="sparsity-safetensors-snippets-") as tmp:
        for source, output, options, layer in CASES:
            source = os.path.join(DATA, source)
            masks = os.path.join(tmp, output)
            script = os.path.join(tmp, output + ".py")
            for extra in ([], ["--print-pytorch"]):
                run = subprocess.run([cli, "mask", source, "-o", masks] + options + extra,
                                     capture_output=True, text=True)
                if run.returncode != 0:
                    failures.append("%s: mask %s exits %d: %s" % (source, extra, run.returncode,
                                                                 run.stderr))
            with open(script, "w") as f:
                f.write(run.stdout)
            checked = subprocess.run(["/usr/bin/python3", script], capture_output=True, text=True)
            verdicts = [line for line in checked.stdout.splitlines()
                        if line.endswith(": identical") or "differs only in ties" in line]
            print("%s -> %s: exit %d, %d layers identical to PyTorch's" % (
                os.path.relpath(source, DATA), output, checked.returncode, len(verdicts)))
            if checked.returncode != 0 or "%s: identical" % layer not in checked.stdout:
                failures.append("%s: %s" % (source, checked.stdout[-600:] + checked.stderr[-600:]))
            tamper(masks, layer)
            tampered = subprocess.run(["/usr/bin/python3", script], capture_output=True, text=True)
            if tampered.returncode != 1 or "%s: differs" % layer not in tampered.stdout:
                failures.append("%s: a tampered mask is not reported: exit %d %s" % (
                    source, tampered.returncode, tampered.stdout[-600:]))
    for failure in failures:
        print("FAIL " + failure)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
