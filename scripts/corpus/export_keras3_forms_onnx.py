#!/usr/bin/env python3
"""Keras 3's own ONNX export of the corpus that export_keras3.py wrote, so one model exists in all four forms.

export_keras3.py writes each model as .keras, .h5 and model.export() SavedModel; its ONNX export needs tf2onnx under
the TensorFlow backend. Under the torch backend Keras 3 exports through torch.onnx instead, so this script loads each
.keras file there, calls it once (Keras refuses to export a model never called) and writes NAME.onnx.

    KERAS_BACKEND is set here; run with a $PYTHON that has keras 3, torch and onnx:
    $PYTHON scripts/corpus/export_keras3_forms_onnx.py [--corpus $CORPUS/keras3] [--out DIR]
"""
import argparse
import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    corpus = os.environ.get("CORPUS", "corpus")
    parser.add_argument("--corpus", default=os.path.join(corpus, "keras3"), help="the folder export_keras3.py wrote")
    parser.add_argument("--out", default=os.path.join(corpus, "keras3-forms"), help="where NAME.onnx goes")
    parser.add_argument("--models", default="mlp,cnn")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = np.loadtxt(os.path.join(args.corpus, "test.csv"), delimiter=",", skiprows=1, dtype="float32")[:8, :-1]
    for name in args.models.split(","):
        model = keras.models.load_model(os.path.join(args.corpus, name + ".keras"))
        shape = tuple(model.inputs[0].shape[1:])
        model.predict(rows.reshape((-1,) + shape), verbose=0)
        target = os.path.join(args.out, name + ".onnx")
        model.export(target, format="onnx")
        print("wrote", target)


if __name__ == "__main__":
    main()
