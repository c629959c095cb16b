"""Seconds a Keras replica of the MNIST ResNet-18 (torchvision's layout on a 32x32 input) takes to train.

What TensorFlow itself reaches on this network, against which the tool's TensorFlow Java retraining of the same
ONNX export is compared (docs/research/PERFORMANCE.md, the ResNet-18 section): random rows, batches of 128, Adam, two
intra-op threads as the tool's default, one warm-up epoch, then two epochs timed.

    python3 scripts/bench/keras_resnet18_epoch.py [--rows 2048] [--threads 2]
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def resnet18(layers):
    def block(x, c, s):
        y = layers.Conv2D(c, 3, s, padding="same", activation="relu")(x)
        y = layers.Conv2D(c, 3, 1, padding="same")(y)
        if s != 1 or x.shape[-1] != c:
            x = layers.Conv2D(c, 1, s)(x)
        return layers.ReLU()(layers.Add()([x, y]))

    i = layers.Input((32, 32, 1))
    x = layers.Conv2D(64, 7, 2, padding="same", activation="relu")(i)
    x = layers.MaxPool2D(3, 2, padding="same")(x)
    for c, s in [(64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1)]:
        x = block(x, c, s)
    x = layers.GlobalAveragePooling2D()(x)
    return tf.keras.Model(i, layers.Dense(10)(x))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=2048)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    m = resnet18(tf.keras.layers)
    m.compile(tf.keras.optimizers.Adam(1e-3),
              tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.random.rand(a.rows, 32, 32, 1).astype("float32")
    y = np.random.randint(0, 10, a.rows)
    m.fit(x, y, batch_size=128, epochs=1, verbose=0)
    t = time.time()
    m.fit(x, y, batch_size=128, epochs=2, verbose=0)
    print(f"keras: {(time.time() - t) / 2:.2f} s an epoch of {a.rows} rows on {a.threads} threads")


if __name__ == "__main__":
    main()
