#!/usr/bin/env python3
"""Exports the Keras 3 SavedModel corpus of issue 55: tiny models trained in seconds on examples/digits (8x8
images, 10 classes), each saved the two ways Keras 3 writes a SavedModel, `model.export(dir)` and
`tf.saved_model.save(model, dir)`, and as a `.keras` beside them for comparison.

    $PYTHON scripts/corpus/export_keras3_savedmodel.py [$CORPUS/keras3-savedmodel]

Writes, into the folder given (default $CORPUS/keras3-savedmodel):
    mlp_export/, mlp_saved/, mlp.keras      Dense, BatchNormalization, Dropout, softmax head (64 inputs)
    cnn_export/, cnn_saved/, cnn.keras      Rescaling, Conv2D, MaxPooling2D, Flatten, Dense head ([8, 8, 1] input)
    convs_export/, convs_saved/, convs.keras  Rescaling, Conv2D, BatchNormalization, Conv2D, GlobalAveragePooling2D,
                                            softmax Dense: dense
                                            blocks inside the backbone (conv, relu, conv), no hidden dense layer
    digits-train.csv, digits-test.csv       the rows trained on (examples/digits' 1000 mixer-train rows) and the
                                            test rows (pixels 0..1, label last)
    digits-holdout.csv                      validation rows the models never saw (graph sweeps need them)
    digits-*-cnn255.csv                     the same rows scaled to 0..255, which the CNNs' Rescaling expects
    expected.json                           each model's test accuracy in Keras and its output on the first rows

Nothing here is committed output; the folder is outside the repository. Seeded, but TensorFlow's CPU kernels may
still differ in the last bits between runs.
"""
import gzip
import json
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, "..", "..", "examples", "digits")


def read_digits(name):
    with gzip.open(os.path.join(DIGITS, name), "rt") as f:
        header = f.readline().strip()
        rows = np.loadtxt(f, delimiter=",", dtype=np.float32)
    return header, rows[:, :-1], rows[:, -1].astype(np.int64)


def mlp():
    return keras.Sequential([
        keras.Input(shape=(64,), name="pixels"),
        keras.layers.Dense(48, name="dense_1"),
        keras.layers.BatchNormalization(name="batch_norm"),
        keras.layers.Activation("relu", name="relu"),
        keras.layers.Dropout(0.2, name="dropout"),
        keras.layers.Dense(32, activation="relu", name="dense_2"),
        keras.layers.Dense(10, activation="softmax", name="classes"),
    ], name="digits_mlp")


def cnn():
    return keras.Sequential([
        keras.Input(shape=(8, 8, 1), name="image"),
        keras.layers.Rescaling(1.0 / 255, name="rescaling"),
        keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv"),
        keras.layers.MaxPooling2D(2, name="pool"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(32, activation="relu", name="dense_1"),
        keras.layers.Dense(10, activation="softmax", name="classes"),
    ], name="digits_cnn")


def convs():
    return keras.Sequential([
        keras.Input(shape=(8, 8, 1), name="image"),
        keras.layers.Rescaling(1.0 / 255, name="rescaling"),
        keras.layers.Conv2D(16, 3, padding="same", name="conv_1"),
        # Momentum 0.9: 16 batches an epoch leave Keras's default 0.99 far from the data's statistics.
        keras.layers.BatchNormalization(momentum=0.9, name="batch_norm"),
        keras.layers.Activation("relu", name="relu"),
        keras.layers.Conv2D(24, 3, padding="same", activation="relu", name="conv_2"),
        keras.layers.GlobalAveragePooling2D(name="pool"),
        keras.layers.Dense(10, activation="softmax", name="classes"),
    ], name="digits_convs")


def write_csv(path, header, x, y):
    with open(path, "w") as f:
        f.write(header + "\n")
        for row, label in zip(x, y):
            f.write(",".join("%.6g" % v for v in row) + ",%d\n" % label)


def train_and_save(name, model, x, y, x_test, y_test, out, expected):
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=15, batch_size=64, verbose=0)
    accuracy = float(model.evaluate(x_test, y_test, verbose=0)[1])
    model.export(os.path.join(out, name + "_export"), verbose=False)
    tf.saved_model.save(model, os.path.join(out, name + "_saved"))
    model.save(os.path.join(out, name + ".keras"))
    first = model.predict(x_test[:5], verbose=0)
    expected[name] = {"test_accuracy": accuracy, "first_rows": first.tolist()}
    print("%s: test accuracy %.4f; wrote %s_export, %s_saved, %s.keras" % (name, accuracy, name, name, name))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.environ.get("CORPUS", "corpus"), "keras3-savedmodel")
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(55)
    # The 1000 training rows of examples/digits' mixer split: its 438 holdout rows stay apart for validation.
    header, x, y = read_digits("digits-mixer-train.csv.gz")
    _, x_test, y_test = read_digits("digits-test.csv.gz")
    _, x_holdout, y_holdout = read_digits("digits-holdout.csv.gz")
    write_csv(os.path.join(out, "digits-holdout.csv"), header, x_holdout, y_holdout)
    write_csv(os.path.join(out, "digits-holdout-cnn255.csv"), header, x_holdout * 255, y_holdout)
    write_csv(os.path.join(out, "digits-train.csv"), header, x, y)
    write_csv(os.path.join(out, "digits-test.csv"), header, x_test, y_test)
    write_csv(os.path.join(out, "digits-train-cnn255.csv"), header, x * 255, y)
    write_csv(os.path.join(out, "digits-test-cnn255.csv"), header, x_test * 255, y_test)
    expected = {}
    train_and_save("mlp", mlp(), x, y, x_test, y_test, out, expected)
    images, images_test = (x * 255).reshape(-1, 8, 8, 1), (x_test * 255).reshape(-1, 8, 8, 1)
    train_and_save("cnn", cnn(), images, y, images_test, y_test, out, expected)
    train_and_save("convs", convs(), images, y, images_test, y_test, out, expected)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main()
