#!/usr/bin/env python3
"""Layer by layer, a float model against its int8 file in ONNX Runtime's profiler at batch 1.

    ${PYTHON:-python3} scripts/int8/ort_profile_nodes.py FLOAT.onnx INT8.onnx [RUNS=2000] [PREFIX_REGEX]

Each model in its own session (one intra-op thread, the profiler on), RUNS runs of one random row; each kernel's
time per run, summed by the layer its node belongs to (the node name's match of PREFIX_REGEX, by default torchvision's
`/net/features/features.N/conv/conv.M`; a name that does not match stands for itself), then one line per layer: the
difference (int8 minus float, µs), the float time and kernel, the int8 time and kernel; and how many of the int8
file's QLinearConv layers are slower than their float Conv. The profiler adds a few µs to every kernel alike.
"""
import collections
import json
import os
import re
import sys

import numpy as np
import onnxruntime as ort


def profile(path, runs):
    o = ort.SessionOptions()
    o.intra_op_num_threads = 1
    o.inter_op_num_threads = 1
    o.enable_profiling = True
    s = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
    i = s.get_inputs()[0]
    x = np.random.default_rng(1).random((1, i.shape[1]), dtype=np.float32)
    for _ in range(runs):
        s.run(None, {i.name: x})
    f = s.end_profiling()
    with open(f) as h:
        events = json.load(h)
    os.remove(f)
    return [(e["name"][:-len("_kernel_time")], e["args"].get("op_name"), e["dur"] / runs) for e in events
            if e.get("cat") == "Node" and e["name"].endswith("_kernel_time")]


def by_layer(events, pattern):
    time, kernel = collections.defaultdict(float), {}
    for name, op, micros in events:
        m = re.match(pattern, name)
        key = m.group(0) if m else name
        time[key] += micros
        kernel[key] = op
    return time, kernel


def main():
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    pattern = sys.argv[4] if len(sys.argv) > 4 else r"/net/features/features\.\d+(/conv/conv\.\d+)?"
    ft, fk = by_layer(profile(sys.argv[1], runs), pattern)
    qt, qk = by_layer(profile(sys.argv[2], runs), pattern)
    rows = sorted(((qt.get(k, 0) - ft.get(k, 0), k) for k in set(ft) | set(qt)), reverse=True)
    for d, k in rows:
        print(f"{d:+8.2f}  {k[-60:]:60s} {ft.get(k, 0):7.2f} {str(fk.get(k)):18s} {qt.get(k, 0):7.2f} {qk.get(k)}")
    pairs = [d for d, k in rows if fk.get(k) == "Conv" and qk.get(k) == "QLinearConv"]
    print(f"{sum(d > 0 for d in pairs)} of {len(pairs)} QLinearConv layers slower than their float Conv at batch 1")


if __name__ == "__main__":
    main()
