#!/usr/bin/python3
"""Writes the shapes dataset (make_shapes_yolo.py) as the arrays a user hands odf2nna-onnx, read as Ultralytics reads
them (RGB, /255; the images are already the model's 160x160, so no letterbox):

    /usr/bin/python3 scripts/corpus/shapes_to_npz.py --data $CORPUS/yolo/shapes

A third set of images nobody chooses on (issue 84's "images nobody chose on") is made the same way:

    /usr/bin/python3 scripts/corpus/make_shapes_yolo.py --out $CORPUS/yolo/shapes-test --train 0 --seed 85
    /usr/bin/python3 scripts/corpus/shapes_to_npz.py --data $CORPUS/yolo/shapes-test

Writes DATA/train-x.npz (`x` float32 [600, 3, 160, 160]) and DATA/val-x.npz (`x` float32 [150, 3, 160, 160] and
`boxes` float32 [150, 4, 5]: class, cx, cy, w, h normalised, padded with rows of -1).
"""
import argparse
import glob
import os

import cv2
import numpy as np


def split(data, name):
    files = sorted(glob.glob(os.path.join(data, "images", name, "*.png")))
    x = np.stack([cv2.imread(f)[:, :, ::-1].transpose(2, 0, 1) for f in files]).astype(np.float32) / 255.0
    boxes = np.full((len(files), 4, 5), -1, np.float32)
    for i, f in enumerate(files):
        label = f.replace(os.sep + "images" + os.sep, os.sep + "labels" + os.sep)[:-4] + ".txt"
        rows = [list(map(float, line.split())) for line in open(label) if line.strip()]
        boxes[i, :len(rows)] = rows
    return x, boxes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    a = ap.parse_args()
    if glob.glob(os.path.join(a.data, "images", "train", "*.png")):
        x, _ = split(a.data, "train")
        np.savez(os.path.join(a.data, "train-x.npz"), x=x)
    x, boxes = split(a.data, "val")
    np.savez(os.path.join(a.data, "val-x.npz"), x=x, boxes=boxes)
    print("wrote", a.data)


if __name__ == "__main__":
    main()
