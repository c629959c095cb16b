#!/usr/bin/python3
"""The repository's graph example: a tiny MLP-Mixer trained on the digits data, so that README can show `inspect`
and `sweep` on dense blocks inside a graph from a fresh clone (no ../shared).

    /usr/bin/python3 scripts/examples/make_graph_example.py

Needs Debian's python3-torch (1.13) and python3-onnx (1.12); standard library, torch, onnx and numpy only. Seeded,
CPU, 2 threads, deterministic (the same bytes on every run); 24 to 48 s on 2 shared cores. Reads
examples/digits/digits-train.csv.gz and digits-test.csv.gz (made by examples/make_examples.py) and writes:

  examples/digits/digits-mixer-train.csv.gz digits-train's rows 1..1,000 (the same header and the same text): the
                                            rows the Mixer was trained on, for `sweep --train`
  examples/digits/digits-holdout.csv.gz     digits-train's rows 1,001..1,438 (438 rows, the same header and the
                                            same text): rows the Mixer never saw, for `sweep --validation` (kept
                                            apart from --train: a sweep refuses validation rows among its
                                            training rows)
  models/digits_mixer_8x8_gelu.onnx         the Mixer, opset 14, input "input" [batch, 64] (the CSV's 64 pixel
                                            columns as they are, 0..1), output "logits" [batch, 10]
  models/digits_mixer_8x8_gelu.json         its sidecar: training settings, metrics, parameter counts, sha256

The Mixer is trained on digits-train's first 1,000 rows only. The 8x8 image is cut into 16 patches of 2x2 inside
the graph (Reshape, Transpose), embedded to width 32, then 2 mixer blocks, each LayerNorm -> token MLP 16-32-16
(across patches) -> residual Add, LayerNorm -> channel MLP 32-64-32 -> residual Add, both MLPs Linear -> exact GELU
(Erf) -> Linear; then LayerNorm, the mean over patches and a linear head (logits, no Softmax).
"""
import gzip
import hashlib
import io
import json
import os
import sys

import numpy as np
import onnx
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAME = "digits_mixer_8x8_gelu"
TRAIN_ROWS = 1000
SEED = 7
EPOCHS = 60
LR = 0.003
BATCH = 32
WIDTH, TOKENS, TOKEN_HIDDEN, CHANNEL_HIDDEN, DEPTH = 32, 16, 32, 64, 2


def read_lines(path):
    with gzip.open(path, "rt") as f:
        lines = f.read().splitlines()
    return lines[0], lines[1:]


def to_arrays(lines):
    a = np.array([[float(v) for v in line.split(",")] for line in lines], dtype=np.float32)
    return a[:, :-1], a[:, -1].astype(np.int64)


def write_gz(path, header, lines):
    data = (header + "\n" + "".join(line + "\n" for line in lines)).encode()
    with open(path, "wb") as f:
        # mtime=0 and no file name keep the bytes identical from run to run
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
            g.write(data)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Mlp(nn.Module):
    def __init__(self, n, hidden):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(n, hidden), nn.GELU(), nn.Linear(hidden, n)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class MixerBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1, self.token_mlp = nn.LayerNorm(WIDTH), Mlp(TOKENS, TOKEN_HIDDEN)
        self.norm2, self.channel_mlp = nn.LayerNorm(WIDTH), Mlp(WIDTH, CHANNEL_HIDDEN)

    def forward(self, x):
        x = x + self.token_mlp(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mlp(self.norm2(x))


class Mixer(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(4, WIDTH)
        self.blocks = nn.Sequential(*[MixerBlock() for _ in range(DEPTH)])
        self.norm, self.head = nn.LayerNorm(WIDTH), nn.Linear(WIDTH, 10)

    def forward(self, x):
        # [batch, 64] row-major 8x8 -> 16 patches of 2x2 -> [batch, 16, 4]
        p = x.reshape(-1, 4, 2, 4, 2).permute(0, 1, 3, 2, 4).reshape(-1, TOKENS, 4)
        return self.head(self.norm(self.blocks(self.embed(p))).mean(1))


def accuracy(model, x, y):
    with torch.no_grad():
        return float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    digits = os.path.join(ROOT, "examples", "digits")
    header, lines = read_lines(os.path.join(digits, "digits-train.csv.gz"))
    _, test_lines = read_lines(os.path.join(digits, "digits-test.csv.gz"))
    if len(lines) != 1438:
        sys.exit("expected digits-train's 1,438 rows, read %d" % len(lines))
    write_gz(os.path.join(digits, "digits-mixer-train.csv.gz"), header, lines[:TRAIN_ROWS])
    write_gz(os.path.join(digits, "digits-holdout.csv.gz"), header, lines[TRAIN_ROWS:])
    x, y = to_arrays(lines[:TRAIN_ROWS])
    xh, yh = to_arrays(lines[TRAIN_ROWS:])
    xt, yt = to_arrays(test_lines)

    model = Mixer()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(SEED)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(xs), generator=g)
        for i in range(0, len(xs), BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss_fn(model(xs[idx]), ys[idx]).backward()
            opt.step()
    model.eval()
    metrics = {"accuracy": accuracy(model, xt, yt)}
    holdout = {"accuracy": accuracy(model, xh, yh)}
    train_acc = accuracy(model, x, y)

    path = os.path.join(ROOT, "models", NAME + ".onnx")
    torch.onnx.export(model, torch.zeros(1, 64), path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=14,
                      do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    n_params = sum(p.numel() for p in model.parameters())
    mlps = [m for m in model.modules() if isinstance(m, Mlp)]
    block_params = sum(p.numel() for m in mlps for p in m.parameters())
    sidecar = {
        "name": NAME,
        "architecture": ("MLP-Mixer: 8x8 image as 16 patches of 2x2 (Reshape/Transpose in the graph), patch "
                         "embedding 4-32, %d mixer blocks (LayerNorm, token MLP %d-%d-%d, residual Add; LayerNorm, "
                         "channel MLP %d-%d-%d, residual Add; exact GELU), LayerNorm, mean over patches, head 32-10"
                         % (DEPTH, TOKENS, TOKEN_HIDDEN, TOKENS, WIDTH, CHANNEL_HIDDEN, WIDTH)),
        "task": "classification",
        "classes": 10,
        "data": "examples/digits/digits-{train,test}.csv.gz",
        "split": ("trained on digits-train's first %d rows only; its other %d rows, never seen, are "
                  "examples/digits/digits-holdout.csv.gz (for sweep --validation)" % (TRAIN_ROWS, len(xh))),
        "training": {"framework": "PyTorch " + torch.__version__, "optimizer": "Adam", "lr": LR,
                     "batch_size": BATCH, "epochs": EPOCHS, "seed": SEED, "threads": 2,
                     "loss": "CrossEntropy", "train_accuracy": train_acc},
        "input_shape": ["batch", 64],
        "input": "the CSV's 64 pixel columns as they are (0..1)",
        "head": "none (logits)",
        "test_metrics": metrics,
        "holdout_metrics": holdout,
        "n_params": n_params,
        "dense_block_params": block_params,
        "dense_blocks": "%d token MLPs %d-%d-%d and %d channel MLPs %d-%d-%d" % (
            DEPTH, TOKENS, TOKEN_HIDDEN, TOKENS, DEPTH, WIDTH, CHANNEL_HIDDEN, WIDTH),
        "exporter": "torch.onnx.export, opset 14, PyTorch %s, onnx %s" % (torch.__version__, onnx.__version__),
        "file": "models/" + NAME + ".onnx",
        "sha256": sha256(path),
        "command": "/usr/bin/python3 scripts/examples/make_graph_example.py",
    }
    with open(os.path.join(ROOT, "models", NAME + ".json"), "w") as f:
        json.dump(sidecar, f, indent=1)
        f.write("\n")
    print("wrote %s (%d parameters, %d in dense blocks, %d bytes): train %.4f, holdout %.4f, test %.4f"
          % (path, n_params, block_params, os.path.getsize(path), train_acc, holdout["accuracy"],
             metrics["accuracy"]))


if __name__ == "__main__":
    main()
