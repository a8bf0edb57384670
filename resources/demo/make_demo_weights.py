#!/usr/bin/python3
"""Generate the demo weights file resources/demo/digits.h5.

Trains two small networks on scikit-learn's bundled 8x8 handwritten digits
data set (sklearn.datasets.load_digits, no download needed):

* an MLP:  64 -> 256 -> 128 -> 10 with ReLU activations, and
* a CNN:   conv 1->16 3x3 (pad 1), ReLU, conv 16->32 3x3 (pad 1), ReLU,
           max-pool 2, flatten (32*4*4 = 512) -> linear 512->64, ReLU,
           linear 64->10,

then stores every layer's weight and bias as float32 in an HDF5 file laid out
like a PyTorch state_dict converted to HDF5 (/mlp/fc1/weight, /mlp/fc1/bias,
..., /cnn/conv1/weight, ...). Each weight dataset carries a "layer_type"
attribute ("linear" or "conv2d"); the root group carries "description" and
"generator" attributes.

Seeds are fixed and only two threads are used, so reruns on the same machine
reproduce the same file. Training takes a few seconds on two CPU cores.

Run with Debian's Python (needs python3-torch, python3-h5py, python3-numpy
and python3-sklearn):

    /usr/bin/python3 resources/demo/make_demo_weights.py

The output is written next to this script as digits.h5 (via a temporary file
that is renamed into place at the end).
"""

import os
import sys

import h5py
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

SEED = 0
EPOCHS = 30
BATCH_SIZE = 128
LEARNING_RATE = 2e-3
OUTPUT_NAME = "digits.h5"


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.flatten(1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(32 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = torch.max_pool2d(x, 2)
        x = x.flatten(1)
        x = torch.relu(self.fc1(x))
        return self.fc2(x)


def load_data():
    """Return (x_train, x_test, y_train, y_test) as tensors, images 1x8x8 in [0, 1]."""
    digits = load_digits()
    images = digits.images.astype(np.float32) / 16.0
    labels = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=0.2, random_state=SEED, stratify=labels)
    return (torch.from_numpy(x_train).unsqueeze(1), torch.from_numpy(x_test).unsqueeze(1),
            torch.from_numpy(y_train), torch.from_numpy(y_test))


def train(model, x_train, y_train):
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED)
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(x_train), generator=generator)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def write_model(group, model):
    """Store a model's state_dict under group as <layer>/<weight|bias> float32 datasets."""
    layer_types = {nn.Linear: "linear", nn.Conv2d: "conv2d"}
    for name, module in model.named_children():
        layer = group.create_group(name)
        weight = layer.create_dataset(
            "weight", data=module.weight.detach().numpy().astype(np.float32))
        weight.attrs["layer_type"] = layer_types[type(module)]
        layer.create_dataset("bias", data=module.bias.detach().numpy().astype(np.float32))


def main():
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(2)

    x_train, x_test, y_train, y_test = load_data()

    models = {"mlp": MLP(), "cnn": CNN()}
    accuracies = {}
    for name, model in models.items():
        train(model, x_train, y_train)
        accuracies[name] = accuracy(model, x_test, y_test)
        print(f"{name}: test accuracy {accuracies[name]:.1%} ({len(y_test)} test images)")

    script_dir = os.path.dirname(os.path.abspath(__file__))
    output = os.path.join(script_dir, OUTPUT_NAME)
    temporary = output + ".tmp"
    description = (
        "A small MLP (64-256-128-10) and a small CNN (two 3x3 conv layers, 16 and 32 "
        "channels, then 512-64-10 linear layers) trained on the scikit-learn 8x8 digits "
        f"data set, reaching {accuracies['mlp']:.1%} and {accuracies['cnn']:.1%} test "
        "accuracy respectively.")
    generator = f"{os.path.basename(__file__)} (torch {torch.__version__})"
    try:
        with h5py.File(temporary, "w") as f:
            f.attrs["description"] = description
            f.attrs["generator"] = generator
            for name, model in models.items():
                write_model(f.create_group(name), model)
        os.replace(temporary, output)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise

    size = os.path.getsize(output)
    print(f"wrote {output} ({size} bytes)")
    if size >= 1024 * 1024:
        print("error: output file is not under 1 MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
