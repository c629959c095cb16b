#!/usr/bin/env python3
"""Convolution parameters (every Conv's weight and bias initializers) of ONNX files, and the share each later file
removes against the first: what docs/research/graphs.md's "convolution parameters removed" columns count.

    python3 scripts/comparison/conv_parameters.py ORIGINAL.onnx PRUNED.onnx [PRUNED2.onnx ...]

Needs python3-onnx and numpy (Debian's).
"""
import sys

import numpy as np
import onnx


def conv_params(path):
    m = onnx.load(path)
    init = {i.name: i for i in m.graph.initializer}
    n = 0
    for node in m.graph.node:
        if node.op_type == "Conv":
            for x in node.input[1:]:
                if x in init:
                    n += int(np.prod(init[x].dims))
    return n


def main():
    base = conv_params(sys.argv[1])
    print("%s %d" % (sys.argv[1], base))
    for p in sys.argv[2:]:
        c = conv_params(p)
        print("%s %d: %.1f%% of %d removed" % (p, c, 100 * (1 - c / base), base))


if __name__ == "__main__":
    main()
