#!/usr/bin/env python3
"""Runs `sweep` with defaults on the dense-block graph models (ViT, MLP-Mixer, inverted-residual CNN with
squeeze-excite) over MNIST test halves and tabulates what was written, as docs/research/COMPARISON.md's "Graph models" section
shows it.

    ./mvnw -q -B -o package -DskipTests && python3 scripts/comparison/graph_sweeps.py [--shared ../shared] [--seeds 20-24] \
        [--graph-retrain end-to-end|sequential] [--cache docs/research/graph-retrain-runs.jsonl] [--jobs 2]

Splits: scripts/comparison/comparison.py's, unchanged: for seed s the 10,000 MNIST test rows are shuffled with
random.Random(s) and cut in two; the first half validates (`--validation`: it only judges the rounds), the second only
reports (`--eval`). Units are measured on the first 3,000 rows of the MNIST training file (`--train`), as the models
were trained on it. A written model breaks its promise when its accuracy on the report half is more than 1 point below
the original's there. Runs are cached in docs/research/graph-sweep-runs.jsonl (--fresh empties it). Standard library only.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from comparison import halves, seeds_of  # noqa: E402

MODELS = ["vit_mnist_d48x3_gelu", "mixer_mnist_d64x3_gelu", "mbconv_mnist_se_relu6"]
TARGET = {"vit_mnist_d48x3_gelu": "≥ 60% (issue 39), ≥ 85% (issue 40) of block parameters",
          "mixer_mnist_d64x3_gelu": "≥ 30% of block parameters", "mbconv_mnist_se_relu6": "≥ 30% of block parameters"}


def run(tool, shared, name, seed, tmp, retrain=None):
    model = os.path.join(shared, "models", "graphs", name + ".onnx")
    validation, report_half = halves(os.path.join(shared, "data", "mnist-test.csv.gz"), tmp, "mnist", seed)
    out = os.path.join(tmp, "%s-s%d.onnx" % (name, seed))
    report = os.path.join(tmp, "%s-s%d.json" % (name, seed))
    for stale in (out, report):
        if os.path.exists(stale):
            os.remove(stale)
    command = [tool, "-q", "sweep", model, "--train", os.path.join(shared, "data", "mnist-train.csv.gz"),
               "--validation", validation, "--eval", report_half, "-o", out, "--report", report]
    if retrain:
        command += ["--graph-retrain", retrain]
    start = time.time()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    record = {"model": name, "seed": seed, "exit": done.returncode, "seconds": round(time.time() - start, 1)}
    if done.returncode not in (0, 3) or not os.path.exists(report):
        sys.exit("%s failed (exit %d): %s" % (" ".join(command), done.returncode, done.stderr.strip()))
    data = json.load(open(report))
    original = data["report"]["accuracy"]
    record["retraining"] = data.get("retraining", "sequential refit alone")
    record.update({"original": original, "rounds": len(data["rounds"]),
                   "blockParameters": data["blocks"]["blockParameters"]})
    if data.get("chosen") is None:
        record.update({"written": False, "blockReduction": 0.0, "reduction": 0.0})
        return record
    chosen = data["rounds"][data["chosen"]]
    value = chosen["report"]["accuracy"]
    record.update({"written": True, "blockReduction": chosen["blockReductionPercent"],
                   "reduction": chosen["reductionPercent"], "widths": chosen["widths"], "test": value,
                   "holds": value >= original - 0.01 - 1e-12})
    return record


def render(records, seeds):
    lines = ["| model | splits | written | block parameters removed (median, min–max) | all parameters removed "
             "(median) | report-half Δ accuracy (median, worst) | broke the promise | target |",
             "|---|---|---|---|---|---|---|---|"]
    for name in MODELS:
        rs = [r for r in records if r["model"] == name and r["seed"] in seeds]
        if not rs:
            continue
        written = [r for r in rs if r["written"]]
        red = sorted(r["blockReduction"] for r in rs)
        allred = sorted(r["reduction"] for r in rs)
        deltas = sorted(100 * (r["test"] - r["original"]) for r in written)
        broke = sum(1 for r in written if not r["holds"])
        med = lambda xs: xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
        lines.append("| %s | %d | %d | %.1f%% (%.1f–%.1f) | %.1f%% | %s | %d of %d | %s |" % (
            name, len(rs), len(written), med(red), red[0], red[-1], med(allred),
            ("%+.2f, %+.2f" % (med(deltas), deltas[0])) if deltas else "–", broke, len(written), TARGET[name]))
    lines += ["", "Per split (block parameters removed; report-half accuracy of the written model against the original's):",
              "", "| model | " + " | ".join("seed %d" % s for s in seeds) + " |",
              "|---|" + "---|" * len(seeds)]
    for name in MODELS:
        by_seed = {r["seed"]: r for r in records if r["model"] == name and r["seed"] in seeds}
        if not by_seed:
            continue
        cells = []
        for seed in seeds:
            r = by_seed.get(seed)
            if r is None:
                cells.append("–")
            elif not r["written"]:
                cells.append("nothing written")
            else:
                cells.append("%.1f%%: %.2f vs %.2f" % (r["blockReduction"], 100 * r["test"], 100 * r["original"]))
        lines.append("| %s | %s |" % (name, " | ".join(cells)))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--seeds", default="20-24")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--cache", default=os.path.join(ROOT, "docs", "research", "graph-sweep-runs.jsonl"))
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--render-only", action="store_true")
    parser.add_argument("--tool", default=os.path.join(ROOT, "bin", "odf2nna-onnx"),
                        help="the launcher to run (a copy keeps a long run apart from rebuilds)")
    parser.add_argument("--jobs", type=int, default=1, help="sweeps run at once (each trains on one thread)")
    parser.add_argument("--graph-retrain", choices=["end-to-end", "sequential"], default=None,
                        help="passed to sweep (default: sweep's own, end-to-end); runs are cached apart by it")
    args = parser.parse_args()
    seeds = seeds_of(args.seeds)
    tool = args.tool
    if args.fresh and os.path.exists(args.cache):
        os.remove(args.cache)
    records = {}
    if os.path.exists(args.cache):
        for line in open(args.cache):
            if line.strip():
                r = json.loads(line)
                # Runs from before end-to-end retraining was the default record none: the refit alone.
                kind = "end-to-end" if r.get("retraining", "").startswith("end to end") else "sequential"
                if kind == (args.graph_retrain or "end-to-end"):
                    records[(r["model"], r["seed"])] = r
    if not args.render_only:
        tmp = tempfile.mkdtemp(prefix="graph-sweeps-", dir=os.environ.get("TMPDIR"))
        todo = [(name, seed) for seed in seeds for name in args.models.split(",") if (name, seed) not in records]
        # The halves of one seed are written once, before the sweeps that read them run side by side.
        for seed in sorted({seed for _, seed in todo}):
            halves(os.path.join(args.shared, "data", "mnist-test.csv.gz"), tmp, "mnist", seed)
        lock = threading.Lock()

        def one(job):
            name, seed = job
            r = run(tool, args.shared, name, seed, tmp, args.graph_retrain)
            with lock:
                records[(name, seed)] = r
                with open(args.cache, "a") as f:
                    f.write(json.dumps(r) + "\n")
                print("%s s%d: exit %d, block params -%.1f%%, %s (%.0fs)" % (
                    name, seed, r["exit"], r["blockReduction"],
                    ("report %.2f%% vs %.2f%%" % (100 * r["test"], 100 * r["original"])) if r["written"]
                    else "nothing written", r["seconds"]), flush=True)

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for done in pool.map(one, todo):
                pass
    print(render(list(records.values()), seeds))


if __name__ == "__main__":
    main()
