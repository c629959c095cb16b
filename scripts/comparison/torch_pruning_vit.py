#!/usr/bin/python3
"""Torch-Pruning's head and FFN pruning (L1, Taylor, Hessian) against the sweep, on the shared ViT.

The ViT (../shared/models/graphs/vit_mnist_d48x3_gelu.onnx: 16 patches of 7x7, width 48, 3 pre-norm blocks of
nn.MultiheadAttention with 3 heads of 16 and an FFN of 192 with exact GELU) is rebuilt in torch from the ONNX file's
initializers, with each attention written as a fused-qkv Linear (48 -> 144, torch's in_proj) and an output Linear, the
form Torch-Pruning's head pruning is written for (its nn.MultiheadAttention handler prunes embed_dim, the residual
width, not heads). The rebuilt model is checked against a float64 numpy evaluation of the ONNX graph on 200 test rows.

Per round of the sweep's report (--sweep: widths like 2h-22-1h-31-2h-13, per layer the heads then the FFN width),
each method prunes the previous round's retrained model to exactly those widths, with the importance recomputed on
it: per layer, Torch-Pruning's DependencyGraph group rooted at the qkv Linear's 144 output channels (it reaches the
output Linear's inputs through the V path) scored by the importance (MagnitudeImportance p=1, TaylorImportance,
HessianImportance, prepared as torch_pruning_resnet.py prepares them), each head's score the mean of its 48 channels'
(its q, k and v slices), as Torch-Pruning's pruner averages importance by head, the lowest heads pruned through
the group; and the group rooted at the FFN's first Linear (its outputs, the GELU, the second Linear's inputs), the
lowest channels pruned. Then the retraining, choosing and tabulation of torch_pruning_resnet.py (imported).
Usage (see docs/research/COMPARISON.md "Attention heads: against Torch-Pruning"):

  THREADS=1 PYTHONPATH=../shared/peers/torch_pruning_e80127d nice -n 19 /usr/bin/python3 \\
      scripts/comparison/torch_pruning_vit.py --sweep vit.json --methods l1,taylor,hessian --all-rounds \\
      --validation s20-validation.csv --report s20-test.csv --cache docs/research/comparison-vit-tp.jsonl
  # the same models judged on another split's halves (their --state files):
  /usr/bin/python3 scripts/comparison/torch_pruning_vit.py --sweep vit.json --cache docs/research/comparison-vit-tp.jsonl \\
      --validation s21-validation.csv --report s21-test.csv --rescore s21.jsonl
  /usr/bin/python3 scripts/comparison/torch_pruning_vit.py --table --cache docs/research/comparison-vit-tp.jsonl \\
      --sweep vit.json --validation s20-validation.csv
"""
import argparse, gzip, json, math, os, sys, tempfile, time
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_pruning_resnet import (read_csv, logits, retrain, importance, tp_choice, accuracy_on,  # noqa: E402
                                  append, read_cache, read_caches, train_rounds, checked_test_rows)

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared")
METHODS = {"l1": "TP-L1", "taylor": "TP-Taylor", "hessian": "TP-Hessian"}
D, HEADS, HEAD_DIM, FFN, DEPTH = 48, 3, 16, 192, 3


class Attention(nn.Module):
    """nn.MultiheadAttention's function (batch first, self-attention) with in_proj as a fused qkv Linear."""

    def __init__(self):
        super().__init__()
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.num_heads = HEADS

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.num_heads, HEAD_DIM).permute(2, 0, 3, 1, 4).unbind(0)
        a = ((q * HEAD_DIM ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(b, n, self.num_heads * HEAD_DIM))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.att = Attention()
        self.ff = nn.Sequential(nn.Linear(D, FFN), nn.GELU(), nn.Linear(FFN, D))

    def forward(self, x):
        x = x + self.att(self.n1(x))
        return x + self.ff(self.n2(x))


class Vit(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Linear(49, D)
        self.pos = nn.Parameter(torch.zeros(1, 16, D))
        self.blocks = nn.Sequential(*[Block() for _ in range(DEPTH)])
        self.norm, self.head = nn.LayerNorm(D), nn.Linear(D, 10)

    def forward(self, x):
        b = x.shape[0]
        p = (x / 255.0).reshape(b, 4, 7, 4, 7).permute(0, 1, 3, 2, 4).reshape(b, 16, 49)
        return self.head(self.norm(self.blocks(self.emb(p) + self.pos)).mean(1))


def from_onnx(path):
    """The torch Vit with the ONNX initializers; the exporter's unnamed MatMul weights found by their nodes."""
    model = onnx.load(path)
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    matmul = {n.name: n.input[1] for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in init}
    net = Vit()
    sd = {}
    for name, value in init.items():
        if not name.startswith("onnx::"):
            sd[name.replace("att.in_proj_bias", "att.qkv.bias").replace("att.out_proj", "att.proj")] = value
    sd["emb.weight"] = init[matmul["/emb/MatMul"]].T
    for i in range(DEPTH):
        pre = "/blocks/blocks.%d/" % i
        sd["blocks.%d.att.qkv.weight" % i] = init[matmul[pre + "att/MatMul"]].T
        sd["blocks.%d.ff.0.weight" % i] = init[matmul[pre + "ff/ff.0/MatMul"]].T
        sd["blocks.%d.ff.2.weight" % i] = init[matmul[pre + "ff/ff.2/MatMul"]].T
    net.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in sd.items()})
    return net.eval(), model


def numpy_onnx(model, x):
    """An independent float64 evaluation of the graph's operators, to check the rebuilt torch model."""
    env = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    env = {k: v.astype(np.float64) if v.dtype.kind == "f" else v for k, v in env.items()}
    env[model.graph.input[0].name] = x.astype(np.float64)
    erf = np.vectorize(math.erf)
    for n in model.graph.node:
        a = {t.name: onnx.helper.get_attribute_value(t) for t in n.attribute}
        i = [env[v] for v in n.input]
        t = n.op_type
        if t == "Constant":
            y = numpy_helper.to_array(a["value"])
            y = y.astype(np.float64) if y.dtype.kind == "f" else y
        elif t in ("Add", "Sub", "Mul", "Div", "Pow"):
            y = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide, "Pow": np.power}[t](*i)
            if t == "Div" and i[0].dtype.kind == "i":
                y = i[0] // i[1]
        elif t == "Shape":
            y = np.array(i[0].shape, dtype=np.int64)
        elif t == "Gather":
            y = np.take(i[0], i[1], axis=a.get("axis", 0))
        elif t == "Unsqueeze":
            y = np.expand_dims(i[0], tuple(int(v) for v in i[1]))
        elif t == "Concat":
            y = np.concatenate(i, axis=a["axis"])
        elif t == "Cast":
            y = i[0].astype(np.float64 if a["to"] in (1, 11) else np.int64)
        elif t == "Reshape":
            shape = [int(s) if s != 0 else i[0].shape[k] for k, s in enumerate(i[1])]
            y = i[0].reshape(shape)
        elif t == "Transpose":
            y = np.transpose(i[0], a.get("perm"))
        elif t == "Slice":
            sl = [slice(None)] * i[0].ndim
            axes = i[3] if len(i) > 3 else range(len(i[1]))
            steps = i[4] if len(i) > 4 else [1] * len(i[1])
            for s, e, ax, st in zip(i[1], i[2], axes, steps):
                sl[int(ax)] = slice(int(s), int(min(e, 2 ** 62)), int(st))
            y = i[0][tuple(sl)]
        elif t == "MatMul":
            y = i[0] @ i[1]
        elif t == "Gemm":
            y = i[0] @ (i[1].T if a.get("transB", 0) else i[1]) + i[2]
        elif t == "ReduceMean":
            y = i[0].mean(axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))
        elif t == "Sqrt":
            y = np.sqrt(i[0])
        elif t == "Erf":
            y = erf(i[0])
        elif t == "Softmax":
            e = np.exp(i[0] - i[0].max(axis=a.get("axis", -1), keepdims=True))
            y = e / e.sum(axis=a.get("axis", -1), keepdims=True)
        else:
            raise SystemExit("numpy_onnx: operator %s not covered" % t)
        env[n.output[0]] = y
    return env[model.graph.output[0].name]


def widths(net):
    """The sweep's width string: per layer the heads ('3h') then the FFN width."""
    return "-".join("%dh-%d" % (b.att.num_heads, b.ff[0].out_features) for b in net.blocks)


def parse_widths(text):
    parts = text.split("-")
    return [(int(parts[k][:-1]), int(parts[k + 1])) for k in range(0, len(parts), 2)]


def block_params(heads_ffn):
    """The attention and FFN weights and biases at these widths (the sweep's blocks; the residual width stays 48)."""
    return sum(D * 3 * h * HEAD_DIM + 3 * h * HEAD_DIM + h * HEAD_DIM * D + D + D * f + f + f * D + D
               for h, f in heads_ffn)


def tp_prune(tp, kind, net, target, x, y, seed):
    """Prunes each layer to target[i] = (heads, FFN width), the lowest (group-averaged) importance first; every group
    scored before any is pruned, as one step of Torch-Pruning's pruner."""
    imp = importance(tp, kind, net, x, y, seed)
    graph = tp.DependencyGraph().build_dependency(net, example_inputs=torch.from_numpy(x[:2]))
    plans = []
    for blk, (heads, ffn) in zip(net.blocks, target):
        att, plan = blk.att, [None, None]
        if att.num_heads > heads:
            group = graph.get_pruning_group(att.qkv, tp.prune_linear_out_channels, idxs=list(range(att.qkv.out_features)))
            layers = {dep.target.module for dep, _ in group if len(list(dep.target.module.parameters())) > 0}
            assert layers == {att.qkv, att.proj}, "head group reaches beyond the attention: %s" % layers
            per_channel = imp(group).reshape(3, att.num_heads, HEAD_DIM)  # the qkv rows: [q | k | v], heads inside
            head_imp = per_channel.mean((0, 2))
            drop = torch.argsort(head_imp)[:att.num_heads - heads].tolist()
            plan[0] = (drop, [s * att.num_heads * HEAD_DIM + h * HEAD_DIM + j
                              for s in range(3) for h in drop for j in range(HEAD_DIM)])
        if blk.ff[0].out_features > ffn:
            group = graph.get_pruning_group(blk.ff[0], tp.prune_linear_out_channels, idxs=list(range(blk.ff[0].out_features)))
            layers = {dep.target.module for dep, _ in group if len(list(dep.target.module.parameters())) > 0}
            assert layers == {blk.ff[0], blk.ff[2]}, "FFN group reaches beyond the FFN: %s" % layers
            plan[1] = torch.argsort(imp(group))[:blk.ff[0].out_features - ffn].tolist()
        plans.append(plan)
    for blk, (heads_plan, ffn_drop) in zip(net.blocks, plans):
        if heads_plan:
            graph.get_pruning_group(blk.att.qkv, tp.prune_linear_out_channels, idxs=heads_plan[1]).prune()
            blk.att.num_heads -= len(heads_plan[0])
            assert blk.att.proj.in_features == blk.att.num_heads * HEAD_DIM, blk.att.proj
        if ffn_drop:
            graph.get_pruning_group(blk.ff[0], tp.prune_linear_out_channels, idxs=ffn_drop).prune()
    net.zero_grad()
    for p in net.parameters():
        p.grad = None
    return net


def check_head_removal(tp, net, x):
    """Removing a head through the group must give exactly the model whose output projection ignores that head."""
    import copy
    pruned, masked = copy.deepcopy(net), copy.deepcopy(net)
    att = pruned.blocks[0].att
    graph = tp.DependencyGraph().build_dependency(pruned, example_inputs=torch.from_numpy(x[:2]))
    graph.get_pruning_group(att.qkv, tp.prune_linear_out_channels,
                            idxs=[s * D + HEAD_DIM + j for s in range(3) for j in range(HEAD_DIM)]).prune()
    att.num_heads -= 1
    masked.blocks[0].att.proj.weight.data[:, HEAD_DIM:2 * HEAD_DIM] = 0
    return float((logits(pruned, x) - logits(masked, x)).abs().max())


def load_training(path, rows):
    with gzip.open(path, "rt") as f:
        a = np.loadtxt(f, delimiter=",", skiprows=1, dtype=np.float32, max_rows=rows)
    return a[:, :-1], a[:, -1].astype(np.int64)


def table(caches, sweep_path, max_drop, methods, n_validation):
    """Per round: validation / report accuracy on the sweep's split, and the choice by the point estimate."""
    recs = read_caches(caches)
    original = recs[("original", 0)]
    sw = json.load(open(sweep_path))
    assert sw["validation"]["rows"] == n_validation and sw["report"]["rows"] == original["test_rows"] - n_validation
    vrows, rrows = np.arange(n_validation), np.arange(n_validation, original["test_rows"])
    full = block_params([(HEADS, FFN)] * DEPTH)
    out = ["| round | widths | block parameters removed | sweep (ours) val / report |" + "".join(
        " %s val / report |" % METHODS[m] for m in methods), "|" + "---|" * (4 + len(methods))]
    out.append("| original | 3h-192-3h-192-3h-192 | 0%% | %.2f%% / %.2f%% |%s" % (
        100 * sw["validation"]["accuracy"], 100 * sw["report"]["accuracy"], "".join(
            " %.2f%% / %.2f%% |" % (100 * accuracy_on(original["wrong"], vrows),
                                    100 * accuracy_on(original["wrong"], rrows)) for _ in methods)))
    for i, r in enumerate(sw["rounds"]):
        cells = []
        for m in methods:
            t = recs.get((m, r["round"]))
            if t and t["widths"] != r["widths"]:
                raise SystemExit("%s round %d was trained at %s, the sweep's round is %s: not comparable" % (
                    m, r["round"], t["widths"], r["widths"]))
            cells.append(" %.2f%% / %.2f%% |" % (100 * accuracy_on(t["wrong"], vrows),
                                                 100 * accuracy_on(t["wrong"], rrows)) if t else " not trained |")
        out.append("| %d%s | %s | %.1f%% | %.2f%% / %.2f%%%s |%s" % (
            r["round"], "" if r["holds"] else " x", r["widths"], 100 * (1 - block_params(parse_widths(r["widths"])) / full),
            100 * r["validation"]["accuracy"], 100 * r["report"]["accuracy"],
            " (written)" if i == sw["chosen"] else "", "".join(cells)))
    n_test, n_r = original["test_rows"], sw["report"]["rows"]
    whole = (sw["validation"]["accuracy"] * n_validation + sw["report"]["accuracy"] * n_r) / n_test
    out += ["", "Over all {:,} rows of both halves, points against the original:".format(n_test), "",
            "| round | block parameters removed | sweep (ours) |" + "".join(" %s |" % METHODS[m] for m in methods),
            "|" + "---|" * (3 + len(methods))]
    for r in sw["rounds"]:
        ours = (r["validation"]["accuracy"] * n_validation + r["report"]["accuracy"] * n_r) / n_test
        cells = [" %+.2f |" % (100 * (len(original["wrong"]) - len(recs[(m, r["round"])]["wrong"])) / n_test)
                 if (m, r["round"]) in recs else " |" for m in methods]
        out.append("| %d | %.1f%% | %+.2f |%s" % (r["round"], 100 * (1 - block_params(parse_widths(r["widths"])) / full),
                                                  100 * (ours - whole), "".join(cells)))
    base = (sw["validation"]["accuracy"], sw["report"]["accuracy"])
    out += ["", "| method (how chosen) | round chosen | widths | block parameters removed | report accuracy | "
                "report Δ points | break (> %g point lost on the report half) |" % max_drop, "|---|---|---|---|---|---|---|"]
    point = None
    for r in sw["rounds"]:
        if (base[0] - r["validation"]["accuracy"]) * 100 > max_drop + 1e-9:
            break
        point = r
    chosen = sw["rounds"][sw["chosen"]] if sw["chosen"] is not None and sw["chosen"] >= 0 else None
    rows = [("ours (certificate)", chosen and (chosen["round"], chosen["widths"], chosen["report"]["accuracy"])),
            ("ours' rounds (point estimate)", point and (point["round"], point["widths"], point["report"]["accuracy"]))]
    for m in methods:
        chain = [recs[(m, r["round"])] for r in sw["rounds"] if (m, r["round"]) in recs]
        c, ran_out = tp_choice(chain, original, vrows, max_drop)
        note = " (every trained round held)" if ran_out and len(chain) < len(sw["rounds"]) else ""
        if chain and chain[0]["round"] > 1:
            note = " (rounds %d–%d trained; the earlier ones assumed to hold)" % (chain[0]["round"], chain[-1]["round"])
        rows.append(("%s (point estimate)%s" % (METHODS[m], note), c and (c["round"], c["widths"],
                                                                       accuracy_on(c["wrong"], rrows))))
    base_r = base[1]
    for name, c in rows:
        if c is None:
            out.append("| %s | original kept | | 0%% | %.2f%% | +0.00 | no |" % (name, 100 * base_r))
            continue
        loss = 100 * (base_r - c[2])
        out.append("| %s | %d | %s | %.1f%% | %.2f%% | %+.2f | %s |" % (
            name, c[0], c[1], 100 * (1 - block_params(parse_widths(c[1])) / full), 100 * c[2], -loss,
            "yes" if loss > max_drop + 1e-9 else "no"))
    return "\n".join(out) + "\n"


def rescore(a):
    """The cached models judged again on other halves; the original from the ONNX file."""
    xv, yv = read_csv(a.validation)
    xr, yr = read_csv(a.report)
    xtest, ytest = np.concatenate([xv, xr]), np.concatenate([yv, yr])
    with open(a.cache) as f:
        recs = [json.loads(line) for line in f]
    out = []
    for r in recs:
        net = from_onnx(a.model)[0] if r["method"] == "original" else torch.load(
            os.path.join(a.state, "%s-%d.pt" % (r["method"], r["round"])))
        if widths(net) != r["widths"]:
            raise SystemExit("%s: %s round %d's state has widths %s, its record %s" % (
                a.state, r["method"], r["round"], widths(net), r["widths"]))
        wrong = np.nonzero(logits(net, xtest).argmax(1).numpy() != ytest)[0]
        r = dict(r, test_rows=len(ytest), wrong=wrong.tolist(), judged_on=[a.validation, a.report])
        if r["method"] != "original":
            r["validation"] = 1 - float(np.sum(wrong < len(yv))) / len(yv)
            r["report"] = 1 - float(np.sum(wrong >= len(yv))) / len(yr)
        out.append(json.dumps(r, separators=(",", ":")))
    with open(a.rescore, "w") as f:
        f.write("\n".join(out) + "\n")
    print("%d records judged on %s / %s: %s" % (len(out), a.validation, a.report, a.rescore))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=SHARED + "/models/graphs/vit_mnist_d48x3_gelu.onnx")
    p.add_argument("--train", default=SHARED + "/data/mnist-train.csv.gz")
    p.add_argument("--train-rows", type=int, default=50000, help="the first rows of --train (the sweep's cap)")
    runs = os.path.join(os.environ.get("RUNS", "runs"), "vitruns")  # the ViT sweep's split halves
    p.add_argument("--validation", default=os.path.join(runs, "mnist-s20-validation.csv"))
    p.add_argument("--report", default=os.path.join(runs, "mnist-s20-test.csv"))
    p.add_argument("--sweep", required=True, help="the sweep's --report JSON: its rounds' widths")
    p.add_argument("--rounds", default="", help="comma-separated round numbers to train (default all); the first "
                   "is pruned from the original in one step when the rounds before it are not trained")
    p.add_argument("--max-drop", type=float, default=1.0)
    p.add_argument("--all-rounds", action="store_true")
    p.add_argument("--cache", default="docs/research/comparison-vit-tp.jsonl")
    p.add_argument("--state", default=os.path.join(tempfile.gettempdir(), "tp", "vit-states"))
    p.add_argument("--methods", default="l1,taylor")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--table", action="store_true", help="only write the markdown table from --cache (comma-separated)")
    p.add_argument("--md", help="write the table here as well")
    p.add_argument("--rescore", metavar="OUT", help="only judge the models of --cache (their --state files) on "
                   "--validation/--report and write their records to OUT: one training run serves several splits")
    a = p.parse_args()
    if a.table:
        n_validation = len(read_csv(a.validation)[1])
        md = table(a.cache.split(","), a.sweep, a.max_drop, a.methods.split(","), n_validation)
        print(md)
        if a.md:
            with open(a.md, "w") as f:
                f.write(md)
        return
    if a.rescore:
        rescore(a)
        return
    import torch_pruning as tp
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    os.makedirs(a.state, exist_ok=True)
    net0, model = from_onnx(a.model)
    yv, xtest, ytest, diff = checked_test_rows(a, net0, lambda rows: numpy_onnx(model, rows))
    check = xtest[:200]
    head_diff = check_head_removal(tp, net0, check)
    print("a head removed through Torch-Pruning's group vs its output-projection columns zeroed: max diff %.3g"
          % head_diff, flush=True)
    if head_diff > 1e-4:
        raise SystemExit("Torch-Pruning's qkv group does not remove a whole head (max diff %g)" % head_diff)
    x, y = load_training(a.train, a.train_rows)
    teacher = logits(net0, x)
    with open(a.sweep) as f:
        rounds = [{"round": r["round"], "widths": r["widths"]} for r in json.load(f)["rounds"]]
    if a.rounds:
        wanted = {int(v) for v in a.rounds.split(",")}
        rounds = [r for r in rounds if r["round"] in wanted]
    done = read_cache(a.cache)
    base_wrong = np.nonzero(logits(net0, xtest).argmax(1).numpy() != ytest)[0]
    if ("original", 0) not in done:
        done[("original", 0)] = {"method": "original", "round": 0, "widths": widths(net0),
                                 "block_params": block_params([(HEADS, FFN)] * DEPTH), "diff_vs_onnx": diff,
                                 "head_removal_diff": head_diff, "test_rows": len(ytest),
                                 "wrong": base_wrong.tolist()}
        append(a.cache, done[("original", 0)])

    def prune_round(kind, net, r):
        target = parse_widths(r["widths"])
        tp_prune(tp, kind, net, target, x, y, a.seed + r["round"])
        assert widths(net) == r["widths"], (widths(net), r["widths"])
        return {"widths": widths(net), "block_params": block_params(target),
                "from": "previous round" if (kind, r["round"] - 1) in done else "original"}

    train_rounds(a, rounds, done, lambda: from_onnx(a.model)[0], prune_round, (x, y, teacher, xtest, ytest, len(yv)))


if __name__ == "__main__":
    main()
