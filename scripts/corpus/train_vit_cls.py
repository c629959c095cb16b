#!/usr/bin/python3
"""Trains the corpus's class-token ViT (export_corpus.py's ClassTokenViT: torch.nn.TransformerEncoderLayer, a class
token joined by torch.cat and picked as token 0) on MNIST, exports it to ONNX and writes the CSV splits a sweep needs.

The network follows the shared mean-pooled ViT (../shared/models/graphs/make_graph_models.py) where a class token
allows: the raw CSV pixels [batch, 784] (0..255, the /255 inside the graph), 16 patches of 7x7 (a stride-7 Conv),
width 48, 3 pre-norm encoder layers (3 heads, FFN 192, exact GELU), a final LayerNorm, the head on the class token.
Trained as the shared ViT was: AdamW with one cycle up to 2e-3, batches of 128, seed 0, on the first --rows rows of
mnist-train.csv.gz (default all 60,000) for --epochs (default 4). Exported at --opset (default 14) with a free batch
axis and checked with onnx.checker.

Written to --out (outside the repository; nothing here is committed output):
  vit_cls_mnist_d48x3_gelu.onnx  the model
  train.csv.gz       the rows it trained on (MNIST training rows 1..--rows, the file's own lines)
  validation.csv.gz  MNIST test rows 1-5,000, never trained on: they judge the sweep's rounds
  report.csv.gz      MNIST test rows 5,001-10,000, never trained on: they only report
  vit_cls_mnist_d48x3_gelu.json  the recipe, the seconds and the accuracy on both test halves

    /usr/bin/python3 scripts/corpus/train_vit_cls.py --data ../shared/data --out $CORPUS/trained
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import onnx
import torch
from torch import nn

from export_corpus import ClassTokenViT

NAME = "vit_cls_mnist_d48x3_gelu"


class PixelPatches(nn.Module):
    """Raw CSV pixels [b, 784] -> 16 tokens of width d (7x7 patches, a stride-7 Conv)."""

    def __init__(self, d):
        super().__init__()
        self.proj = nn.Conv2d(1, d, 7, stride=7)

    def forward(self, x):
        return self.proj((x / 255.0).reshape(-1, 1, 28, 28)).flatten(2).transpose(1, 2)


def lines(path):
    with gzip.open(path, "rt") as f:
        return f.read().splitlines()


def write_rows(path, header, rows):
    with gzip.open(path, "wt") as f:
        f.write("\n".join([header] + rows) + "\n")


def as_arrays(rows):
    a = np.array([r.split(",") for r in rows], dtype=np.float32)
    return a[:, :-1], a[:, -1].astype(np.int64)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        guess = torch.cat([model(torch.from_numpy(x[i:i + 1000])).argmax(1) for i in range(0, len(x), 1000)])
    return float((guess.numpy() == y).mean())


def train(model, x, y, epochs, lr):
    opt = torch.optim.AdamW(model.parameters(), lr)
    steps = epochs * ((len(x) + 127) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(epoch))
        for i in range(0, len(x), 128):
            b = order[i:i + 128]
            loss = nn.functional.cross_entropy(model(x[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}: last batch loss {loss.item():.4f}", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True, help="folder with mnist-train.csv.gz and mnist-test.csv.gz (label last)")
    p.add_argument("--out", required=True)
    p.add_argument("--rows", type=int, default=60000)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--opset", type=int, default=14)
    # One thread: on the shared 2-core machine under load, two intra-op threads ran a batch 20x slower (0.065 s
    # against 1.3 s), waiting on each other.
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    train_lines, test_lines = lines(os.path.join(a.data, "mnist-train.csv.gz")), lines(os.path.join(a.data, "mnist-test.csv.gz"))
    header, trained, test = train_lines[0], train_lines[1:a.rows + 1], test_lines[1:]
    write_rows(os.path.join(a.out, "train.csv.gz"), header, trained)
    write_rows(os.path.join(a.out, "validation.csv.gz"), header, test[:5000])
    write_rows(os.path.join(a.out, "report.csv.gz"), header, test[5000:])
    x, y = as_arrays(trained)
    xv, yv = as_arrays(test[:5000])
    xr, yr = as_arrays(test[5000:])

    torch.manual_seed(0)
    model = ClassTokenViT(d=48, patches=PixelPatches(48), positions=16, heads=3, ffn=192, layers=3,
                          activation="gelu", final_norm=True)
    start = time.time()
    train(model, x, y, a.epochs, 2e-3)
    seconds = time.time() - start
    model.eval()
    path = os.path.join(a.out, NAME + ".onnx")
    # Not under no_grad: there TransformerEncoderLayer takes its fused fast path, which has no ONNX export.
    torch.onnx.export(model, (torch.zeros(2, 784),), path, opset_version=a.opset, input_names=["pixels"],
                      output_names=["logits"], dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(path), full_check=True)
    record = {"name": NAME, "rows_trained": len(trained), "epochs": a.epochs, "opset": a.opset, "seed": 0,
              "threads": a.threads, "seconds": round(seconds, 1), "parameters": sum(q.numel() for q in model.parameters()),
              "validation_accuracy": round(accuracy(model, xv, yv), 4), "report_accuracy": round(accuracy(model, xr, yr), 4),
              "command": "/usr/bin/python3 scripts/corpus/train_vit_cls.py --data DATA --out OUT"
                         + (f" --rows {a.rows}" if a.rows != 60000 else "") + (f" --epochs {a.epochs}" if a.epochs != 4 else "")}
    json.dump(record, open(os.path.join(a.out, NAME + ".json"), "w"), indent=1)
    print(json.dumps(record))


if __name__ == "__main__":
    main()
