#!/usr/bin/env python3
"""Where a pruned YOLOv8 detector's worse images come from: boxes missed or false ones added, against the original.

For each model, on labelled images (an .npz as `sweep` reads it: `x` [N, 3, H, W] uint8, `boxes` [N, M, 5] rows of
class, cx, cy, w, h normalised, padded with -1), one image a run in ONNX Runtime: the boxes scored at least 0.25,
per-class NMS at IoU 0.7 (Ultralytics' defaults), each matched greedily (highest score first) to an unmatched label of
its class at IoU at least 0.5; errors = labels missed + boxes unmatched. Prints, against the first model: images worse
(more errors) and better, the misses and false boxes in all, and how many labels the model scores below 0.1 and below
0.25 at every anchor whose box overlaps them at IoU 0.5 or more (a label the model cannot see, not one just under the
threshold). A second route beside the tool's own worse/better counts, not the same code: its counts come close to the
tool's, not equal (docs/tasks/detector.md, "The latency bar").

Usage (needs onnxruntime and numpy):
  python scripts/probes/detector_misses.py VAL.npz ORIGINAL.onnx PRUNED.onnx [...] [--images 2000]
"""
import argparse
import numpy as np, onnxruntime as ort

CONF, NMS_IOU, MATCH_IOU = 0.25, 0.7, 0.5


def corners(c):
    return np.stack([c[:, 0] - c[:, 2] / 2, c[:, 1] - c[:, 3] / 2, c[:, 0] + c[:, 2] / 2, c[:, 1] + c[:, 3] / 2], 1)


def iou(a, b):
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-9)


def detections(out):
    """Boxes (corners), scores and classes kept after the threshold and per-class NMS, best first."""
    a = out.T
    scores = a[:, 4:]
    cls, s = scores.argmax(1), scores.max(1)
    k = s >= CONF
    boxes, s, cls = corners(a[k, :4]), s[k], cls[k]
    order = np.argsort(-s)
    boxes, s, cls = boxes[order], s[order], cls[order]
    gone, keep = np.zeros(len(s), bool), []
    for i in range(len(s)):
        if not gone[i]:
            keep.append(i)
            if i + 1 < len(s):
                gone[i + 1:] |= (iou(boxes[i:i + 1], boxes[i + 1:])[0] > NMS_IOU) & (cls[i + 1:] == cls[i])
    return boxes[keep], s[keep], cls[keep]


def judged(out, labels, side):
    """(missed, false, labels unseen below 0.1, below 0.25) for one image."""
    boxes, _, cls = detections(out)
    g = labels[labels[:, 0] >= 0]
    gb, gc = corners(g[:, 1:] * side), g[:, 0].astype(int)
    used, false = np.zeros(len(g), bool), 0
    for i in range(len(boxes)):
        m = iou(boxes[i:i + 1], gb)[0] if len(gb) else np.zeros(0)
        m = np.where((gc == cls[i]) & ~used, m, 0)
        if len(m) and m.max() >= MATCH_IOU:
            used[m.argmax()] = True
        else:
            false += 1
    overlap = iou(gb, corners(out[:4].T)) >= MATCH_IOU
    best = [out[4 + gc[j]][overlap[j]].max() if overlap[j].any() else 0 for j in range(len(g))]
    best = np.array(best)
    return int((~used).sum()), false, int((best < 0.1).sum()), int((best < CONF).sum())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("npz")
    p.add_argument("models", nargs="+")
    p.add_argument("--images", type=int, default=None)
    a = p.parse_args()
    data = np.load(a.npz)
    x, labels = data["x"][:a.images], data["boxes"][:a.images]
    side = x.shape[-1]
    counts = {}
    for path in a.models:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 2
        s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        name = s.get_inputs()[0].name
        counts[path] = np.array([judged(s.run(None, {name: x[i:i + 1].astype(np.float32) / 255})[0][0], labels[i],
                                        side) for i in range(len(x))])
    base = counts[a.models[0]]
    print("%d images, %d labels" % (len(x), int((labels[..., 0] >= 0).sum())))
    for path in a.models:
        c = counts[path]
        errors, base_errors = c[:, 0] + c[:, 1], base[:, 0] + base[:, 1]
        print("%s: worse %d, better %d; missed %d, false %d; labels scored below 0.1: %d, below 0.25: %d"
              % (path, (errors > base_errors).sum(), (errors < base_errors).sum(), c[:, 0].sum(), c[:, 1].sum(),
                 c[:, 2].sum(), c[:, 3].sum()))


if __name__ == "__main__":
    main()
