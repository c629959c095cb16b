#!/usr/bin/python3
"""Writes an Ultralytics dataset's split (data.yaml: path, train, val, names; images/ and labels/ folders, one
`class cx cy w h` line per box) as the .npz archive `odf2nna-onnx eval --task detect` reads: images `x` [N, 3, S, S]
uint8 RGB, letterboxed to S as Ultralytics' val loads them (long side resized to S, gray 114 around, centred), and
`boxes` [N, M, 5] rows (class, cx, cy, w, h) normalised to the letterboxed image, padded with rows of -1.

    python3 scripts/corpus/yolo_npz.py data.yaml val 160 OUT.npz

Needs numpy, OpenCV (cv2) and PyYAML (an Ultralytics environment has them).
"""
import math
import sys
from pathlib import Path

import cv2
import numpy as np
import yaml

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


def split_images(data_yaml, split):
    spec = yaml.safe_load(Path(data_yaml).read_text())
    root = Path(spec.get("path") or Path(data_yaml).parent)
    if not root.is_absolute():
        root = Path(data_yaml).parent / root
    where = root / spec[split]
    if where.is_file():  # a list of image paths
        return [Path(p if Path(p).is_absolute() else root / p) for p in where.read_text().split()]
    return sorted(p for p in where.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def label_file(image):
    # Ultralytics' rule: the last /images/ in the path becomes /labels/, the suffix .txt.
    parts = str(image).rsplit(f"{Path('/images/')}", 1)
    return Path(f"{Path('/labels/')}".join(parts)).with_suffix(".txt")


def read_boxes(image):
    f = label_file(image)
    if not f.exists():
        return np.zeros((0, 5), np.float32)
    rows = [line.split() for line in f.read_text().strip().splitlines() if line.strip()]
    return np.array(rows, dtype=np.float32).reshape(-1, 5)


def letterboxed(image, boxes, size):
    """The image resized (long side to size) and padded to size x size, and its boxes moved with it (normalised)."""
    bgr = cv2.imread(str(image))
    if bgr is None:
        sys.exit(f"{image}: cannot be read as an image")
    h0, w0 = bgr.shape[:2]
    r = size / max(h0, w0)
    if r != 1:
        bgr = cv2.resize(bgr, (min(math.ceil(w0 * r), size), min(math.ceil(h0 * r), size)),
                         interpolation=cv2.INTER_LINEAR)
    h, w = bgr.shape[:2]
    dw, dh = (size - w) / 2, (size - h) / 2
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    bgr = cv2.copyMakeBorder(bgr, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))
    moved = boxes.copy()
    moved[:, 1] = (boxes[:, 1] * w + dw) / size
    moved[:, 2] = (boxes[:, 2] * h + dh) / size
    moved[:, 3] = boxes[:, 3] * w / size
    moved[:, 4] = boxes[:, 4] * h / size
    if (h, w, top, left) == (size, size, 0, 0):
        moved = boxes  # as written, no rounding
    return bgr[:, :, ::-1].transpose(2, 0, 1), moved


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    data_yaml, split, size, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    images = split_images(data_yaml, split)
    if not images:
        sys.exit(f"{data_yaml}: split '{split}' has no images")
    pairs = [letterboxed(p, read_boxes(p), size) for p in images]
    most = max(1, max(len(b) for _, b in pairs))
    x = np.stack([im for im, _ in pairs]).astype(np.uint8)
    boxes = np.full((len(pairs), most, 5), -1, np.float32)
    for i, (_, b) in enumerate(pairs):
        boxes[i, :len(b)] = b
    np.savez(out, x=x, boxes=boxes)
    print(f"{out}: {len(images)} images {x.shape[2]}x{x.shape[3]}, {sum(len(b) for _, b in pairs)} boxes")


if __name__ == "__main__":
    main()
