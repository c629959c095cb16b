#!/usr/bin/env python3
"""How ONNX Runtime's CPU provider lays out each model's convolutions, and how fast it runs them (issue 69,
--round-to). Run from the repository root with a Python that has onnxruntime, numpy and onnx:
    python scripts/checks/nchwc.py MODEL.onnx [MORE.onnx ...] [--rows ROWS.csv] [--runs 200]
For each model: the number of NCHWc convolutions (blocked layout), plain Conv/FusedConv and Reorder nodes in the
graph ONNX Runtime optimises it to (all optimisations, one thread), then the median latency of one row and of a batch of 32
rows, one intra-op thread, the models interleaved run by run so that the machine's load falls on all alike. Rows: the
first 32 of ROWS.csv (its label column, if named label, left out), else uniform noise in [0, 255)."""
import argparse
import collections
import os
import statistics
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort


def session(path, optimized=None):
    o = ort.SessionOptions()
    o.intra_op_num_threads = 1
    o.inter_op_num_threads = 1
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    o.log_severity_level = 3
    if optimized:
        o.optimized_model_filepath = optimized
    return ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])


def layout(path):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "opt.onnx")
        session(path, out)
        ops = collections.Counter((n.domain, n.op_type) for n in onnx.load(out, load_external_data=False).graph.node)
    nchwc = sum(v for (d, op), v in ops.items() if d == "com.microsoft.nchwc" and op == "Conv")
    plain = sum(v for (d, op), v in ops.items() if d != "com.microsoft.nchwc" and op in ("Conv", "FusedConv"))
    reorder = sum(v for (d, op), v in ops.items() if op in ("ReorderInput", "ReorderOutput"))
    return nchwc, plain, reorder


def rows(path, s, count):
    inp = s.get_inputs()[0]
    width = int(np.prod([d for d in inp.shape[1:] if isinstance(d, int)]))
    if path:
        import pandas as pd
        df = pd.read_csv(path, nrows=count)
        df = df.drop(columns=[c for c in df.columns if c == "label"])
        x = df.to_numpy(np.float32)[:, :width]
    else:
        x = np.random.default_rng(0).uniform(0, 255, (count, width)).astype(np.float32)
    return inp.name, x.reshape([count] + [d for d in inp.shape[1:]])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("models", nargs="+")
    p.add_argument("--rows")
    p.add_argument("--runs", type=int, default=200)
    a = p.parse_args()
    sessions = [session(m) for m in a.models]
    name, x = rows(a.rows, sessions[0], 32)
    times = {m: {1: [], 32: []} for m in a.models}
    for _ in range(a.runs):
        for m, s in zip(a.models, sessions):
            for b in (1, 32):
                t = time.perf_counter()
                s.run(None, {name: x[:b]})
                times[m][b].append(time.perf_counter() - t)
    base = a.models[0]
    for m in a.models:
        n, plain, reorder = layout(m)
        t1 = statistics.median(times[m][1]) * 1e3
        t32 = statistics.median(times[m][32]) * 1e3
        r1 = t1 / (statistics.median(times[base][1]) * 1e3)
        r32 = t32 / (statistics.median(times[base][32]) * 1e3)
        print(f"{m}: {n} NCHWc Conv, {plain} Conv/FusedConv, {reorder} Reorder; batch 1 {t1:.3f} ms ({r1:.2f}x), "
              f"batch 32 {t32:.3f} ms ({r32:.2f}x)")


if __name__ == "__main__":
    main()
