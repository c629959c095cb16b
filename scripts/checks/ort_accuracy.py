#!/usr/bin/env python3
"""The accuracy onnxruntime in Python gives a classifier on an .npz archive's rows, to check `eval`'s figure by hand:
array x feeds the graph's first input (or the input named by --data), every other array named after an input feeds
that input, y holds the labels. --each-row runs one row per call (a dynamic int8 file quantizes per run, as eval runs
it).

    $PYTHON scripts/checks/ort_accuracy.py $CORPUS/bert/bert.onnx $CORPUS/bert/test.npz
"""
import argparse

import numpy as np
import onnxruntime as ort

TYPES = {"tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(float)": np.float32,
         "tensor(double)": np.float64, "tensor(bool)": np.bool_}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("npz")
    p.add_argument("--data", help="the input array x feeds (default: the first input no other array names)")
    p.add_argument("--each-row", action="store_true")
    p.add_argument("--probability", action="store_true", help="a one-value output is a probability, not a logit")
    a = p.parse_args()
    arrays = np.load(a.npz)
    session = ort.InferenceSession(a.model, providers=["CPUExecutionProvider"])
    inputs = session.get_inputs()
    named = {i.name for i in inputs if i.name in arrays.files}
    data = a.data or next(i.name for i in inputs if i.name not in named)
    feeds = {}
    for i in inputs:
        values = arrays["x"] if i.name == data else arrays[i.name]
        dims = [d for d in i.shape[1:]]
        if all(isinstance(d, int) for d in dims) and len(dims) > 0:
            values = values.reshape((-1, *dims))
        feeds[i.name] = values.astype(TYPES[i.type])
    rows = len(arrays["y"])
    step = 1 if a.each_row else rows
    predicted = []
    for s in range(0, rows, step):
        out = session.run(None, {k: v[s:s + step] for k, v in feeds.items()})[0].reshape(min(step, rows - s), -1)
        # One value per row: a probability (--probability) above 0.5, or a logit above 0.
        predicted.append(out.argmax(1) if out.shape[1] > 1 else out[:, 0] > (0.5 if a.probability else 0))
    accuracy = (np.concatenate(predicted).astype(int) == arrays["y"]).mean()
    print(f"{a.model}: {rows} rows, accuracy {100 * accuracy:.4f}%")


if __name__ == "__main__":
    main()
