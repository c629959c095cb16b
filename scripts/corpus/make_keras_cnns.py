#!/usr/bin/env python3
"""Keras 3 CNNs as users write them, for checking that the tool's pruned .keras/.h5 files load in Keras 3.

  seq_cnn    Sequential: Input -> Rescaling -> Conv2D 16 3x3 relu -> MaxPooling2D -> Conv2D 32 3x3 relu ->
             MaxPooling2D -> Flatten -> Dense 64 relu -> Dropout -> Dense 10 softmax
  func_cnn   functional: Input -> Rescaling -> two Conv2D-BatchNormalization-ReLU blocks tied by a residual Add ->
             MaxPooling2D -> Conv2D-BatchNormalization-ReLU -> GlobalAveragePooling2D -> Dense 32 relu -> Dense 10
             softmax

Each is saved as NAME.keras and NAME.h5 (model.save of the same trained model).

  --mnist OUT     28x28x1 models trained (2 epochs, the functional one 6) on the first 12,000 rows of ../shared/data/mnist-train.csv.gz;
                  writes OUT/train.csv (those rows), OUT/validation.csv and OUT/test.csv (2,000 rows each of
                  mnist-test.csv.gz), pixels 0..255 then the label, as the tool reads them (about 2 minutes on 2 cores)
  --fixtures OUT  the tests' tiny 8x8x1 models (library/src/test/resources/corpus/keras-cnn: seq_cnn_tiny,
                  func_cnn_tiny), a few filters each, trained 20 epochs on examples/digits/digits-train.csv.gz, and
                  OUT/rows_tiny.npz (x: 64 digits as [64, 8, 8, 1], y: labels) for the tests' pruning round

Usage: ${PYTHON:-python3} scripts/corpus/make_keras_cnns.py --mnist "$CORPUS/keras-cnns"
       ${PYTHON:-python3} scripts/corpus/make_keras_cnns.py --fixtures library/src/test/resources/corpus/keras-cnn
"""
import argparse
import gzip
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read_csv(path, limit=None):
    with gzip.open(path, "rt") as f:
        header = f.readline().strip()
        lines = [next(f) for _ in range(limit)] if limit else f.readlines()
    a = np.loadtxt(lines, delimiter=",", dtype=np.float32)
    return header, a


def seq_cnn(side, filters, scale):
    f1, f2, units = filters
    return keras.Sequential([
        keras.Input((side, side, 1), name="image"),
        layers.Rescaling(scale),
        layers.Conv2D(f1, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(f2, 3, activation="relu", padding="same" if side < 16 else "valid"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(units, activation="relu"),
        layers.Dropout(0.3),
        layers.Dense(10, activation="softmax"),
    ], name="seq_cnn")


def block(x, filters, name):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name + "_conv")(x)
    x = layers.BatchNormalization(name=name + "_bn")(x)
    return layers.ReLU(name=name + "_relu")(x)


def func_cnn(side, filters, scale):
    f1, f2, units = filters
    inputs = keras.Input((side, side, 1), name="image")
    x = layers.Rescaling(scale, name="rescaling")(inputs)
    a = block(x, f1, "block1")
    b = block(a, f1, "block2")
    x = layers.Add(name="residual")([a, b])
    x = layers.MaxPooling2D(2, name="pool")(x)
    x = block(x, f2, "block3")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(units, activation="relu", name="hidden")(x)
    outputs = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="func_cnn")


def train_and_save(model, x, y, epochs, out, name, optimizer=True):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    print(f"{name}: {model.count_params()} parameters, training accuracy {history.history['accuracy'][-1]:.4f}")
    if not optimizer:
        # The tests' fixtures stay small: the trained weights without the optimizer's state.
        trained = model
        model = keras.models.clone_model(trained)
        model.set_weights(trained.get_weights())
    model.save(os.path.join(out, name + ".keras"))
    model.save(os.path.join(out, name + ".h5"))
    return model


def mnist(out, models):
    header, train = read_csv(os.path.join(ROOT, "..", "shared", "data", "mnist-train.csv.gz"), 12000)
    _, test = read_csv(os.path.join(ROOT, "..", "shared", "data", "mnist-test.csv.gz"), 4000)
    columns = header.split(",")
    label = columns.index("label") if "label" in columns else len(columns) - 1
    pixels = [i for i in range(len(columns)) if i != label]

    def split(a):
        return a[:, pixels].reshape(-1, 28, 28, 1), a[:, label].astype(np.int64)

    fmt = ["%d"] * len(pixels) + ["%d"]
    for name, rows in (("train", train), ("validation", test[:2000]), ("test", test[2000:])):
        ordered = np.concatenate([rows[:, pixels], rows[:, label:label + 1]], axis=1)
        np.savetxt(os.path.join(out, name + ".csv"), ordered, delimiter=",", fmt=fmt,
                   header=",".join([columns[i] for i in pixels] + ["label"]), comments="")
    x, y = split(train)
    vx, vy = split(test[:2000])
    if "seq_cnn" in models:
        keras.utils.set_random_seed(1)
        m = train_and_save(seq_cnn(28, (16, 32, 64), 1 / 255.0), x, y, 2, out, "seq_cnn")
        print(f"seq_cnn: validation accuracy {(m.predict(vx, verbose=0).argmax(1) == vy).mean():.4f}")
    if "func_cnn" in models:
        keras.utils.set_random_seed(2)
        # More epochs than the Sequential one: its BatchNormalization statistics settle slower.
        m = train_and_save(func_cnn(28, (16, 32, 32), 1 / 255.0), x, y, 6, out, "func_cnn")
        print(f"func_cnn: validation accuracy {(m.predict(vx, verbose=0).argmax(1) == vy).mean():.4f}")


def fixtures(out):
    _, train = read_csv(os.path.join(ROOT, "examples", "digits", "digits-train.csv.gz"))
    x, y = train[:, :-1].reshape(-1, 8, 8, 1), train[:, -1].astype(np.int64)
    keras.utils.set_random_seed(3)
    train_and_save(seq_cnn(8, (8, 12, 16), 1.0), x, y, 20, out, "seq_cnn_tiny", optimizer=False)
    keras.utils.set_random_seed(4)
    train_and_save(func_cnn(8, (8, 12, 16), 1.0), x, y, 20, out, "func_cnn_tiny", optimizer=False)
    np.savez(os.path.join(out, "rows_tiny.npz"), x=x[:64], y=y[:64])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", metavar="OUT")
    parser.add_argument("--fixtures", metavar="OUT")
    parser.add_argument("--models", default="seq_cnn,func_cnn", help="with --mnist: which models (default both)")
    args = parser.parse_args()
    for out in (args.mnist, args.fixtures):
        if out:
            os.makedirs(out, exist_ok=True)
    if args.fixtures:
        fixtures(args.fixtures)
    if args.mnist:
        mnist(args.mnist, args.models.split(","))


if __name__ == "__main__":
    main()
