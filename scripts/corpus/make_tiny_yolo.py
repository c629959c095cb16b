#!/usr/bin/env python3
"""Writes a tiny untrained YOLOv8 ONNX for the tests of the detector retraining: the graph of yolov8n.yaml (C2f, SPPF,
the neck's nearest Resize and Concat, the head's DFL Reshape/Transpose/Softmax/Conv, Slice, Sub/Add/Div on anchors)
at a width of 1/32 (8 to 32 channels) and 32 x 32 input, three classes, exported as Ultralytics 8.1.33 exports
(model.export(format="onnx", opset=12): input `images` [1,3,32,32], output `output0` [1,7,21]). Seeded; the
weights are the initial ones with BatchNorm folded.

    $VENV/bin/python scripts/corpus/make_tiny_yolo.py OUT_FOLDER

($VENV as in train_yolov8n_shapes.py: Ultralytics 8.1.33, torch 1.13, onnx; about 20 s.) Writes OUT/tiny_yolov8.onnx;
the test copy is library/src/test/resources/corpus/tiny-yolo/tiny_yolov8.onnx.
"""
import os
import shutil
import sys

import torch
from ultralytics import YOLO

YAML = """
nc: 3
scales:
  t: [0.33, 0.03125, 1024]
backbone:
  - [-1, 1, Conv, [64, 3, 2]]
  - [-1, 1, Conv, [128, 3, 2]]
  - [-1, 3, C2f, [128, True]]
  - [-1, 1, Conv, [256, 3, 2]]
  - [-1, 6, C2f, [256, True]]
  - [-1, 1, Conv, [512, 3, 2]]
  - [-1, 6, C2f, [512, True]]
  - [-1, 1, Conv, [1024, 3, 2]]
  - [-1, 3, C2f, [1024, True]]
  - [-1, 1, SPPF, [1024, 5]]
head:
  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
  - [[-1, 6], 1, Concat, [1]]
  - [-1, 3, C2f, [512]]
  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
  - [[-1, 4], 1, Concat, [1]]
  - [-1, 3, C2f, [256]]
  - [-1, 1, Conv, [256, 3, 2]]
  - [[-1, 12], 1, Concat, [1]]
  - [-1, 3, C2f, [512]]
  - [-1, 1, Conv, [512, 3, 2]]
  - [[-1, 9], 1, Concat, [1]]
  - [-1, 3, C2f, [1024]]
  - [[15, 18, 21], 1, Detect, [nc]]
"""


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    yaml = os.path.join(out, "tiny_yolov8t.yaml")
    with open(yaml, "w") as f:
        f.write(YAML)
    model = YOLO(yaml)
    vary(model.model)
    written = model.export(format="onnx", opset=12, imgsz=32, simplify=False)
    target = os.path.join(out, "tiny_yolov8.onnx")
    narrow_box_branches(written, target, BOX_WIDTH)
    os.remove(written)
    print(target, os.path.getsize(target), "bytes")


BOX_WIDTH = 16


def vary(net):
    """BatchNorm's statistics and affine values, and the head's last biases, drawn at random: a freshly built model
    has them all equal, which the export would share as one initializer, and outputs that hardly depend on the image."""
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                n = m.num_features
                m.weight.copy_(0.5 + torch.rand(n, generator=g))
                m.bias.copy_(0.2 * torch.randn(n, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(n, generator=g))
                m.running_var.copy_(0.5 + torch.rand(n, generator=g))
            elif isinstance(m, torch.nn.Conv2d) and m.bias is not None and m.out_channels != 1:
                m.weight.mul_(4)
                m.bias.copy_(torch.randn(m.out_channels, generator=g))


def narrow_box_branches(source, target, width):
    """The head's box branches (cv2.i: 3x3 conv to 64, 3x3 conv 64 to 64, 1x1 conv 64 to 64) narrowed to `width`
    channels between their convs, where Ultralytics fixes 64 (4 x reg_max): the same graph, a tenth of the bytes."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(source)
    inits = {t.name: t for t in m.graph.initializer}
    for node in m.graph.node:
        if node.op_type != "Conv" or "/cv2." not in node.name:
            continue
        w = inits[node.input[1]]
        a = numpy_helper.to_array(w)
        stage = node.name.split("/")[3]  # cv2.i.0, cv2.i.1 or cv2.i.2
        part = stage.split(".")[-1]
        if part in ("0", "1"):
            a = a[:width]
            b = inits[node.input[2]]
            b.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(b)[:width].copy(), b.name))
        if part in ("1", "2"):
            a = a[:, :width]
        w.CopyFrom(numpy_helper.from_array(a.copy(), w.name))
    onnx.checker.check_model(m)
    onnx.save(m, target)


if __name__ == "__main__":
    main()
