#!/usr/bin/python3
"""Small masked attentions as torch exports them, for the masked-attention recognition (docs/research/graphs.md,
"Attention heads"): nn.MultiheadAttention and nn.TransformerEncoderLayer (width 16, 2 heads, 6 tokens, untrained, seed
0) with a causal float attn_mask, a causal bool attn_mask, and a src_key_padding_mask from a second input; one ONNX
file each at opset 14, written under --out (outside the repository):

    /usr/bin/python3 scripts/corpus/export_masked_attention.py --out $CORPUS/masked
    bin/odf2nna-onnx inspect $CORPUS/masked/mha_causal_float.onnx
"""
import argparse
import os

import torch
import torch.nn as nn

T, E, H = 6, 16, 2


class Mha(nn.Module):
    """Self-attention on [T, B, E] rows given flat [B, T·E], a mean over tokens and a Linear head."""

    def __init__(self, mask, encoder):
        super().__init__()
        self.mask = mask
        self.attn = nn.TransformerEncoderLayer(E, H, 32, dropout=0.0) if encoder else nn.MultiheadAttention(E, H)
        self.encoder = encoder
        self.head = nn.Linear(E, 3)

    def forward(self, x, padding=None):
        x = x.reshape(-1, T, E).transpose(0, 1)
        if self.encoder:
            y = self.attn(x, src_mask=self.mask, src_key_padding_mask=padding)
        else:
            y = self.attn(x, x, x, attn_mask=self.mask, key_padding_mask=padding, need_weights=False)[0]
        return self.head(y.mean(0))


def export(model, path, padded):
    model.eval()
    x = torch.randn(2, T * E)
    if padded:
        padding = torch.tensor([[False] * T, [False] * (T - 2) + [True] * 2])
        torch.onnx.export(model, (x, padding), path, opset_version=14, input_names=["x", "padding"],
                          output_names=["y"], dynamic_axes={"x": {0: "N"}, "padding": {0: "N"}, "y": {0: "N"}})
    else:
        torch.onnx.export(model, (x,), path, opset_version=14, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    causal_bool = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    causal_float = torch.zeros(T, T).masked_fill(causal_bool, -1e4)
    for encoder, name in ((False, "mha"), (True, "encoder")):
        for mask, padded, kind in ((causal_float, False, "causal_float"), (causal_bool, False, "causal_bool"),
                                   (None, True, "padding")):
            torch.manual_seed(0)
            path = os.path.join(a.out, f"{name}_{kind}.onnx")
            export(Mha(mask, encoder), path, padded)
            print("wrote", path)


if __name__ == "__main__":
    main()
