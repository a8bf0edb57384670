#!/usr/bin/python3
"""`sparsity-cli list` on a sharded safetensors checkpoint of about 10 GB (issue 12: at most
100 ms, reading only the headers).

Writes, once, into --dir (default /tmp/sparsity-list-sharded) a checkpoint shaped like a 2.7e9
parameter float32 decoder (32 blocks of attention and MLP weights, embeddings), split into
shards of at most 2 GB with its `model.safetensors.index.json`, as the format describes: an
8-byte little-endian header length, the JSON header, then the data. The data regions are
sparse (the file is extended with truncate, not written): `list` must not read them, and a
page cache warmed by writing 10 GB would flatter nothing here anyway. Then times
`sparsity-cli list INDEX` (and `--json`) --repeats times, and prints the medians.

Run: /usr/bin/python3 bench/list_sharded.py --cli build/app/sparsity-cli
"""

import argparse
import json
import os
import statistics
import struct
import subprocess
import time

SHARD_LIMIT = 2 * 1024**3


def tensors():
    """(name, shape) of a 2.7e9-parameter decoder, in the order a checkpoint stores them."""
    hidden, mlp, vocab = 2560, 10240, 50304
    yield "model.embed_tokens.weight", (vocab, hidden)
    for block in range(32):
        prefix = f"model.layers.{block}."
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            yield prefix + f"self_attn.{name}.weight", (hidden, hidden)
            yield prefix + f"self_attn.{name}.bias", (hidden,)
        yield prefix + "mlp.fc1.weight", (mlp, hidden)
        yield prefix + "mlp.fc1.bias", (mlp,)
        yield prefix + "mlp.fc2.weight", (hidden, mlp)
        yield prefix + "mlp.fc2.bias", (hidden,)
        yield prefix + "input_layernorm.weight", (hidden,)
        yield prefix + "post_attention_layernorm.weight", (hidden,)
    yield "model.final_layernorm.weight", (hidden,)
    yield "lm_head.weight", (vocab, hidden)


def write_shard(path, entries):
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in entries:
        size = 4
        for extent in shape:
            size *= extent
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path + ".part", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.truncate(8 + len(text) + offset)  # sparse: the data is never read
    os.replace(path + ".part", path)
    return offset


def write_checkpoint(directory):
    os.makedirs(directory, exist_ok=True)
    index_path = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index_path):
        return index_path
    shards, current, current_bytes = [], [], 0
    for name, shape in tensors():
        size = 4
        for extent in shape:
            size *= extent
        if current and current_bytes + size > SHARD_LIMIT:
            shards.append(current)
            current, current_bytes = [], 0
        current.append((name, shape))
        current_bytes += size
    shards.append(current)
    weight_map, total = {}, 0
    for i, entries in enumerate(shards):
        file_name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        total += write_shard(os.path.join(directory, file_name), entries)
        for name, _ in entries:
            weight_map[name] = file_name
    with open(index_path + ".part", "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f)
    os.replace(index_path + ".part", index_path)
    return index_path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--dir", default="/tmp/sparsity-list-sharded")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    index = write_checkpoint(args.dir)
    shards = sorted(f for f in os.listdir(args.dir) if f.endswith(".safetensors"))
    size = sum(os.path.getsize(os.path.join(args.dir, f)) for f in shards)
    with open(index) as f:
        count = len(json.load(f)["weight_map"])
    print(f"{index}: {len(shards)} shards, {size / 1e9:.1f} GB, {count} tensors; "
          f"load {os.getloadavg()[0]:.2f}")
    for extra in ([], ["--json"]):
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            done = subprocess.run([args.cli, "list", index, *extra], capture_output=True)
            times.append((time.perf_counter() - start) * 1000)
            if done.returncode != 0:
                raise SystemExit(done.stderr.decode())
        lines = done.stdout.decode().count("\n")
        print(f"list {' '.join(extra) or '(table)'}: median {statistics.median(times):.1f} ms "
              f"(min {min(times):.1f}, max {max(times):.1f}; {args.repeats} runs, "
              f"{lines} lines out)")


if __name__ == "__main__":
    main()
