#!/usr/bin/env python3
"""Writes a torchvision detector exported to ONNX with its postprocessing, and small image sets for it, to try what
odf2nna-onnx does with a detector that is not a YOLO export.

The model is torchvision's ssdlite320_mobilenet_v3_large (weights=None, weights_backbone=None, num_classes=4: random
init, seeded, nothing downloaded) in eval mode, exported by torch.onnx.export at opset 13 with input `images`
[1,3,320,320] and its outputs as torchvision's detection models return them after their postprocessing (score
threshold, per-class NMS, top-k): `boxes` [D,4], `scores` [D], `labels` [D]. With --model fasterrcnn the same is done
for fasterrcnn_mobilenet_v3_large_320_fpn (its transform resizes to min_size 320).

The image sets are .npz archives with `x` [N,3,320,320] float32 in 0..1: a few random filled rectangles and discs on a
noisy background, seeded (train.npz seed 1, val.npz seed 2, imgs.npz seed 3).

    $VENV/bin/python scripts/corpus/export_torchvision_detector.py OUT_FOLDER [--model ssdlite|fasterrcnn] [--images 64]
        [--raw]

($VENV: torch 1.13, torchvision 0.14, numpy; onnxruntime if present checks the export.) Writes OUT/det.onnx,
OUT/train.npz, OUT/val.npz, OUT/imgs.npz; with --raw (ssdlite only) also OUT/det-raw.onnx, the same weights without
the transform's resize and the postprocessing: outputs `cls_logits` [1, anchors, classes], `bbox_regression`
[1, anchors, 4].
"""
import argparse
import os

import numpy as np
import torch
import torchvision

SIZE = 320


def build(name):
    torch.manual_seed(0)
    detection = torchvision.models.detection
    if name == "ssdlite":
        model = detection.ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=4)
    else:
        model = detection.fasterrcnn_mobilenet_v3_large_320_fpn(weights=None, weights_backbone=None, num_classes=4)
    return model.eval()


class Raw(torch.nn.Module):
    """The SSDlite's backbone and head alone, before its postprocessing: `cls_logits` [1, anchors, classes] and
    `bbox_regression` [1, anchors, 4] (the transform's normalisation done by hand: its resize is 320 to 320)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, images):
        t = self.model.transform
        mean = torch.tensor(t.image_mean).view(1, 3, 1, 1)
        std = torch.tensor(t.image_std).view(1, 3, 1, 1)
        features = list(self.model.backbone((images - mean) / std).values())
        out = self.model.head(features)
        return out["cls_logits"], out["bbox_regression"]


class Flat(torch.nn.Module):
    """The detector for one image batch of one: its list of dicts as the three tensors it holds."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, images):
        out = self.model(images)[0]
        return out["boxes"], out["scores"], out["labels"]


def shapes(count, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 0.25, size=(count, 3, SIZE, SIZE)).astype(np.float32)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    for i in range(count):
        for _ in range(rng.integers(1, 5)):
            colour = rng.uniform(0.3, 1.0, size=3).astype(np.float32)
            cx, cy = rng.integers(30, SIZE - 30, size=2)
            half = rng.integers(12, 60)
            if rng.random() < 0.5:
                mask = (abs(xx - cx) < half) & (abs(yy - cy) < rng.integers(12, 60))
            else:
                mask = (xx - cx) ** 2 + (yy - cy) ** 2 < half ** 2
            x[i][:, mask] = colour[:, None]
    return x


def check(path, x):
    try:
        import onnxruntime as ort
    except ImportError:
        print("onnxruntime not installed: the export is not checked")
        return
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    boxes, scores, labels = session.run(None, {"images": x[:1]})
    print(f"onnxruntime: boxes {boxes.shape}, scores {scores.shape}, labels {labels.shape}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--model", choices=["ssdlite", "fasterrcnn"], default="ssdlite")
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--raw", action="store_true", help="also write det-raw.onnx: no postprocessing (ssdlite)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "det.onnx")
    example = torch.from_numpy(shapes(1, 0))
    with torch.no_grad():
        torch.onnx.export(Flat(build(args.model)), (example,), path, opset_version=13,
                          input_names=["images"], output_names=["boxes", "scores", "labels"],
                          dynamic_axes={"boxes": {0: "detections"}, "scores": {0: "detections"},
                                        "labels": {0: "detections"}})
    print(f"wrote {path}")
    if args.raw:
        raw = os.path.join(args.out, "det-raw.onnx")
        with torch.no_grad():
            torch.onnx.export(Raw(build(args.model)), (example,), raw, opset_version=13, input_names=["images"],
                              output_names=["cls_logits", "bbox_regression"])
        print(f"wrote {raw}")
    for name, seed in (("train", 1), ("val", 2), ("imgs", 3)):
        x = shapes(args.images, seed)
        np.savez(os.path.join(args.out, f"{name}.npz"), x=x)
        print(f"wrote {name}.npz x {x.shape}")
    check(path, shapes(1, 3))


if __name__ == "__main__":
    main()
