#!/usr/bin/python3
"""Trains a small ResNet on MNIST for the convolution-channel blocks (issue 50) and writes its splits.

  resnet_mnist_16_32_64   stem Conv 3x3/2 (16) + BN + ReLU; three basic blocks (two Conv 3x3 + BN each, ReLU between
                          and after the residual Add) of 16, 32 (stride 2, 1x1 projection shortcut) and 64 channels
                          (stride 2, projection); global average pool; Linear 64 -> 10

Input: the raw CSV pixel columns (float [batch, 784], 0..255; the /255 is inside the graph); output: 10 logits.
Trained with Debian's python3-torch on the first 12,000 rows of mnist-train (seed 0), exported with torch.onnx.export
at opset 14 in eval mode (BatchNormalization folded into the convolutions) with a dynamic batch axis.

Writes into OUT (default $CORPUS/trained/resnet, outside the repository):
  resnet_mnist.onnx   the model
  train.csv           the 12,000 training rows (pixel0..pixel783,label)
  validation.csv      mnist-test rows 0..4999 (choose)
  report.csv          mnist-test rows 5000..9999 (judge)
  resnet_mnist.json   sizes, seconds and the torch model's accuracy on each split

Usage: /usr/bin/python3 train_resnet_mnist.py [--data DIR] [--out DIR] [--epochs N]   (about 3-5 minutes on 2 cores)
"""
import argparse, gzip, json, os, time
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F


def load(path):
    with gzip.open(path, "rt") as f:
        header = f.readline().strip()
    a = np.loadtxt(gzip.open(path, "rt"), delimiter=",", skiprows=1, dtype=np.float32)
    return header, a[:, :-1], a[:, -1].astype(np.int64)


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + (x if self.short is None else self.short(x)))


class ResNet(nn.Module):
    def __init__(self, widths=(16, 32, 64)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, widths[0], 3, 2, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        blocks, cin = [], widths[0]
        for i, w in enumerate(widths):
            blocks.append(Basic(cin, w, 1 if i == 0 else 2))
            cin = w
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(cin, 10)

    def forward(self, x):
        x = self.blocks(self.stem((x / 255.0).reshape(-1, 1, 28, 28)))
        return self.head(x.mean((2, 3)))


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        out = torch.cat([model(torch.from_numpy(x[i:i + 1000])) for i in range(0, len(x), 1000)])
    return float((out.argmax(1).numpy() == y).mean())


def write_csv(path, header, x, y):
    rows = np.concatenate([x, y[:, None].astype(np.float32)], axis=1).astype(np.int64)
    np.savetxt(path, rows, delimiter=",", fmt="%d", header=header, comments="")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    p.add_argument("--out", default=os.path.join(os.environ.get("CORPUS", "corpus"), "trained", "resnet"))
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--rows", type=int, default=12000)
    a = p.parse_args()
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    os.makedirs(a.out, exist_ok=True)
    header, xtr, ytr = load(os.path.join(a.data, "mnist-train.csv.gz"))
    _, xte, yte = load(os.path.join(a.data, "mnist-test.csv.gz"))
    xtr, ytr = xtr[:a.rows], ytr[:a.rows]
    model = ResNet()
    steps = a.epochs * ((len(xtr) + 127) // 128)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    start = time.time()
    for epoch in range(a.epochs):
        model.train()
        order = np.random.permutation(len(xtr))
        for i in range(0, len(order), 128):
            idx = order[i:i + 128]
            loss = F.cross_entropy(model(torch.from_numpy(xtr[idx])), torch.from_numpy(ytr[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, {time.time() - start:.0f}s", flush=True)
    seconds = time.time() - start
    model.eval()
    onnx_path = os.path.join(a.out, "resnet_mnist.onnx")
    torch.onnx.export(model, torch.from_numpy(xte[:2]), onnx_path, opset_version=14, input_names=["pixels"],
                      output_names=["logits"], dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(onnx_path))
    half = len(xte) // 2
    write_csv(os.path.join(a.out, "train.csv"), header, xtr, ytr)
    write_csv(os.path.join(a.out, "validation.csv"), header, xte[:half], yte[:half])
    write_csv(os.path.join(a.out, "report.csv"), header, xte[half:], yte[half:])
    convs = sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Conv2d))
    meta = {"name": "resnet_mnist_16_32_64", "script": os.path.relpath(__file__, os.path.join(here, "..", "..")),
            "torch": torch.__version__, "epochs": a.epochs, "train_rows": len(xtr), "seconds": round(seconds, 1),
            "parameters": sum(p.numel() for p in model.parameters()), "conv_weights": convs,
            "accuracy": {"train": accuracy(model, xtr, ytr), "validation": accuracy(model, xte[:half], yte[:half]),
                         "report": accuracy(model, xte[half:], yte[half:])}}
    with open(os.path.join(a.out, "resnet_mnist.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
