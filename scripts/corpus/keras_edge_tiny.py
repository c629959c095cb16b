#!/usr/bin/env python3
"""Tiny Keras models for the tests (issue 70), built from keras.applications' own blocks so that their layers are the
edge corpus' (scripts/corpus/keras_edge.py), on 16x16x3 images; untrained (seeded weights, BatchNormalization
statistics made non-trivial so that folding them is tested), a few kB each.

  mnv2_tiny.keras       Input -> Rescaling(1/255) -> Conv2D 8 3x3/2 + BN + ReLU6 -> MobileNetV2 inverted residual
                        blocks (expansion 1; expansion 3 stride 2 with its ZeroPadding2D; expansion 3 with the residual
                        Add) -> Conv2D 32 1x1 + BN + ReLU6 -> GlobalAveragePooling2D -> Dense 4 softmax
  mnv2_head_tiny.keras  the same backbone -> GlobalAveragePooling2D -> Dense 8 relu -> Dropout -> Dense 4 softmax
  mnv3_tiny.keras       Input -> Rescaling(1/127.5, -1) -> Conv2D 8 3x3/2 + BN + hard_swish -> MobileNetV3 inverted
                        residual blocks (squeeze-excite with hard-sigmoid: the `x + 3.0` and `* (1/6)` operations on
                        constants; relu and hard_swish) -> Conv2D 24 1x1 + BN + hard_swish -> GlobalAveragePooling2D
                        (keepdims) -> Conv2D 32 1x1 + hard_swish -> Conv2D 4 1x1 (logits) -> Flatten -> softmax
  rows_tiny.npz         x: 32 images [32, 16, 16, 3] (0..255, float32), y: mnv2_tiny's own classes
  rows_tiny_b.npz       another 32 such images (y: mnv2_tiny's classes): rows kept apart from rows_tiny
  NAME.predictions.npy  each model's Keras predict() of rows_tiny's x
  mnv2_tiny.h5          mnv2_tiny.keras loaded and saved again as a legacy HDF5 file (model.save("x.h5")); with
                        --h5-only, only this file is made from the committed mnv2_tiny.keras

Writes into OUT (default library/src/test/resources/keras-edge).
Usage: ${PYTHON:-python3} scripts/corpus/keras_edge_tiny.py [OUT]   (half a minute)
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402
from keras.src.applications import mobilenet_v2, mobilenet_v3  # noqa: E402


def stats(model, rng):
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            n = layer.moving_mean.shape[0]
            layer.gamma.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
            layer.beta.assign(rng.normal(0, 0.1, n).astype("float32"))
            layer.moving_mean.assign(rng.normal(0, 0.1, n).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2, n).astype("float32"))


def mnv2_backbone():
    inputs = keras.Input((16, 16, 3), name="image")
    x = layers.Rescaling(1 / 255.0, name="rescaling")(inputs)
    x = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False, name="Conv1")(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    x = mobilenet_v2._inverted_res_block(x, filters=8, alpha=1.0, stride=1, expansion=1, block_id=0)
    x = mobilenet_v2._inverted_res_block(x, filters=8, alpha=1.0, stride=2, expansion=3, block_id=1)
    x = mobilenet_v2._inverted_res_block(x, filters=8, alpha=1.0, stride=1, expansion=3, block_id=2)
    x = layers.Conv2D(32, 1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    return inputs, layers.GlobalAveragePooling2D(name="pool")(x)


def mnv2_tiny(head):
    inputs, x = mnv2_backbone()
    if head:
        x = layers.Dense(8, activation="relu", name="hidden")(x)
        x = layers.Dropout(0.2, name="dropout")(x)
    return keras.Model(inputs, layers.Dense(4, activation="softmax", name="predictions")(x),
                       name="mnv2_head_tiny" if head else "mnv2_tiny")


def mnv3_tiny():
    inputs = keras.Input((16, 16, 3), name="image")
    x = layers.Rescaling(1 / 127.5, offset=-1.0, name="rescaling")(inputs)
    x = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False, name="conv")(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name="conv_bn")(x)
    x = mobilenet_v3.hard_swish(x)
    x = mobilenet_v3._inverted_res_block(x, 1, 8, 3, 2, 0.25, mobilenet_v3.relu, 0)
    x = mobilenet_v3._inverted_res_block(x, 3, 12, 3, 1, None, mobilenet_v3.relu, 1)
    x = mobilenet_v3._inverted_res_block(x, 3, 12, 3, 1, 0.25, mobilenet_v3.hard_swish, 2)
    x = layers.Conv2D(24, 1, use_bias=False, name="conv_1")(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name="conv_1_bn")(x)
    x = mobilenet_v3.hard_swish(x)
    x = layers.GlobalAveragePooling2D(keepdims=True)(x)
    x = layers.Conv2D(32, 1, padding="same", use_bias=True, name="conv_2")(x)
    x = mobilenet_v3.hard_swish(x)
    x = layers.Conv2D(4, 1, padding="same", name="logits")(x)
    x = layers.Flatten()(x)
    x = layers.Activation("softmax", name="predictions")(x)
    return keras.Model(inputs, x, name="mnv3_tiny")


def h5_form(out):
    model = keras.saving.load_model(os.path.join(out, "mnv2_tiny.keras"))
    model.save(os.path.join(out, "mnv2_tiny.h5"))
    print("mnv2_tiny.h5", os.path.getsize(os.path.join(out, "mnv2_tiny.h5")))


def main():
    h5_only = "--h5-only" in sys.argv
    sys.argv = [a for a in sys.argv if a != "--h5-only"]
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                              "../../library/src/test/resources/keras-edge")
    os.makedirs(out, exist_ok=True)
    if h5_only:
        h5_form(out)
        return
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (32, 16, 16, 3)).astype("float32")
    xb = rng.uniform(0, 255, (32, 16, 16, 3)).astype("float32")
    models = {"mnv2_tiny": mnv2_tiny(False), "mnv2_head_tiny": mnv2_tiny(True), "mnv3_tiny": mnv3_tiny()}
    for name, model in models.items():
        stats(model, rng)
        model.save(os.path.join(out, name + ".keras"))
        np.save(os.path.join(out, name + ".predictions.npy"), model.predict(x, verbose=0))
        print(name, model.count_params(), os.path.getsize(os.path.join(out, name + ".keras")))
    first = models["mnv2_tiny"]
    np.savez_compressed(os.path.join(out, "rows_tiny.npz"), x=x, y=first.predict(x, verbose=0).argmax(1))
    np.savez_compressed(os.path.join(out, "rows_tiny_b.npz"), x=xb, y=first.predict(xb, verbose=0).argmax(1))
    h5_form(out)


if __name__ == "__main__":
    main()
