#!/usr/bin/env python3
"""Which labels a pruned YOLOv8 detector stops seeing, by size: a label is seen when the model scores its class at
least 0.25 at some anchor whose box overlaps it at IoU 0.5 or more (detector_misses.py's rule); prints the labels the
original sees and the pruned model does not (lost) and the other way (gained), their sizes in pixels (the square root
of the box's area) and classes, beside the quartiles of all labels' sizes. For docs/tasks/detector.md ("A second
YOLOv8n, trained on CPU").

Usage (needs onnxruntime and numpy; the input named `images`, square):
  python scripts/probes/detector_lost_sizes.py VAL.npz ORIGINAL.onnx PRUNED.onnx
"""
import os
import sys

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import detector_misses as dm  # noqa: E402


def best_scores(path, x, labels):
    """Per label: image, class, width, height (pixels) and the model's best score of its class over the anchors."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    side, rows = x.shape[-1], []
    for i in range(len(x)):
        o = s.run(None, {"images": x[i:i + 1].astype(np.float32) / 255})[0][0]
        g = labels[i][labels[i][:, 0] >= 0]
        gc = g[:, 0].astype(int)
        overlap = dm.iou(dm.corners(g[:, 1:] * side), dm.corners(o[:4].T)) >= dm.MATCH_IOU
        for j in range(len(g)):
            best = o[4 + gc[j]][overlap[j]].max() if overlap[j].any() else 0
            rows.append((i, gc[j], g[j, 3] * side, g[j, 4] * side, best))
    return np.array(rows)


def main():
    data = np.load(sys.argv[1])
    x, labels = data["x"], data["boxes"]
    a, b = best_scores(sys.argv[2], x, labels), best_scores(sys.argv[3], x, labels)
    lost = (a[:, 4] >= dm.CONF) & (b[:, 4] < dm.CONF)
    gained = (a[:, 4] < dm.CONF) & (b[:, 4] >= dm.CONF)
    size = np.sqrt(a[:, 2] * a[:, 3])
    print("labels %d, lost %d, gained %d" % (len(a), lost.sum(), gained.sum()))
    print("all labels' sizes (px), 10/25/50/75/90%:", np.percentile(size, [10, 25, 50, 75, 90]).round(1))
    for name, k in (("lost", lost), ("gained", gained), ("unseen by the original", a[:, 4] < dm.CONF)):
        print("%s: sizes %s, per class %s" % (name, np.sort(size[k]).round(1).tolist(),
                                               np.bincount(a[k, 1].astype(int), minlength=3).tolist()))


if __name__ == "__main__":
    main()
