#!/usr/bin/env python3
"""Keras edge models as users make them (issue 70): keras.applications backbones on MNIST padded to 32x32x3.

  mnv2        Input(32,32,3) -> Rescaling(1/255) -> MobileNetV2(alpha=0.35, weights=None, classes=10) (the Rescaling
              is the application's input_tensor, so the model is one flat functional model); trained
  mnv2_head   the same backbone (include_top=False) -> GlobalAveragePooling2D -> Dense 64 relu -> Dropout 0.2
              -> Dense 10 softmax (a transfer-learning head): mnv2's trained backbone weights, fitted 2 epochs
  mnv3s       MobileNetV3Small(alpha=1, minimalistic=False, include_preprocessing=True, weights=None, classes=10)
  mnv3s_min   MobileNetV3Small(minimalistic=True, include_preprocessing=False) with a Rescaling(1/255) in front
  effb0       EfficientNetB0(weights=None, classes=10) (its own Rescaling and Normalization in front)
  Each is fitted with Adam, then its BatchNormalization statistics are recalibrated (forward passes in training mode;
  the config keeps its momentum). The last three are trained lightly (--light-rows rows, one epoch): enough to read and sweep, not to compare.

The rows: mnist-train/-test CSV pixels (0..255) as [28, 28] images, zero-padded to 32x32, the one channel repeated
three times, float32 0..255 (NHWC, as Keras reads them), labels 0..9; written as .npz (x, y) the tool reads:
  train.npz        mnist-train rows 0..TRAIN-1 (the rows every model above was trained on, and the tool retrains on)
  validation.npz   mnist-test rows 0..4999 (the rows a sweep chooses on)
  report.npz       mnist-test rows 5000..9999 (the rows nobody chooses on)
  tiny-*.npz       the first 200 rows of each, for quick checks

Writes into OUT (default ${CORPUS:-corpus}/keras, outside the repository), per model NAME:
  NAME.keras, NAME.h5, NAME_export/ (model.export SavedModel), NAME.json (accuracy on validation and report rows,
  parameters, seconds)

Usage: nice -n 10 ${PYTHON:-python3} scripts/corpus/keras_edge.py [--out DIR] [--train N] [--epochs N]
       (about 20-30 minutes on 2 shared cores with the defaults)
"""
import argparse
import gzip
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402


def load(path, limit=None):
    rows = []
    with gzip.open(path, "rt") as f:
        f.readline()
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                break
            rows.append(np.array(line.split(","), dtype=np.float32))
    a = np.stack(rows)
    return a[:, :-1], a[:, -1].astype(np.int64)


def images(pixels):
    x = pixels.reshape(-1, 28, 28)
    x = np.pad(x, ((0, 0), (2, 2), (2, 2)))
    return np.repeat(x[..., None], 3, axis=-1).astype(np.float32)


def mnv2(head):
    inputs = keras.Input((32, 32, 3), name="image")
    x = layers.Rescaling(1 / 255.0, name="rescaling")(inputs)
    if not head:
        return keras.applications.MobileNetV2(alpha=0.35, weights=None, input_tensor=x, classes=10)
    base = keras.applications.MobileNetV2(alpha=0.35, weights=None, input_tensor=x, include_top=False)
    y = layers.GlobalAveragePooling2D(name="pool")(base.output)
    y = layers.Dense(64, activation="relu", name="hidden")(y)
    y = layers.Dropout(0.2, name="dropout")(y)
    y = layers.Dense(10, activation="softmax", name="classes")(y)
    return keras.Model(inputs, y, name="mnv2_head")


def mnv3s(minimalistic):
    if not minimalistic:
        return keras.applications.MobileNetV3Small(input_shape=(32, 32, 3), weights=None, classes=10,
                                                   minimalistic=False, include_preprocessing=True)
    inputs = keras.Input((32, 32, 3), name="image")
    x = layers.Rescaling(1 / 255.0, name="rescaling")(inputs)
    return keras.applications.MobileNetV3Small(input_tensor=x, weights=None, classes=10, minimalistic=True,
                                               include_preprocessing=False)


def effb0():
    return keras.applications.EfficientNetB0(input_shape=(32, 32, 3), weights=None, classes=10)


def recalibrate(model, x, batches=60, batch=128):
    """The BatchNormalization statistics brought up to the trained weights: a short fit leaves them near their start
    under Keras' momentum 0.99/0.999; forward passes in training mode with momentum 0.9 (restored after) fix that."""
    norms = [l for l in model.layers if isinstance(l, layers.BatchNormalization)]
    kept = [l.momentum for l in norms]
    for l in norms:
        l.momentum = 0.9
    rng = np.random.default_rng(0)
    for _ in range(batches):
        model(x[rng.choice(len(x), batch, replace=False)], training=True)
    for l, m in zip(norms, kept):
        l.momentum = m


def accuracy(model, x, y):
    p = model.predict(x, batch_size=256, verbose=0)
    return float((p.argmax(1) == y).mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    ap.add_argument("--out", default=os.path.join(os.environ.get("CORPUS", "corpus"), "keras"))
    ap.add_argument("--train", type=int, default=12000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--light-rows", type=int, default=4000)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(0)
    os.makedirs(a.out, exist_ok=True)
    tp, ty = load(os.path.join(a.data, "mnist-train.csv.gz"), a.train)
    sp, sy = load(os.path.join(a.data, "mnist-test.csv.gz"))
    xt, xv, xr = images(tp), images(sp[:5000]), images(sp[5000:])
    yv, yr = sy[:5000], sy[5000:]
    for name, x, y in (("train", xt, ty), ("validation", xv, yv), ("report", xr, yr)):
        np.savez_compressed(os.path.join(a.out, name + ".npz"), x=x, y=y)
        np.savez_compressed(os.path.join(a.out, "tiny-" + name + ".npz"), x=x[:200], y=y[:200])
    builds = {"mnv2": (lambda: mnv2(False), a.epochs, a.train), "mnv2_head": (lambda: mnv2(True), 2, a.train),
              "mnv3s": (lambda: mnv3s(False), 1, a.light_rows), "mnv3s_min": (lambda: mnv3s(True), 1, a.light_rows),
              "effb0": (effb0, 1, a.light_rows)}
    trained = {}
    for name, (build, epochs, rows) in builds.items():
        if a.only and name not in a.only.split(","):
            continue
        keras.utils.set_random_seed(0)
        started = time.time()
        model = build()
        if name == "mnv2_head" and trained.get("mnv2") is not None:
            # Transfer learning as users do it: the trained backbone's weights, a new head, a short fit.
            for layer in model.layers:
                try:
                    source = trained["mnv2"].get_layer(layer.name)
                except ValueError:
                    continue
                if source.get_weights() and [w.shape for w in source.get_weights()] == [
                        w.shape for w in layer.get_weights()]:
                    layer.set_weights(source.get_weights())
        model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(xt[:rows], ty[:rows], batch_size=64, epochs=epochs, verbose=2)
        recalibrate(model, xt[:rows])
        seconds = time.time() - started
        model.save(os.path.join(a.out, name + ".keras"))
        model.save(os.path.join(a.out, name + ".h5"))
        model.export(os.path.join(a.out, name + "_export"))
        info = {"parameters": int(model.count_params()), "train_rows": rows, "epochs": epochs,
                "seconds": round(seconds, 1), "keras": keras.__version__, "tensorflow": tf.__version__,
                "validation_accuracy": accuracy(model, xv, yv), "report_accuracy": accuracy(model, xr, yr)}
        info["test_metrics"] = {"accuracy": info["report_accuracy"]}
        trained[name] = model
        with open(os.path.join(a.out, name + ".json"), "w") as f:
            json.dump(info, f, indent=1)
        print(name, info, flush=True)


if __name__ == "__main__":
    main()
