#!/usr/bin/env python3
"""torchvision 0.14's swin_t at 224x224 as torch 1.13's exporter writes it, and noise rows to sweep it on.

    /usr/bin/python3 scripts/corpus/export_swin224.py OUT_DIR      # Debian's python3-torch 1.13, torchvision 0.14

Writes OUT_DIR/swin_t224.onnx (``torch.onnx.export``, opset 14, dynamic batch; 10 classes; seeded weights, the
LayerNorms given random scales and shifts as trained ones have) and swin_t224.train.npz, swin_t224.validation.npz
(200 rows each of uniform noise, key ``x``, no labels, as scripts/bench/zoo_export.py makes them). Torch 1.13 writes
each attention's dropout of 0 as a Dropout in training mode (torchvision 0.14 does not pass the module's training
flag), which the cleaning takes out since its ratio is 0. For docs/research/PERFORMANCE.md's swin_t paragraph.
"""
import os
import sys

import numpy as np
import torch
import torchvision


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = torchvision.models.swin_t(num_classes=10).eval()
    for m in model.modules():
        if isinstance(m, torch.nn.LayerNorm):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.normal_(0, 0.1)
    x = torch.rand(1, 3, 224, 224)
    torch.onnx.export(model, x, os.path.join(out, "swin_t224.onnx"), opset_version=14, input_names=["pixels"],
                      output_names=["logits"], dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}})
    rng = np.random.default_rng(2)
    for part in ("train", "validation"):
        np.savez(os.path.join(out, "swin_t224." + part + ".npz"), x=rng.random((200, 3, 224, 224), dtype=np.float32))
    print("wrote", out)


if __name__ == "__main__":
    main()
