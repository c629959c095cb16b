#!/usr/bin/python3
"""Regenerates the example data in examples/ and the small models in models/.

Data comes from the CSV files that Debian's python3-sklearn package ships (BSD-3-Clause);
models are trained here with Debian's python3-torch and exported with torch.onnx.export.

    apt-get install python3-sklearn python3-torch python3-onnx
    /usr/bin/python3 examples/make_examples.py

Deterministic: fixed seeds, single thread. Writes:
  examples/iris/iris-{train,test}.csv        4 features, 3 classes
  examples/digits/digits-{train,test}.csv.gz 8x8 images as 64 pixel columns, 10 classes
  examples/diabetes/diabetes-{train,test}.csv 10 features, regression
  models/iris_4-16-16-3_relu.onnx            Gemm + Relu, logits
  models/digits_8x8-128-64-10_relu.onnx      input [N,1,8,8], Flatten, Gemm + Relu, Softmax head
  models/diabetes_10-32-32-1_tanh_norm.onnx  Sub/Div normalisation, Tanh, regression
and a JSON sidecar beside each model with its training settings and test metrics.
"""
import csv
import gzip
import hashlib
import io
import json
import os

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SK = "/usr/lib/python3/dist-packages/sklearn/datasets/data"
torch.set_num_threads(1)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def split(n, seed, test_fraction=0.2):
    rng = np.random.RandomState(seed)
    order = rng.permutation(n)
    n_test = int(round(n * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def write_csv(path, header, x, y, integer_target):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row, t in zip(x, y):
        cells = [repr(float(v)) if not float(v).is_integer() else str(int(v)) for v in row]
        cells.append(str(int(t)) if integer_target else repr(float(t)))
        w.writerow(cells)
    data = buf.getvalue().encode()
    if path.endswith(".gz"):
        with open(path, "wb") as f:
            # mtime=0 keeps the bytes identical from run to run
            with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
                g.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def load_sklearn_csv(name):
    """sklearn's own format: first line 'rows,features,class names...', then rows with the target last."""
    with open(os.path.join(SK, name)) as f:
        first = f.readline().strip().split(",")
        rows = np.array([[float(v) for v in line.split(",")] for line in f if line.strip()])
    return first, rows[:, :-1], rows[:, -1]


class Net(torch.nn.Module):
    def __init__(self, sizes, act, prefix=None, head=None):
        super().__init__()
        self.prefix = prefix
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2:
                layers.append(act())
        self.net = torch.nn.Sequential(*layers)
        self.head = head

    def forward(self, x):
        if self.prefix is not None:
            x = self.prefix(x)
        x = self.net(x)
        if self.head is not None:
            x = self.head(x)
        return x


class Normalise(torch.nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))

    def forward(self, x):
        return (x - self.mean) / self.std


def train(model, x, y, loss_fn, epochs, lr, batch, seed):
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    x = torch.tensor(x, dtype=torch.float32)
    y = torch.tensor(y)
    n = len(x)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(n, generator=g)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    return model


def export(model, example, name, dynamic_input, sidecar):
    path = os.path.join(ROOT, "models", name + ".onnx")
    model.eval()
    torch.onnx.export(model, example, path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=13,
                      do_constant_folding=True)
    sidecar["file"] = "models/" + name + ".onnx"
    sidecar["sha256"] = sha256(path)
    with open(os.path.join(ROOT, "models", name + ".json"), "w") as f:
        json.dump(sidecar, f, indent=1)
        f.write("\n")
    print("wrote", path, sidecar.get("test_metrics"))


def classification(name, names, x, y, sizes, epochs, lr, batch, seed, gz=False, image=None, softmax=False):
    train_idx, test_idx = split(len(x), seed)
    ext = ".csv.gz" if gz else ".csv"
    folder = os.path.join(ROOT, "examples", name.split("_")[0])
    stem = name.split("_")[0]
    write_csv(os.path.join(folder, stem + "-train" + ext), names, x[train_idx], y[train_idx], True)
    write_csv(os.path.join(folder, stem + "-test" + ext), names, x[test_idx], y[test_idx], True)
    torch.manual_seed(seed)
    prefix = torch.nn.Flatten() if image else None
    model = Net(sizes, torch.nn.ReLU, prefix=prefix)
    xt = x[train_idx].reshape((-1,) + image) if image else x[train_idx]
    train(model, xt, y[train_idx].astype(np.int64), torch.nn.CrossEntropyLoss(), epochs, lr, batch, seed)
    if softmax:
        model.head = torch.nn.Softmax(dim=1)
    model.eval()
    with torch.no_grad():
        xs = torch.tensor(x[test_idx].reshape((-1,) + image) if image else x[test_idx], dtype=torch.float32)
        acc = float((model(xs).argmax(1).numpy() == y[test_idx]).mean())
    example = torch.zeros((1,) + (image if image else (x.shape[1],)))
    export(model, example, name, True, {
        "name": name, "task": "classification", "classes": int(y.max() + 1),
        "data": "examples/" + stem + "/" + stem + "-{train,test}" + ext,
        "split": "80/20, numpy RandomState(%d).permutation" % seed,
        "training": {"framework": "PyTorch " + torch.__version__, "optimizer": "Adam", "lr": lr,
                     "batch_size": batch, "epochs": epochs, "seed": seed, "loss": "CrossEntropy"},
        "input_shape": ["batch"] + list(image if image else (x.shape[1],)),
        "head": "Softmax" if softmax else "none (logits)",
        "test_metrics": {"accuracy": acc}})


def main():
    # iris: 150 rows, 4 features, 3 classes
    _, x, y = load_sklearn_csv("iris.csv")
    names = ["sepal_length", "sepal_width", "petal_length", "petal_width", "label"]
    classification("iris_4-16-16-3_relu", names, x, y, [4, 16, 16, 3], epochs=300, lr=0.01, batch=16, seed=0)

    # digits: 1797 images of 8x8 pixels (0..16), 10 classes; the model takes [N,1,8,8]
    with gzip.open(os.path.join(SK, "digits.csv.gz"), "rt") as f:
        rows = np.array([[float(v) for v in line.split(",")] for line in f if line.strip()])
    x, y = rows[:, :-1] / 16.0, rows[:, -1]
    names = ["pixel%d" % i for i in range(64)] + ["label"]
    classification("digits_8x8-128-64-10_relu", names, x, y, [64, 128, 64, 10], epochs=60, lr=0.003, batch=32,
                   seed=1, gz=True, image=(1, 8, 8), softmax=True)

    # diabetes: 442 rows, 10 raw features, regression target (disease progression)
    with gzip.open(os.path.join(SK, "diabetes_data_raw.csv.gz"), "rt") as f:
        x = np.array([[float(v) for v in line.split()] for line in f if line.strip()])
    with gzip.open(os.path.join(SK, "diabetes_target.csv.gz"), "rt") as f:
        y = np.array([float(line) for line in f if line.strip()])
    seed = 2
    train_idx, test_idx = split(len(x), seed)
    names = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "target"]
    folder = os.path.join(ROOT, "examples", "diabetes")
    write_csv(os.path.join(folder, "diabetes-train.csv"), names, x[train_idx], y[train_idx], False)
    write_csv(os.path.join(folder, "diabetes-test.csv"), names, x[test_idx], y[test_idx], False)
    mean, std = x[train_idx].mean(0), x[train_idx].std(0)
    y_mean, y_std = y[train_idx].mean(), y[train_idx].std()
    torch.manual_seed(seed)
    model = Net([10, 32, 32, 1], torch.nn.Tanh, prefix=Normalise(mean, std))
    yt = ((y[train_idx] - y_mean) / y_std).astype(np.float32).reshape(-1, 1)
    train(model, x[train_idx], yt, torch.nn.MSELoss(), epochs=40, lr=0.003, batch=32, seed=seed)
    with torch.no_grad():  # fold the target scaling into the last layer so the model predicts raw targets
        last = model.net[-1]
        last.weight.mul_(y_std)
        last.bias.mul_(y_std).add_(y_mean)
    model.eval()
    with torch.no_grad():
        pred = model(torch.tensor(x[test_idx], dtype=torch.float32)).numpy().ravel()
    mse = float(((pred - y[test_idx]) ** 2).mean())
    export(model, torch.zeros(1, 10), "diabetes_10-32-32-1_tanh_norm", True, {
        "name": "diabetes_10-32-32-1_tanh_norm", "task": "regression",
        "data": "examples/diabetes/diabetes-{train,test}.csv",
        "split": "80/20, numpy RandomState(%d).permutation" % seed,
        "training": {"framework": "PyTorch " + torch.__version__, "optimizer": "Adam", "lr": 0.003,
                     "batch_size": 32, "epochs": 40, "seed": seed, "loss": "MSE (standardised target)"},
        "input_shape": ["batch", 10], "prefix": "(x - mean) / std as Sub and Div nodes",
        "test_metrics": {"mse": mse}})


if __name__ == "__main__":
    main()
