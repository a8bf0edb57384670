#!/usr/bin/python3
"""Times PyTorch's WeightNormSparsifier and Sparsity Explorer's core side by side, in one run.

    cmake -S . -B build-bench -DSPARSITY_BUILD_BENCH=ON -DCMAKE_BUILD_TYPE=Release
    cmake --build build-bench -j2
    /usr/bin/python3 bench/compare_torch.py --build build-bench [--quick]

Needs Debian's python3-torch (1.13) and python3-h5py; torch runs on 2 threads, ours on 2.
For every shape and block configuration (level 0.5) it
  - times torch's sparsifier step on an nn.Linear holding a fixed-seed normal layer (median),
  - times our full mask from scratch in process (bench_core, same shape/config, median),
  - checks, on the same weights, that `sparsity-cli mask` writes PyTorch's mask, tie-aware,
and prints one table: config, PyTorch ms, ours ms, speed-up. Then an end-to-end row
(`sparsity-cli mask` on a 4096x11008 HDF5 file against an h5py + PyTorch script doing the same
read, mask and write, timed inside the script so torch's import is not counted against it),
a scaling table from bench_core (time per element from 1M to 64M elements), and curves: PyTorch
stepping its sparsifier through the 101 levels 0, 0.01, ..., 1 on one 4096x4096 layer (with the
retained energy of each mask, which a curve plots) against bench_ranking's `curve` row (all 101
levels' statistics from one sweep), beside our one full mask and the six default curves.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import torch
from torch import nn
from torch.ao.sparsity import WeightNormSparsifier

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "reference"))
from cross_check import tie_aware_difference  # noqa: E402
from make_goldens import norm_fn, reference_norms  # noqa: E402

torch.set_num_threads(2)
SHAPES = [(1024, 1024), (4096, 4096), (4096, 11008)]
CONFIGS = [(1, 1, 1), (1, 4, 4), (1, 4, 2), (4, 4, 16), (8, 8, 64), (32, 32, 1024)]
LEVEL = 0.5


def layer(shape, seed=12345):
    return (np.random.default_rng(seed).standard_normal(shape) * 0.02).astype(np.float32)


def torch_mask_ms(weights, block, zeros, repeats):
    linear = nn.Linear(weights.shape[1], weights.shape[0], bias=False)
    linear.weight.data = torch.from_numpy(weights)
    sparsifier = WeightNormSparsifier(sparsity_level=LEVEL, sparse_block_shape=block,
                                      zeros_per_block=zeros)
    sparsifier.prepare(linear, config=[{"tensor_fqn": "weight"}])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        sparsifier.step()
        times.append((time.perf_counter() - start) * 1e3)
    mask = linear.parametrizations.weight[0].mask.to(torch.uint8).numpy()
    return statistics.median(times), mask


def ours_ms(bench, shapes, configs, repeats):
    """Medians of bench_core's fullMask rows at 2 threads, keyed by (rows, cols, bh, bw, zpb)."""
    names = "|".join("rows:%d/cols:%d/bh:%d/bw:%d/zpb:%d" % (r, c, bh, bw, z)
                     for r, c in shapes for bh, bw, z in configs)
    out = subprocess.run(
        [bench, "--benchmark_filter=^fullMask/(%s)/threads:2/heavy:0/" % names,
         "--benchmark_repetitions=%d" % repeats, "--benchmark_format=json"],
        check=True, capture_output=True, text=True).stdout
    result = {}
    for row in json.loads(out)["benchmarks"]:
        if row.get("aggregate_name") != "median":
            continue
        parts = dict(p.split(":") for p in row["run_name"].split("/")[1:] if ":" in p)
        key = tuple(int(parts[k]) for k in ("rows", "cols", "bh", "bw", "zpb"))
        result[key] = row["real_time"]
    return result


def check_cli(cli, weights, block, zeros, torch_mask, tmp):
    path, out = os.path.join(tmp, "w.h5"), os.path.join(tmp, "m.h5")
    with h5py.File(path, "w") as f:
        f["w"] = weights
    subprocess.run([cli, "mask", path, "-o", out, "--level", str(LEVEL), "--block",
                    "%dx%d" % block, "--zeros-per-block", str(zeros), "--threads", "2",
                    "--force"], check=True, capture_output=True)
    with h5py.File(out, "r") as f:
        ours = f["w"][()]
    if np.array_equal(ours, torch_mask):
        return "identical"
    ww = norm_fn(torch.from_numpy(weights), 2)
    norms = reference_norms(ww, block).to(torch.float64).numpy().ravel()
    problem = tie_aware_difference(ww.numpy().astype(np.float64), norms, block, torch_mask, ours)
    return "ties only" if problem is None else "MISMATCH: " + problem


REFERENCE_SCRIPT = r'''
import sys, time, h5py, torch
from torch import nn
from torch.ao.sparsity import WeightNormSparsifier
torch.set_num_threads(2)
start = time.perf_counter()
with h5py.File(sys.argv[1], "r") as f:
    w = torch.from_numpy(f["layer/weight"][()])
linear = nn.Linear(w.shape[1], w.shape[0], bias=False)
linear.weight.data = w
s = WeightNormSparsifier(sparsity_level=0.5, sparse_block_shape=(1, 4), zeros_per_block=2)
s.prepare(linear, config=[{"tensor_fqn": "weight"}])
s.step()
mask = linear.parametrizations.weight[0].mask.to(torch.uint8).numpy()
with h5py.File(sys.argv[2], "w") as f:
    f.create_dataset("layer/weight", data=mask, chunks=(23, 11008), compression="gzip",
                     compression_opts=1)
print((time.perf_counter() - start) * 1e3)
'''


def end_to_end(cli, tmp, repeats):
    path = os.path.join(tmp, "big.h5")
    with h5py.File(path, "w") as f:
        f["layer/weight"] = layer((4096, 11008))
    ours, theirs = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([cli, "mask", path, "-o", os.path.join(tmp, "ours.h5"), "--level", "0.5",
                        "--block", "1x4", "--zeros-per-block", "2", "--threads", "2", "--force"],
                       check=True, capture_output=True)
        ours.append((time.perf_counter() - start) * 1e3)
        out = subprocess.run([sys.executable, "-c", REFERENCE_SCRIPT, path,
                              os.path.join(tmp, "theirs.h5")],
                             check=True, capture_output=True, text=True).stdout
        theirs.append(float(out.strip().splitlines()[-1]))
    with h5py.File(os.path.join(tmp, "ours.h5")) as a, h5py.File(os.path.join(tmp, "theirs.h5")) as b:
        mine, reference = a["layer/weight"][()], b["layer/weight"][()]
    if np.array_equal(mine, reference):
        agreement = "identical"
    else:
        weights = layer((4096, 11008))
        ww = norm_fn(torch.from_numpy(weights), 2)
        norms = reference_norms(ww, (1, 4)).to(torch.float64).numpy().ravel()
        problem = tie_aware_difference(ww.numpy().astype(np.float64), norms, (1, 4), reference,
                                       mine)
        agreement = "ties only" if problem is None else "MISMATCH: " + problem
    return statistics.median(theirs), statistics.median(ours), agreement


def torch_curve_ms(weights, block, zeros, repeats):
    """One configuration at the levels 0, 0.01, ..., 1: each level's mask and retained energy."""
    linear = nn.Linear(weights.shape[1], weights.shape[0], bias=False)
    linear.weight.data = torch.from_numpy(weights)
    energy = linear.weight.data.double().pow(2)
    total = energy.sum()
    sparsifier = WeightNormSparsifier(sparsity_level=0.0, sparse_block_shape=block,
                                      zeros_per_block=zeros)
    sparsifier.prepare(linear, config=[{"tensor_fqn": "weight"}])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(101):
            sparsifier.groups[0]["sparsity_level"] = i / 100
            sparsifier.step()
            mask = linear.parametrizations.weight[0].mask
            retained = float((energy * mask).sum() / total)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), retained


def bench_medians(bench, pattern, repeats):
    out = subprocess.run([bench, "--benchmark_filter=" + pattern,
                          "--benchmark_repetitions=%d" % repeats, "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    return {row["run_name"]: row["real_time"] for row in json.loads(out)["benchmarks"]
            if row.get("aggregate_name") == "median"}


def curves(build, repeats, configs=((1, 4, 2), (1, 4, 4), (4, 4, 16))):
    ranking = os.path.join(build, "bench", "bench_ranking")
    core = os.path.join(build, "bench", "bench_core")
    weights = layer((4096, 4096))
    print("\ncurves, 4096x4096, 101 levels, 2 threads: PyTorch ms, ours ms, speed-up; ours against one full mask")
    for bh, bw, zeros in configs:
        theirs, _ = torch_curve_ms(weights, (bh, bw), zeros, max(1, repeats // 2))
        name = "rows:4096/cols:4096/bh:%d/bw:%d/zpb:%d" % (bh, bw, zeros)
        curve = bench_medians(ranking, "^curve/%s/threads:2/ranked:0/" % name, repeats)
        mine = next(iter(curve.values()))
        full = next(iter(bench_medians(core, "^fullMask/%s/threads:2/heavy:0/" % name,
                                       repeats).values()))
        print("%-22s %10.1f %9.2f %8.0fx   curve %.2f ms = %.2f full masks (%.2f ms)" % (
            "%dx%d zpb %d" % (bh, bw, zeros), theirs, mine, theirs / mine, mine, mine / full, full))
    six = next(iter(bench_medians(ranking, "^defaultCurves/", repeats).values()))
    print("six default curves (1x1, 2:4, 1x4, 4x1, 4x4, 8x8): %.1f ms" % six)


def scaling(bench, repeats):
    out = subprocess.run([bench, "--benchmark_filter=^scaling/", "--benchmark_repetitions=%d" % repeats,
                          "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    rows = []
    for row in json.loads(out)["benchmarks"]:
        if row.get("aggregate_name") == "median":
            parts = dict(p.split(":") for p in row["run_name"].split("/")[1:] if ":" in p)
            elements = int(parts["rows"]) * int(parts["cols"])
            rows.append((elements, row["real_time"], row["real_time"] * 1e6 / elements))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build-bench")
    parser.add_argument("--quick", action="store_true", help="4096x4096 only, fewer repeats")
    parser.add_argument("--curves-only", metavar="RxC/Z", action="append",
                        help="only the curves section, for these configurations (repeatable; "
                             "PyTorch takes 4 to 12 minutes for each)")
    args = parser.parse_args()
    if args.curves_only:
        configs = []
        for spec in args.curves_only:
            shape, zeros = spec.split("/")
            bh, bw = shape.split("x")
            configs.append((int(bh), int(bw), int(zeros)))
        curves(args.build, 3, configs)
        return
    bench = os.path.join(args.build, "bench", "bench_core")
    cli = os.path.join(args.build, "app", "sparsity-cli")
    shapes = [(4096, 4096)] if args.quick else SHAPES
    repeats = 3 if args.quick else 5
    ours = ours_ms(bench, shapes, CONFIGS, repeats)
    print("%-26s %12s %10s %9s  %s" % ("config (level 0.5)", "PyTorch ms", "ours ms", "speed-up",
                                       "masks"))
    with tempfile.TemporaryDirectory() as tmp:
        for shape in shapes:
            weights = layer(shape)
            for bh, bw, zeros in CONFIGS:
                torch_repeats = repeats if shape[0] * shape[1] <= 4096 * 4096 else 3
                theirs, mask = torch_mask_ms(weights, (bh, bw), zeros, torch_repeats)
                agreement = check_cli(cli, weights, (bh, bw), zeros, mask, tmp)
                mine = ours[(shape[0], shape[1], bh, bw, zeros)]
                print("%-26s %12.1f %10.2f %8.0fx  %s" % (
                    "%dx%d %dx%d zpb %d" % (shape[0], shape[1], bh, bw, zeros), theirs, mine,
                    theirs / mine, agreement))
        theirs, mine, agreement = end_to_end(cli, tmp, 3)
        print("%-26s %12.1f %10.2f %8.1fx  %s" % ("end to end 4096x11008 1x4:2", theirs, mine,
                                                  theirs / mine, agreement))
    print("\nscaling (1x4, zpb 2, 2 threads): elements, ms, ns per element")
    for elements, ms, ns in scaling(bench, repeats):
        print("%10d %10.2f %8.3f" % (elements, ms, ns))
    curves(args.build, repeats)


if __name__ == "__main__":
    main()
