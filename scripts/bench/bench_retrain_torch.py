#!/usr/bin/python3
"""PyTorch side of `odf2nna-onnx bench retrain`: trains the problem the Java side wrote (RetrainFiles)
the way DenseTrainer does, and prints the wall-clock time of every epoch.

Same network (y = x·W + b per layer, W [inputs, units], the same activations), the same starting weights,
rows, batch size, Adam (β1 0.9, β2 0.999, ε 1e-7, the same learning rate) and the same per-epoch work:
shuffled mini-batches with one Adam step each and the loss fetched every step, then the validation rows
scored in batches of 8192 and the weights copied when the validation figure improved. Only the shuffling
differs (torch's generator instead of java.util.Random), which changes no amount of work.

OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are set to --threads before torch is imported.

Run with Debian's /usr/bin/python3 (python3-torch):
    /usr/bin/python3 scripts/bench/bench_retrain_torch.py DIR --threads 1
Prints one line: PROBE {json}.
"""
import hashlib
import json
import os
import sys
import time

import torch_threads  # first: it sizes the thread pools before numpy and torch load
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

EVALUATION_BATCH = 8192


def activation(kind, alpha, beta):
    if kind == "IDENTITY":
        return lambda x: x
    if kind == "RELU":
        return torch.relu
    if kind == "LEAKY_RELU":
        return lambda x: F.leaky_relu(x, alpha)
    if kind == "ELU":
        return lambda x: F.elu(x, alpha)
    if kind == "SIGMOID":
        return torch.sigmoid
    if kind == "TANH":
        return torch.tanh
    if kind == "SOFTPLUS":
        return F.softplus
    raise SystemExit("activation %s is not supported by this script" % kind)


def main():
    args = torch_threads.command_line()
    started = time.perf_counter()

    with open(os.path.join(args.dir, "meta.json")) as f:
        meta = json.load(f)

    def floats(name, shape):
        return torch.from_numpy(np.fromfile(os.path.join(args.dir, name), dtype="<f4").reshape(shape))

    rows, width, vrows = meta["rows"], meta["width"], meta["validationRows"]
    x = floats("x.f32", (rows, width))
    y = floats("y.f32", (rows,))
    vx = floats("vx.f32", (vrows, width))
    vy = floats("vy.f32", (vrows,))
    flat = np.fromfile(os.path.join(args.dir, "weights.f32"), dtype="<f4")
    params, acts, at = [], [], 0
    for layer in meta["layers"]:
        n_in, n_out = layer["inputs"], layer["units"]
        w = torch.nn.Parameter(torch.from_numpy(flat[at:at + n_in * n_out].reshape(n_in, n_out).copy()))
        at += n_in * n_out
        b = torch.nn.Parameter(torch.from_numpy(flat[at:at + n_out].copy()))
        at += n_out
        params += [w, b]
        acts.append(activation(layer["activation"], layer["alpha"], layer["beta"]))
    assert at == flat.size

    def logits(h):
        for i, act in enumerate(acts):
            h = act(torch.addmm(params[2 * i + 1], h, params[2 * i]))
        return h

    loss_kind = meta["loss"]
    if loss_kind == "SOFTMAX_CROSS_ENTROPY":
        y_long, vy_long = y.long(), vy.long()

        def loss_of(z, idx=None, validation=False):
            t = vy_long if validation else y_long
            return F.cross_entropy(z, t[idx] if idx is not None else t)
    elif loss_kind == "SIGMOID_CROSS_ENTROPY":
        def loss_of(z, idx=None, validation=False):
            t = vy if validation else y
            return F.binary_cross_entropy_with_logits(z[:, 0], t[idx] if idx is not None else t)
    else:
        def loss_of(z, idx=None, validation=False):
            t = vy if validation else y
            return ((z[:, 0] - (t[idx] if idx is not None else t)) ** 2).mean()

    def evaluate():
        if vrows == 0:
            return float("nan"), float("nan")
        loss_sum, metric_sum = 0.0, 0.0
        with torch.no_grad():
            for s in range(0, vrows, EVALUATION_BATCH):
                idx = torch.arange(s, min(s + EVALUATION_BATCH, vrows))
                z = logits(vx[idx])
                t = vy[idx]
                if loss_kind == "SOFTMAX_CROSS_ENTROPY":
                    loss_sum += F.cross_entropy(z, t.long(), reduction="sum").item()
                    metric_sum += (z.argmax(1) == t.long()).sum().item()
                elif loss_kind == "SIGMOID_CROSS_ENTROPY":
                    loss_sum += F.binary_cross_entropy_with_logits(z[:, 0], t, reduction="sum").item()
                    metric_sum += ((z[:, 0] > 0).float() == t).sum().item()
                else:
                    d = z[:, 0] - t
                    loss_sum += (d * d).sum().item()
                    metric_sum += (d * d).sum().item()
        return loss_sum / vrows, metric_sum / vrows

    higher_is_better = loss_kind != "MEAN_SQUARED_ERROR"
    optimizer = torch.optim.Adam(params, lr=meta["learningRate"], betas=(0.9, 0.999), eps=1e-7)
    generator = torch.Generator().manual_seed(meta["seed"])
    batch = meta["batchSize"]

    best_loss, best_metric = evaluate()
    best = [p.detach().clone() for p in params]
    epoch_seconds, epoch_cpu, train_loss, val_metric = [], [], [float("nan")], [best_metric]
    setup = time.perf_counter() - started
    last = time.perf_counter()
    last_cpu = time.process_time()
    for epoch in range(meta["epochs"]):
        order = torch.randperm(rows, generator=generator)
        loss_sum = 0.0
        for s in range(0, rows, batch):
            idx = order[s:s + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_of(logits(x[idx]), idx)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * idx.numel()
        v_loss, v_metric = evaluate()
        better = (v_metric != best_metric) and ((v_metric > best_metric) if higher_is_better else (v_metric < best_metric))
        if better or (v_metric == best_metric and v_loss < best_loss):
            best_loss, best_metric = v_loss, v_metric
            best = [p.detach().clone() for p in params]
        now = time.perf_counter()
        now_cpu = time.process_time()
        epoch_seconds.append(now - last)
        epoch_cpu.append(now_cpu - last_cpu)
        last, last_cpu = now, now_cpu
        train_loss.append(loss_sum / rows)
        val_metric.append(v_metric)

    digest = hashlib.sha256()
    for p in best:
        digest.update(p.numpy().astype("<f4").tobytes())
    out = {
        "framework": "PyTorch",
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "setupSeconds": setup,
        "epochSeconds": epoch_seconds,
        "epochCpuSeconds": epoch_cpu,
        "trainLoss": [None if v != v else v for v in train_loss],
        "validationMetric": [None if v != v else v for v in val_metric],
        "weightsHash": digest.hexdigest()[:16],
        "mklEnabled": torch.backends.mkl.is_available(),
        "mkldnnEnabled": torch.backends.mkldnn.is_available(),
    }
    print("PROBE " + json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
