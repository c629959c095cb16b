#!/usr/bin/env python3
"""A tiny ViT encoder as torch 2's exporter writes torchvision's vit_b_16 attention, for the packed in_proj reading
(docs/research/graphs.md, "Attention heads"): rows of 8 tokens x 16 channels given flat [N, 128], two
torchvision-style encoder blocks (LayerNorm, nn.MultiheadAttention(16, 4, batch_first=True) called with
need_weights=False, LayerNorm, MLP 16-64-16 with exact GELU), a LayerNorm, the mean over tokens and a Linear head of 4
(untrained, seed 0); exported by torch.onnx.export (the TorchScript exporter, opset 14) like
scripts/bench/zoo_export.py: one packed in_proj MatMul [16, 48] and bias Add, unflatten/unsqueeze/transpose/squeeze
and a Gather each for Q, K and V, and Q and Kᵀ scaled by sqrt(1/sqrt(dh)) computed from Q's shape. Also
packed.train.npz and packed.validation.npz (200 rows each of uniform noise in [0, 1), no labels, as the zoo's), all
written under --out (outside the repository). Needs torch 2 (the exporter of torch 1.13 writes Slices instead):

    $PYTHON scripts/corpus/export_packed_attention.py --out $CORPUS/packed
    bin/odf2nna-onnx inspect $CORPUS/packed/packed.onnx
    bin/odf2nna-onnx sweep $CORPUS/packed/packed.onnx --train $CORPUS/packed/packed.train.npz \\
        --validation $CORPUS/packed/packed.validation.npz --graph-retrain sequential --max-drop 50 \\
        -o $CORPUS/packed/packed.swept.onnx
"""
import argparse
import os

import numpy as np
import torch
import torch.nn as nn

T, E, H, ROWS = 8, 16, 4, 200


class Block(nn.Module):
    """torchvision's EncoderBlock (vision_transformer.py), without dropout."""

    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(E, eps=1e-6)
        self.self_attention = nn.MultiheadAttention(E, H, batch_first=True)
        self.ln_2 = nn.LayerNorm(E, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(E, 4 * E), nn.GELU(), nn.Linear(4 * E, E))

    def forward(self, x):
        y = self.ln_1(x)
        y, _ = self.self_attention(y, y, y, need_weights=False)
        x = x + y
        return x + self.mlp(self.ln_2(x))


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(Block(), Block())
        self.ln = nn.LayerNorm(E, eps=1e-6)
        self.head = nn.Linear(E, 4)

    def forward(self, x):
        return self.head(self.ln(self.blocks(x.reshape(-1, T, E))).mean(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(0)
    model = Tiny().eval()
    # Outside torch.no_grad(), as zoo_export.py exports: under it, eval-mode nn.MultiheadAttention takes its fused
    # fast path (aten::_native_multi_head_attention), which the exporter cannot write.
    torch.onnx.export(model, (torch.rand(2, T * E),), os.path.join(a.out, "packed.onnx"), opset_version=14,
                      input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "N"}, "y": {0: "N"}},
                      dynamo=False)
    rng = np.random.default_rng(2)
    for part in ("train", "validation"):
        np.savez(os.path.join(a.out, "packed." + part + ".npz"), x=rng.random((ROWS, T * E), dtype=np.float32))


if __name__ == "__main__":
    main()
