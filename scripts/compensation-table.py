#!/usr/bin/env python3
"""Regenerates the tables of docs/COMPENSATION.md: the best parameter reduction within tolerance on the reference
models in ../shared, per unit score (std, impact) and compensation (mean folding, least squares), without and with
retraining.

    ./mvnw -q -B package -DskipTests && python3 scripts/compensation-table.py [--shared ../shared] [--steps 24]

For each model and each (score, compensation) it runs one `sweep` on the seeded train split: a fine ε grid derived
from the spread of the scores, least squares fitted on the training part of the split, every pruned network retrained
for the epochs given below. Every choice is made on the validation part of the train split (held out from the
fitting and the retraining); the test split is only reported. The chosen model per column is the one with the largest
parameter reduction whose validation metric is within 1 accuracy point (classification) or 10% of MSE (regression) of
the original's on the same validation rows: without retraining by the pruned network's validation metric (PWR), with
retraining by the retrained network's (PR). Standard library only.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = [  # model, target reduction (%) that an independent implementation and Torch-Pruning reached
    ("iris_4-10-3_relu", 86),
    ("cancer_9-10-2_relu", 88),
    ("diabetes_8-12-12-2_matmul_add", 94),
    ("spambase_57-64-64-64-2_relu", 78),
    ("pole_26-32-32-32-1_relu", 83),
    ("compactiv_21-32-32-32-1_relu_norm", 76),
    ("mnist_lenet300-100_relu", 87),
]
SCORES = ["std", "impact"]
COMPENSATIONS = ["mean", "lsq"]
BEGIN = "<!-- compensation-table:begin -->"
END = "<!-- compensation-table:end -->"


def splits(shared, name):
    dataset = name.split("_")[0]
    if dataset == "mnist":
        return (os.path.join(shared, "data", "mnist-train.csv.gz"), os.path.join(shared, "data", "mnist-test.csv.gz"))
    return (os.path.join(shared, "data", "splits", dataset + "-train.csv"),
            os.path.join(shared, "data", "splits", dataset + "-test.csv"))


def within(value, original, regression):
    if value is None:
        return False
    if regression:
        return value <= original * 1.10
    return value >= original - 0.01 - 1e-12


def best(report, key, regression):
    """The outcome with the largest reduction whose validation figure (training[key]) is within tolerance."""
    original = report["table"]["retraining"]["originalValidationMetric"]
    chosen = None
    for o in report["table"]["outcomes"]:
        if within(o["training"][key], original, regression):
            if chosen is None or o["reductionPercent"] > chosen["reductionPercent"] or (
                    o["reductionPercent"] == chosen["reductionPercent"]
                    and better(o["training"][key], chosen["training"][key], regression)):
                chosen = o
    return chosen


def better(a, b, regression):
    return a < b if regression else a > b


def figure(value, regression):
    if value is None:
        return "-"
    return "%.4g" % value if regression else "%.2f%%" % (100 * value)


def test_figure(metrics, regression):
    if metrics is None:
        return "-"
    return figure(metrics["mse"] if regression else metrics["accuracy"], regression)


def run_sweep(args, shared, name, score, compensation, epochs, tmp):
    train, test = splits(shared, name)
    report = os.path.join(tmp, "%s-%s-%s.json" % (name, score, compensation))
    command = [os.path.join(ROOT, "bin", "odf2nna-onnx"), "-q", "sweep", os.path.join(shared, "models", name + ".onnx"),
               "--eval", test, "--train", train, "--steps", str(args.steps), "--score", score,
               "--compensate", compensation, "-o", os.path.join(tmp, name + ".onnx"), "--report", report]
    command += ["--retrain-epochs", str(epochs)]
    if args.learning_rate is not None:
        command += ["--learning-rate", args.learning_rate]
    start = time.time()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return json.load(open(report)), time.time() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--steps", type=int, default=24, help="ε values derived per sweep")
    parser.add_argument("--retrain-epochs", type=int, default=None,
                        help="epochs to retrain every pruned network (default: 15%% of the epochs in the sidecar)")
    parser.add_argument("--retrain-share", type=float, default=0.15,
                        help="share of the sidecar's epochs to retrain for, when --retrain-epochs is not given")
    parser.add_argument("--learning-rate", default=None, help="Adam's learning rate for retraining (default: the tool's)")
    parser.add_argument("--models", default=None, help="comma-separated subset of the model names")
    parser.add_argument("--scores", default=",".join(SCORES))
    parser.add_argument("--compensations", default=",".join(COMPENSATIONS))
    parser.add_argument("--write", default=os.path.join(ROOT, "docs", "COMPENSATION.md"),
                        help="Markdown file whose generated section is replaced ('-': print only)")
    parser.add_argument("--json", default=None, help="also save every sweep report into this folder")
    args = parser.parse_args()
    shared = os.path.abspath(args.shared)
    models = MODELS if args.models is None else [m for m in MODELS if m[0] in args.models.split(",")]
    lines = []
    summary = []
    total = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for name, target in models:
            sidecar = json.load(open(os.path.join(shared, "models", name + ".json")))
            original_epochs = sidecar["training"]["epochs"]
            epochs = args.retrain_epochs if args.retrain_epochs is not None else max(
                1, round(args.retrain_share * original_epochs))
            for score in args.scores.split(","):
                for compensation in args.compensations.split(","):
                    report, seconds = run_sweep(args, shared, name, score, compensation, epochs, tmp)
                    if args.json:
                        os.makedirs(args.json, exist_ok=True)
                        with open(os.path.join(args.json, "%s-%s-%s.json" % (name, score, compensation)), "w") as f:
                            json.dump(report, f, indent=1)
                    table = report["table"]
                    regression = table["task"] == "regression"
                    original_val = table["retraining"]["originalValidationMetric"]
                    original_test = table["originalMetrics"]
                    row = {"name": name, "target": target, "score": score, "compensation": compensation,
                           "seconds": seconds, "epochs": epochs, "steps": len(table["outcomes"]),
                           "regression": regression, "originalVal": original_val,
                           "originalTest": test_figure(original_test, regression)}
                    for key, label, metric in (("validationBefore", "pwr", "pruned"),
                                               ("validationAfter", "pr", "retrained")):
                        o = best(report, key, regression)
                        row[label] = None if o is None else {
                            "reduction": o["reductionPercent"], "architecture": o["network"]["architecture"],
                            "val": o["training"][key], "test": test_figure(o[metric], regression)}
                    chosen = report.get("chosen")
                    row["guard"] = None if chosen is None else table["outcomes"][chosen]["reductionPercent"]
                    summary.append(row)
                    print("%s %s %s: %.0f s, without retraining %s, with %s" % (
                        name, score, compensation, seconds, describe(row["pwr"]), describe(row["pr"])),
                        file=sys.stderr)
                    sys.stderr.flush()
    elapsed = time.time() - total
    lines += render(summary, args, elapsed)
    text = "\n".join(lines) + "\n"
    if args.write == "-":
        sys.stdout.write(text)
        return
    with open(args.write) as f:
        document = f.read()
    if BEGIN not in document or END not in document:
        sys.exit("%s has no %s ... %s section to replace" % (args.write, BEGIN, END))
    head, rest = document.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(args.write, "w") as f:
        f.write(head + BEGIN + "\n" + text + END + tail)
    print("wrote %s (%.0f s)" % (args.write, elapsed), file=sys.stderr)


def describe(choice):
    if choice is None:
        return "none within tolerance"
    return "%.1f%% (%s)" % (choice["reduction"], choice["architecture"])


def cell(choice, regression):
    if choice is None:
        return "none"
    return "**%.1f%%** %s<br>val %s, test %s" % (choice["reduction"], choice["architecture"],
                                                figure(choice["val"], regression), choice["test"])


def render(summary, args, elapsed):
    lines = ["| model (target) | score | compensation | without retraining | with retraining | sweep's choice "
             "(+ change guard) | time |",
             "|---|---|---|---|---|---|---|"]
    last = None
    for row in summary:
        regression = row["regression"]
        if row["name"] != last:
            model = "%s (%d%%)<br>OR val %s, test %s; %d retrain epochs" % (
                row["name"], row["target"], figure(row["originalVal"], regression), row["originalTest"],
                row["epochs"])
        else:
            model = ""
        last = row["name"]
        guard = "-" if row["guard"] is None else "%.1f%%" % row["guard"]
        lines.append("| %s | %s | %s | %s | %s | %s | %.0f s |" % (
            model, row["score"], row["compensation"], cell(row["pwr"], regression), cell(row["pr"], regression),
            guard, row["seconds"]))
    lines.append("")
    lines.append("Best reduction with retraining against the target:")
    lines.append("")
    lines.append("| model | target | best here | with | reached |")
    lines.append("|---|---|---|---|---|")
    names = []
    for row in summary:
        if row["name"] not in names:
            names.append(row["name"])
    for name in names:
        rows = [r for r in summary if r["name"] == name and r["pr"] is not None]
        if not rows:
            lines.append("| %s | | none | | no |" % name)
            continue
        top = max(rows, key=lambda r: r["pr"]["reduction"])
        lines.append("| %s | %d%% | %.1f%% | %s, %s | %s |" % (
            name, top["target"], top["pr"]["reduction"], top["score"], top["compensation"],
            "yes" if top["pr"]["reduction"] >= top["target"] else "no"))
    lines.append("")
    lines.append("Generated by `python3 scripts/compensation-table.py%s%s` in %.0f minutes." % (
        "" if args.steps == 24 else " --steps %d" % args.steps,
        "" if args.retrain_epochs is None else " --retrain-epochs %d" % args.retrain_epochs, elapsed / 60))
    return lines


if __name__ == "__main__":
    main()
