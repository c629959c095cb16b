#!/usr/bin/python3
"""Writes a small synthetic three-class detection dataset in Ultralytics' layout (issue 84's data):

    /usr/bin/python3 scripts/corpus/make_shapes_yolo.py --out $CORPUS/yolo/shapes

Images are 160x160 RGB PNGs: a noisy background (a random base colour, a soft gradient and Gaussian noise) with 1 to 4
filled shapes, each of a random saturated colour, 18 to 56 px across, overlapping one another by at most a little:
class 0 circle, 1 square (axis-aligned or turned up to 30 degrees), 2 triangle. Labels are one `class cx cy w h` line
per shape, normalised to the image, the box being the shape's tight bounding box.

Writes into OUT: images/train (600), images/val (150), labels/train, labels/val, data.yaml (path, train, val, names),
and val.npz (`x` uint8 [150, 3, 160, 160] RGB, `boxes` float32 [150, 4, 5] rows of class, cx, cy, w, h, padded
with -1), the same validation images as arrays.
"""
import argparse
import math
import os

import cv2
import numpy as np

SIZE, NAMES = 160, ("circle", "square", "triangle")


def colour(rng, avoid=None):
    while True:
        hsv = np.uint8([[[rng.integers(0, 180), rng.integers(150, 256), rng.integers(150, 256)]]])
        c = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0].astype(int)
        if avoid is None or np.abs(c - avoid).sum() > 150:
            return tuple(int(v) for v in c)


def background(rng):
    base = rng.integers(30, 200, 3).astype(np.float32)
    gy, gx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE
    grad = (gx * rng.uniform(-40, 40) + gy * rng.uniform(-40, 40))[..., None]
    img = base + grad + rng.normal(0, 18, (SIZE, SIZE, 3))
    return np.clip(img, 0, 255).astype(np.uint8), base


def shape_points(kind, cx, cy, r, rng):
    if kind == 1:
        a = math.radians(rng.uniform(0, 30)) if rng.random() < 0.5 else 0.0
        pts = [(cx + r * math.cos(a + k * math.pi / 2 + math.pi / 4),
                cy + r * math.sin(a + k * math.pi / 2 + math.pi / 4)) for k in range(4)]
        return np.array(pts, np.float32)
    a = rng.uniform(0, 2 * math.pi)
    return np.array([(cx + r * math.cos(a + k * 2 * math.pi / 3), cy + r * math.sin(a + k * 2 * math.pi / 3))
                     for k in range(3)], np.float32)


def image(rng):
    img, base = background(rng)
    boxes = []
    for _ in range(rng.integers(1, 5)):
        for _try in range(30):
            kind = int(rng.integers(0, 3))
            r = rng.uniform(9, 28)
            cx, cy = rng.uniform(r + 2, SIZE - r - 2, 2)
            if kind == 0:
                x0, y0, x1, y1 = cx - r, cy - r, cx + r, cy + r
                pts = None
            else:
                pts = shape_points(kind, cx, cy, r, rng)
                x0, y0 = pts.min(0)
                x1, y1 = pts.max(0)
            if x0 < 0 or y0 < 0 or x1 > SIZE - 1 or y1 > SIZE - 1:
                continue
            if any(_iou((x0, y0, x1, y1), b[1:]) > 0.05 for b in boxes):
                continue
            c = colour(rng, base)
            if kind == 0:
                cv2.circle(img, (int(round(cx)), int(round(cy))), int(round(r)), c, -1, cv2.LINE_AA)
            else:
                cv2.fillPoly(img, [np.round(pts).astype(np.int32)], c, cv2.LINE_AA)
            boxes.append((kind, x0, y0, x1, y1))
            break
    noise = rng.normal(0, 6, img.shape)
    img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return img, boxes


def _iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--train", type=int, default=600)
    ap.add_argument("--val", type=int, default=150)
    ap.add_argument("--seed", type=int, default=84)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    val_x, val_boxes = [], []
    for split, n in (("train", a.train), ("val", a.val)):
        os.makedirs(os.path.join(a.out, "images", split), exist_ok=True)
        os.makedirs(os.path.join(a.out, "labels", split), exist_ok=True)
        for i in range(n):
            img, boxes = image(rng)
            name = f"{split}_{i:04d}"
            cv2.imwrite(os.path.join(a.out, "images", split, name + ".png"), img)
            rows = [(k, (x0 + x1) / 2 / SIZE, (y0 + y1) / 2 / SIZE, (x1 - x0) / SIZE, (y1 - y0) / SIZE)
                    for k, x0, y0, x1, y1 in boxes]
            with open(os.path.join(a.out, "labels", split, name + ".txt"), "w") as f:
                for r in rows:
                    f.write(f"{r[0]} {r[1]:.6f} {r[2]:.6f} {r[3]:.6f} {r[4]:.6f}\n")
            if split == "val":
                val_x.append(img[:, :, ::-1].transpose(2, 0, 1))
                padded = np.full((4, 5), -1, np.float32)
                padded[:len(rows)] = rows
                val_boxes.append(padded)
    with open(os.path.join(a.out, "data.yaml"), "w") as f:
        f.write(f"path: {os.path.abspath(a.out)}\ntrain: images/train\nval: images/val\nnames:\n")
        for i, n in enumerate(NAMES):
            f.write(f"  {i}: {n}\n")
    if val_x:  # --val 0 (a training set alone) has no validation arrays
        np.savez_compressed(os.path.join(a.out, "val.npz"), x=np.stack(val_x).astype(np.uint8),
                            boxes=np.stack(val_boxes))
    print("wrote", a.out)


if __name__ == "__main__":
    main()
