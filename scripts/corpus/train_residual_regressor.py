#!/usr/bin/python3
"""Trains a small residual MLP regressor on ailerons, the graph regressor of the project's own (issue 49).

  ailerons_resmlp   inputs standardised inside the graph (Sub, Div by the training rows' mean and std); Linear 40 -> 64;
                    two residual blocks x + Linear(GELU(Linear(x))) of 64 -> 128 -> 64; one residual block of
                    64 -> 96 -> 64 with ReLU; Linear 64 -> 1; the output put back in the target's units (Mul, Add)

Input: the 40 feature columns (float [batch, 40]); output: float [batch, 1], the target (about -0.0036..0).
Trained with Debian's python3-torch on splits/ailerons-train.csv (11,000 rows, seed 0), exported with torch.onnx.export
at opset 14 with a dynamic batch axis: a graph whose dense chain reader finds no chain (the residual Adds), so `sweep`
prunes it through its dense blocks.

Writes into OUT (default $CORPUS/trained/regressor, outside the repository):
  ailerons_resmlp.onnx   the model
  train.csv              splits/ailerons-train.csv as it is (x1..x40,target)
  validation.csv         splits/ailerons-test.csv rows 0..1374 (choose)
  report.csv             splits/ailerons-test.csv rows 1375..2749 (judge)
  ailerons_resmlp.json   sizes, seconds and the torch model's MSE on each split

Usage: /usr/bin/python3 train_residual_regressor.py [--data DIR] [--out DIR] [--epochs N]   (about a minute on 2 cores)
"""
import argparse, json, os, time
import numpy as np, onnx, torch, torch.nn as nn


class Block(nn.Module):
    def __init__(self, width, hidden, act):
        super().__init__()
        self.a = nn.Linear(width, hidden)
        self.act = act
        self.b = nn.Linear(hidden, width)

    def forward(self, x):
        return x + self.b(self.act(self.a(x)))


class ResMlp(nn.Module):
    def __init__(self, mean, std, ymean, ystd):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.register_buffer("ymean", torch.tensor([ymean], dtype=torch.float32))
        self.register_buffer("ystd", torch.tensor([ystd], dtype=torch.float32))
        self.stem = nn.Linear(len(mean), 64)
        self.blocks = nn.Sequential(Block(64, 128, nn.GELU()), Block(64, 128, nn.GELU()), Block(64, 96, nn.ReLU()))
        self.head = nn.Linear(64, 1)

    def standardised(self, x):
        return self.head(self.blocks(self.stem((x - self.mean) / self.std)))

    def forward(self, x):
        return self.standardised(x) * self.ystd + self.ymean


def load(path):
    with open(path) as f:
        header = f.readline().strip()
    a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    return header, a


def mse(model, x, y):
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(x.astype(np.float32))).numpy()[:, 0]
    return float(((out - y) ** 2).mean())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    p.add_argument("--out", default=os.path.join(os.environ.get("CORPUS", "corpus"), "trained", "regressor"))
    p.add_argument("--epochs", type=int, default=60)
    a = p.parse_args()
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(int(os.environ.get("THREADS", "1")))
    os.makedirs(a.out, exist_ok=True)
    header, train = load(os.path.join(a.data, "splits", "ailerons-train.csv"))
    _, test = load(os.path.join(a.data, "splits", "ailerons-test.csv"))
    half = len(test) // 2
    validation, report = test[:half], test[half:]
    xtr, ytr = train[:, :-1], train[:, -1]
    mean, std = xtr.mean(0), xtr.std(0)
    std[std == 0] = 1
    ymean, ystd = float(ytr.mean()), float(ytr.std())
    model = ResMlp(mean, std, ymean, ystd)
    x = torch.from_numpy(xtr.astype(np.float32))
    y = torch.from_numpy(((ytr - ymean) / ystd).astype(np.float32))
    steps = a.epochs * ((len(xtr) + 127) // 128)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    start = time.time()
    for epoch in range(a.epochs):
        model.train()
        order = torch.from_numpy(np.random.permutation(len(xtr)))
        for i in range(0, len(order), 128):
            idx = order[i:i + 128]
            loss = ((model.standardised(x[idx])[:, 0] - y[idx]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    seconds = time.time() - start
    model.eval()
    path = os.path.join(a.out, "ailerons_resmlp.onnx")
    torch.onnx.export(model, torch.zeros(1, xtr.shape[1]), path, opset_version=14, input_names=["features"],
                      output_names=["target"], dynamic_axes={"features": {0: "batch"}, "target": {0: "batch"}})
    onnx.checker.check_model(onnx.load(path))
    fmt = "%.10g"
    np.savetxt(os.path.join(a.out, "train.csv"), train, delimiter=",", fmt=fmt, header=header, comments="")
    np.savetxt(os.path.join(a.out, "validation.csv"), validation, delimiter=",", fmt=fmt, header=header, comments="")
    np.savetxt(os.path.join(a.out, "report.csv"), report, delimiter=",", fmt=fmt, header=header, comments="")
    info = {"parameters": int(sum(t.numel() for t in model.parameters())), "seconds": round(seconds, 1),
            "epochs": a.epochs, "target_range": [float(ytr.min()), float(ytr.max())],
            "mse": {"train": mse(model, xtr, ytr), "validation": mse(model, validation[:, :-1], validation[:, -1]),
                    "report": mse(model, report[:, :-1], report[:, -1])},
            "target_variance": {"train": float(ytr.var()), "validation": float(validation[:, -1].var())}}
    with open(os.path.join(a.out, "ailerons_resmlp.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
