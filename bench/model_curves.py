#!/usr/bin/python3
"""Curves for every layer of a ~1B-parameter float16 model, streamed a layer at a time.

    /usr/bin/python3 bench/model_curves.py --build build-bench [--model /tmp/model-1b.h5]

Writes the model first if it is missing (not committed: about 2.1 GB): a decoder-style stack of
20 blocks (four 2048x2048 attention projections, a 8192x2048 and a 2048x8192 MLP projection)
and a 32000x2048 embedding, 1.07e9 float16 parameters, N(0, 0.02), fixed seed. Then runs
`sparsity-cli sweep` with four configurations (2:4, 1x4, 4x4, 8x8) and 101 levels on 2 threads,
several times, and prints the median wall time and the peak resident memory of the CLI
(getrusage of the child), against the issue's limits of 30 s and 1.5 GB.
"""
import argparse
import os
import resource
import statistics
import subprocess
import time

import h5py
import numpy as np

BLOCKS = 20
WIDTH = 2048
HIDDEN = 8192
VOCAB = 32000


def write_model(path):
    rng = np.random.default_rng(2026)
    tmp = path + ".partial"
    with h5py.File(tmp, "w") as f:
        def layer(name, shape):
            data = f.create_dataset(name, shape=shape, dtype="float16")
            for start in range(0, shape[0], 1024):
                rows = min(1024, shape[0] - start)
                data[start:start + rows] = (rng.standard_normal((rows, shape[1]), dtype=np.float32)
                                            * 0.02).astype(np.float16)
        layer("embed_tokens/weight", (VOCAB, WIDTH))
        for b in range(BLOCKS):
            for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
                layer("layers/%02d/self_attn/%s/weight" % (b, proj), (WIDTH, WIDTH))
            layer("layers/%02d/mlp/up_proj/weight" % b, (HIDDEN, WIDTH))
            layer("layers/%02d/mlp/down_proj/weight" % b, (WIDTH, HIDDEN))
    os.replace(tmp, path)


def parameters(path):
    with h5py.File(path, "r") as f:
        total = 0

        def count(_, obj):
            nonlocal total
            if isinstance(obj, h5py.Dataset):
                total += obj.size
        f.visititems(count)
    return total


def run_once(cli, model):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    out = subprocess.run([cli, "sweep", model, "--config", "2:4", "--config", "1x4", "--config",
                          "4x4", "--config", "8x8", "--format", "csv", "--threads", "2"],
                         check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak_kib, before), out.count("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build-bench")
    parser.add_argument("--model", default="/tmp/sparsity-model-1b.h5")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not os.path.exists(args.model):
        start = time.perf_counter()
        write_model(args.model)
        print("wrote %s in %.0f s" % (args.model, time.perf_counter() - start))
    print("%s: %.3g parameters, %.2f GB" % (args.model, parameters(args.model),
                                            os.path.getsize(args.model) / 1e9))
    cli = os.path.join(args.build, "app", "sparsity-cli")
    times, peaks, lines = [], [], 0
    for _ in range(args.repeats):
        seconds, peak_kib, lines = run_once(cli, args.model)
        times.append(seconds)
        peaks.append(peak_kib)
    print("sweep, 4 configurations x 101 levels, %d csv lines: median %.1f s (runs %s), "
          "peak RSS %.2f GB (limits 30 s, 1.5 GB)" % (
              lines, statistics.median(times), ", ".join("%.1f" % t for t in times),
              max(peaks) / 1024 / 1024))


if __name__ == "__main__":
    main()
