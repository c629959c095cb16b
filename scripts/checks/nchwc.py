#!/usr/bin/env python3
"""How ONNX Runtime's CPU provider lays out each model's convolutions (issue 69, --round-to). Run from the repository
root with a Python that has onnxruntime and onnx:
    python scripts/checks/nchwc.py MODEL.onnx [MORE.onnx ...]
For each model: the NCHWc convolutions (the blocked layout, domain com.microsoft.nchwc), the convolutions left in plain
NCHW (Conv, FusedConv) and the Reorder nodes between the two layouts, in the graph ONNX Runtime optimises it to (all
optimisations, as a deployed session has them) on this machine: the blocks are 8 channels with AVX2, 16 with
AVX-512, and there are none on a machine without either. Timing is scripts/bench/ort_side_by_side.py's."""
import collections
import os
import sys
import tempfile

import onnx
import onnxruntime as ort


def layout(path):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "opt.onnx")
        o = ort.SessionOptions()
        o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        o.optimized_model_filepath = out
        o.log_severity_level = 3
        ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
        ops = collections.Counter((n.domain, n.op_type) for n in onnx.load(out, load_external_data=False).graph.node)
    nchwc = sum(v for (d, op), v in ops.items() if d == "com.microsoft.nchwc" and op == "Conv")
    plain = sum(v for (d, op), v in ops.items() if d != "com.microsoft.nchwc" and op in ("Conv", "FusedConv"))
    reorder = sum(v for (d, op), v in ops.items() if op in ("ReorderInput", "ReorderOutput"))
    return nchwc, plain, reorder


def main():
    for m in sys.argv[1:]:
        nchwc, plain, reorder = layout(m)
        print(f"{m}: {nchwc} NCHWc Conv, {plain} plain Conv/FusedConv, {reorder} Reorder")


if __name__ == "__main__":
    main()
