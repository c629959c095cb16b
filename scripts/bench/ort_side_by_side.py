#!/usr/bin/env python3
"""Times ONNX models side by side in one process with ONNX Runtime, and scores them on labelled CSV rows.

The first model is the baseline (the user's original); every other is timed against it in interleaved repetitions
(baseline, model, baseline, model, ...) so that load on the machine falls on both alike. Each figure is the median
over --repeats runs of one batch, after --warmup runs; one intra-op thread unless --threads says otherwise, ORT's
default graph optimisations (ORT_ENABLE_ALL, as a deployed session has them). Also prints each model's parameters
(initializer elements), multiply-adds per row (Conv, Gemm and MatMul nodes, shapes from ORT's own run of one row),
and, with --rows, its accuracy on those rows (argmax of the first output against the last CSV column).

Usage (needs onnxruntime and onnx; any Python with them):
  python scripts/bench/ort_side_by_side.py ORIGINAL.onnx OTHER.onnx [...] [--rows report.csv] [--batches 1,32]
      [--threads 1] [--repeats 200] [--feed noise|rows] [--json out.json]
"""
import argparse, json, statistics, time
import numpy as np, onnx, onnxruntime as ort
from onnx import numpy_helper, shape_inference


def parameters(model):
    return int(sum(np.prod(t.dims) for t in model.graph.initializer))


def multiply_adds(path, features):
    """Multiply-adds per row of Conv, Gemm and MatMul nodes, from the shapes ORT computes for one row."""
    model = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    wanted = [n for n in model.graph.node if n.op_type in ("Conv", "Gemm", "MatMul")]
    names = {o for n in wanted for o in n.output} | {i for n in wanted for i in n.input if i not in inits}
    known = {o.name for o in model.graph.output}
    for name in sorted(names - known):
        model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    feed = {sess.get_inputs()[0].name: np.zeros((1, features), np.float32)}
    out = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feed)))
    shape = lambda name: inits[name].shape if name in inits else out[name].shape
    total = 0
    for n in wanted:
        y = out[n.output[0]]
        if n.op_type == "Conv":
            w = shape(n.input[1])
            total += int(np.prod(y.shape)) * int(np.prod(w[1:]))
        elif n.op_type == "Gemm":
            trans = next((a.i for a in n.attribute if a.name == "transA"), 0)
            a = shape(n.input[0])
            total += int(np.prod(y.shape)) * int(a[0] if trans else a[-1])
        else:
            total += int(np.prod(y.shape)) * int(shape(n.input[0])[-1])
    return total


def session(path, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def accuracy(sess, rows):
    x, y = rows
    name = sess.get_inputs()[0].name
    pred = np.concatenate([sess.run(None, {name: x[i:i + 256]})[0].argmax(1) for i in range(0, len(x), 256)])
    return float((pred == y).mean())


def timed(sessions, batch, features, warmup, repeats, rows=None):
    """Median ms per run; each run feeds the same uniform noise in [0, 255), or with rows the next batch of them."""
    if rows is None:
        rng = np.random.default_rng(0)
        batches = [rng.uniform(0, 255, (batch, features)).astype(np.float32)]
    else:
        x = rows[0]
        batches = [np.ascontiguousarray(x[(k * batch) % (len(x) - batch):][:batch]) for k in range(64)]
    for s in sessions:
        name = s.get_inputs()[0].name
        for r in range(warmup):
            s.run(None, {name: batches[r % len(batches)]})
    times = [[] for _ in sessions]
    for r in range(repeats):
        for k, s in enumerate(sessions):
            feed = {s.get_inputs()[0].name: batches[r % len(batches)]}
            start = time.perf_counter()
            s.run(None, feed)
            times[k].append(time.perf_counter() - start)
    return [statistics.median(t) * 1000 for t in times]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("models", nargs="+")
    p.add_argument("--rows")
    p.add_argument("--batches", default="1,32")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--repeats", type=int, default=200)
    p.add_argument("--feed", choices=["noise", "rows"], default="noise",
                   help="what the timed runs read: uniform noise in [0, 255) (the default, as the earlier tables "
                        "were timed), or the --rows rows in turn")
    p.add_argument("--json")
    a = p.parse_args()
    sessions = [session(m, a.threads) for m in a.models]
    features = sessions[0].get_inputs()[0].shape[1]
    rows = None
    if a.rows:
        data = np.loadtxt(a.rows, delimiter=",", skiprows=1, dtype=np.float32)
        rows = (data[:, :-1], data[:, -1].astype(np.int64))
    result = [{"model": m, "parameters": parameters(onnx.load(m)), "multiply_adds": multiply_adds(m, features)}
              for m in a.models]
    for r, s in zip(result, sessions):
        if rows is not None:
            r["accuracy"] = accuracy(s, rows)
    for b in map(int, a.batches.split(",")):
        ms = timed(sessions, b, features, a.warmup, a.repeats, rows if a.feed == "rows" else None)
        for r, t in zip(result, ms):
            r[f"ms_batch{b}"] = round(t, 4)
            r[f"ratio_batch{b}"] = round(t / ms[0], 3)
    print(f"onnxruntime {ort.__version__}, {a.threads} intra-op thread(s), median of {a.repeats} after {a.warmup}, "
          f"fed {'uniform noise' if a.feed == 'noise' else 'the rows of ' + a.rows}")
    cols = ["parameters", "multiply_adds"] + (["accuracy"] if rows is not None else []) + \
        [k for b in a.batches.split(",") for k in (f"ms_batch{b}", f"ratio_batch{b}")]
    print("model\t" + "\t".join(cols))
    for r in result:
        print(r["model"] + "\t" + "\t".join(str(r[c]) for c in cols))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
