#!/usr/bin/python3
"""A small ViT trained briefly on MNIST and exported twice, at opset 14 (LayerNorm as nine nodes) and at opset 17
(one LayerNormalization node), to check that `inspect` and `sweep` find and prune its FFN blocks in both exports.

    /usr/bin/python3 scripts/corpus/make_vit_opsets.py --data ../shared/data --out $CORPUS/vitops

Needs Debian's python3-torch and python3-onnx. Writes vit_opset14.onnx and vit_opset17.onnx (input "pixels" [batch,
784], raw 0..255 pixels, /255 inside the graph; output "logits"), and the op counts of each. A model made by the
project for this check; nothing of ../shared is copied (the MNIST rows are read where they are).
"""
import argparse, gzip, os, collections
import numpy as np
import torch
from torch import nn
import onnx


def load(path, rows):
    a = np.loadtxt(gzip.open(path, "rt"), delimiter=",", skiprows=1, dtype=np.float32, max_rows=rows)
    return torch.tensor(a[:, :-1]), torch.tensor(a[:, -1].astype(np.int64))


class Block(nn.Module):
    def __init__(self, d, heads, f):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.att = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d, f), nn.GELU(), nn.Linear(f, d))

    def forward(self, x):
        y = self.n1(x)
        x = x + self.att(y, y, y, need_weights=False)[0]
        return x + self.ff(self.n2(x))


class Vit(nn.Module):
    def __init__(self, d=32, depth=2, heads=2, f=128):
        super().__init__()
        self.emb = nn.Linear(49, d)
        self.pos = nn.Parameter(torch.zeros(1, 16, d))
        self.blocks = nn.Sequential(*[Block(d, heads, f) for _ in range(depth)])
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, 10)

    def forward(self, x):
        b = x.shape[0]
        p = (x / 255.0).reshape(b, 4, 7, 4, 7).permute(0, 1, 3, 2, 4).reshape(b, 16, 49)
        return self.head(self.norm(self.blocks(self.emb(p) + self.pos)).mean(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", default=os.path.join(os.environ.get("CORPUS", "corpus"), "vitops"))
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--epochs", type=int, default=2)
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    x, y = load(os.path.join(a.data, "mnist-train.csv.gz"), a.rows)
    model = Vit()
    opt = torch.optim.AdamW(model.parameters(), 2e-3)
    for epoch in range(a.epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        print("epoch", epoch + 1, "loss %.4f" % loss.item(), flush=True)
    model.eval()
    os.makedirs(a.out, exist_ok=True)
    for opset in (14, 17):
        path = os.path.join(a.out, "vit_opset%d.onnx" % opset)
        torch.onnx.export(model, x[:2], path, input_names=["pixels"], output_names=["logits"],
                          dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}}, opset_version=opset)
        m = onnx.load(path)
        onnx.checker.check_model(m, full_check=True)
        ops = collections.Counter(n.op_type for n in m.graph.node)
        print(path, "opset", opset, "LayerNormalization" if ops.get("LayerNormalization") else "LayerNorm as nodes",
              dict(sorted(ops.items())))


if __name__ == "__main__":
    main()
