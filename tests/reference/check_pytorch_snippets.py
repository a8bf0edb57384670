#!/usr/bin/python3
"""Runs the scripts of `sparsity-cli mask --print-pytorch` (the GUI's Edit > Copy as PyTorch
makes the same text) through PyTorch and checks that they report the CLI's masks.

Developer-run, not CI (CTest never needs torch): Debian's python3-torch (1.13), python3-h5py and
python3-numpy, from the source root:
    /usr/bin/python3 tests/reference/check_pytorch_snippets.py [--cli build/app/sparsity-cli]

It writes weights with h5py (float32 and float64, distinct values and exact ties, a partial-block
matrix, a rank-4 conv weight) and for each configuration (1x4, 2:4 = 1x4/2, 4x4, 8x8 with l1,
3x5 whose blocks are partial almost everywhere, 2:4 in model scope):
  1. prints the script with --print-pytorch and checks that nothing was written;
  2. runs it before the mask file exists (first configuration only): it must say so and exit 2;
  3. writes the masks with the same command without --print-pytorch;
  4. runs the script as a program (exit 0) and once more in-process to read its RESULTS:
     - where PyTorch can make the mask, the script's PyTorch mask must equal the CLI's up to ties,
       by tests/reference/cross_check.py's tie_aware_difference (imported, not copied), and the
       script's verdict must be "identical" exactly when the two are equal;
     - where it cannot (partial blocks, rank 4, model scope), the script must say so and apply
       the exported mask with prune.custom_from_mask: the module's weight is weight * mask;
  5. flips a pruned block of a compared dataset in the mask file: the script must then say
     "differs" for that dataset and exit 1.
Prints a line per configuration and a summary; exits 1 on any failure.
"""
import argparse
import contextlib
import io
import os
import runpy
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from cross_check import Layer, tie_aware_difference  # noqa: E402

CONFIGURATIONS = [
    ("1x4", ["--level", "0.5", "--block", "1x4"], (1, 4), 4, 2),
    ("2:4", ["--level", "0.6", "--block", "2:4"], (1, 4), 2, 2),
    ("4x4", ["--level", "0.375", "--block", "4x4"], (4, 4), 16, 2),
    ("8x8 l1", ["--level", "0.3", "--block", "8x8", "--norm", "l1"], (8, 8), 64, 1),
    ("3x5/7 partial", ["--level", "0.45", "--block", "3x5/7"], (3, 5), 7, 2),
    ("2:4 model scope", ["--level", "0.5", "--block", "2:4", "--scope", "model",
                         "--max-level", "0.8"], (1, 4), 2, 2),
]


def write_weights(path, rng):
    datasets = {
        "dense/a/kernel": (rng.standard_normal((64, 96))).astype(np.float32),
        # k * 0.25: many exactly equal norms, where PyTorch's topk picks at random.
        "dense/ties/kernel": (rng.integers(-3, 4, size=(48, 40)) * 0.25).astype(np.float32),
        "f64/kernel": rng.standard_normal((32, 64)),
        "odd/kernel": rng.standard_normal((37, 23)).astype(np.float32),  # partial for all
        "conv/weight": rng.standard_normal((16, 4, 3, 3)).astype(np.float32),  # rank 4
    }
    with h5py.File(path, "w") as f:
        for name, data in datasets.items():
            f.create_dataset(name, data=data)
    return {"/" + name: data for name, data in datasets.items()}


def run(command):
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_script_in_process(script_path):
    """(exit code, stdout, RESULTS) of the script, run as __main__ in this interpreter."""
    out = io.StringIO()
    code = 0
    scope = {}
    with contextlib.redirect_stdout(out):
        try:
            scope = runpy.run_path(script_path, run_name="__main__")
        except SystemExit as exit_:
            code = exit_.code or 0
    # run_path returns nothing when the script exits: finish() exits only on failure.
    return code, out.getvalue(), scope.get("RESULTS")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", default=os.path.join(ROOT, "build", "app", "sparsity-cli"))
    parser.add_argument("--seed", type=int, default=20261130)
    options = parser.parse_args()
    cli = os.path.abspath(options.cli)
    torch.set_num_threads(1)
    rng = np.random.default_rng(options.seed)
    failures = []
    counts = {"compared": 0, "identical": 0, "ties": 0, "applied": 0}

    def check(condition, what):
        if not condition:
            failures.append(what)
            print("FAIL " + what)
        return condition

    with tempfile.TemporaryDirectory(prefix="sparsity-snippets-") as tmp:
        source = os.path.join(tmp, "weights.h5")
        weights = write_weights(source, rng)
        for index, (name, args, block, zeros, norm) in enumerate(CONFIGURATIONS):
            model = "--scope" in args
            masks = os.path.join(tmp, "masks%d.h5" % index)
            script = os.path.join(tmp, "check%d.py" % index)
            printed = run([cli, "mask", source, "-o", masks] + args + ["--print-pytorch"])
            if not check(printed.returncode == 0, "%s: --print-pytorch exit %d: %s" % (
                    name, printed.returncode, printed.stderr)):
                continue
            check(not os.path.exists(masks), "%s: --print-pytorch wrote %s" % (name, masks))
            check("was not written" in printed.stderr, "%s: no note that nothing was written: %r"
                  % (name, printed.stderr))
            with open(script, "w", encoding="utf-8") as f:
                f.write(printed.stdout)

            if index == 0:
                early = run(["/usr/bin/python3", script])
                check(early.returncode == 2 and "does not exist" in early.stdout,
                      "%s: before the masks exist the script exits %d: %s" % (
                          name, early.returncode, early.stdout[-300:]))

            written = run([cli, "mask", source, "-o", masks] + args)
            if not check(written.returncode == 0, "%s: mask exit %d: %s" % (
                    name, written.returncode, written.stderr)):
                continue
            standalone = run(["/usr/bin/python3", script])
            check(standalone.returncode == 0, "%s: the script exits %d: %s%s" % (
                name, standalone.returncode, standalone.stdout[-500:], standalone.stderr[-800:]))

            code, output, results = run_script_in_process(script)
            check(code == 0 and results is not None, "%s: in-process run exits %r" % (name, code))
            results = results or {}
            with h5py.File(masks, "r") as f:
                cli_masks = {path: f[path][()] for path in weights}
            compared = None
            for path, data in weights.items():
                result = results.get(path)
                if not check(result is not None, "%s %s: no result" % (name, path)):
                    continue
                ours = cli_masks[path]
                h = data.shape[0]
                c = int(np.prod(data.shape[1:]))
                pytorch_can = (not model and data.ndim == 2 and h % block[0] == 0
                               and c % block[1] == 0)
                if pytorch_can:
                    compared = compared or path
                    counts["compared"] += 1
                    theirs = result["mask"].to(torch.uint8).numpy()
                    layer = Layer(path, data)
                    difference = tie_aware_difference(
                        layer.f_values(norm), layer.reference_norms(block, norm), block,
                        theirs.reshape(h, c), ours.reshape(h, c))
                    check(difference is None, "%s %s: PyTorch's mask differs from the CLI's: %s"
                          % (name, path, difference))
                    equal = np.array_equal(theirs, ours)
                    expected = "identical" if equal else "differs only in ties"
                    counts["identical" if equal else "ties"] += 1
                    check(result["verdict"] == expected, "%s %s: the script says %r, expected %r"
                          % (name, path, result["verdict"], expected))
                else:
                    counts["applied"] += 1
                    check(result["verdict"] == "applied", "%s %s: verdict %r, expected applied"
                          % (name, path, result["verdict"]))
                    check("%s: PyTorch cannot make this mask" % path in output,
                          "%s %s: the script does not say why it falls back" % (name, path))
                    module = result["module"]
                    w = torch.from_numpy(np.ascontiguousarray(
                        data, dtype=np.float64 if data.dtype == np.float64 else np.float32))
                    check(module is not None and hasattr(module, "weight_mask") and torch.equal(
                        module.weight, w * torch.from_numpy(ours).to(w.dtype)),
                        "%s %s: custom_from_mask did not give weight * mask" % (name, path))

            if compared is not None:
                # A pruned block of a compared dataset, flipped to kept: "differs", exit 1.
                with h5py.File(masks, "r+") as f:
                    mask = f[compared][()]
                    first = np.argwhere(mask == 0)[0]
                    r0 = first[0] - first[0] % block[0]
                    c0 = first[1] - first[1] % block[1]
                    mask[r0:r0 + block[0], c0:c0 + block[1]] = 1
                    f[compared][...] = mask
                tampered = run(["/usr/bin/python3", script])
                check(tampered.returncode == 1 and "%s: differs:" % compared in tampered.stdout,
                      "%s: a tampered %s gives exit %d: %s" % (
                          name, compared, tampered.returncode, tampered.stdout[-400:]))
            print("%-16s %s" % (name, "ok" if not failures else "%d failures so far"
                                % len(failures)))

    print()
    print("--print-pytorch scripts vs sparsity-cli masks, PyTorch %s (seed %d)" % (
        torch.__version__, options.seed))
    print("  compared with WeightNormSparsifier  %d (identical %d, differ only in ties %d)" % (
        counts["compared"], counts["identical"], counts["ties"]))
    print("  applied with custom_from_mask        %d" % counts["applied"])
    print("  failures                             %d" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
