"""Trains two small MNIST networks with PyTorch and exports them at ONNX opset 9, as public MNIST exports of that age
are: an MLP (x.view(N, -1) / 255 → 784-128-64-10, log-softmax; Shape/Gather/Unsqueeze/Concat/Reshape in front) and a
CNN (two 3×3 convolutions with ReLU and max-pooling, then 784-64-10). For docs/research/int8.md's old-opset figures:
`convert --quantize int8` raises such a model's opset (OpsetRaise) or names the operator that prevents it.

    /usr/bin/python3 scripts/corpus/make_opset9_mnist.py ../shared/data/mnist-train.csv.gz OUT_DIR [--epochs 1]

Needs Debian's python3-torch (1.13) and numpy; one epoch, batches of 128, Adam 1e-3, seed 0, all 60,000 rows.
"""
import argparse
import gzip
import os

import numpy as np
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.f1, self.f2, self.f3 = nn.Linear(784, 128), nn.Linear(128, 64), nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1) / 255.0
        return torch.log_softmax(self.f3(torch.relu(self.f2(torch.relu(self.f1(x))))), dim=1)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 16, 3, padding=1)
        self.fc, self.out = nn.Linear(16 * 7 * 7, 64), nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(-1, 1, 28, 28) / 255.0
        x = torch.max_pool2d(torch.relu(self.c1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.c2(x)), 2)
        return self.out(torch.relu(self.fc(torch.flatten(x, 1))))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("train")
    p.add_argument("out")
    p.add_argument("--epochs", type=int, default=1)
    a = p.parse_args()
    with gzip.open(a.train, "rt") if a.train.endswith(".gz") else open(a.train) as f:
        data = np.loadtxt(f, delimiter=",", skiprows=1, dtype=np.float32)
    x, y = torch.from_numpy(data[:, :784]), torch.from_numpy(data[:, 784].astype(np.int64))
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(2)
    for name, model in (("mnist_mlp_opset9", MLP()), ("mnist_cnn_opset9", CNN())):
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        for _ in range(a.epochs):
            order = torch.randperm(len(x))
            for s in range(0, len(x), 128):
                idx = order[s:s + 128]
                opt.zero_grad()
                loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
                loss.backward()
                opt.step()
        model.eval()
        path = os.path.join(a.out, name + ".onnx")
        torch.onnx.export(model, torch.zeros(1, 784), path, opset_version=9, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
        print("wrote", path)


if __name__ == "__main__":
    main()
