#!/usr/bin/env python3
"""A Keras user's MobileNetV2 with its rows saved as users save images (issue 82): np.savez_compressed of uint8
arrays, for the launcher's default heap.

The task: 10 classes of coloured shapes on a noisy background, 32x32x3 uint8 (NHWC). Each class is one shape (disc,
square, triangle, ring, cross, horizontal bar, vertical bar, diamond, X, frame), drawn at a random place and size in a
random colour; the background a shaded random hue with noise in 8x8 tiles. Labels 0..9, int64.

The model: Input(32,32,3) -> Rescaling(1/255) -> keras.applications.MobileNetV2(alpha, weights=None, classes=10) (the
Rescaling is the application's input_tensor, so the model is one flat functional model and the tool reads the uint8
values as they are), fitted EPOCHS epochs with Adam, its BatchNormalization statistics then recalibrated as in
keras_edge.py.

Writes into OUT (default ${CORPUS:-corpus}/mnv2u8, outside the repository):
  mnv2.keras       the model
  train.npz        x uint8 [TRAIN,32,32,3], y int64 (np.savez_compressed): 20,000 rows, 61 MB decoded, about 8 MB
  validation.npz   5,000 rows (the rows a sweep chooses on)
  report.npz       5,000 rows (the rows nobody chooses on)
  mnv2.json        accuracy on validation and report rows, parameters, seconds

Usage: nice -n 10 ${PYTHON:-python3} scripts/corpus/keras_mnv2_uint8.py [--out DIR] [--train N] [--epochs N]
       (about 5 minutes on 2 shared cores with the defaults)
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keras_edge import accuracy, recalibrate  # noqa: E402


def shapes(n, seed):
    """n images of the 10 shape classes, uint8 [n, 32, 32, 3], and their labels."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:32, 0:32]
    x = np.empty((n, 32, 32, 3), np.uint8)
    y = rng.integers(0, 10, n)
    for i in range(n):
        # A shaded background with noise in 8x8 tiles: the arrays compress about 7 times, as photos of few
        # colours do (per-pixel noise would not compress at all).
        background = (rng.uniform(0, 90, 3)[None, None, :] + rng.uniform(-40, 40, 3)[None, None, :] * yy[..., None] / 31
                      + np.kron(rng.normal(0, 10, (4, 4, 3)), np.ones((8, 8, 1))))
        colour = rng.uniform(120, 255, 3)
        r = rng.uniform(5, 10)
        cy, cx = rng.uniform(r + 1, 31 - r, 2)
        dy, dx = yy - cy, xx - cx
        k = y[i]
        if k == 0:
            mask = dy ** 2 + dx ** 2 <= r ** 2
        elif k == 1:
            mask = (abs(dy) <= r * 0.8) & (abs(dx) <= r * 0.8)
        elif k == 2:
            mask = (dy <= r * 0.7) & (dy >= -r) & (abs(dx) <= (dy + r) * 0.6)
        elif k == 3:
            mask = (dy ** 2 + dx ** 2 <= r ** 2) & (dy ** 2 + dx ** 2 >= (r * 0.6) ** 2)
        elif k == 4:
            mask = ((abs(dy) <= r) & (abs(dx) <= r * 0.25)) | ((abs(dx) <= r) & (abs(dy) <= r * 0.25))
        elif k == 5:
            mask = (abs(dy) <= r * 0.3) & (abs(dx) <= r)
        elif k == 6:
            mask = (abs(dx) <= r * 0.3) & (abs(dy) <= r)
        elif k == 7:
            mask = abs(dy) + abs(dx) <= r
        elif k == 8:
            mask = ((abs(dy - dx) <= r * 0.3) | (abs(dy + dx) <= r * 0.3)) & (abs(dy) <= r) & (abs(dx) <= r)
        else:
            mask = (abs(dy) <= r) & (abs(dx) <= r) & ~((abs(dy) <= r * 0.6) & (abs(dx) <= r * 0.6))
        image = background
        image[mask] = colour
        x[i] = np.clip(image, 0, 255).astype(np.uint8)
    return x, y.astype(np.int64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.environ.get("CORPUS", "corpus"), "mnv2u8"))
    ap.add_argument("--train", type=int, default=20000)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--alpha", type=float, default=0.35)
    a = ap.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(0)
    os.makedirs(a.out, exist_ok=True)
    xt, yt = shapes(a.train, 1)
    xv, yv = shapes(5000, 2)
    xr, yr = shapes(5000, 3)
    for name, x, y in (("train", xt, yt), ("validation", xv, yv), ("report", xr, yr)):
        np.savez_compressed(os.path.join(a.out, name + ".npz"), x=x, y=y)
    started = time.time()
    inputs = keras.Input((32, 32, 3), name="image")
    scaled = layers.Rescaling(1 / 255.0, name="rescaling")(inputs)
    model = keras.applications.MobileNetV2(alpha=a.alpha, weights=None, input_tensor=scaled, classes=10)
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(xt, yt, batch_size=64, epochs=a.epochs, verbose=2)
    recalibrate(model, xt)
    seconds = time.time() - started
    model.save(os.path.join(a.out, "mnv2.keras"))
    info = {"parameters": int(model.count_params()), "alpha": a.alpha, "train_rows": a.train, "epochs": a.epochs,
            "seconds": round(seconds, 1), "keras": keras.__version__, "tensorflow": tf.__version__,
            "validation_accuracy": accuracy(model, xv, yv), "report_accuracy": accuracy(model, xr, yr)}
    with open(os.path.join(a.out, "mnv2.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(info, flush=True)


if __name__ == "__main__":
    main()
