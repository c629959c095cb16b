#!/usr/bin/env python3
"""Times ONNX image models (a detector, a CNN) side by side in one process with ONNX Runtime, one image a run.

The first model is the baseline (the user's original); every other is timed against it in interleaved runs
(baseline, model, baseline, model, ...) so that load on the machine falls on all alike. Each figure is the median over
--repeats runs of one image of uniform noise shaped as the baseline's first input (a fixed batch of 1, or 1 on a
dynamic axis), after 20 warm-up runs; one intra-op thread unless --threads says otherwise; ONNX Runtime's default
graph optimisations (ORT_ENABLE_ALL, as a deployed session has them). Prints each model's median in µs and its ratio
to the baseline's. docs/tasks/detector.md ("The latency bar") rests on three passes of it.

Usage (needs onnxruntime and numpy; any Python with them):
  python scripts/bench/ort_images_side_by_side.py ORIGINAL.onnx OTHER.onnx [...] [--repeats 400] [--threads 1]
"""
import argparse, statistics, time
import numpy as np, onnxruntime as ort


def session(path, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="+")
    p.add_argument("--repeats", type=int, default=400)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    sessions = [session(m, a.threads) for m in a.models]
    first = sessions[0].get_inputs()[0]
    shape = [d if isinstance(d, int) and d > 0 else 1 for d in first.shape]
    image = np.random.default_rng(0).random(shape, dtype=np.float32)
    feeds = [{s.get_inputs()[0].name: image} for s in sessions]
    for s, f in zip(sessions, feeds):
        for _ in range(20):
            s.run(None, f)
    times = [[] for _ in sessions]
    for _ in range(a.repeats):
        for i, (s, f) in enumerate(zip(sessions, feeds)):
            t = time.perf_counter()
            s.run(None, f)
            times[i].append(time.perf_counter() - t)
    medians = [statistics.median(t) * 1e6 for t in times]
    print("input %s, %d runs each, %d thread(s), onnxruntime %s" % (shape, a.repeats, a.threads, ort.__version__))
    for path, m in zip(a.models, medians):
        print("%9.0f us  %.3fx  %s" % (m, m / medians[0], path))


if __name__ == "__main__":
    main()
