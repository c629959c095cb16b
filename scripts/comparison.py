#!/usr/bin/env python3
"""Regenerates docs/COMPARISON.md: what the default `sweep` hands back on the seven reference models in ../shared, and
whether its promise holds on rows nothing was tuned on.

    ./mvnw -q -B package -DskipTests && python3 scripts/comparison.py [--shared ../shared]

The reference models were trained on every row of their training split, so the only rows they never saw are in the
test file: it is split into two seeded halves (seed 0, the same halves as docs/COMPENSATION.md). The validation half
chooses (`sweep --validation`: early stopping and the choice); the test half only reports. Retraining and least squares
use the whole training split, as the original's training did. `--original-epochs` passes the epochs in each model's
JSON sidecar (what its owner knows), from which retraining takes 15% per round.

Three runs per model, each through `bin/odf2nna-onnx sweep`:
- default: the tool's defaults (progressive pruning, reconstruction-cost ranking, least squares, distillation, the
  95% bound on the validation half);
- strict: `--strict` (epochs picked and the search guided on training rows; the validation half only walks the chain
  of rounds once, from the largest, so that the 95% holds for the whole run);
- paper: `--paper` (the ε grid, unit std, mean folding, retraining on the targets, the paper's choice rule);
- for LeNet-300-100 also label-free: the training file without its label column (retraining by distillation alone).

`--halves-seed N` splits each test file with another seed: the published table uses 0; other seeds show how much
the verdicts depend on which rows fall in which half.

A choice holds when its test-half metric is within 1 accuracy point (classification) or 10% of MSE (regression) of the
original's on the same test half. Standard library only.
"""
import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = [  # model, peer reduction (%): best of an independent ODF2NNA implementation and Torch-Pruning
    ("iris_4-10-3_relu", 86.7),
    ("cancer_9-10-2_relu", 88.5),
    ("diabetes_8-12-12-2_matmul_add", 94.8),
    ("spambase_57-64-64-64-2_relu", 78.3),
    ("pole_26-32-32-32-1_relu", 83.1),
    ("compactiv_21-32-32-32-1_relu_norm", 76.0),
    ("mnist_lenet300-100_relu", 87.2),
]
BEGIN = "<!-- comparison:begin -->"
END = "<!-- comparison:end -->"


def splits(shared, name):
    dataset = name.split("_")[0]
    if dataset == "mnist":
        return (os.path.join(shared, "data", "mnist-train.csv.gz"), os.path.join(shared, "data", "mnist-test.csv.gz"))
    return (os.path.join(shared, "data", "splits", dataset + "-train.csv"),
            os.path.join(shared, "data", "splits", dataset + "-test.csv"))


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return [line for line in f.read().splitlines() if line.strip()]


def halves(shared, name, tmp, seed=0):
    """The test file split into seeded halves (validation, test)."""
    _, test = splits(shared, name)
    suffix = "" if seed == 0 else "-seed%d" % seed
    validation_file = os.path.join(tmp, name + suffix + "-validation.csv")
    test_file = os.path.join(tmp, name + suffix + "-test.csv")
    if not os.path.exists(validation_file):
        lines = read_lines(test)
        header, rows = lines[0], lines[1:]
        order = list(range(len(rows)))
        random.Random(seed).shuffle(order)
        cut = len(rows) // 2
        for path, part in ((validation_file, order[:cut]), (test_file, order[cut:])):
            with open(path, "w") as f:
                f.write("\n".join([header] + [rows[i] for i in sorted(part)]) + "\n")
    return validation_file, test_file


def unlabelled(train, tmp):
    """The training file without its last (label) column."""
    path = os.path.join(tmp, "unlabelled-" + os.path.basename(train).replace(".gz", ""))
    if not os.path.exists(path):
        with open(path, "w") as f:
            for line in read_lines(train):
                f.write(line.rsplit(",", 1)[0] + "\n")
    return path


def sweep(shared, name, tmp, tag, extra, train=None, seed=0):
    default_train, _ = splits(shared, name)
    validation, test = halves(shared, name, tmp, seed)
    sidecar = json.load(open(os.path.join(shared, "models", name + ".json")))
    report = os.path.join(tmp, "%s-%s.json" % (name, tag))
    command = [os.path.join(ROOT, "bin", "odf2nna-onnx"), "-q", "sweep", os.path.join(shared, "models", name + ".onnx"),
               "--eval", test, "--train", train or default_train, "--validation", validation,
               "-o", os.path.join(tmp, "%s-%s.onnx" % (name, tag)), "--report", report,
               "--original-epochs", str(sidecar["training"]["epochs"])] + extra
    start = time.time()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.time() - start
    if done.returncode not in (0, 3):
        sys.exit("%s failed (exit %d): %s" % (" ".join(command), done.returncode, done.stderr.strip()))
    return json.load(open(report)), seconds


def result(report, seconds):
    table = report["table"]
    regression = table["task"] == "regression"
    key = "mse" if regression else "accuracy"
    original = table["originalMetrics"][key]
    chosen = None if report.get("chosen") is None else table["outcomes"][report["chosen"]]
    if chosen is None:
        return {"reduction": 0.0, "architecture": table["original"]["architecture"], "original": original,
                "test": None, "holds": None, "seconds": seconds, "regression": regression, "rounds": len(table["outcomes"])}
    metric = chosen["retrained"] if chosen["retrained"] is not None else chosen["pruned"]
    value = metric[key]
    holds = value <= original * 1.10 if regression else value >= original - 0.01 - 1e-12
    return {"reduction": chosen["reductionPercent"], "architecture": chosen["network"]["architecture"],
            "original": original, "test": value, "holds": holds, "seconds": seconds, "regression": regression,
            "rounds": len(table["outcomes"])}


def figure(value, regression):
    if value is None:
        return "-"
    return "%.4g" % value if regression else "%.2f%%" % (100 * value)


def cell(r):
    if r["test"] is None:
        return "nothing written (exit 3)", "-", "-"
    mark = "✓" if r["holds"] else "✗"
    return ("%.1f%% (%s)" % (r["reduction"], r["architecture"]),
            "%s vs %s %s" % (figure(r["test"], r["regression"]), figure(r["original"], r["regression"]), mark),
            "%.0f s" % r["seconds"])


def render(rows, label_free, command):
    out = [BEGIN, "", "Regenerate with `%s` (on 2 cores; the default runs took %.0f s in all)." % (
        command, sum(r["default"]["seconds"] for r in rows)), ""]
    out.append("| model | peers | default: fewer parameters (architecture) | test half: chosen vs original | time "
               "| `--strict`: fewer parameters | test half | time | paper's rule: fewer parameters | test half | time |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        d = cell(r["default"])
        t = cell(r["strict"])
        p = cell(r["paper"])
        peer = "%.1f%%" % r["peer"]
        beat = " ≥ peers" if r["default"]["holds"] and r["default"]["reduction"] >= r["peer"] else ""
        strict_beat = " ≥ peers" if r["strict"]["holds"] and r["strict"]["reduction"] >= r["peer"] else ""
        out.append("| %s | %s | %s%s | %s | %s | %s%s | %s | %s | %s | %s | %s |" % (
            r["name"], peer, d[0], beat, d[1], d[2], t[0], strict_beat, t[1], t[2], p[0], p[1], p[2]))
    for tag, words in (("default", "Default"), ("strict", "`--strict`")):
        ran = [r for r in rows if r[tag]["original"] is not None]
        if not ran:
            continue
        written = sum(1 for r in ran if r[tag]["test"] is not None)
        holds = sum(1 for r in ran if r[tag]["holds"])
        beats = sum(1 for r in ran if r[tag]["holds"] and r[tag]["reduction"] >= r["peer"])
        out += ["", "%s: wrote a model for %d of %d; the choice holds on the test half for %d of %d models; its "
                "reduction reaches the peer figure on %d of %d." % (words, written, len(ran), holds, len(ran), beats,
                                                                    len(ran))]
    if label_free is not None:
        d = cell(label_free)
        out += ["", "Label-free (LeNet-300-100, `--train` without its label column, retraining by distillation alone, "
                "the labelled validation half choosing): %s; test half %s; %s." % d]
    out += ["", END]
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--models", default=None, help="comma-separated subset of the model names")
    parser.add_argument("--no-paper", action="store_true", help="leave out the paper's rule")
    parser.add_argument("--no-label-free", action="store_true", help="leave out the label-free LeNet run")
    parser.add_argument("--no-strict", action="store_true", help="leave out the --strict runs")
    parser.add_argument("--write", default=os.path.join(ROOT, "docs", "COMPARISON.md"),
                        help="Markdown file whose generated section is replaced ('-': print only)")
    parser.add_argument("--keep", default=None, help="keep the reports in this folder")
    parser.add_argument("--halves-seed", type=int, default=0,
                        help="seed of the split of each test file into halves (the published table uses 0)")
    parser.add_argument("--extra", default="", help="more sweep options for the default runs, space-separated")
    args = parser.parse_args()
    shared = os.path.abspath(args.shared)
    models = MODELS if args.models is None else [m for m in MODELS if m[0] in args.models.split(",")]
    rows = []
    label_free = None
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        os.makedirs(tmp, exist_ok=True)
        for name, peer in models:
            default = result(*sweep(shared, name, tmp, "default", args.extra.split(), seed=args.halves_seed))
            print(name, "default", default, flush=True)
            skipped = {"reduction": 0, "architecture": "-", "original": None, "test": None, "holds": None, "seconds": 0,
                       "regression": default["regression"]}
            paper = dict(skipped)
            if not args.no_paper:
                paper = result(*sweep(shared, name, tmp, "paper", ["--paper"], seed=args.halves_seed))
                print(name, "paper", paper, flush=True)
            strict = dict(skipped)
            if not args.no_strict:
                strict = result(*sweep(shared, name, tmp, "strict", ["--strict"] + args.extra.split(),
                                       seed=args.halves_seed))
                print(name, "strict", strict, flush=True)
            rows.append({"name": name, "peer": peer, "default": default, "paper": paper, "strict": strict})
            if name.startswith("mnist") and not args.no_label_free:
                train, _ = splits(shared, name)
                label_free = result(*sweep(shared, name, tmp, "label-free", [], train=unlabelled(train, tmp),
                                          seed=args.halves_seed))
                print(name, "label-free", label_free, flush=True)
    text = render(rows, label_free, "python3 scripts/comparison.py" + (
        " --halves-seed %d" % args.halves_seed if args.halves_seed else ""))
    if args.write == "-":
        print(text)
        return
    doc = open(args.write).read() if os.path.exists(args.write) else BEGIN + "\n" + END + "\n"
    start, end = doc.index(BEGIN), doc.index(END) + len(END)
    open(args.write, "w").write(doc[:start] + text + doc[end:])
    print("wrote", args.write)


if __name__ == "__main__":
    main()
