#!/usr/bin/env python3
"""A token classifier as `eval` measures one per position (issue 56): int64 token ids [batch, sequence] → an embedding,
an FFN (MatMul, Relu, MatMul) → logits [batch, sequence, 5], random weights; and 200 rows as an .npz archive, x the
ids (0 pads the end of each row) and y one label per position: the model's own class, a fifth of them replaced by
another, and -100 (not counted) on padding. Prints onnxruntime's accuracy and macro F1 over the counted positions,
the figures `bin/odf2nna-onnx eval OUT/tokens.onnx OUT/rows.npz` must give.

    $PYTHON scripts/corpus/make_token_classifier.py $CORPUS/tokens
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

VOCAB, WIDTH, HIDDEN, CLASSES, ROWS, LENGTH = 30, 8, 16, 5, 200, 12


def model(rng):
    def init(name, *shape):
        return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)

    nodes = [
        helper.make_node("Gather", ["embedding", "input_ids"], ["emb"], name="embed"),
        helper.make_node("MatMul", ["emb", "w1"], ["h1"], name="mm1"),
        helper.make_node("Add", ["h1", "b1"], ["h1b"], name="add1"),
        helper.make_node("Relu", ["h1b"], ["a1"], name="relu"),
        helper.make_node("MatMul", ["a1", "w2"], ["h2"], name="mm2"),
        helper.make_node("Add", ["h2", "b2"], ["logits"], name="add2"),
    ]
    graph = helper.make_graph(
        nodes, "tokens",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "sequence", CLASSES])],
        [init("embedding", VOCAB, WIDTH), init("w1", WIDTH, HIDDEN), init("b1", HIDDEN), init("w2", HIDDEN, CLASSES),
         init("b2", CLASSES)])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(56)
    m = model(rng)
    onnx.save(m, os.path.join(out, "tokens.onnx"))
    lengths = rng.integers(4, LENGTH + 1, ROWS)
    ids = rng.integers(1, VOCAB, (ROWS, LENGTH)).astype(np.int64)
    for r, n in enumerate(lengths):
        ids[r, n:] = 0
    logits = ort.InferenceSession(m.SerializeToString()).run(None, {"input_ids": ids})[0]
    predicted = logits.argmax(-1)
    labels = predicted.copy()
    flip = rng.random((ROWS, LENGTH)) < 0.2
    labels[flip] = (labels[flip] + rng.integers(1, CLASSES, flip.sum())) % CLASSES
    for r, n in enumerate(lengths):
        labels[r, n:] = -100
    np.savez(os.path.join(out, "rows.npz"), x=ids, y=labels.astype(np.int64))
    counted = labels >= 0
    t, p = labels[counted], predicted[counted]
    f1 = []
    for c in sorted(set(t) | set(p)):
        tp, fp, fn = np.sum((p == c) & (t == c)), np.sum((p == c) & (t != c)), np.sum((p != c) & (t == c))
        f1.append(2 * tp / (2 * tp + fp + fn))
    print(f"onnxruntime {ort.__version__}: {counted.sum()} labelled positions in {ROWS} rows, "
          f"accuracy {100 * np.mean(t == p):.4f}%, macro F1 {np.mean(f1):.4f}")


if __name__ == "__main__":
    main()
