#!/usr/bin/python3
"""Trains stock torchvision classifiers on MNIST as a user would, exports them with torch.onnx.export, writes splits.

The models are torchvision's own constructors, unmodified (issue 69's corpus):
  mobilenet_v2_0.5   torchvision.models.mobilenet_v2(width_mult=0.5, num_classes=10)
  resnet18           torchvision.models.resnet18(num_classes=10)

Each is wrapped as a user feeding CSV rows would: the input is the raw pixel columns (float [batch, 784], 0..255);
inside the graph they are divided by 255, reshaped to 1x28x28, zero-padded to 32x32, repeated to 3 channels and
normalised, then the torchvision model runs. Trained on the first TRAIN rows of mnist-train (seed 0, AdamW, one-cycle),
exported in eval mode at opset 14 with a dynamic batch axis (BatchNormalization folded by the exporter).

Writes into OUT (default ${CORPUS:-corpus}/torchvision, outside the repository):
  NAME.onnx        the model, NAME.pt the torchvision module's state_dict (for Torch-Pruning), NAME.json (sizes, seconds, accuracy on each split)
  train.csv.gz     the TRAIN rows the models were trained on (pixel0..pixel783,label)
  validation.csv   mnist-test rows 0..4999 (rows the models never saw: choose on these)
  report.csv       mnist-test rows 5000..9999 (rows nobody chooses on: report these)

Needs Debian's python3-torch, python3-torchvision and python3-onnx (torch 1.13, torchvision 0.14; pip's torchvision
wheels do not load beside the CPU torch wheel here).

Usage: /usr/bin/python3 scripts/corpus/train_torchvision_mnist.py [--data ../shared/data] [--out DIR]
       [--train 12000] [--epochs 2] [--only mobilenet_v2_0.5]
"""
import argparse, gzip, json, os, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F, torchvision


def load(path):
    a = np.loadtxt(gzip.open(path, "rt"), delimiter=",", skiprows=1, dtype=np.float32)
    return a[:, :-1], a[:, -1].astype(np.int64)


class FromPixels(nn.Module):
    """CSV pixels [batch, 784] in 0..255 -> the torchvision model's normalised 3x32x32 input."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        x = (x / 255.0).reshape(-1, 1, 28, 28)
        x = F.pad(x, (2, 2, 2, 2))
        x = (x - 0.1307) / 0.3081
        return self.net(x.repeat(1, 3, 1, 1))


MODELS = {
    "mobilenet_v2_0.5": lambda: torchvision.models.mobilenet_v2(width_mult=0.5, num_classes=10),
    "resnet18": lambda: torchvision.models.resnet18(num_classes=10),
}


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(torch.from_numpy(x[i:i + 500])).argmax(1) for i in range(0, len(x), 500)])
    return float((pred.numpy() == y).mean())


def train(name, x, y, epochs, seed=0):
    torch.manual_seed(seed)
    model = FromPixels(MODELS[name]())
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = epochs * ((len(x) + 127) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(x))
        for i in range(0, len(x), 128):
            idx = order[i:i + 128]
            loss = F.cross_entropy(model(torch.from_numpy(x[idx])), torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if (i // 128) % 20 == 0:
                print(f"{name}: epoch {epoch + 1} batch {i // 128} loss {loss.item():.4f}", flush=True)
        print(f"{name}: epoch {epoch + 1}/{epochs} loss {loss.item():.4f}", flush=True)
    return model


def write_csv(path, x, y, opener=open):
    with opener(path, "wt") as f:
        f.write(",".join(f"pixel{i}" for i in range(x.shape[1])) + ",label\n")
        for row, label in zip(x.astype(np.int64), y):
            f.write(",".join(map(str, row)) + f",{label}\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    p.add_argument("--out", default=os.path.join(os.environ.get("CORPUS", "corpus"), "torchvision"))
    p.add_argument("--train", type=int, default=12000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--only", default=None)
    a = p.parse_args()
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
    os.makedirs(a.out, exist_ok=True)
    xt, yt = load(os.path.join(a.data, "mnist-train.csv.gz"))
    xs, ys = load(os.path.join(a.data, "mnist-test.csv.gz"))
    xt, yt = xt[:a.train], yt[:a.train]
    splits = {"train": (xt, yt), "validation": (xs[:5000], ys[:5000]), "report": (xs[5000:], ys[5000:])}
    write_csv(os.path.join(a.out, "train.csv.gz"), xt, yt, gzip.open)
    write_csv(os.path.join(a.out, "validation.csv"), *splits["validation"])
    write_csv(os.path.join(a.out, "report.csv"), *splits["report"])
    for name in ([a.only] if a.only else MODELS):
        start = time.time()
        model = train(name, xt, yt, a.epochs)
        seconds = time.time() - start
        model.eval()
        torch.save(model.net.state_dict(), os.path.join(a.out, name + ".pt"))
        path = os.path.join(a.out, name + ".onnx")
        torch.onnx.export(model, torch.zeros(1, 784), path, opset_version=14, input_names=["pixels"],
                          output_names=["logits"], dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}})
        info = {"name": name, "constructor": name.replace("_0.5", "(width_mult=0.5)"),
                "torch": torch.__version__, "torchvision": torchvision.__version__, "opset": 14,
                "parameters": sum(p.numel() for p in model.parameters()), "train_rows": len(xt),
                "epochs": a.epochs, "seconds": round(seconds, 1),
                "accuracy": {k: accuracy(model, *v) for k, v in splits.items()}}
        with open(os.path.join(a.out, name + ".json"), "w") as f:
            json.dump(info, f, indent=1)
        print(json.dumps(info), flush=True)


if __name__ == "__main__":
    main()
