#!/work/pyenv/bin/python
"""Tiny keras.applications models for the tests (issue 70): the layer patterns of the edge corpus
(scripts/corpus/keras_edge.py) at the smallest width Keras builds, on 32x32x3 inputs, untrained (seeded weights,
BatchNormalization statistics made non-trivial so that folding them is tested).

  mnv2_tiny.keras     Input -> Rescaling(1/255) -> MobileNetV2(alpha=0.1, weights=None, classes=4)
  mnv2_head_tiny.keras  the same backbone without top -> GlobalAveragePooling2D -> Dense 8 relu -> Dense 4 softmax
  mnv3s_tiny.keras    MobileNetV3Small(alpha=0.25, minimalistic=False, include_preprocessing=True, classes=4)
  mnv3s_min_tiny.keras  MobileNetV3Small(alpha=0.25, minimalistic=True, include_preprocessing=False, classes=4)
  rows_tiny.npz       x: 48 random images [48, 32, 32, 3] (0..255, float32), y: the mnv2_tiny model's own classes
  *.predictions.npy   each model's Keras predict() of rows_tiny's x

Writes into OUT (default library/src/test/resources/keras-edge).
Usage: /work/pyenv/bin/python scripts/corpus/keras_edge_tiny.py [OUT]   (half a minute)
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402


def stats(model, rng):
    for l in model.layers:
        if isinstance(l, layers.BatchNormalization):
            n = l.moving_mean.shape[0]
            l.gamma.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
            l.beta.assign(rng.normal(0, 0.1, n).astype("float32"))
            l.moving_mean.assign(rng.normal(0, 0.1, n).astype("float32"))
            l.moving_variance.assign(rng.uniform(0.5, 2, n).astype("float32"))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                              "../../library/src/test/resources/keras-edge")
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (48, 32, 32, 3)).astype("float32")
    models = {}
    inputs = keras.Input((32, 32, 3), name="image")
    r = layers.Rescaling(1 / 255.0, name="rescaling")(inputs)
    models["mnv2_tiny"] = keras.applications.MobileNetV2(alpha=0.1, weights=None, input_tensor=r, classes=4)
    inputs = keras.Input((32, 32, 3), name="image")
    r = layers.Rescaling(1 / 255.0, name="rescaling")(inputs)
    base = keras.applications.MobileNetV2(alpha=0.1, weights=None, input_tensor=r, include_top=False)
    y = layers.GlobalAveragePooling2D(name="pool")(base.output)
    y = layers.Dense(8, activation="relu", name="hidden")(y)
    y = layers.Dense(4, activation="softmax", name="classes")(y)
    models["mnv2_head_tiny"] = keras.Model(inputs, y, name="mnv2_head_tiny")
    models["mnv3s_tiny"] = keras.applications.MobileNetV3Small(input_shape=(32, 32, 3), alpha=0.25, weights=None,
                                                               classes=4, minimalistic=False,
                                                               include_preprocessing=True)
    inputs = keras.Input((32, 32, 3), name="image")
    r = layers.Rescaling(1 / 255.0, name="rescaling")(inputs)
    models["mnv3s_min_tiny"] = keras.applications.MobileNetV3Small(input_tensor=r, alpha=0.25, weights=None,
                                                                   classes=4, minimalistic=True,
                                                                   include_preprocessing=False)
    labels = None
    for name, model in models.items():
        stats(model, rng)
        p = model.predict(x, verbose=0)
        if labels is None:
            labels = p.argmax(1)
        model.save(os.path.join(out, name + ".keras"))
        np.save(os.path.join(out, name + ".predictions.npy"), p)
        print(name, model.count_params(), os.path.getsize(os.path.join(out, name + ".keras")))
    np.savez_compressed(os.path.join(out, "rows_tiny.npz"), x=x, y=labels)


if __name__ == "__main__":
    main()
