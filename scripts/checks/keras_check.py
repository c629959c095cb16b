#!/usr/bin/python3
"""An independent check of the .keras files the tool writes, with h5py and numpy (Debian's python3-h5py,
python3-numpy, python3-onnx; no TensorFlow, no Keras, no code of the tool).

    ./mvnw -q -B package -DskipTests && /usr/bin/python3 scripts/checks/keras_check.py [--shared ../shared]

For every Keras file in ../shared/models/keras and ../shared/models/keras_h5 it runs, through bin/odf2nna-onnx:
`shrink FILE --eval TEST --train TRAIN --retrain-epochs 3 --epsilon 0.3 --format keras -o small.keras`, then
`convert small.keras -o small.onnx`, and `convert FILE -o file.onnx`. Then, here:
- reading: a numpy forward pass from FILE's own HDF5 datasets equals a numpy evaluation of file.onnx to 1e-5;
- layout: small.keras is a zip of config.json, metadata.json and model.weights.h5; for a .keras input its config
  lists the same layers (class and name, in order) as the input's with every setting but the widths unchanged; for a
  legacy .h5 input (written with a new Keras 3 config) the same Dense layers by name, each with the same effective
  activation; each Dense layer's kernel in model.weights.h5 has the shape [inputs, units] its config and the layer
  before say;
- computation: a numpy forward pass from small.keras's own HDF5 datasets equals a numpy evaluation of small.onnx
  (the tool's reading of the same file, written and verified by the tool against the pruned network) to 1e-5.
ROWS (where outputs are compared): data/iris.csv for 4-input models, with TRAIN and TEST the seeded split
data/splits/iris-train.csv and iris-test.csv; otherwise 300 seeded Gaussian rows labelled by the model's own outputs
for all three (the churn model's data is not in ../shared). Differences are printed as max absolute / max relative.
Prints one line per file and exits 1 if any check fails.
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import h5py
import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "softmax": lambda x: np.exp(x - x.max(1, keepdims=True)) / np.exp(x - x.max(1, keepdims=True)).sum(1, keepdims=True),
}


def keras_parts(path):
    """(config, HDF5 bytes or path, is_zip) of a .keras or legacy .h5 file."""
    with open(path, "rb") as f:
        zipped = f.read(2) == b"PK"
    if zipped:
        with zipfile.ZipFile(path) as z:
            return json.loads(z.read("config.json")), z.read("model.weights.h5"), True, sorted(z.namelist())
    with h5py.File(path, "r") as f:
        config = f.attrs["model_config"]
        config = json.loads(config.decode() if isinstance(config, bytes) else config)
    return config, path, False, None


def layers(config):
    c = config["config"]
    return c if isinstance(c, list) else c["layers"]


def dense_groups(h5):
    """Keras 3 / 2.15 .keras weights: layers/dense, layers/dense_1, ... (or 'layers\\dense'), in class order."""
    groups = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and name.split("/")[-1] in ("0", "1") and "dense" in name.lower():
            groups.append(name)
    h5.visititems(visit)
    by_layer = {}
    for name in groups:
        by_layer.setdefault(name.rsplit("/", 2)[0], {})[name.split("/")[-1]] = name
    def order(key):
        leaf = key.replace("\\", "/").split("/")[-1]
        return int(leaf.split("_")[1]) if "_" in leaf else 0
    return [by_layer[k] for k in sorted(by_layer, key=order)]


def dense_weights(path):
    """(kernel, bias or None) per Dense layer, in order, read the plain way from the file's HDF5 datasets."""
    config, h5src, zipped, _ = keras_parts(path)
    with h5py.File(io.BytesIO(h5src) if zipped else h5src, "r") as h5:
        if zipped:
            return [(np.asarray(h5[g["0"]]), np.asarray(h5[g["1"]]) if "1" in g else None) for g in dense_groups(h5)]
        weights = []
        for layer in layers(config):
            if layer["class_name"] != "Dense":
                continue
            found = {}
            h5["model_weights"][layer["config"]["name"]].visititems(
                lambda name, obj: found.__setitem__(name.split("/")[-1].split(":")[0], np.asarray(obj))
                if isinstance(obj, h5py.Dataset) else None)
            weights.append((found["kernel"], found.get("bias")))
        return weights


def keras_forward(path, x):
    config = keras_parts(path)[0]
    weights = dense_weights(path)
    acts = []
    for layer in layers(config):
        if layer["class_name"] == "Dense":
            acts.append([layer["config"].get("activation", "linear")])
        elif layer["class_name"] == "Activation":
            acts[-1].append(layer["config"]["activation"])
    assert len(acts) == len(weights), "%d Dense layers in the config, %d kernels" % (len(acts), len(weights))
    y = x.astype(np.float64)
    for (w, b), a in zip(weights, acts):
        y = y @ w + (0 if b is None else b)
        for name in a:
            y = ACTIVATIONS[name](y)
    return y, weights


def onnx_forward(path, x):
    model = onnx.load(path)
    values = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer}
    values[model.graph.input[0].name] = x.astype(np.float64)
    for node in model.graph.node:
        a = [values[i] for i in node.input if i]
        attrs = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        op = node.op_type
        if op == "Gemm":
            left = a[0].T if attrs.get("transA", 0) else a[0]
            right = a[1].T if attrs.get("transB", 0) else a[1]
            out = attrs.get("alpha", 1.0) * left @ right + (attrs.get("beta", 1.0) * a[2] if len(a) > 2 else 0)
        elif op == "MatMul":
            out = a[0] @ a[1]
        elif op == "Add":
            out = a[0] + a[1]
        elif op == "Gather":
            out = np.take(a[0], a[1].astype(np.int64), axis=attrs.get("axis", 0))
        elif op in ("Identity", "Flatten"):
            out = a[0].reshape(a[0].shape[0], -1)
        elif op.lower() in ACTIVATIONS:
            out = ACTIVATIONS[op.lower()](a[0])
        else:
            raise SystemExit("%s: node %s: operator %s not evaluated here" % (path, node.name, op))
        values[node.output[0]] = out
    return values[model.graph.output[0].name]


def differences(reference, other):
    """(max absolute, max relative) difference; relative to max(1, |reference|)."""
    d = np.abs(reference - other)
    return float(d.max()), float(np.max(d / np.maximum(1, np.abs(reference))))


def chain(config):
    """(Dense name, activations after it) for each Dense layer; 'linear' dropped."""
    out = []
    for layer in layers(config):
        if layer["class_name"] == "Dense":
            out.append((layer["config"]["name"], []))
        if layer["class_name"] in ("Dense", "Activation") and layer["config"].get("activation", "linear") != "linear":
            out[-1][1].append(layer["config"]["activation"])
    return out


def rows(shared, width, path, tmp):
    """(rows to compare on, --train file, --eval file)."""
    if width == 4:
        return tuple(os.path.join(shared, "data", f) for f in ("iris.csv", "splits/iris-train.csv",
                                                                 "splits/iris-test.csv"))
    x = np.random.default_rng(1).standard_normal((300, width)).astype(np.float32)
    y, _ = keras_forward(path, x)
    label = (y[:, 0] > 0.5).astype(int) if y.shape[1] == 1 else y.argmax(1)
    csv = os.path.join(tmp, os.path.basename(path) + ".rows.csv")
    with open(csv, "w") as f:
        f.write(",".join("x%d" % i for i in range(width)) + ",label\n")
        for r in range(len(x)):
            f.write(",".join("%.6f" % v for v in x[r]) + ",%d\n" % label[r])
    return csv, csv, csv


def features(csv, width):
    data = np.genfromtxt(csv, delimiter=",", skip_header=1)
    return data[:, :width].astype(np.float32)


def tool(*args):
    done = subprocess.run([os.path.join(ROOT, "bin", "odf2nna-onnx"), "-q"] + list(args), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("odf2nna-onnx %s: exit %d: %s" % (" ".join(args), done.returncode, done.stderr.strip()))


def check(shared, path, tmp):
    config, _, zipped, _ = keras_parts(path)
    base = os.path.join(tmp, os.path.basename(path))
    original = dense_weights(path)
    width = original[0][0].shape[0]
    csv, train, test = rows(shared, width, path, tmp)
    small, small_onnx = base + ".small.keras", base + ".small.onnx"
    tool("shrink", path, "--eval", test, "--train", train, "--retrain-epochs", "3", "--epsilon", "0.3", "--format",
         "keras", "-o", small)
    tool("convert", small, "-o", small_onnx)
    problems = []
    x = features(csv, width)
    tool("convert", path, "-o", base + ".onnx")
    y_file = keras_forward(path, x)[0]
    read_abs, read = differences(y_file, onnx_forward(base + ".onnx", x))
    if read > 1e-5:
        problems.append("the input converted to ONNX differs from its own weights' forward pass by %.2e" % read)
    out_config, _, out_zipped, names = keras_parts(small)
    if not out_zipped or names != ["config.json", "metadata.json", "model.weights.h5"]:
        problems.append("not a zip of config.json, metadata.json, model.weights.h5: %s" % names)
    if zipped:
        before = [(l["class_name"], l["config"].get("name")) for l in layers(config)]
        after = [(l["class_name"], l["config"].get("name")) for l in layers(out_config)]
        if [b for b in before if b[0] != "InputLayer"] != [a for a in after if a[0] != "InputLayer"]:
            problems.append("layers %s became %s" % (before, after))
    elif chain(config) != chain(out_config):
        # A legacy .h5 gets a new Keras 3 config: its Dense layers by name, each with its effective activation.
        problems.append("Dense layers and activations %s became %s" % (chain(config), chain(out_config)))
    if zipped:
        for l0, l1 in zip(layers(config), layers(out_config)):
            c0 = {k: v for k, v in l0["config"].items() if k not in ("units",)}
            c1 = {k: v for k, v in l1["config"].items() if k not in ("units",)}
            if l0["class_name"] != "InputLayer" and c0 != c1:
                problems.append("layer %s: settings other than units changed" % l0["config"].get("name"))
    y_keras, weights = keras_forward(small, x)
    units = [l["config"]["units"] for l in layers(out_config) if l["class_name"] == "Dense"]
    previous = width
    for (w, b), u in zip(weights, units):
        if w.shape != (previous, u) or (b is not None and b.shape != (u,)):
            problems.append("kernel %s / bias %s for %d units after %d" % (w.shape, None if b is None else b.shape,
                                                                           u, previous))
        previous = u
    y_onnx = onnx_forward(small_onnx, x)
    diff_abs, diff = differences(y_onnx, y_keras)
    if diff > 1e-5:
        problems.append("h5py forward pass differs from the ONNX by %.2e (relative)" % diff)
    widths = "-".join([str(w.shape[0]) for w, _ in original] + [str(original[-1][0].shape[1])])
    new = "-".join([str(width)] + [str(u) for u in units])
    print("%s: %s -> %s, %d rows; input: its weights vs `convert` %.1e / %.1e; written: h5py vs its `convert` "
          "%.1e / %.1e: %s" % (os.path.relpath(path, shared), widths, new, len(x), read_abs, read, diff_abs, diff,
                               "ok" if not problems else "; ".join(problems)))
    return not problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    args = parser.parse_args()
    shared = os.path.abspath(args.shared)
    files = []
    for folder in ("models/keras", "models/keras_h5"):
        d = os.path.join(shared, folder)
        files += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith((".keras", ".h5"))]
    with tempfile.TemporaryDirectory() as tmp:
        ok = [check(shared, f, tmp) for f in files]
    print("%d of %d files pass" % (sum(ok), len(ok)))
    sys.exit(0 if all(ok) else 1)


if __name__ == "__main__":
    main()
