#!/usr/bin/env python3
"""Regenerates the tables of docs/research/COMPENSATION.md: on the reference models in ../shared, the largest parameter
reduction whose validation metric stays within tolerance of the original's, per unit score (std, impact) and
compensation (mean folding, least squares), without and with retraining.

    ./mvnw -q -B package -DskipTests && python3 scripts/tables/compensation-table.py [--shared ../shared]

Everything runs through `bin/odf2nna-onnx sweep`. The reference models were trained on every row of their training
split, so the only rows they never saw are in the test file: the script splits it into two seeded halves, a
validation half (`sweep --validation`: best epoch, early stopping and every choice below) and a test half (only ever
reported). Least squares is fitted, and retraining trains, on the whole training split, as the original was trained:

1. without retraining: `sweep --retrain-epochs 0` over a fine ε grid (`--steps`), least squares fitted on the training
   split; the pruned network's validation metric (PWR) is what the choice sees.
2. with retraining: the same ε, from the largest reduction that already qualified without retraining upwards (a
   retrained model is never worse on the validation rows than before retraining: the pruned weights compete as epoch
   0), each retrained for as many epochs as the original was trained (`--retrain-share 1`; early stopping after 10
   epochs without improvement).

Chosen per column: the largest reduction whose validation metric is within 1 accuracy point (classification) or 10% of
MSE (regression) of the original's on the same validation rows (rows neither model trained on). A last column, for
diagnosis only and not a valid choice, gives the largest retrained reduction whose test metric is within the same
tolerance of the original's.
Standard library only.
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

# The reference models' training and test files, named as scripts/comparison/comparison.py names them.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "comparison"))
from comparison import reference_files  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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


def halves(shared, name, tmp, seed=0):
    """The test file split into seeded halves (validation, test), written once into tmp."""
    _, test = reference_files(shared, name)
    validation_file = os.path.join(tmp, name + "-validation.csv")
    test_file = os.path.join(tmp, name + "-test.csv")
    if not os.path.exists(validation_file):
        opener = gzip.open if test.endswith(".gz") else open
        with opener(test, "rt") as f:
            lines = f.read().splitlines()
        header, rows = lines[0], [r for r in lines[1:] if r.strip()]
        order = list(range(len(rows)))
        random.Random(seed).shuffle(order)
        cut = len(rows) // 2
        for path, part in ((validation_file, order[:cut]), (test_file, order[cut:])):
            with open(path, "w") as f:
                f.write("\n".join([header] + [rows[i] for i in sorted(part)]) + "\n")
    return validation_file, test_file


def sweep(shared, name, tmp, tag, extra):
    train, _ = reference_files(shared, name)
    validation, test = halves(shared, name, tmp)
    report = os.path.join(tmp, "%s-%s.json" % (name, tag))
    command = [os.path.join(ROOT, "bin", "odf2nna-onnx"), "-q", "sweep", os.path.join(shared, "models", name + ".onnx"),
               "--eval", test, "--train", train, "--validation", validation, "-o", os.path.join(tmp, name + ".onnx"),
               "--report", report] + extra
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


def best_on_test(outcomes, original, regression):
    """For diagnosis only: the largest reduction whose retrained TEST metric is within tolerance of the original's."""
    key = "mse" if regression else "accuracy"
    chosen = None
    for o in outcomes:
        if o["retrained"] is None or not within(o["retrained"][key], original[key], regression):
            continue
        if chosen is None or o["reductionPercent"] > chosen["reductionPercent"]:
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


def summary(o, key, metric, regression, original_test):
    if o is None:
        return None
    value = o[metric]["mse" if regression else "accuracy"]
    return {"reduction": o["reductionPercent"], "architecture": o["network"]["architecture"],
            "val": o["training"][key], "test": test_figure(o[metric], regression),
            "testWithin": within(value, original_test, regression)}


def cut_of(first):
    """The largest reduction that qualified without retraining: retraining starts from there upwards."""
    table = first["table"]
    pwr = best(table["outcomes"], "validationBefore", table["retraining"]["originalValidationMetric"],
               table["task"] == "regression")
    return 0 if pwr is None else pwr["reductionPercent"]


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
    parser.add_argument("--write", default=os.path.join(ROOT, "docs", "research", "COMPENSATION.md"),
                        help="Markdown file whose generated section is replaced ('-': print only)")
    parser.add_argument("--json", default=None, help="also save every sweep report (and its wall time) into this folder")
    parser.add_argument("--from-json", default=None,
                        help="render from the reports a run saved with --json instead of running the sweeps again")
    args = parser.parse_args()
    shared = os.path.abspath(args.shared)
    models = MODELS if args.models is None else [m for m in MODELS if m[0] in args.models.split(",")]
    rows = []
    total = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for name, target in models:
            sidecar = json.load(open(os.path.join(shared, "models", name + ".json")))
            epochs = max(1, round(args.retrain_share * sidecar["training"]["epochs"]))
            training = ["--retrain-epochs", str(epochs)]
            if args.learning_rate is not None:
                training += ["--learning-rate", args.learning_rate]
            for score in args.scores.split(","):
                for compensation in args.compensations.split(","):
                    tag0 = "%s-%s-0" % (score, compensation)
                    tag1 = "%s-%s-%d" % (score, compensation, epochs)
                    if args.from_json:
                        first, t1 = load(args.from_json, name, tag0)
                        second, t2 = load(args.from_json, name, tag1)
                    else:
                        pruning = ["--score", score, "--compensate", compensation]
                        first, t1 = sweep(shared, name, tmp, tag0,
                                          pruning + ["--steps", str(args.steps), "--retrain-epochs", "0"])
                        save(args, name, tag0, first, t1)
                        epsilons = [o["epsilon"] for o in first["table"]["outcomes"]
                                    if o["reductionPercent"] >= cut_of(first)]
                        second, t2 = sweep(shared, name, tmp, tag1,
                                           pruning + ["--epsilon", ",".join(repr(e) for e in epsilons)] + training)
                        save(args, name, tag1, second, t2)
                    table = first["table"]
                    regression = table["task"] == "regression"
                    original_val = table["retraining"]["originalValidationMetric"]
                    outcomes = table["outcomes"]
                    pwr = best(outcomes, "validationBefore", original_val, regression)
                    retrained = second["table"]["outcomes"]
                    pr = best(retrained, "validationAfter", original_val, regression)
                    hindsight = best_on_test(retrained, table["originalMetrics"], regression)
                    tool = None if second.get("chosen") is None else retrained[second["chosen"]]
                    original_test = table["originalMetrics"]["mse" if regression else "accuracy"]
                    row = {"name": name, "target": target, "score": score, "compensation": compensation,
                           "seconds": t1 + t2, "retrained": len(retrained), "steps": len(outcomes), "epochs": epochs,
                           "regression": regression, "originalVal": original_val,
                           "originalTest": test_figure(table["originalMetrics"], regression),
                           "pwr": summary(pwr, "validationBefore", "pruned", regression, original_test),
                           "pr": summary(pr, "validationAfter", "retrained", regression, original_test),
                           "hindsight": summary(hindsight, "validationAfter", "retrained", regression, original_test),
                           "tool": summary(tool, "validationAfter", "retrained", regression, original_test)}
                    rows.append(row)
                    print("%s %s %s: %.0f s; without retraining %s; with %s; hindsight %s" % (
                        name, score, compensation, t1 + t2, describe(row["pwr"]), describe(row["pr"]),
                        describe(row["hindsight"])), file=sys.stderr)
                    sys.stderr.flush()
    elapsed = sum(r["seconds"] for r in rows) if args.from_json else time.time() - total
    text = "\n".join(render(rows, args, elapsed)) + "\n"
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


def save(args, name, tag, report, seconds):
    if args.json:
        os.makedirs(args.json, exist_ok=True)
        with open(os.path.join(args.json, "%s-%s.json" % (name, tag)), "w") as f:
            json.dump(report, f, indent=1)
        with open(os.path.join(args.json, "%s-%s.seconds" % (name, tag)), "w") as f:
            f.write("%.3f\n" % seconds)


def load(folder, name, tag):
    report = json.load(open(os.path.join(folder, "%s-%s.json" % (name, tag))))
    timing = os.path.join(folder, "%s-%s.seconds" % (name, tag))
    return report, float(open(timing).read()) if os.path.exists(timing) else 0.0


def describe(choice):
    if choice is None:
        return "none"
    return "%.1f%% (%s, test %s)" % (choice["reduction"], choice["architecture"], choice["test"])


def cell(choice, regression):
    if choice is None:
        return "none"
    return "**%.1f%%** %s<br>val %s, test %s %s" % (choice["reduction"], choice["architecture"],
                                                   figure(choice["val"], regression), choice["test"],
                                                   "✓" if choice["testWithin"] else "✗")


def render(rows, args, elapsed):
    lines = ["Each cell: the largest reduction chosen on the validation half, its architecture, its validation and test-half "
             "metric, ✓/✗: whether the test-half metric is within the tolerance of the original's test-half metric.", "",
             "| model (target) | score | compensation | without retraining | with retraining | "
             "with retraining, the tool's own choice (`sweep`'s rule) | "
             "hindsight: largest retrained reduction within tolerance on the test half | time |",
             "|---|---|---|---|---|---|---|---|"]
    last = None
    for row in rows:
        regression = row["regression"]
        model = ""
        if row["name"] != last:
            model = "%s (target %d%%)<br>original: val %s, test %s<br>retrained %d epochs" % (
                row["name"], row["target"], figure(row["originalVal"], regression), row["originalTest"],
                row["epochs"])
        last = row["name"]
        hindsight = row["hindsight"]
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %.0f s |" % (
            model, row["score"], row["compensation"], cell(row["pwr"], regression), cell(row["pr"], regression),
            cell(row.get("tool"), regression),
            "none" if hindsight is None else "%.1f%% %s, test %s" % (
                hindsight["reduction"], hindsight["architecture"], hindsight["test"]), row["seconds"]))
    lines += ["", "Largest reduction against the target (chosen on the validation half; test-half metric in brackets, ✓ when "
              "it is within the same tolerance of the original's test-half metric, ✗ when it is not):", "",
              "| model | target | without retraining | with retraining | target reached (chosen on validation) |", "|---|---|---|---|---|"]
    names = []
    for row in rows:
        if row["name"] not in names:
            names.append(row["name"])
    for name in names:
        mine = [r for r in rows if r["name"] == name]
        cells = []
        for key in ("pwr", "pr"):
            candidates = [r for r in mine if r[key] is not None]
            if not candidates:
                cells.append("none")
                continue
            top = max(candidates, key=lambda r: r[key]["reduction"])
            cells.append("%.1f%% (%s, %s; test %s %s)" % (top[key]["reduction"], top["score"], top["compensation"],
                                                        top[key]["test"], "✓" if top[key]["testWithin"] else "✗"))
        top = max([r["pr"]["reduction"] for r in mine if r["pr"] is not None] or [0])
        lines.append("| %s | %d%% | %s | %s | %s |" % (name, mine[0]["target"], cells[0], cells[1],
                                                     "yes" if top >= mine[0]["target"] else "no"))
    options = ""
    if args.steps != 24:
        options += " --steps %d" % args.steps
    if args.retrain_share != 1.0:
        options += " --retrain-share %g" % args.retrain_share
    if args.learning_rate is not None:
        options += " --learning-rate %s" % args.learning_rate
    lines += ["", "Generated by `python3 scripts/tables/compensation-table.py%s` in %.0f minutes." % (options, elapsed / 60)]
    return lines


if __name__ == "__main__":
    main()
