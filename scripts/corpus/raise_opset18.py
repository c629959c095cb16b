#!/usr/bin/env python3
"""Rewrites opset-17 ONNX models as opset 18, the way newer exporters write them (PyTorch 1.13 stops at 17):

- ReduceMean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare: the `axes` attribute becomes an int64 input;
- Split: with no `split` input, `num_outputs` (required from 18) is set to the number of outputs.

    /usr/bin/python3 scripts/corpus/raise_opset18.py $CORPUS/*_op17.onnx   # writes *_op18.onnx beside each

Only the onnx package is used; the models are not checked here (onnx 1.12 knows no opset 18); ONNX Runtime reads them.
"""
import sys

import onnx
from onnx import helper, numpy_helper
import numpy as np

AXES_AS_INPUT = {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
                 "ReduceLogSumExp", "ReduceSumSquare"}


def raise_model(model):
    graph = model.graph
    for i, node in enumerate(graph.node):
        if node.domain not in ("", "ai.onnx"):
            continue
        if node.op_type in AXES_AS_INPUT:
            axes = [a for a in node.attribute if a.name == "axes"]
            if axes:
                name = f"{node.output[0]}__axes"
                graph.initializer.append(numpy_helper.from_array(np.array(axes[0].ints, dtype=np.int64), name))
                node.attribute.remove(axes[0])
                node.input.append(name)
        elif node.op_type == "Split" and (len(node.input) < 2 or not node.input[1]):
            node.attribute.append(helper.make_attribute("num_outputs", len(node.output)))
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx"):
            opset.version = 18
    return model


def main():
    for path in sys.argv[1:]:
        out = path.replace("_op17.onnx", "_op18.onnx") if "_op17" in path else path[:-5] + "_op18.onnx"
        onnx.save(raise_model(onnx.load(path)), out)
        print(out)


if __name__ == "__main__":
    main()
