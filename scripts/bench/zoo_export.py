#!/usr/bin/env python3
"""Exports the torchvision classifiers the zoo table reads (issue 73), twice each, and random rows to sweep on.

    $PYTHON scripts/bench/zoo_export.py --out "$CORPUS/zoo" [--models resnet18,mobilenet_v2]

For each model: ``NAME.init.onnx`` (as initialised: every BatchNorm, zero bias and LayerNorm weight equal across
layers, so the exporter merges them into shared initializers) and ``NAME.trained.onnx`` (those tensors given random
values first, as trained weights have), both by ``torch.onnx.export`` (the TorchScript exporter, opset 14), at 64x64
where the model runs and exports at that size, else 224 (vit_b_16, maxvit_t, and those whose adaptive pooling ONNX
cannot write at 64: alexnet, vgg11_bn) or 299 (inception_v3); and ``NAME.train.npz`` and
``NAME.validation.npz`` (200 rows each of uniform noise in [0, 1), no labels: the sweep judges agreement with the
original; only the write path is checked, not accuracy) and
``NAME.json`` (input size, parameters). Weights are seeded (torch.manual_seed(0)), so a rerun writes the same files.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.library as _library

# torchvision's compiled ops (nms, roi_align) may not load against this torch; the classifiers never use them.
_register_fake = _library.register_fake


def _tolerant(*args, **kwargs):
    decorate = _register_fake(*args, **kwargs)

    def wrap(f):
        try:
            return decorate(f)
        except RuntimeError:
            return f
    return wrap


_library.register_fake = _tolerant
import torchvision.models as tvm  # noqa: E402
_library.register_fake = _register_fake

MODELS = ["alexnet", "convnext_tiny", "densenet121", "efficientnet_b0", "efficientnet_v2_s", "googlenet",
          "inception_v3", "maxvit_t", "mnasnet0_5", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small",
          "regnet_x_400mf", "regnet_y_400mf", "resnet18", "resnet50", "resnext50_32x4d", "shufflenet_v2_x0_5",
          "squeezenet1_0", "swin_t", "vgg11_bn", "vit_b_16", "wide_resnet50_2"]
SIZE = {"vit_b_16": 224, "maxvit_t": 224, "inception_v3": 299}
ROWS = 200


def build(name):
    kwargs = {"weights": None}
    if name in ("googlenet", "inception_v3"):
        kwargs.update(aux_logits=False, init_weights=True)
    return getattr(tvm, name)(**kwargs).eval()


def trained_like(model, generator):
    """Gives every tensor that initialisation leaves constant (norm scales and shifts, running statistics, zero
    biases, layer scales) random values, as training would."""
    with torch.no_grad():
        for module in model.modules():
            for attr in ("running_mean", "running_var"):
                t = getattr(module, attr, None)
                if isinstance(t, torch.Tensor):
                    if attr == "running_var":
                        t.copy_(0.5 + torch.rand(t.shape, generator=generator))
                    else:
                        t.copy_(0.1 * torch.randn(t.shape, generator=generator))
        for name, p in model.named_parameters():
            flat = p.detach().reshape(-1)
            if flat.numel() > 1 and bool((flat == flat[0]).all()):
                if float(flat[0]) == 1.0:
                    p.copy_(0.5 + torch.rand(p.shape, generator=generator))
                else:
                    p.copy_(flat[0] + 0.05 * torch.randn(p.shape, generator=generator))


def export(model, size, path):
    x = torch.rand(1, 3, size, size)
    torch.onnx.export(model, x, path, opset_version=14, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default=",".join(MODELS))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.models.split(","):
        torch.manual_seed(0)
        model = build(name)
        parameters = sum(p.numel() for p in model.parameters())
        size = None
        for tried in ([SIZE[name]] if name in SIZE else [64, 224, 299]):
            try:
                with torch.no_grad():
                    model(torch.rand(2, 3, tried, tried))
                export(model, tried, os.path.join(args.out, name + ".init.onnx"))
                size = tried
                break
            except Exception as e:  # too small for its pooling, or an adaptive pooling ONNX cannot write at it
                print(name, "not at", tried, ":", str(e).splitlines()[0][:160], flush=True)
        if size is None:
            continue
        trained_like(model, torch.Generator().manual_seed(1))
        export(model, size, os.path.join(args.out, name + ".trained.onnx"))
        rng = np.random.default_rng(2)
        for part in ("train", "validation"):
            np.savez(os.path.join(args.out, name + "." + part + ".npz"),
                     x=rng.random((ROWS, 3, size, size), dtype=np.float32))
        with open(os.path.join(args.out, name + ".json"), "w") as f:
            json.dump({"model": name, "size": size, "parameters": parameters}, f)
        print(name, size, parameters, flush=True)


if __name__ == "__main__":
    sys.exit(main())
