#!/usr/bin/env python3
"""Regenerates the tables of docs/COMPENSATION.md: on the reference models in ../shared, the best parameter reduction
whose validation metric stays within tolerance of the reference, per unit score (std, impact) and compensation (mean
folding, least squares), without and with retraining.

    ./mvnw -q -B package -DskipTests && python3 scripts/compensation-table.py [--shared ../shared]

Everything runs through `bin/odf2nna-onnx sweep` on the seeded train split (80% fits and retrains, 20% validates;
the test split is only ever reported):

1. reference: once per model, the original topology trained from random weights on the training part
   (`--scratch-reference`, with the epochs, learning rate and batch size the original was trained with, from its JSON
   sidecar): its validation metric is what the architecture reaches on rows it never saw. The original itself was trained on every training row, the validation rows included, so its own
   validation metric flatters it.
2. without retraining: `sweep --retrain-epochs 0` over a fine ε grid (`--steps`), least squares fitted on the training
   part of the split. PWR on the validation rows is what the choice sees.
3. with retraining: the same ε, from the smallest reduction that already qualified without retraining upwards (a
   retrained model is never worse on the validation rows than before retraining: the pruned weights compete as epoch
   0), each retrained for as many epochs as the original was trained (`--retrain-share`, early stopping after 10
   epochs without improvement).

Chosen per column: the largest reduction whose validation metric is within 1 accuracy point (classification) or 10% of
MSE (regression) of the reference, once with the original's validation metric as the reference (strict) and once with
the scratch-trained topology's. Standard library only.
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


def sweep(shared, name, tmp, tag, extra):
    train, test = splits(shared, name)
    report = os.path.join(tmp, "%s-%s.json" % (name, tag))
    command = [os.path.join(ROOT, "bin", "odf2nna-onnx"), "-q", "sweep", os.path.join(shared, "models", name + ".onnx"),
               "--eval", test, "--train", train, "-o", os.path.join(tmp, name + ".onnx"), "--report", report] + extra
    start = time.time()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return json.load(open(report)), time.time() - start


def within(value, reference, regression):
    if value is None:
        return False
    return value <= reference * 1.10 if regression else value >= reference - 0.01 - 1e-12


def best(outcomes, key, reference, regression):
    """The outcome with the largest reduction whose validation figure (training[key]) is within tolerance."""
    chosen = None
    for o in outcomes:
        v = o["training"][key]
        if not within(v, reference, regression):
            continue
        if chosen is None or o["reductionPercent"] > chosen["reductionPercent"] or (
                o["reductionPercent"] == chosen["reductionPercent"]
                and (v < chosen["training"][key] if regression else v > chosen["training"][key])):
            chosen = o
    return chosen


def figure(value, regression):
    if value is None:
        return "-"
    return "%.4g" % value if regression else "%.2f%%" % (100 * value)


def test_figure(metrics, regression):
    if metrics is None:
        return "-"
    return figure(metrics["mse"] if regression else metrics["accuracy"], regression)


def summary(o, key, metric, regression):
    if o is None:
        return None
    return {"reduction": o["reductionPercent"], "architecture": o["network"]["architecture"],
            "val": o["training"][key], "test": test_figure(o[metric], regression)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--steps", type=int, default=24, help="ε values derived per sweep")
    parser.add_argument("--retrain-share", type=float, default=1.0,
                        help="share of the epochs the original was trained for (its JSON sidecar) to retrain for")
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
    rows = []
    references = {}
    total = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for name, target in models:
            sidecar = json.load(open(os.path.join(shared, "models", name + ".json")))
            epochs = max(1, round(args.retrain_share * sidecar["training"]["epochs"]))
            training = ["--retrain-epochs", str(epochs)]
            if args.learning_rate is not None:
                training += ["--learning-rate", args.learning_rate]
            # The reference trains like the original did (its sidecar's epochs, learning rate and batch size; early
            # stopping after a tenth of the epochs without improvement, as `build` does).
            settings = sidecar["training"]
            like_original = ["--retrain-epochs", str(settings["epochs"]), "--learning-rate", str(settings["lr"]),
                             "--batch-size", str(settings["batch_size"]),
                             "--patience", str(max(10, settings["epochs"] // 10))]
            report, seconds = sweep(shared, name, tmp, "reference",
                                    ["--epsilon", "1e9", "--scratch-reference"] + like_original)
            save(args, name, "reference", report)
            reference = report["scratchOriginal"]
            references[name] = {"val": reference["training"]["validationAfter"],
                                "test": reference["metrics"], "seconds": seconds, "epochs": epochs,
                                "architecture": reference["architecture"]}
            for score in args.scores.split(","):
                for compensation in args.compensations.split(","):
                    pruning = ["--score", score, "--compensate", compensation]
                    first, t1 = sweep(shared, name, tmp, "%s-%s-0" % (score, compensation),
                                      pruning + ["--steps", str(args.steps), "--retrain-epochs", "0"])
                    save(args, name, "%s-%s-0" % (score, compensation), first)
                    table = first["table"]
                    regression = table["task"] == "regression"
                    original_val = table["retraining"]["originalValidationMetric"]
                    refs = {"strict": original_val, "scratch": references[name]["val"]}
                    outcomes = table["outcomes"]
                    pwr = {k: best(outcomes, "validationBefore", v, regression) for k, v in refs.items()}
                    cut = min([o["reductionPercent"] for o in pwr.values() if o is not None] or [0])
                    epsilons = [o["epsilon"] for o in outcomes if o["reductionPercent"] >= cut]
                    second, t2 = sweep(shared, name, tmp, "%s-%s-%d" % (score, compensation, epochs),
                                       pruning + ["--epsilon", ",".join(repr(e) for e in epsilons)] + training)
                    save(args, name, "%s-%s-%d" % (score, compensation, epochs), second)
                    retrained = second["table"]["outcomes"]
                    pr = {k: best(retrained, "validationAfter", v, regression) for k, v in refs.items()}
                    row = {"name": name, "target": target, "score": score, "compensation": compensation,
                           "seconds": t1 + t2, "retrained": len(epsilons), "steps": len(outcomes),
                           "regression": regression, "originalVal": original_val,
                           "originalTest": test_figure(table["originalMetrics"], regression)}
                    for k in refs:
                        row["pwr-" + k] = summary(pwr[k], "validationBefore", "pruned", regression)
                        row["pr-" + k] = summary(pr[k], "validationAfter", "retrained", regression)
                    rows.append(row)
                    print("%s %s %s: %.0f s; strict: %s / %s; scratch reference: %s / %s" % (
                        name, score, compensation, t1 + t2, describe(row["pwr-strict"]), describe(row["pr-strict"]),
                        describe(row["pwr-scratch"]), describe(row["pr-scratch"])), file=sys.stderr)
                    sys.stderr.flush()
    elapsed = time.time() - total
    text = "\n".join(render(rows, references, args, elapsed)) + "\n"
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
    print("wrote %s (%.0f min)" % (args.write, elapsed / 60), file=sys.stderr)


def save(args, name, tag, report):
    if args.json:
        os.makedirs(args.json, exist_ok=True)
        with open(os.path.join(args.json, "%s-%s.json" % (name, tag)), "w") as f:
            json.dump(report, f, indent=1)


def describe(choice):
    if choice is None:
        return "none"
    return "%.1f%% (%s, test %s)" % (choice["reduction"], choice["architecture"], choice["test"])


def cell(choice, regression):
    if choice is None:
        return "none"
    return "**%.1f%%** %s<br>val %s, test %s" % (choice["reduction"], choice["architecture"],
                                                figure(choice["val"], regression), choice["test"])


def render(rows, references, args, elapsed):
    lines = ["| model (target) | score | compensation | without retraining | with retraining | "
             "without retraining, scratch reference | with retraining, scratch reference | time |",
             "|---|---|---|---|---|---|---|---|"]
    last = None
    for row in rows:
        regression = row["regression"]
        ref = references[row["name"]]
        model = ""
        if row["name"] != last:
            model = ("%s (target %d%%)<br>original: val %s, test %s<br>scratch reference: val %s, test %s<br>"
                     "retrained %d epochs" % (row["name"], row["target"], figure(row["originalVal"], regression),
                                              row["originalTest"], figure(ref["val"], regression),
                                              test_figure(ref["test"], regression), ref["epochs"]))
        last = row["name"]
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %.0f s |" % (
            model, row["score"], row["compensation"], cell(row["pwr-strict"], regression),
            cell(row["pr-strict"], regression), cell(row["pwr-scratch"], regression),
            cell(row["pr-scratch"], regression), row["seconds"]))
    lines += ["", "Largest reduction with retraining, against the target:", "",
              "| model | target | strict reference | scratch reference |", "|---|---|---|---|"]
    names = []
    for row in rows:
        if row["name"] not in names:
            names.append(row["name"])
    for name in names:
        cells = []
        target = None
        for k in ("strict", "scratch"):
            candidates = [r for r in rows if r["name"] == name and r["pr-" + k] is not None]
            target = [r for r in rows if r["name"] == name][0]["target"]
            if not candidates:
                cells.append("none")
                continue
            top = max(candidates, key=lambda r: r["pr-" + k]["reduction"])
            reached = top["pr-" + k]["reduction"] >= target
            cells.append("%s%.1f%%%s (%s, %s; test %s)" % ("**" if reached else "", top["pr-" + k]["reduction"],
                                                         "**" if reached else "", top["score"], top["compensation"],
                                                         top["pr-" + k]["test"]))
        lines.append("| %s | %d%% | %s | %s |" % (name, target, cells[0], cells[1]))
    options = ""
    if args.steps != 24:
        options += " --steps %d" % args.steps
    if args.retrain_share != 1.0:
        options += " --retrain-share %g" % args.retrain_share
    if args.learning_rate is not None:
        options += " --learning-rate %s" % args.learning_rate
    lines += ["", "Generated by `python3 scripts/compensation-table.py%s` in %.0f minutes (reference runs %.0f s)." % (
        options, elapsed / 60, sum(r["seconds"] for r in references.values()))]
    return lines


if __name__ == "__main__":
    main()
