#!/usr/bin/python3
"""Torch-Pruning with round_to on the torchvision MNIST models, for docs/research/PERFORMANCE.md's side-by-side table.

Loads a model made by scripts/corpus/train_torchvision_mnist.py (NAME.pt, the torchvision module's state_dict),
prunes it with Torch-Pruning's MagnitudePruner (L1 group importance, as its README's example; round_to=16; the
classifier's output layer ignored) at each --ratios value, or at the ratio that removes as many parameters as
--match-params asks (bisection), fine-tunes each on the same training rows the tool reads (AdamW, 2 epochs, one-cycle
up to 1e-3, batches of 128, seed 0: the tool's default retraining budget per round), and exports each with the same
pixel wrapper at opset 14. Nothing is chosen on the report rows: the table script scores every export on them.

Timing and scoring are scripts/bench/ort_side_by_side.py's (onnxruntime is not in Debian's Python):
  PYTHONPATH=../shared/peers/torch_pruning_e80127d /usr/bin/python3 scripts/comparison/torch_pruning_torchvision.py \\
      --corpus ${CORPUS:-corpus}/torchvision --name mobilenet_v2_0.5 --ratios 0.3,0.5 --match-params 360000 --out DIR
  ${PYTHON:-python3} scripts/bench/ort_side_by_side.py ORIGINAL.onnx DIR/*.onnx OURS.onnx --rows report.csv
"""
import argparse, gzip, os, sys, time
import numpy as np, torch, torch.nn.functional as F, torchvision

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "corpus"))
from train_torchvision_mnist import FromPixels, MODELS  # noqa: E402
import torch_pruning as tp  # noqa: E402


def load_rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    a = np.loadtxt(opener(path, "rt"), delimiter=",", skiprows=1, dtype=np.float32)
    return a[:, :-1], a[:, -1].astype(np.int64)


def loaded(corpus, name):
    net = MODELS[name]()
    net.load_state_dict(torch.load(os.path.join(corpus, name + ".pt")))
    return FromPixels(net).eval()


def pruned(model, ratio, round_to):
    model = model.eval()
    last = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]
    pruner = tp.pruner.MagnitudePruner(model, torch.zeros(1, 784), importance=tp.importance.MagnitudeImportance(p=1),
                                       pruning_ratio=ratio, round_to=round_to, ignored_layers=[last])
    pruner.step()
    return model


def params(model):
    return sum(p.numel() for p in model.parameters())


def fine_tuned(model, x, y, epochs=2, seed=0):
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    steps = epochs * ((len(x) + 127) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-3, total_steps=steps)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        model.train()
        order = rng.permutation(len(x))
        for i in range(0, len(x), 128):
            idx = order[i:i + 128]
            loss = F.cross_entropy(model(torch.from_numpy(x[idx])), torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return model.eval()


def matching_ratio(corpus, name, target, round_to):
    lo, hi = 0.0, 0.95
    for _ in range(12):
        mid = (lo + hi) / 2
        if params(pruned(loaded(corpus, name), mid, round_to)) > target:
            lo = mid
        else:
            hi = mid
    return round(hi, 4)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--corpus", default=os.path.join(os.environ.get("CORPUS", "corpus"), "torchvision"))
    p.add_argument("--name", default="mobilenet_v2_0.5")
    p.add_argument("--ratios", default="")
    p.add_argument("--match-params", type=int, default=0)
    p.add_argument("--round-to", type=int, default=16)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
    os.makedirs(a.out, exist_ok=True)
    x, y = load_rows(os.path.join(a.corpus, "train.csv.gz"))
    ratios = [float(r) for r in a.ratios.split(",") if r]
    if a.match_params:
        ratios.append(matching_ratio(a.corpus, a.name, a.match_params, a.round_to))
    for ratio in ratios:
        start = time.time()
        model = fine_tuned(pruned(loaded(a.corpus, a.name), ratio, a.round_to), x, y)
        path = os.path.join(a.out, f"{a.name}.tp-l1-r{a.round_to}-{ratio}.onnx")
        torch.onnx.export(model, torch.zeros(1, 784), path, opset_version=14, input_names=["pixels"],
                          output_names=["logits"], dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}})
        print(f"ratio {ratio}: {params(model)} parameters, {time.time() - start:.0f} s -> {path}", flush=True)


if __name__ == "__main__":
    main()
