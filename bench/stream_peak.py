#!/usr/bin/python3
"""Peak memory of `sparsity-cli mask` on layouts whose matrix order is not the stored order
(issue 12: at most 1.3 x the largest tensor and its mask).

Writes, once, into --dir (default /tmp/sparsity-stream-peak):
- keras.h5: four Keras Dense kernels (11008, 4096) float32, contiguous, with Keras's
  `keras_version` root attribute (auto resolves to keras: masked as 4096 x 11008);
- keras.safetensors: the same four tensors, masked with --layout keras;
- conv.npy: a PyTorch conv weight (2048, 2048, 3, 3) float32, masked with --view channels-last
  (18432 x 2048).
Then runs each CLI given (e.g. a build before and after a change) on each file in turn,
alternating, --repeats times, under /usr/bin/time -v, and prints the median peak RSS and its
ratio to the largest tensor's float32 bytes plus its mask (one byte an element), and the median
wall time (indicative only on a shared machine). HDF5 is read by
the reader process, and once more in this process (SPARSITY_HDF5_IN_PROCESS=1).

Run: /usr/bin/python3 bench/stream_peak.py --cli before=/tmp/old-cli --cli after=build/app/sparsity-cli
"""

import argparse
import os
import re
import statistics
import subprocess
import tempfile

import h5py
import numpy as np


def write_files(directory):
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(12)
    dense = os.path.join(directory, "keras.h5")
    if not os.path.exists(dense):
        with h5py.File(dense + ".part", "w") as f:
            f.attrs["keras_version"] = "2.11.0"
            for i in range(4):
                f.create_dataset(f"dense_{i}/kernel:0",
                                 data=rng.standard_normal((11008, 4096), dtype=np.float32))
        os.rename(dense + ".part", dense)
    st = os.path.join(directory, "keras.safetensors")
    if not os.path.exists(st):
        header, blobs, offset = {}, [], 0
        with h5py.File(dense, "r") as f:
            for i in range(4):
                data = np.asarray(f[f"dense_{i}/kernel:0"], dtype="<f4").tobytes()
                header[f"dense_{i}.kernel"] = {"dtype": "F32", "shape": [11008, 4096],
                                               "data_offsets": [offset, offset + len(data)]}
                offset += len(data)
                blobs.append(data)
        import json
        import struct
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        with open(st + ".part", "wb") as out:
            out.write(struct.pack("<Q", len(text)) + text)
            for blob in blobs:
                out.write(blob)
        os.rename(st + ".part", st)
    conv = os.path.join(directory, "conv.npy")
    if not os.path.exists(conv):
        np.save(conv + ".part.npy", rng.standard_normal((2048, 2048, 3, 3), dtype=np.float32))
        os.rename(conv + ".part.npy", conv)
    return [
        ("Keras HDF5, 4 x (11008, 4096)", dense, [], 11008 * 4096, {}),
        ("Keras HDF5 in process", dense, [], 11008 * 4096, {"SPARSITY_HDF5_IN_PROCESS": "1"}),
        ("safetensors --layout keras, 4 x (11008, 4096)", st, ["--layout", "keras"],
         11008 * 4096, {}),
        ("conv .npy (2048, 2048, 3, 3) --view channels-last", conv,
         ["--view", "channels-last"], 2048 * 2048 * 9, {}),
    ]


def measure(cli, path, extra, env, block):
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "masks.h5")
        run = subprocess.run(["/usr/bin/time", "-v", cli, "mask", path, "-o", out, "--level",
                              "0.5", "--block", block] + extra,
                             env={**os.environ, **env}, capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"{cli} {path}: {run.stderr[-2000:]}")
        peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)[1])
        clock = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)",
                          run.stderr)[1]
        seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(clock.split(":"))))
        return peak, seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", action="append", required=True, help="NAME=PATH")
    parser.add_argument("--dir", default="/tmp/sparsity-stream-peak")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--block", default="1x4")
    args = parser.parse_args()
    clis = [entry.split("=", 1) for entry in args.cli]
    cases = write_files(args.dir)
    peaks = {(case[0], name): [] for case in cases for name, _ in clis}
    times = {(case[0], name): [] for case in cases for name, _ in clis}
    for _ in range(args.repeats):
        for title, path, extra, elements, env in cases:
            for name, cli in clis:
                peak, seconds = measure(cli, path, extra, env, args.block)
                peaks[(title, name)].append(peak)
                times[(title, name)].append(seconds)
    for title, path, extra, elements, env in cases:
        budget = elements * 5 / 1e6  # MB: float32 tensor + uint8 mask
        for name, _ in clis:
            runs = peaks[(title, name)]
            median = statistics.median(runs) * 1024 / 1e6
            print(f"{title:52} {name:8} peak {median:7.1f} MB  (runs "
                  f"{', '.join(f'{r * 1024 / 1e6:.1f}' for r in runs)})  / {budget:.1f} MB = "
                  f"{median / budget:.2f}x  wall {statistics.median(times[(title, name)]):.2f} s")


main()
