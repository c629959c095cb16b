#!/usr/bin/env python3
"""ONNX Runtime's own quantize_static against the tool's int8 file, side by side.

    ${PYTHON:-python3} scripts/int8/ort_quantize_static.py ORIGINAL.onnx TRAIN.csv[.gz] TEST.csv[.gz] OUTDIR \
        [--input PRUNED.onnx] [--tool TOOL_INT8.onnx ...] [--calibration-rows 1000] [--repeats 7] \
        [--only NAME,NAME ...]

Quantizes INPUT (the pruned float model; the original when --input is absent) with
onnxruntime.quantization.quantize_static in the QDQ format, per-channel int8 weights, uint8 activations, MinMax
calibration on the first --calibration-rows rows of TRAIN (the rows `convert --quantize int8 --train` calibrates on),
after quant_pre_process as ONNX Runtime's documentation asks, and writes OUTDIR/ort_qdq.onnx; each --only writes
OUTDIR/ort_qdq_only_K.onnx too, the same with only the Conv and Gemm nodes whose names contain one of its
comma-separated substrings quantized and the others left float. Then it times every
model (the original float model, INPUT, ORT's file and each --tool file) in ONNX Runtime, one intra-op thread and one
inter-op thread each,
side by side in this one process: batch 1 and batch 32 on test rows, the models run in turn run by run (300 runs at
batch 1 and 40 at batch 32 per repetition, --repeats repetitions, so that the machine's other work falls on each alike),
and prints per model the median and the fastest run at each batch, the median against the original float model's,
its bytes, its operator domains and its accuracy on the TEST rows (all of them, batch 256). On a loaded machine the
fastest run is the steadier figure.

CSV rows: a header line, feature columns, the label in the last column (the shared MNIST files).
"""
import argparse
import gzip
import os
import sys
import time
from collections import Counter

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process


def read_rows(path, limit=None):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",", skiprows=1, max_rows=limit, dtype=np.float32)
    return data[:, :-1], data[:, -1].astype(np.int64)


class Rows(CalibrationDataReader):
    def __init__(self, name, x):
        self.name, self.x, self.i = name, x, 0

    def get_next(self):
        if self.i >= len(self.x):
            return None
        self.i += 1
        return {self.name: self.x[self.i - 1:self.i]}


def session(path):
    o = ort.SessionOptions()
    o.intra_op_num_threads = 1
    o.inter_op_num_threads = 1
    o.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])


def median_micros(s, name, x, batch, runs):
    t = []
    n = len(x) - batch
    for r in range(runs):
        k = (r * batch) % n
        feed = {name: x[k:k + batch]}
        a = time.perf_counter_ns()
        s.run(None, feed)
        t.append(time.perf_counter_ns() - a)
    return float(np.median(t)) / 1e3


def accuracy(s, name, x, y):
    hits = 0
    for k in range(0, len(x), 256):
        out = s.run(None, {name: x[k:k + 256]})[0]
        hits += int((out.argmax(axis=1) == y[k:k + 256]).sum())
    return hits / len(x)


def domains(path):
    m = onnx.load(path)
    ops = Counter((n.domain or "ai.onnx") for n in m.graph.node)
    return ", ".join(f"{d} {c}" for d, c in sorted(ops.items()))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("original")
    p.add_argument("train")
    p.add_argument("test")
    p.add_argument("outdir")
    p.add_argument("--input")
    p.add_argument("--tool", action="append", default=[])
    p.add_argument("--calibration-rows", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--only", action="append", default=[])
    a = p.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    source = a.input or a.original
    name = onnx.load(source).graph.input[0].name
    calib, _ = read_rows(a.train, a.calibration_rows)
    pre = os.path.join(a.outdir, "ort_pre.onnx")
    qdq = os.path.join(a.outdir, "ort_qdq.onnx")
    quant_pre_process(source, pre)
    quantize_static(pre, qdq, Rows(name, calib), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    models = [("the original float model", a.original)]
    if a.input:
        models.append(("the pruned float input", a.input))
    models.append(("ORT quantize_static (QDQ, per-channel)", qdq))
    layers = [n.name for n in onnx.load(pre).graph.node if n.op_type in ("Conv", "Gemm")]
    for k, only in enumerate(a.only):
        parts = [s for s in only.split(",") if s]
        float_layers = [n for n in layers if not any(s in n for s in parts)]
        path = os.path.join(a.outdir, f"ort_qdq_only_{k}.onnx")
        quantize_static(pre, path, Rows(name, calib), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, nodes_to_exclude=float_layers)
        models.append((f"ORT quantize_static, {len(layers) - len(float_layers)} of {len(layers)} layers int8 "
                       f"({only})", path))
    models += [(f"tool: {os.path.basename(t)}", t) for t in a.tool]
    x, y = read_rows(a.test)
    sessions = [session(path) for _, path in models]
    for s in sessions:
        median_micros(s, name, x, 1, 50)
        median_micros(s, name, x, 32, 10)
    one = [[] for _ in models]
    big = [[] for _ in models]
    for r in range(a.repeats):
        # Run by run, the models in turn: what the machine's other work costs falls on each of them alike.
        for k in range(300):
            for i in range(len(models)):
                one[i].append(median_micros(sessions[i], name, x[k:], 1, 1))
        for k in range(40):
            for i in range(len(models)):
                big[i].append(median_micros(sessions[i], name, x[(32 * k) % (len(x) - 64):], 32, 1))
    o1 = float(np.median(one[0]))
    o32 = float(np.median(big[0]))
    print(f"ONNX Runtime {ort.__version__}, one intra-op thread, {a.repeats} repetitions of the models run in turn run by run, medians; "
          f"calibration: first {len(calib)} rows of {os.path.basename(a.train)}; accuracy on {len(x)} rows of "
          f"{os.path.basename(a.test)}")
    print(f"| model | bytes | operators by domain | accuracy | batch 1 µs median (fastest) | x original | "
          f"batch 32 µs median (fastest) | x original |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for i, (label, path) in enumerate(models):
        m1 = float(np.median(one[i]))
        m32 = float(np.median(big[i]))
        f1, f32 = min(one[i]), min(big[i])
        print(f"| {label} | {os.path.getsize(path):,} | {domains(path)} | {100 * accuracy(sessions[i], name, x, y):.2f}% "
              f"| {m1:.1f} ({f1:.1f}) | {m1 / o1:.3f} ({f1 / min(one[0]):.3f}) | {m32:.1f} ({f32:.1f}) "
              f"| {m32 / o32:.3f} ({f32 / min(big[0]):.3f}) |")


if __name__ == "__main__":
    sys.exit(main())
