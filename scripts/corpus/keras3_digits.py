"""The digits rows and the two small Keras 3 models that scripts/corpus/export_keras3.py (TensorFlow backend: every
form Keras 3 saves) and export_keras3_onnx.py (torch backend: Keras 3's own ONNX export) both train: one definition,
so that the two corpora hold the same networks. Import it after choosing the backend (KERAS_BACKEND)."""
import gzip
import os

import numpy as np
import keras
from keras import layers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(name):
    path = os.path.join(ROOT, "examples", "digits", name)
    with gzip.open(path, "rt") as f:
        text = f.read()
    a = np.loadtxt(text.splitlines()[1:], delimiter=",", dtype=np.float32)
    return text, a[:, :-1], a[:, -1].astype(np.int64)


def mlp():
    return keras.Sequential([
        keras.Input((64,), name="pixels"),
        layers.Dense(32, activation="relu"),
        layers.BatchNormalization(),
        layers.Dropout(0.2),
        layers.Dense(16, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], name="mlp")


def cnn():
    return keras.Sequential([
        keras.Input((8, 8, 1), name="image"),
        layers.Rescaling(2.0, offset=-1.0),
        layers.Conv2D(8, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(16, 3, padding="valid", activation="relu"),
        layers.Flatten(),
        layers.Dense(32, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ], name="cnn")
