#!/usr/bin/env python3
"""Where the time goes in ONNX Runtime, by operator, for float and int8 files side by side.

    ${PYTHON:-python3} scripts/int8/ort_profile.py ROWS.csv[.gz] BATCH RUNS MODEL.onnx [MODEL.onnx ...]

Each model in its own session (one intra-op thread, ORT's profiler on), RUNS runs at BATCH rows of ROWS (a header
line, features, the label last); prints per model the operators' total time per run in µs by the kernel ONNX Runtime
ran (after its fusions: QLinearConv, QGemm, NCHWc Conv, Transpose ...) and the share of the whole run.
"""
import gzip
import json
import os
import sys
import tempfile
from collections import defaultdict

import numpy as np
import onnx
import onnxruntime as ort


def main():
    rows, batch, runs, models = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    opener = gzip.open if rows.endswith(".gz") else open
    with opener(rows, "rt") as f:
        x = np.loadtxt(f, delimiter=",", skiprows=1, max_rows=max(batch, 64), dtype=np.float32)[:, :-1]
    while len(x) < batch:
        x = np.concatenate([x, x])
    feed = x[:batch]
    for path in models:
        o = ort.SessionOptions()
        o.intra_op_num_threads = 1
        o.inter_op_num_threads = 1
        o.enable_profiling = True
        o.profile_file_prefix = os.path.join(tempfile.mkdtemp(), "p")
        s = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
        name = onnx.load(path).graph.input[0].name
        for _ in range(20):
            s.run(None, {name: feed})
        for _ in range(runs):
            s.run(None, {name: feed})
        events = json.load(open(s.end_profiling()))
        by = defaultdict(float)
        count = defaultdict(int)
        total = 0.0
        for e in events:
            if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
                op = e["args"].get("op_name", "?")
                by[op] += e["dur"]
                count[op] += 1
            if e.get("cat") == "Session" and e["name"] == "model_run":
                total += e["dur"]
        n = runs + 20
        print(f"{os.path.basename(path)}: batch {batch}, {total / n:.1f} µs a run (operators {sum(by.values()) / n:.1f})")
        for op, t in sorted(by.items(), key=lambda kv: -kv[1]):
            print(f"  {op:28s} {t / n:9.1f} µs  {100 * t / max(total, 1):5.1f}%  ({count[op] // n} nodes)")


if __name__ == "__main__":
    main()
