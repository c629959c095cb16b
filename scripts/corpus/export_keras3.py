#!/usr/bin/env python3
"""Trains tiny Keras 3 models on examples/digits (8x8 images, 10 classes) and saves each in every form Keras 3 offers
(issue 55), for the Keras readers' integration tests and checks.

  mlp       Input(64) -> Dense 32 relu -> BatchNormalization -> Dropout -> Dense 16 relu -> Dense 10 softmax
  cnn       Input(8,8,1) -> Rescaling(2, -1) -> Conv2D 8 3x3 same relu -> MaxPooling2D 2 -> Conv2D 16 3x3 valid relu
            -> Flatten -> Dense 32 relu -> Dropout -> Dense 10 softmax
  residual  functional: Input(8,8,1) -> Normalization (adapted) -> Conv2D 8 3x3 same relu -> Conv2D 8 3x3 same
            -> Add with the first -> ReLU -> Concatenate with the Normalization's output -> AveragePooling2D 2
            -> Flatten -> Dense 24 relu -> Dense 10 softmax
  layers    untrained (seeded weights), only to check the reading against Keras: DepthwiseConv2D, SeparableConv2D,
            ZeroPadding2D, BatchNormalization on maps, GlobalMax/GlobalAverage pooling, Reshape, Conv1D with dilation,
            MaxPooling1D, AveragePooling1D, LeakyReLU, the activations (gelu, swish, elu, selu, softplus, relu6,
            hard_sigmoid, hard_silu, tanh, sigmoid), Dense over the last axis of a 3-D tensor
The images are the rows' 64 columns as they come (pixel0..pixel63, values 0..1), read as [8, 8, 1] (row-major).

Writes into OUT (default $CORPUS/keras3, $CORPUS being ./corpus when unset), per model NAME:
  NAME.keras      model.save (Keras 3 zip)
  NAME.h5         model.save (legacy HDF5)
  NAME_export/    model.export(dir) SavedModel
  NAME.onnx       model.export(path, format="onnx") where it works in this $PYTHON (it needs tf2onnx; said if not)
  NAME.json       {"test_metrics": {"accuracy": x}} and how it was trained
  NAME.predictions.csv   Keras's own predict() of the test rows (one row per test row)
and once: train.csv, test.csv (digits-train and digits-test, the CSV the tool reads), forms.json (what was written,
what failed and why).

Usage: $PYTHON scripts/corpus/export_keras3.py [OUT] [--epochs N]   (about a minute on 2 cores)
"""
import argparse
import json
import os
import shutil
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

from keras3_digits import cnn, load, mlp  # noqa: E402  (beside this script)


def residual(images):
    inputs = keras.Input((8, 8, 1), name="image")
    norm = layers.Normalization()
    norm.adapt(images)
    x = norm(inputs)
    a = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    b = layers.Conv2D(8, 3, padding="same")(a)
    y = layers.ReLU()(layers.Add()([a, b]))
    y = layers.Concatenate()([y, x])
    y = layers.AveragePooling2D(2)(y)
    y = layers.Flatten()(y)
    y = layers.Dense(24, activation="relu")(y)
    outputs = layers.Dense(10, activation="softmax")(y)
    return keras.Model(inputs, outputs, name="residual")


def zoo():
    """Layers the reader translates, each once; random weights (nothing to learn, only to compare)."""
    inputs = keras.Input((8, 8, 1), name="image")
    x = layers.ZeroPadding2D(((1, 0), (0, 1)))(inputs)
    x = layers.Conv2D(6, 3, strides=2, padding="same", use_bias=False, activation="gelu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="swish")(x)
    x = layers.SeparableConv2D(8, 2, padding="valid", activation="elu", dilation_rate=1)(x)
    x = layers.LeakyReLU(negative_slope=0.1)(x)
    g1 = layers.GlobalAveragePooling2D()(x)
    g2 = layers.GlobalMaxPooling2D()(x)
    s = layers.Reshape((8, 8))(inputs)
    s = layers.Conv1D(6, 3, dilation_rate=2, padding="same", activation="selu")(s)
    s = layers.MaxPooling1D(2)(s)
    s = layers.AveragePooling1D(2, padding="same")(s)
    s = layers.Dense(5, activation="softplus")(s)
    s = layers.Activation("relu6")(s)
    s = layers.Flatten()(s)
    y = layers.Concatenate()([g1, g2, s])
    y = layers.Dense(12, activation="hard_sigmoid")(y)
    y = layers.Dense(12, activation="hard_silu")(y)
    y = layers.Dense(12, activation="tanh")(y)
    y = layers.Dense(8, activation="sigmoid")(y)
    outputs = layers.Softmax()(layers.Dense(10)(y))
    model = keras.Model(inputs, outputs, name="layers")
    rng = np.random.default_rng(0)
    model.set_weights([(rng.standard_normal(w.shape) * 0.5).astype(np.float32) if "variance" not in v.path
                       else rng.uniform(0.5, 2.0, w.shape).astype(np.float32)
                       for w, v in zip(model.get_weights(), model.weights)])
    return model


def save_forms(model, name, out, forms):
    written, failed = [], {}
    model.save(os.path.join(out, name + ".keras"))
    written.append(name + ".keras")
    model.save(os.path.join(out, name + ".h5"))
    written.append(name + ".h5")
    export_dir = os.path.join(out, name + "_export")
    shutil.rmtree(export_dir, ignore_errors=True)
    try:
        model.export(export_dir, verbose=False)
        written.append(name + "_export/")
    except Exception as e:  # noqa: BLE001 - recorded, not fatal
        failed[name + "_export/"] = str(e).splitlines()[0]
    try:
        model.export(os.path.join(out, name + ".onnx"), format="onnx", verbose=False)
        written.append(name + ".onnx")
    except Exception as e:  # noqa: BLE001
        failed[name + ".onnx"] = (type(e).__name__ + ": " + str(e)).splitlines()[0]
    forms[name] = {"written": written, "failed": failed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=os.path.join(os.environ.get("CORPUS", "corpus"), "keras3"))
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(0)
    train_text, x_train, y_train = load("digits-train.csv.gz")
    test_text, x_test, y_test = load("digits-test.csv.gz")
    with open(os.path.join(args.out, "train.csv"), "w") as f:
        f.write(train_text)
    with open(os.path.join(args.out, "test.csv"), "w") as f:
        f.write(test_text)
    images_train, images_test = x_train.reshape(-1, 8, 8, 1), x_test.reshape(-1, 8, 8, 1)
    forms = {}
    for name, model, flat in [("mlp", mlp(), True), ("cnn", cnn(), False), ("residual", residual(images_train), False),
                              ("layers", zoo(), False)]:
        started = time.time()
        xt, xs = (x_train, x_test) if flat else (images_train, images_test)
        epochs = 0 if name == "layers" else args.epochs
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        if epochs:
            model.fit(xt, y_train, epochs=epochs, batch_size=64, verbose=0)
        loss, accuracy = model.evaluate(xs, y_test, verbose=0)
        predictions = model.predict(xs, verbose=0)
        np.savetxt(os.path.join(args.out, name + ".predictions.csv"), predictions, delimiter=",", fmt="%.8g")
        save_forms(model, name, args.out, forms)
        with open(os.path.join(args.out, name + ".json"), "w") as f:
            json.dump({"test_metrics": {"accuracy": float(accuracy)}, "epochs": epochs, "batch_size": 64,
                       "optimizer": "adam 0.01", "keras": keras.__version__, "parameters": model.count_params(),
                       "input": "8x8x1 image from the 64 pixel columns" if not flat else "64 pixel columns"}, f,
                      indent=1)
        print(f"{name}: test accuracy {accuracy:.4f}, {model.count_params()} parameters, {epochs} epochs, "
              f"{time.time() - started:.1f} s; written {', '.join(forms[name]['written'])}"
              + "".join(f"; {k} not written: {v}" for k, v in forms[name]["failed"].items()))
    with open(os.path.join(args.out, "forms.json"), "w") as f:
        json.dump(forms, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
