#!/usr/bin/python3
"""The repository's digits network with a BatchNormalization after its first layer written as Keras exports reach
ONNX through tf2onnx: Sub (the moving mean), Mul (gamma / sqrt(var + eps)), Add (beta), then the Relu. The mean and
scale are made up and undone in the next layer (beta = mean * scale, the next weight's rows divided by the scale, a
positive scale commuting with Relu), so the file computes what the original computes: `eval` of both gives the same
figures.

    /usr/bin/python3 scripts/corpus/make_decomposed_bn.py models/digits_8x8-128-64-10_relu.onnx $CORPUS/evalany/digits_bn.onnx
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def main():
    model = onnx.load(sys.argv[1])
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    gemms = [n for n in g.node if n.op_type == "Gemm"]
    first, second = gemms[0], gemms[1]
    width = numpy_helper.to_array(inits[first.input[1]]).shape[0]
    rng = np.random.default_rng(5)
    mean = rng.standard_normal(width).astype(np.float32)
    scale = (0.5 + rng.random(width)).astype(np.float32)
    w2 = numpy_helper.to_array(inits[second.input[1]]).copy()
    w2 = (w2 / scale[None, :]).astype(np.float32) if second.attribute and any(
        a.name == "transB" and a.i == 1 for a in second.attribute) else (w2 / scale[:, None]).astype(np.float32)
    inits[second.input[1]].CopyFrom(numpy_helper.from_array(w2, second.input[1]))
    g.initializer.extend([numpy_helper.from_array(mean, "bn/mean"), numpy_helper.from_array(scale, "bn/scale"),
                          numpy_helper.from_array(mean * scale, "bn/beta")])
    out = first.output[0]
    nodes = [helper.make_node("Sub", [out, "bn/mean"], ["bn/sub"], name="/Sub_1"),
             helper.make_node("Mul", ["bn/sub", "bn/scale"], ["bn/mul"], name="/Mul_2"),
             helper.make_node("Add", ["bn/mul", "bn/beta"], ["bn/out"], name="/Add_3")]
    for n in g.node:
        for k, name in enumerate(n.input):
            if name == out:
                n.input[k] = "bn/out"
    at = list(g.node).index(first) + 1
    for k, n in enumerate(nodes):
        g.node.insert(at + k, n)
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[2])
    print(f"wrote {sys.argv[2]}")


if __name__ == "__main__":
    main()
