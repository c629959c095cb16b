#!/usr/bin/python3
"""Writes a copy of an ONNX model whose float Constant nodes are initializers (the same weights stored the way
PyTorch's exporter stores them), or the reverse with --reverse (initializers as Constant nodes, as paddle2onnx writes
them). Used to check that odf2nna-onnx reads a graph's blocks alike whatever the storage:

    /usr/bin/python3 scripts/corpus/constants_to_initializers.py IN.onnx OUT.onnx [--reverse]
"""
import sys

import onnx
from onnx import helper, numpy_helper

FLOATS = (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE)


def to_initializers(model):
    g = model.graph
    kept = []
    for n in g.node:
        value = next((a.t for a in n.attribute if a.name == "value"), None)
        if n.op_type == "Constant" and n.domain in ("", "ai.onnx") and value is not None \
                and value.data_type in FLOATS:
            t = onnx.TensorProto()
            t.CopyFrom(value)
            t.name = n.output[0]
            g.initializer.append(t)
        else:
            kept.append(n)
    del g.node[:]
    g.node.extend(kept)


def to_constants(model):
    g = model.graph
    inputs = {i.name for i in g.input}
    nodes = []
    for t in g.initializer:
        if t.data_type in FLOATS and t.name not in inputs:
            nodes.append(helper.make_node("Constant", [], [t.name], name=t.name + "_const", value=t))
    names = {t.name for t in g.initializer if t.data_type in FLOATS and t.name not in inputs}
    rest = [t for t in g.initializer if t.name not in names]
    del g.initializer[:]
    g.initializer.extend(rest)
    old = list(g.node)
    del g.node[:]
    g.node.extend(nodes + old)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    model = onnx.load(args[0])
    (to_constants if "--reverse" in sys.argv else to_initializers)(model)
    onnx.save(model, args[1])


if __name__ == "__main__":
    main()
