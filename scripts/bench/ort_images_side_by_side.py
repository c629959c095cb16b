#!/usr/bin/env python3
"""Times ONNX image models (a detector, a CNN) side by side in one process with ONNX Runtime, one image a run.

The first model is the baseline (the user's original); every other is timed against it in interleaved runs
(baseline, model, baseline, model, ...) so that load on the machine falls on all alike. Each figure is the median over
--repeats runs of one image of uniform noise shaped as the baseline's first input (a fixed batch of 1, or 1 on a
dynamic axis), after 20 warm-up runs; one intra-op thread unless --threads says otherwise; ONNX Runtime's default
graph optimisations (ORT_ENABLE_ALL, as a deployed session has them). Prints each model's median in µs and its ratio
to the baseline's. docs/tasks/detector.md ("The latency bar") rests on three passes of it.

With --alone K, each model is instead timed alone in a process of its own (as a deployed model runs, one request
after another), the models' processes taking turns, K rounds: each figure is the median of the rounds' medians.
Alternating run by run in one process evicts each model's weights from the caches between its runs; on the YOLOv8n
the pruned model's gain was 0.77x that way and 0.72x alone (docs/tasks/detector.md, "A second YOLOv8n").

Usage (needs onnxruntime and numpy; any Python with them):
  python scripts/bench/ort_images_side_by_side.py ORIGINAL.onnx OTHER.onnx [...] [--repeats 400] [--threads 1]
      [--alone K]
"""
import argparse, statistics, subprocess, sys, time
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
    p.add_argument("--alone", type=int, default=0, help="time each model in its own process, K rounds")
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a child of --alone: prints its median
    a = p.parse_args()
    if a.alone:
        return alone(a)
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
    if a.one:
        print(medians[0])
        return
    print("input %s, %d runs each, %d thread(s), onnxruntime %s" % (shape, a.repeats, a.threads, ort.__version__))
    for path, m in zip(a.models, medians):
        print("%9.0f us  %.3fx  %s" % (m, m / medians[0], path))


def alone(a):
    rounds = [[float(subprocess.run([sys.executable, __file__, m, "--one", "--repeats", str(a.repeats), "--threads",
                                     str(a.threads)], check=True, capture_output=True, text=True).stdout)
               for m in a.models] for _ in range(a.alone)]
    medians = [statistics.median(r[i] for r in rounds) for i in range(len(a.models))]
    print("each model alone in its process, %d rounds of %d runs, %d thread(s), onnxruntime %s"
          % (a.alone, a.repeats, a.threads, ort.__version__))
    for i, (path, m) in enumerate(zip(a.models, medians)):
        ratios = [r[i] / r[0] for r in rounds]
        print("%9.0f us  %.3fx (rounds %.3fx to %.3fx)  %s" % (m, m / medians[0], min(ratios), max(ratios), path))


if __name__ == "__main__":
    main()
