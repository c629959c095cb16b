#!/usr/bin/python3
"""Writes a YOLOv8-shaped ONNX ("images" [1, 3, S, S] -> "output0" [1, 4 + classes, anchors]) whose output for each
image of an archive is a made-up detector's: every ground-truth box found again with a jittered box, a score, a class
that is sometimes wrong, a second class now and then (multi-label), near duplicates for NMS to drop, and false
positives of every score. The image is recognised by a random projection of its pixels (nearest stored one), so the
model runs in any ONNX runtime, Ultralytics' val included. What it is for: comparing `odf2nna-onnx eval --task detect`
with Ultralytics' val at a realistic mAP without training a detector.

    python3 scripts/corpus/yolo_lookup_model.py val.npz yolo-metadata-from.onnx OUT.onnx [SEED] [--ties]

val.npz: x [N, 3, S, S] uint8, boxes [N, M, 5] (class, cx, cy, w, h normalised; -1 rows pad), as yolo_npz.py writes
it. The metadata (names, stride, imgsz) is copied from a real Ultralytics export so that val reads the classes.
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

ANCHORS = 525
CLASSES = 3


def made_up_outputs(boxes, size, rng, ties):
    """[N, 4 + classes, anchors]: per image, jittered truths, duplicates, false positives, and low-score filler."""
    n = boxes.shape[0]
    out = np.zeros((n, 4 + CLASSES, ANCHORS), np.float32)
    for i in range(n):
        rows = []
        for c, cx, cy, w, h in boxes[i]:
            if c < 0:
                continue
            if rng.random() < 0.1:
                continue  # a missed box
            cls = int(c) if rng.random() < 0.85 else int(rng.integers(CLASSES))
            box = np.array([cx, cy, w, h]) * size
            jitter = rng.normal(0, 0.06, 4) * np.array([w, h, w, h]) * size
            score = rng.uniform(0.2, 0.97)
            rows.append((box + jitter, cls, score, int(rng.integers(CLASSES)) if rng.random() < 0.3 else None))
            if rng.random() < 0.5:  # a near duplicate, lower
                rows.append((box + rng.normal(0, 0.1, 4) * np.array([w, h, w, h]) * size, cls, score * 0.8, None))
        for _ in range(rng.integers(2, 12)):  # false positives of any score
            wh = rng.uniform(0.05, 0.4, 2) * size
            xy = rng.uniform(0, 1, 2) * size
            rows.append((np.concatenate([xy, wh]), int(rng.integers(CLASSES)), rng.uniform(0.0012, 0.7), None))
        for a, (box, cls, score, second) in enumerate(rows[:ANCHORS]):
            out[i, :4, a] = box
            out[i, 4 + cls, a] = score
            if second is not None and second != cls:
                out[i, 4 + second, a] = score * rng.uniform(0.05, 0.9)
        filler = slice(len(rows), ANCHORS)  # below the confidence threshold, and a few just above it
        out[i, :2, filler] = rng.uniform(0, size, (2, ANCHORS - len(rows)))
        out[i, 2:4, filler] = rng.uniform(4, size / 3, (2, ANCHORS - len(rows)))
        low = rng.uniform(0.0001, 0.001, (CLASSES, ANCHORS - len(rows)))
        above = rng.random(low.shape) < 0.1  # a tenth just above the confidence threshold
        low[above] = rng.uniform(0.001, 0.004, above.sum())
        if ties:  # scores to 4 decimals: many equal (real detectors' seldom are)
            low[above] = np.round(low[above], 4)
        out[i, 4:, filler] = low
    return out


def lookup_model(images, outputs, rng):
    n, _, s, _ = images.shape
    projection = rng.normal(0, 1, (3 * s * s, 16)).astype(np.float32)
    prints = (images.reshape(n, -1).astype(np.float32) / 255) @ projection
    nodes = [
        helper.make_node("Reshape", ["images", "flat_shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "projection"], ["print"]),
        helper.make_node("Sub", ["prints", "print"], ["difference"]),
        helper.make_node("Mul", ["difference", "difference"], ["squares"]),
        helper.make_node("ReduceSum", ["squares"], ["distance"], axes=[1], keepdims=0),
        helper.make_node("ArgMin", ["distance"], ["nearest"], axis=0, keepdims=1),
        helper.make_node("Gather", ["stored", "nearest"], ["output0"], axis=0),
    ]
    inits = [numpy_helper.from_array(np.array([1, -1], np.int64), "flat_shape"),
             numpy_helper.from_array(projection, "projection"),
             numpy_helper.from_array(prints.astype(np.float32), "prints"),
             numpy_helper.from_array(outputs, "stored")]
    graph = helper.make_graph(nodes, "lookup", [helper.make_tensor_value_info("images", TensorProto.FLOAT,
                                                                               [1, 3, s, s])],
                              [helper.make_tensor_value_info("output0", TensorProto.FLOAT,
                                                             [1, 4 + CLASSES, ANCHORS])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)], ir_version=7)


def main():
    ties = "--ties" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--ties"]
    if len(args) not in (3, 4):
        sys.exit(__doc__)
    data = np.load(args[0])
    rng = np.random.default_rng(int(args[3]) if len(args) == 4 else 0)
    images, boxes = data["x"], data["boxes"]
    model = lookup_model(images, made_up_outputs(boxes, images.shape[2], rng, ties), rng)
    for p in onnx.load(args[1]).metadata_props:
        model.metadata_props.add(key=p.key, value=p.value)
    onnx.checker.check_model(model)
    onnx.save(model, args[2])
    print(f"{args[2]}: {images.shape[0]} images' made-up detections")


if __name__ == "__main__":
    main()
