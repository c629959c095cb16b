#!/usr/bin/env python3
"""Every convolution's and Gemm/MatMul weight's widths in ONNX models, and whether the pruned ones are multiples (issue
69, --round-to). Run from the repository root with a Python that has onnx (the venv beside the checkout, say):
    python scripts/checks/widths.py ORIGINAL.onnx PRUNED.onnx [--multiple 16]
Prints, per Conv in graph order, out x in-per-group (group) in both models, and exits 1 when a Conv whose output
channels the pruning changed has a count that is no multiple of --multiple (a depthwise Conv's channels included)."""
import argparse
import sys

import onnx


def convs(path):
    m = onnx.load(path, load_external_data=False)
    dims = {t.name: list(t.dims) for t in m.graph.initializer}
    out = []
    for n in m.graph.node:
        if n.op_type != "Conv" or n.input[1] not in dims:
            continue
        group = next((a.i for a in n.attribute if a.name == "group"), 1)
        w = dims[n.input[1]]
        out.append((n.name or n.output[0], w[0], w[1], group))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("original")
    p.add_argument("pruned")
    p.add_argument("--multiple", type=int, default=16)
    a = p.parse_args()
    before, after = convs(a.original), convs(a.pruned)
    if [c[0] for c in before] != [c[0] for c in after]:
        sys.exit("the two models' convolutions differ in name or order")
    bad = 0
    changed = 0
    for (name, o0, i0, g0), (_, o1, i1, g1) in zip(before, after):
        pruned = o1 != o0
        changed += pruned
        wrong = pruned and o1 % a.multiple != 0
        bad += wrong
        print(f"{name:60s} {o0:5d}x{i0:<4d}g{g0:<4d} -> {o1:5d}x{i1:<4d}g{g1:<4d}{'  NOT A MULTIPLE' if wrong else ''}")
    print(f"{changed} of {len(before)} convolutions pruned; {bad} with output channels no multiple of {a.multiple}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
