#!/usr/bin/env python3
"""Trains tiny Keras 3 models on examples/digits with the torch backend and writes each as Keras 3's own ONNX export
(model.export(path, format="onnx")) beside its .keras, for the cleaning pass (issues 55 and 56): the same network
saved both ways must read as the same dense chain.

  mlp   Input(64) -> Dense 32 relu -> BatchNormalization -> Dropout -> Dense 16 relu -> Dense 10 softmax
  cnn   Input(8,8,1) -> Rescaling(2, -1) -> Conv2D 8 3x3 same relu -> MaxPooling2D 2 -> Conv2D 16 3x3 valid relu
        -> Flatten -> Dense 32 relu -> Dropout -> Dense 10 softmax
(the architectures of scripts/corpus/export_keras3.py, which writes the other forms with the TensorFlow backend).
Keras 3.15 on torch writes a float->float Cast around most nodes and the BatchNormalization as Sub/Mul/Add of
[1, units] constants.

Writes into OUT (default $CORPUS/keras3-onnx, outside the repository), per model NAME: NAME.onnx, NAME.keras (the
same weights), NAME.json ({"test_metrics": {"accuracy": x}}), NAME.predictions.csv (Keras's predict of the test rows);
and once train.csv and test.csv (digits-train and digits-test as the tool reads them).

Usage: $PYTHON scripts/corpus/export_keras3_onnx.py [OUT] [--epochs N] [--only mlp|cnn]   (needs torch and onnxscript
in $PYTHON; a minute or two on 2 idle cores, 7 min for the MLP on 2 busy ones)
"""
import argparse
import json
import os
import sys
import time

os.environ["KERAS_BACKEND"] = "torch"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import keras  # noqa: E402

from keras3_digits import cnn, load, mlp  # noqa: E402  (beside this script)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=os.path.join(os.environ.get("CORPUS", "corpus"), "keras3-onnx"))
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--only", choices=["mlp", "cnn"], help="write this model alone")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(0)
    train_text, x_train, y_train = load("digits-train.csv.gz")
    test_text, x_test, y_test = load("digits-test.csv.gz")
    for name, text in [("train.csv", train_text), ("test.csv", test_text)]:
        with open(os.path.join(args.out, name), "w") as f:
            f.write(text)
    for name, model, flat in [("mlp", mlp(), True), ("cnn", cnn(), False)]:
        if args.only and name != args.only:
            continue
        started = time.time()
        xt, xs = (x_train, x_test) if flat else (x_train.reshape(-1, 8, 8, 1), x_test.reshape(-1, 8, 8, 1))
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(xt, y_train, epochs=args.epochs, batch_size=64, verbose=0)
        loss, accuracy = model.evaluate(xs, y_test, verbose=0)
        predictions = model.predict(xs, verbose=0)
        np.savetxt(os.path.join(args.out, name + ".predictions.csv"), predictions, delimiter=",", fmt="%.8g")
        model.save(os.path.join(args.out, name + ".keras"))
        model.export(os.path.join(args.out, name + ".onnx"), format="onnx", verbose=False)
        with open(os.path.join(args.out, name + ".json"), "w") as f:
            json.dump({"test_metrics": {"accuracy": float(accuracy)}, "epochs": args.epochs, "batch_size": 64,
                       "optimizer": "adam 0.01", "keras": keras.__version__, "backend": "torch",
                       "parameters": model.count_params()}, f, indent=1)
        print(f"{name}: test accuracy {accuracy:.4f}, {model.count_params()} parameters, {args.epochs} epochs, "
              f"{time.time() - started:.1f} s; written {name}.onnx, {name}.keras")
    return 0


if __name__ == "__main__":
    sys.exit(main())
