#!/usr/bin/env python3
"""How much of a written model's loss on a test file comes from rows outside the range the training rows cover.

    /usr/bin/python3 scripts/comparison/outside_range.py ORIGINAL.onnx WRITTEN.onnx TRAIN.csv TEST.csv

Runs both models in numpy (dense chains: Gemm, MatMul, Add, Mul, Sub, Div, Max, Min, Gather, Relu, LeakyRelu, Elu, Selu, Tanh, Sigmoid,
Softmax, Identity), on CSV files with a header and the target last. Prints, for regression (one output), the written
model's MSE change against the original's on all test rows, on the rows whose every column lies within the range the
training rows cover, and on the others; then the same with each test column clipped to that range (what a model
that clipped its inputs would give). For classification, accuracy points instead. Needs python3-onnx and numpy
(Debian: apt-get install python3-onnx python3-numpy). It measured the ailerons break that docs/research/COMPARISON.md
describes ("Reading it")."""
import sys
import numpy as np
import onnx
from onnx import numpy_helper


def runner(path):
    model = onnx.load(path)
    init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    source = model.graph.input[0].name
    result = model.graph.output[0].name

    def attr(node, name, default):
        for a in node.attribute:
            if a.name == name:
                return onnx.helper.get_attribute_value(a)
        return default

    def run(x):
        values = {source: x.astype(np.float32)}
        for n in model.graph.node:
            a = [values[i] if i in values else init.get(i) for i in n.input]
            op = n.op_type
            if op == "Gemm":
                w = a[1].T if attr(n, "transB", 0) else a[1]
                r = a[0] @ w * attr(n, "alpha", 1.0) + (a[2] * attr(n, "beta", 1.0) if len(a) > 2 else 0)
            elif op == "MatMul":
                r = a[0] @ a[1]
            elif op in ("Add", "Mul", "Sub", "Div"):
                r = {"Add": np.add, "Mul": np.multiply, "Sub": np.subtract, "Div": np.divide}[op](a[0], a[1])
            elif op in ("Max", "Min"):
                r = (np.maximum if op == "Max" else np.minimum)(a[0], a[1])
            elif op == "Gather":
                r = np.take(a[0], a[1], axis=attr(n, "axis", 0))
            elif op == "Relu":
                r = np.maximum(a[0], 0)
            elif op == "LeakyRelu":
                r = np.where(a[0] > 0, a[0], a[0] * attr(n, "alpha", 0.01))
            elif op == "Elu":
                r = np.where(a[0] > 0, a[0], attr(n, "alpha", 1.0) * (np.exp(np.minimum(a[0], 0)) - 1))
            elif op == "Selu":
                alpha, gamma = attr(n, "alpha", 1.67326319217681884765625), attr(n, "gamma", 1.05070102214813232421875)
                r = gamma * np.where(a[0] > 0, a[0], alpha * (np.exp(np.minimum(a[0], 0)) - 1))
            elif op == "Tanh":
                r = np.tanh(a[0])
            elif op == "Sigmoid":
                r = 1 / (1 + np.exp(-a[0]))
            elif op == "Softmax":
                e = np.exp(a[0] - a[0].max(axis=-1, keepdims=True))
                r = e / e.sum(axis=-1, keepdims=True)
            elif op == "Identity":
                r = a[0]
            else:
                sys.exit("%s: node %s: operator %s is not handled by this script" % (path, n.name, op))
            values[n.output[0]] = r
        return values[result]
    return run


def rows(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return data[:, :-1], data[:, -1]


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    original, written = runner(sys.argv[1]), runner(sys.argv[2])
    train_x, _ = rows(sys.argv[3])
    test_x, test_y = rows(sys.argv[4])
    low, high = train_x.min(axis=0), train_x.max(axis=0)
    inside = ((test_x >= low) & (test_x <= high)).all(axis=1)
    columns = sorted(set(np.nonzero((test_x < low) | (test_x > high))[1].tolist()))
    print("%d of %d test rows have a value outside the range of the %d training rows (columns, 0-based: %s)"
          % ((~inside).sum(), len(test_y), len(train_x), ", ".join(map(str, columns)) or "none"))
    o_all = original(test_x)
    regression = o_all.shape[1] == 1

    def change(o, w, mask):
        if not mask.any():
            return "no rows"
        if regression:
            eo, ew = ((o[mask, 0] - test_y[mask]) ** 2).mean(), ((w[mask, 0] - test_y[mask]) ** 2).mean()
            return "MSE %.4g against the original's %.4g (%+.1f%%)" % (ew, eo, 100 * (ew / eo - 1))
        ao = (o[mask].argmax(axis=1) == test_y[mask]).mean()
        aw = (w[mask].argmax(axis=1) == test_y[mask]).mean()
        return "accuracy %.2f%% against the original's %.2f%% (%+.2f points)" % (100 * aw, 100 * ao, 100 * (aw - ao))
    w_all = written(test_x)
    print("all test rows:     " + change(o_all, w_all, np.ones(len(test_y), bool)))
    print("rows inside:       " + change(o_all, w_all, inside))
    print("rows outside:      " + change(o_all, w_all, ~inside))
    clipped = np.clip(test_x, low, high)
    print("inputs clipped to the training range, against the original on the rows as they are: "
          + change(o_all, written(clipped), np.ones(len(test_y), bool)))


if __name__ == "__main__":
    main()
