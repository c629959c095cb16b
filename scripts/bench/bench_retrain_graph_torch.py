#!/usr/bin/python3
"""PyTorch side of `odf2nna-onnx bench retrain --graph MODEL.onnx`: retrains the ONNX graph of the problem the Java
side wrote (GraphRetrainFiles) the way GraphRetrainer does, and prints the wall-clock time of every epoch.

The same graph: the ONNX file is executed node by node with PyTorch operators (autograd, eager mode), the same
initializers trained (as torch parameters), the others constants. Shape arithmetic (Shape, Gather, Concat, ... on
integer tensors) runs on small numpy arrays, as a hand-written nn.Module would compute it with Python ints, so that
only the float work goes through torch. The same rows, held-out share, batch size, Adam (beta1 0.9, beta2 0.999,
eps 1e-7, the same learning rate) and the same per-epoch work: shuffled mini-batches, one Adam step each on the
distillation loss (hard weight x cross-entropy on the labels + (1 - hard weight) x T^2 x cross-entropy on the
teacher's probabilities at T), the loss fetched every step; then the held-out rows scored in batches and the
parameters copied when the held-out accuracy improved. The teacher's outputs are computed once before training, as
the Java side does. Only the shuffling differs (torch's generator instead of java.util.Random).

OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are set to --threads before torch is imported.

    /usr/bin/python3 scripts/bench/bench_retrain_graph_torch.py DIR --threads 1
Prints one line: PROBE {json}.
"""
import json
import os
import time

import torch_threads  # first: it sizes the thread pools before numpy and torch load
import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def is_int(v):
    return isinstance(v, (np.ndarray, np.generic))


class Graph:
    """An ONNX graph run with torch: float tensors through torch, integer (shape) tensors through numpy."""

    def __init__(self, model, trainable):
        g = model.graph
        self.params = {}
        self.consts = {}
        for t in g.initializer:
            a = numpy_helper.to_array(t)
            if a.dtype.kind == "f":
                v = torch.from_numpy(a.astype(np.float32).copy())
                if t.name in trainable:
                    v = torch.nn.Parameter(v)
                    self.params[t.name] = v
                self.consts[t.name] = v
            else:
                self.consts[t.name] = a.astype(np.int64)
        self.nodes = []
        for n in g.node:
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            if n.op_type == "Constant":
                a = numpy_helper.to_array(attrs["value"])
                self.consts[n.output[0]] = torch.from_numpy(a.astype(np.float32).copy()) if a.dtype.kind == "f" \
                    else a.astype(np.int64)
                continue
            self.nodes.append((n.op_type, list(n.input), list(n.output), attrs))
        self.input = [i.name for i in g.input if i.name not in self.consts][0]
        dims = [d.dim_value for d in g.input[0].type.tensor_type.shape.dim]
        self.input_shape = dims
        self.output = g.output[0].name

    def __call__(self, x):
        env = dict(self.consts)
        env[self.input] = x.reshape([-1] + self.input_shape[1:]) if len(self.input_shape) > 2 else x
        for op, ins, outs, a in self.nodes:
            v = [env[i] if i else None for i in ins]
            env[outs[0]] = run(op, v, a)
        return env[self.output]


def run(op, v, a):
    x = v[0]
    if op in ("Add", "Sub", "Mul", "Div"):
        y = v[1]
        if is_int(x) and is_int(y):
            return {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
                    "Div": lambda p, q: np.trunc(p / q).astype(np.int64)}[op](x, y)
        return {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div}[op](x, y)
    if op == "MatMul":
        return torch.matmul(x, v[1])
    if op == "Gemm":
        w = v[1].t() if a.get("transB", 0) else v[1]
        xa = x.t() if a.get("transA", 0) else x
        y = torch.matmul(xa, w) * a.get("alpha", 1.0)
        return y + a.get("beta", 1.0) * v[2] if len(v) > 2 and v[2] is not None else y
    if op == "Pow":
        return torch.pow(x, v[1])
    if op == "Sqrt":
        return torch.sqrt(x)
    if op == "Erf":
        return torch.erf(x)
    if op == "Tanh":
        return torch.tanh(x)
    if op == "Sigmoid":
        return torch.sigmoid(x)
    if op == "Relu":
        return torch.relu(x)
    if op == "Clip":
        lo = float(v[1]) if len(v) > 1 and v[1] is not None else None
        hi = float(v[2]) if len(v) > 2 and v[2] is not None else None
        return torch.clamp(x, lo, hi)
    if op == "Softmax":
        return torch.softmax(x, a.get("axis", -1))
    if op == "ReduceMean":
        return x.mean(dim=tuple(a["axes"]), keepdim=bool(a.get("keepdims", 1)))
    if op == "Transpose":
        return x.transpose(*a["perm"]) if is_int(x) else x.permute(*a["perm"])
    if op == "Reshape":
        shape = [int(s) if s != 0 else x.shape[i] for i, s in enumerate(v[1].tolist())]
        return x.reshape(shape)
    if op == "Flatten":
        axis = a.get("axis", 1)
        return x.reshape(int(np.prod(x.shape[:axis])), -1)
    if op == "Shape":
        return np.array(x.shape, dtype=np.int64)
    if op == "Gather":
        idx = v[1]
        if is_int(x):
            return np.take(x, idx, axis=a.get("axis", 0))
        return torch.index_select(x, a.get("axis", 0), torch.from_numpy(idx.reshape(-1) % x.shape[a.get("axis", 0)]))
    if op == "Unsqueeze":
        y = x
        for ax in sorted(v[1].tolist()):
            y = np.expand_dims(y, ax) if is_int(y) else y.unsqueeze(ax)
        return y
    if op == "Concat":
        if is_int(x):
            return np.concatenate(v, axis=a.get("axis", 0))
        return torch.cat(v, a.get("axis", 0))
    if op == "Cast":
        if a["to"] in (6, 7):
            return x.astype(np.int64) if is_int(x) else x.long()
        return torch.from_numpy(x.astype(np.float32)) if is_int(x) else x.float()
    if op == "Slice":
        starts, ends = v[1].tolist(), v[2].tolist()
        axes = v[3].tolist() if len(v) > 3 and v[3] is not None else list(range(len(starts)))
        steps = v[4].tolist() if len(v) > 4 and v[4] is not None else [1] * len(starts)
        index = [slice(None)] * x.ndim
        for s, e, ax, st in zip(starts, ends, axes, steps):
            index[ax] = slice(s, min(e, 2 ** 31), st)
        return x[tuple(index)]
    if op == "Conv":
        pads = a.get("pads", [0, 0, 0, 0])
        if pads[0] != pads[2] or pads[1] != pads[3]:
            x = F.pad(x, (pads[1], pads[3], pads[0], pads[2]))
            pads = [0, 0, 0, 0]
        return F.conv2d(x, v[1], v[2] if len(v) > 2 else None, stride=tuple(a.get("strides", [1, 1])),
                        padding=(pads[0], pads[1]), dilation=tuple(a.get("dilations", [1, 1])),
                        groups=a.get("group", 1))
    if op == "GlobalAveragePool":
        return x.mean(dim=(2, 3), keepdim=True)
    raise SystemExit("bench_retrain_graph_torch.py: no PyTorch translation for " + op)


def main():
    args = torch_threads.command_line()
    with open(os.path.join(args.dir, "problem.json")) as f:
        prob = json.load(f)
    n, width = prob["rows"], prob["width"]
    x_all = torch.from_numpy(np.fromfile(os.path.join(args.dir, "rows.f32"), dtype="<f4").reshape(n, width).copy())
    y_all = torch.from_numpy(np.fromfile(os.path.join(args.dir, "labels.f32"), dtype="<f4").astype(np.int64))
    model = onnx.load(prob["model"])
    graph = Graph(model, set(prob["trainable"]))
    torch.manual_seed(prob["seed"])
    held = int(round(n * prob["validationShare"]))
    order = torch.randperm(n)
    vi, ti = order[:held].sort().values, order[held:].sort().values
    xt, yt, xv, yv = x_all[ti], y_all[ti], x_all[vi], y_all[vi]
    T, hard = prob["temperature"], prob["hardWeight"]
    batch, epochs, ev = prob["batchSize"], prob["epochs"], prob["evaluationBatch"]
    start = time.perf_counter()
    with torch.no_grad():
        teacher = torch.cat([graph(xt[i:i + 1024]) for i in range(0, len(xt), 1024)])
        soft = torch.softmax(teacher / T, dim=1)
    params = list(graph.params.values())
    opt = torch.optim.Adam(params, lr=prob["learningRate"], betas=(0.9, 0.999), eps=1e-7)

    def evaluate():
        correct = 0
        with torch.no_grad():
            for i in range(0, len(xv), ev):
                correct += (graph(xv[i:i + ev]).argmax(1) == yv[i:i + ev]).sum().item()
        return correct / max(1, len(xv))

    best = evaluate()
    stamps, cpu = [time.perf_counter()], [time.process_time()]
    setup = stamps[0] - start
    losses = [None]
    metrics = [best]
    for epoch in range(epochs):
        perm = torch.randperm(len(xt))
        total = 0.0
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            z = graph(xt[idx])
            hard_loss = F.cross_entropy(z, yt[idx])
            soft_loss = -(soft[idx] * F.log_softmax(z / T, dim=1)).sum(1).mean() * T * T
            loss = hard * hard_loss + (1 - hard) * soft_loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        acc = evaluate()
        if acc > best:
            best = acc
            kept = {k: p.detach().clone() for k, p in graph.params.items()}  # noqa: F841
        stamps.append(time.perf_counter())
        cpu.append(time.process_time())
        losses.append(total / len(xt))
        metrics.append(acc)
    out = {
        "framework": "PyTorch",
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "setupSeconds": setup,
        "epochSeconds": [stamps[i] - stamps[i - 1] for i in range(1, len(stamps))],
        "epochCpuSeconds": [cpu[i] - cpu[i - 1] for i in range(1, len(cpu))],
        "trainLoss": losses,
        "validationMetric": metrics,
    }
    print("PROBE " + json.dumps(out).replace("NaN", "null"), flush=True)


if __name__ == "__main__":
    main()
