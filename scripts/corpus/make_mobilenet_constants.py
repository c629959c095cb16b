#!/usr/bin/python3
"""A MobileNetV3-style classifier stored as paddle2onnx stores its models: every weight a Constant node, the input's
height and width open ([N, 1, H, W]); with its data as NumPy archives. Used to check that odf2nna-onnx sweeps such an
export given --input-shape and .npz data (docs/research/graphs.md, "Exports written by other converters").

The network: a 3x3 stride-2 stem with HardSwish; inverted residual blocks (1x1 expand, BatchNorm, HardSwish or ReLU,
depthwise 3x3, BatchNorm, activation, squeeze-excite with HardSigmoid in some, 1x1 project, BatchNorm, residual where
the shapes allow), a 1x1 conv to 288 channels with HardSwish, global average pooling, and the MobileNetV3 head
Linear(288, 512), HardSwish, Dropout, Linear(512, 10). Trained for --epochs on the first 50,000 MNIST training rows
(PyTorch, seed 0), exported at opset 13 in inference form (BatchNorm folded into the convolutions), then every float
initializer moved into a Constant node (scripts/corpus/constants_to_initializers.py --reverse).

Data written beside it (pixels / 255, shape [rows, 1, 28, 28], labels y):
  train.npz       MNIST training rows 50,001-60,000, which the network never saw (the sweep measures units on them)
  validation.npz  MNIST test rows 1-5,000 (judge the rounds)
  report.npz      MNIST test rows 5,001-10,000 (only reported)

    /usr/bin/python3 scripts/corpus/make_mobilenet_constants.py --data ../shared/data --out $CORPUS/h48
"""
import argparse
import gzip
import os

import numpy as np
import onnx
import torch
import torch.nn as nn

from constants_to_initializers import to_constants


def read_mnist(path):
    with gzip.open(path, "rt") as f:
        a = np.loadtxt(f, delimiter=",", skiprows=1, dtype=np.float32)
    return a[:, :-1].reshape(-1, 1, 28, 28) / 255.0, a[:, -1].astype(np.int64)


class SqueezeExcite(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // r, 1)
        self.fc2 = nn.Conv2d(c // r, c, 1)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        return x * nn.functional.hardsigmoid(self.fc2(torch.relu(self.fc1(s))))


class InvertedResidual(nn.Module):
    def __init__(self, cin, hidden, cout, stride, se, hswish):
        super().__init__()
        act = nn.Hardswish if hswish else nn.ReLU
        self.expand = nn.Sequential(nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), act())
        self.dw = nn.Sequential(nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
                                nn.BatchNorm2d(hidden), act())
        self.se = SqueezeExcite(hidden) if se else nn.Identity()
        self.project = nn.Sequential(nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.project(self.se(self.dw(self.expand(x))))
        return x + y if self.residual else y


class MobileNetV3Style(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        self.blocks = nn.Sequential(
            InvertedResidual(16, 64, 24, 1, False, False),
            InvertedResidual(24, 72, 24, 1, False, False),
            InvertedResidual(24, 96, 40, 2, True, True),
            InvertedResidual(40, 160, 40, 1, True, True),
            InvertedResidual(40, 120, 48, 1, False, True),
            InvertedResidual(48, 144, 48, 1, True, True))
        self.last = nn.Sequential(nn.Conv2d(48, 288, 1, bias=False), nn.BatchNorm2d(288), nn.Hardswish())
        self.head = nn.Sequential(nn.Linear(288, 512), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(512, classes))

    def forward(self, x):
        x = self.last(self.blocks(self.stem(x)))
        return self.head(x.mean((2, 3)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=2)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(0)
    xt, yt = read_mnist(os.path.join(a.data, "mnist-train.csv.gz"))
    xs, ys = read_mnist(os.path.join(a.data, "mnist-test.csv.gz"))
    np.savez(os.path.join(a.out, "train.npz"), x=xt[50000:], y=yt[50000:])
    np.savez(os.path.join(a.out, "validation.npz"), x=xs[:5000], y=ys[:5000])
    np.savez(os.path.join(a.out, "report.npz"), x=xs[5000:], y=ys[5000:])
    model = MobileNetV3Style()
    opt = torch.optim.Adam(model.parameters(), 2e-3)
    x, y = torch.from_numpy(xt[:50000]), torch.from_numpy(yt[:50000])
    for epoch in range(a.epochs):
        model.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), 128):
            b = order[i:i + 128]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[b]), y[b])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(torch.from_numpy(xs[5000:])).argmax(1).numpy() == ys[5000:]).mean()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, report rows {100 * acc:.2f}%")
    model.eval()
    path = os.path.join(a.out, "mobilenetv3_constants.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=13, input_names=["x"],
                      output_names=["logits"], dynamic_axes={"x": {0: "N", 2: "H", 3: "W"}, "logits": {0: "N"}},
                      do_constant_folding=True)
    m = onnx.load(path)
    to_constants(m)
    onnx.checker.check_model(m)
    onnx.save(m, path)
    params = sum(int(np.prod(t.dims)) for n in m.graph.node if n.op_type == "Constant" for t in [n.attribute[0].t])
    print(f"wrote {path}: {len(m.graph.node)} nodes, {len(m.graph.initializer)} initializers, {params} values in "
          "Constant nodes")


if __name__ == "__main__":
    main()
