#!/usr/bin/env python3
"""The torchvision zoo table (issue 73): inspect both exports of each classifier, sweep some, run what was written.

    ZOO=$CORPUS/zoo   # made by scripts/bench/zoo_export.py --out "$ZOO"
    ODF2NNA_HEAP=3g $PYTHON scripts/bench/zoo.py --zoo "$ZOO" [--sweep squeezenet1_0,mobilenet_v2]

For each model exported there (NAME.init.onnx, NAME.trained.onnx): ``bin/odf2nna-onnx inspect --json`` of both, the
share of the parameters in blocks, and whether both list the same blocks (first layer, second layer, width, in order).
For the models named by --sweep (all with --sweep all): ``bin/odf2nna-onnx sweep NAME.init.onnx --train
NAME.train.npz --validation NAME.validation.npz --graph-retrain sequential --max-drop 50 -o NAME.swept.onnx`` (the
rows are noise without labels: the sweep judges agreement with the original; only the write path is checked), then
onnxruntime runs the written model on 4 rows of the input size and its outputs are checked finite and of the
original's shape. Prints a Markdown table; the logs go to NAME.inspect-*.txt and NAME.sweep.txt beside the models.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "bin", "odf2nna-onnx")


def inspect(path):
    """(exit code, JSON or None) of inspect --json."""
    run = subprocess.run([TOOL, "inspect", path, "--json"], capture_output=True, text=True)
    try:
        described = json.loads(run.stdout)
        # A model with a dense chain nests the blocks under denseBlocks; one read by its blocks alone does not.
        return run.returncode, described.get("denseBlocks", described)
    except json.JSONDecodeError:
        return run.returncode, {"error": (run.stderr.strip().splitlines() or ["?"])[-1]}


def signature(described):
    """The blocks as (first, second, width) triples in order, or None where none were read."""
    blocks = described.get("blocks") if described else None
    if blocks is None:
        return None
    return [(b.get("first", b.get("firstNode")), b.get("second", b.get("secondNode")), b.get("width"))
            for b in blocks]


def share(described):
    if not described or described.get("blockShare") is None:
        return None
    return 100.0 * described["blockShare"]


def sweep(zoo, name, extra):
    """(seconds, exit code, written path or None); extra: more sweep options (--max-drop, --allow-slower)."""
    out = os.path.join(zoo, name + ".swept.onnx")
    if os.path.exists(out):
        os.remove(out)
    start = time.time()
    with open(os.path.join(zoo, name + ".sweep.txt"), "w") as log:
        run = subprocess.run([TOOL, "sweep", os.path.join(zoo, name + ".init.onnx"),
                              "--train", os.path.join(zoo, name + ".train.npz"),
                              "--validation", os.path.join(zoo, name + ".validation.npz"),
                              "--graph-retrain", "sequential",
                              *([] if "--max-drop" in extra else ["--max-drop", "50"]), *extra, "-o", out],
                             stdout=log, stderr=subprocess.STDOUT)
    return time.time() - start, run.returncode, out if os.path.exists(out) else None


def ort_runs(original, written, size):
    """Whether onnxruntime runs the written model to finite outputs of the original's shape."""
    import onnxruntime as ort
    x = np.random.default_rng(0).random((4, 3, size, size), dtype=np.float32)
    outputs = []
    for path in (original, written):
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        outputs.append(session.run(None, {session.get_inputs()[0].name: x})[0])
    return outputs[0].shape == outputs[1].shape and bool(np.isfinite(outputs[1]).all())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zoo", required=True)
    ap.add_argument("--sweep", default="", help="models to sweep, comma-separated, or 'all'")
    ap.add_argument("--models", default="", help="only these models, comma-separated (default: every export there)")
    ap.add_argument("--reuse", action="store_true",
                    help="take a sweep already written (NAME.swept.onnx, NAME.sweep.txt) instead of sweeping again")
    ap.add_argument("--extra", default="",
                    help="more sweep options, space-separated, after the defaults (a --max-drop here replaces 50), e.g. "
                         "'--max-drop 90 --allow-slower'; the table's rows then say so")
    args = ap.parse_args()
    names = sorted(f[:-len(".json")] for f in os.listdir(args.zoo) if f.endswith(".json"))
    if args.models:
        names = [n for n in names if n in args.models.split(",")]
    swept = names if args.sweep == "all" else [n for n in args.sweep.split(",") if n]
    rows = []
    for name in names:
        meta = json.load(open(os.path.join(args.zoo, name + ".json")))
        found = {}
        for export in ("init", "trained"):
            path = os.path.join(args.zoo, name + "." + export + ".onnx")
            found[export] = inspect(path) if os.path.exists(path) else (None, None)
        same = signature(found["init"][1]) == signature(found["trained"][1]) \
            and signature(found["init"][1]) is not None
        row = {"model": name, "size": meta["size"], "parameters": meta["parameters"],
               "init": share(found["init"][1]), "trained": share(found["trained"][1]), "same": same,
               "codes": (found["init"][0], found["trained"][0]), "sweep": None}
        if name in swept:
            done = os.path.join(args.zoo, name + ".swept.onnx")
            log = os.path.join(args.zoo, name + ".sweep.txt")
            if args.reuse and os.path.exists(done) and os.path.exists(log):
                seconds, code, written = float("nan"), 0 if "Wrote" in open(log).read() else -1, done
            else:
                seconds, code, written = sweep(args.zoo, name, args.extra.split())
            ran = ort_runs(os.path.join(args.zoo, name + ".init.onnx"), written, meta["size"]) if written else None
            row["sweep"] = (seconds, code, written is not None, ran)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print("| model | input | parameters | % in blocks, as initialised | % in blocks, trained-like | same blocks "
          "| sweep wrote (exit, wall s) | ORT ran it |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        pct = lambda v: "-" if v is None else "%.1f%%" % v
        if r["sweep"] is None:
            wrote, ran = "not swept", ""
        else:
            seconds, code, written, ok = r["sweep"]
            wrote = "%s (exit %d%s)" % ("yes" if written else "no", code,
                                          "" if seconds != seconds else ", %.0f s" % seconds)
            ran = "" if ok is None else ("yes" if ok else "NO")
        if args.extra and r["sweep"] is not None:
            wrote += " with `%s`" % args.extra
        print("| %s | %d | %s | %s | %s | %s | %s | %s |" % (r["model"], r["size"], format(r["parameters"], ","),
              pct(r["init"]), pct(r["trained"]), "yes" if r["same"] else "NO", wrote, ran))
    both = [r for r in rows if (r["init"] or 0) >= 80 and (r["trained"] or 0) >= 80]
    print("\n%d of %d with >= 80%% of their parameters in blocks in both exports; %d of %d list the same blocks in "
          "both." % (len(both), len(rows), sum(r["same"] for r in rows), len(rows)))


if __name__ == "__main__":
    sys.exit(main())
