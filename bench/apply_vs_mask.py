#!/usr/bin/python3
"""Times `sparsity-cli apply` against `sparsity-cli mask` on one 4096x11008 float32 layer
(issue 12: apply at most 2x the time of mask), in each input format, medians of --repeats runs
of each, interleaved so that the machine's load hits both alike.

Needs h5py and numpy (Debian: python3-h5py, python3-numpy). The inputs go to a temporary
directory under --tmp (default /tmp; 180 MB each, removed at the end). Run:
    /usr/bin/python3 bench/apply_vs_mask.py --build build [--repeats 5]
To compare two builds in the same run, --baseline OTHER_BUILD times each command of that build
right after the same command of --build (each ratio is of runs taken in the same minutes);
--inputs "hdf5 gzip" limits the run to some inputs. --in-process times each command of --build
also with SPARSITY_HDF5_IN_PROCESS=1 (HDF5 read and rewritten in the program, as before issue 13)
right after it: what the reader and writer processes cost.
"""
import argparse
import json
import os
import statistics
import struct
import subprocess
import tempfile
import time

import h5py
import numpy as np

SHAPE = (4096, 11008)


def timed(command, environment=None):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=environment)
    return time.perf_counter() - start


def write_inputs(directory, weights):
    paths = {}
    paths["hdf5"] = os.path.join(directory, "layer.h5")
    with h5py.File(paths["hdf5"], "w") as f:
        f["layer/weight"] = weights
    paths["hdf5 gzip"] = os.path.join(directory, "layer_gzip.h5")
    with h5py.File(paths["hdf5 gzip"], "w") as f:
        f.create_dataset("layer/weight", data=weights, chunks=(256, 1024), compression="gzip",
                         compression_opts=1)
    paths["npy"] = os.path.join(directory, "weight.npy")
    np.save(paths["npy"], weights)
    paths["safetensors"] = os.path.join(directory, "layer.safetensors")
    header = json.dumps({"layer.weight": {"dtype": "F32", "shape": list(SHAPE),
                                          "data_offsets": [0, weights.nbytes]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(paths["safetensors"], "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + weights.tobytes())
    return paths


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tmp", default="/tmp")
    parser.add_argument("--baseline", help="another build tree, timed alternately")
    parser.add_argument("--inputs", nargs="*", help="only these inputs, e.g. 'hdf5 gzip'")
    parser.add_argument("--in-process", action="store_true",
                        help="also time --build with SPARSITY_HDF5_IN_PROCESS=1")
    args = parser.parse_args()
    cli = os.path.join(args.build, "app", "sparsity-cli")
    builds = {"": (cli, None)}
    if args.baseline:
        builds["baseline "] = (os.path.join(args.baseline, "app", "sparsity-cli"), None)
    if args.in_process:
        builds["in-process "] = (cli, dict(os.environ, SPARSITY_HDF5_IN_PROCESS="1"))
    weights = np.random.default_rng(12345).normal(0, 0.02, SHAPE).astype("<f4")
    options = ["--level", "0.5", "--block", "1x4", "--threads", str(args.threads), "--force"]
    with tempfile.TemporaryDirectory(dir=args.tmp) as directory:
        paths = write_inputs(directory, weights)
        print(f"{'input':<21} {'mask s':>8} {'apply s':>8} {'ratio':>6} {'apply --masks s':>16}")
        for name, path in paths.items():
            if args.inputs and name not in args.inputs:
                continue
            suffix = os.path.basename(path).split(".", 1)[1]
            masks = os.path.join(directory, "masks.h5")
            out = os.path.join(directory, "pruned." + suffix)
            times = {build: ([], [], []) for build in builds}
            for _ in range(args.repeats):
                for build, (program, environment) in builds.items():
                    mask_times, apply_times, from_file_times = times[build]
                    mask_times.append(timed([program, "mask", path, "-o", masks] + options,
                                            environment))
                    apply_times.append(timed([program, "apply", path, "-o", out] + options,
                                             environment))
                    from_file_times.append(timed([program, "apply", path, "-o", out, "--masks",
                                                  masks, "--threads", str(args.threads),
                                                  "--force"], environment))
            for build, measured in times.items():
                m, a, f = (statistics.median(t) for t in measured)
                print(f"{build + name:<21} {m:8.3f} {a:8.3f} {a / m:6.2f} {f:16.3f}", flush=True)
    print(f"medians of {args.repeats} runs each, {args.threads} threads, 4096x11008 float32, "
          "--level 0.5 --block 1x4; load average %.2f" % os.getloadavg()[0])


if __name__ == "__main__":
    main()
