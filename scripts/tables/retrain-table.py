#!/usr/bin/env python3
"""Regenerates the retraining table of docs/shrink.md: shrink --train on the reference models in ../shared.

    ./mvnw -q -B package -DskipTests && python3 scripts/tables/retrain-table.py [--shared ../shared]

For each model: ODF2NNA at one ε, retrained for 15% of the epochs its JSON sidecar records, on the
seeded train split; OR, PWR and PR are measured on the test split. Standard library only.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNS = [  # model, ε
    ("iris_4-10-3_relu", "1.5"),
    ("cancer_9-10-2_relu", "1.5"),
    ("diabetes_8-12-12-2_matmul_add", "0.5"),
    ("spambase_57-64-64-64-2_relu", "0.7"),
    ("pole_26-32-32-32-1_relu", "0.5"),
    ("compactiv_21-32-32-32-1_relu_norm", "0.3"),
    ("mnist_lenet300-100_relu", "0.7"),
]


def metric(m):
    if m is None:
        return "-"
    if "accuracy" in m:
        return "%.2f%%" % (100 * m["accuracy"])
    return "%.4g" % m["mse"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    args = parser.parse_args()
    shared = os.path.abspath(args.shared)
    print("| model | ε | parameters | reduction | architecture | OR | PWR mean folding | PWR least squares | PR "
          "(from least squares) | retrain epochs |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, eps in RUNS:
            sidecar = json.load(open(os.path.join(shared, "models", name + ".json")))
            epochs = sidecar["training"]["epochs"]
            dataset = name.split("_")[0]
            if dataset == "mnist":
                test = os.path.join(shared, "data", "mnist-test.csv.gz")
                train = os.path.join(shared, "data", "mnist-train.csv.gz")
            else:
                test = os.path.join(shared, "data", "splits", dataset + "-test.csv")
                train = os.path.join(shared, "data", "splits", dataset + "-train.csv")
            report = os.path.join(tmp, name + ".json")
            subprocess.run([os.path.join(ROOT, "bin", "odf2nna-onnx"), "-q", "shrink",
                            os.path.join(shared, "models", name + ".onnx"), "--eval", test, "--train", train,
                            "--original-epochs", str(epochs), "--epsilon", eps,
                            "-o", os.path.join(tmp, name + ".onnx"), "--report", report],
                           check=True, stdout=subprocess.DEVNULL)
            r = json.load(open(report))
            o = r["outcomes"][0]
            print("| %s | %s | %d → %d | %.1f%% | %s | %s | %s | %s | %s | %d of %d |" % (
                name, eps, r["original"]["parameters"], o["network"]["parameters"], o["reductionPercent"],
                o["network"]["architecture"], metric(r["originalMetrics"]), metric(o.get("prunedMeanFolding")),
                metric(o.get("prunedLeastSquares")),
                metric(o["retrained"]), o["training"]["epochsRun"], r["retraining"]["epochs"]))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
