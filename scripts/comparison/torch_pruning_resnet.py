#!/usr/bin/python3
"""Torch-Pruning's L1, Taylor and Hessian channel pruning against the sweep, on the small ResNet (issue 50).

The torch ResNet is rebuilt from the ONNX file's initializers (BatchNorm already folded into each Conv's bias by the
exporter) and checked against an independent numpy evaluation of the ONNX graph. For each Torch-Pruning importance
(MagnitudeImportance p=1, TaylorImportance, HessianImportance, called as ../shared/peers/odf2nna_ref.py calls
them), only the channels the sweep prunes are pruned: each basic block's inner channels (its first convolution's
outputs and its second's inputs, one DependencyGraph group rooted at the first convolution; the residual-tied
channels are never a root, so they stay). Round by round the widths are the sweep's own (read from its --report
JSON), each round pruned from the previous round's retrained model, with importance recomputed on it, and followed by
the sweep's end-to-end retraining (docs/graph-retraining.md): every weight trained, distilled from the original
(0.1 * CE(labels) + 0.9 * T^2 * CE(teacher at T = 2)), the training rows with a fifth held out (seeded), Adam
(0.9, 0.999, 1e-7), batches of 128, 2 epochs per round, the learning rate on one cycle up to 0.002 (a 25th of it up
over the first 30% of the steps, cosine down), the best held-out epoch kept with the starting weights as epoch 0.

Choosing, as a user would: on the validation rows, the rounds in order up to the first that loses more than
--max-drop points against the original, the last that held (a point estimate: Torch-Pruning states no certificate);
the sweep's choice is the round it wrote (its certificate), and the sweep's own rounds are also chosen by the same
point estimate, to tell the pruning from the choosing rule. Each choice is judged on the report rows; a break is a
chosen model more than --max-drop points below the original there. Split 1 is the files as given; each further split
(--split-seeds) shuffles all test rows (validation then report) with random.Random(seed) and halves them as
scripts/comparison/comparison.py's halves() does, with the sweep run again on that split's files. The Torch-Pruning models do
not depend on the split (their retraining sees only training rows), so one run serves every split; by default a
method stops after its first round that fails on split 1's validation rows (--all-rounds trains them all).

Every trained round is appended to a JSONL cache (the test rows it gets wrong, by index, validation rows first), and
its model saved under --state, so a cut run resumes and still reports. Usage (1-4 minutes a round on 2 shared cores):

  PYTHONPATH=../shared/peers/torch_pruning_e80127d nice -n 19 /usr/bin/python3 \\
      scripts/comparison/torch_pruning_resnet.py --sweep resnet.json --methods l1 --all-rounds \\
      --cache docs/research/comparison-resnet-tp.jsonl   # methods one after another (a cache file each if run at once)
  /usr/bin/python3 scripts/comparison/torch_pruning_resnet.py --table --cache docs/research/comparison-resnet-tp.jsonl \\
      --sweep resnet.json,resnet-s20.json --split-seeds 20 [--md table.md]
"""
import argparse, json, os, random, tempfile, time
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import numpy_helper

RESNET = os.path.join(os.environ.get("CORPUS", "corpus"), "trained", "resnet")
METHODS = {"l1": "TP-L1", "taylor": "TP-Taylor", "hessian": "TP-Hessian"}


def read_csv(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    return a[:, :-1], a[:, -1].astype(np.int64)


class Block(nn.Module):
    """A basic block as exported: Conv (BN folded) - ReLU - Conv (BN folded) + shortcut - ReLU."""

    def __init__(self, cin, inner, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, inner, 3, stride, 1)
        self.c2 = nn.Conv2d(inner, cout, 3, 1, 1)
        self.short = nn.Conv2d(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = self.c2(F.relu(self.c1(x)))
        return F.relu(y + (x if self.short is None else self.short(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, 2, 1)
        self.blocks = nn.Sequential(Block(16, 16, 16, 1), Block(16, 32, 32, 2), Block(32, 64, 64, 2))
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.stem((x / 255.0).reshape(-1, 1, 28, 28)))
        return self.head(self.blocks(x).mean((2, 3)))


def from_onnx(path):
    """The torch Net with the ONNX initializers, Convs matched in graph order to the modules in forward order."""
    model = onnx.load(path)
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    gemm = [n for n in model.graph.node if n.op_type == "Gemm"][0]
    net = Net()
    b = net.blocks
    modules = [net.stem, b[0].c1, b[0].c2, b[1].c1, b[1].c2, b[1].short, b[2].c1, b[2].c2, b[2].short]
    for node, module in zip(convs, modules):
        module.weight.data = torch.from_numpy(init[node.input[1]].copy())
        module.bias.data = torch.from_numpy(init[node.input[2]].copy())
    net.head.weight.data = torch.from_numpy(init[gemm.input[1]].copy())
    net.head.bias.data = torch.from_numpy(init[gemm.input[2]].copy())
    return net.eval(), model


def numpy_onnx(model, x):
    """An independent float64 evaluation of the graph's operators (Constant, Div, Reshape, Conv, Relu, Add,
    ReduceMean, Gemm), to check the rebuilt torch model."""
    env = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    env[model.graph.input[0].name] = x.astype(np.float64)
    for n in model.graph.node:
        a = {t.name: onnx.helper.get_attribute_value(t) for t in n.attribute}
        i = [env[v] for v in n.input]
        t = n.op_type
        if t == "Constant":
            y = numpy_helper.to_array(a["value"])
        elif t == "Div":
            y = i[0] / i[1]
        elif t == "Reshape":
            y = i[0].reshape([int(v) for v in i[1]])
        elif t == "Relu":
            y = np.maximum(i[0], 0)
        elif t == "Add":
            y = i[0] + i[1]
        elif t == "ReduceMean":
            y = i[0].mean(axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))
        elif t == "Gemm":
            y = i[0] @ (i[1].T if a.get("transB", 0) else i[1]) + i[2]
        elif t == "Conv":
            p, s = a["pads"], a["strides"]
            xp = np.pad(i[0], ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])))
            w = i[1]
            kh, kw = w.shape[2:]
            oh, ow = (xp.shape[2] - kh) // s[0] + 1, (xp.shape[3] - kw) // s[1] + 1
            y = np.zeros((xp.shape[0], w.shape[0], oh, ow))
            for r in range(kh):
                for c in range(kw):
                    patch = xp[:, :, r:r + s[0] * oh:s[0], c:c + s[1] * ow:s[1]]
                    y += np.einsum("nchw,oc->nohw", patch, w[:, :, r, c])
            y += i[2].reshape(1, -1, 1, 1)
        else:
            raise SystemExit("numpy_onnx: operator %s not covered" % t)
        env[n.output[0]] = y
    return env[model.graph.output[0].name]


def logits(net, x, batch=1000):
    net.eval()
    with torch.no_grad():
        return torch.cat([net(torch.from_numpy(x[i:i + batch])) for i in range(0, len(x), batch)])


def conv_params(net):
    return sum(m.weight.numel() + m.bias.numel() for m in net.modules() if isinstance(m, nn.Conv2d))


def widths(net):
    return [blk.c1.out_channels for blk in net.blocks]


def retrain(net, teacher_logits, x, y, epochs, seed, peak=0.002, batch=128, share=0.2, hard=0.1, temperature=2.0):
    """The sweep's end-to-end retraining, in torch (see the module docstring); returns the epoch kept."""
    g = np.random.RandomState(seed)
    order = g.permutation(len(x))
    held = order[:int(round(len(x) * share))]
    fit = order[len(held):]
    xt, yt, tt = torch.from_numpy(x[fit]), torch.from_numpy(y[fit]), teacher_logits[fit]
    xh, yh = x[held], y[held]
    soft = F.softmax(tt / temperature, 1)
    steps = epochs * ((len(fit) + batch - 1) // batch)
    opt = torch.optim.Adam(net.parameters(), lr=peak / 25, betas=(0.9, 0.999), eps=1e-7)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=peak, total_steps=max(steps, 1), pct_start=0.3,
                                                anneal_strategy="cos", cycle_momentum=False)

    def score():
        out = logits(net, xh)
        return float((out.argmax(1).numpy() == yh).mean()), float(F.cross_entropy(out, torch.from_numpy(yh)))

    best, best_state, best_epoch = score(), {k: v.clone() for k, v in net.state_dict().items()}, 0
    torch.manual_seed(seed)
    for epoch in range(1, epochs + 1):
        net.train()
        perm = torch.from_numpy(g.permutation(len(fit)))
        for i in range(0, len(fit), batch):
            idx = perm[i:i + batch]
            out = net(xt[idx])
            loss = hard * F.cross_entropy(out, yt[idx]) + (1 - hard) * temperature ** 2 * torch.mean(
                torch.sum(-soft[idx] * F.log_softmax(out / temperature, 1), 1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        s = score()
        if s[0] > best[0] or (s[0] == best[0] and s[1] < best[1]):
            best, best_state, best_epoch = s, {k: v.clone() for k, v in net.state_dict().items()}, epoch
    net.load_state_dict(best_state)
    net.eval()
    return best_epoch


def importance(tp, kind, net, x, y, seed, batch=128, n_taylor_batches=100, n_hessian=512):
    """Torch-Pruning's importance object, with gradients in place as odf2nna_ref.py's tp_prune prepares them."""
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    net.eval()  # no BN or dropout: eval and train are the same function
    if kind == "l1":
        return tp.importance.MagnitudeImportance(p=1)
    g = torch.Generator().manual_seed(seed)
    if kind == "taylor":
        imp = tp.importance.TaylorImportance()
        net.zero_grad()
        perm = torch.randperm(len(xt), generator=g)
        for k, i in enumerate(range(0, len(perm), batch)):
            if k >= n_taylor_batches:
                break
            idx = perm[i:i + batch]
            F.cross_entropy(net(xt[idx]), yt[idx]).backward()
        return imp
    imp = tp.importance.HessianImportance()
    # As odf2nna_ref.py: this snapshot's accumulate_grad keeps only the last sample, so the per-sample squared
    # gradients are summed here and handed over through the fields it reads.
    idx = torch.randperm(len(xt), generator=g)[:n_hessian]
    params = list(net.parameters())
    acc = {p: torch.zeros_like(p) for p in params}
    for j in idx.tolist():
        net.zero_grad()
        F.cross_entropy(net(xt[j:j + 1]), yt[j:j + 1]).backward()
        for p in params:
            acc[p] += p.grad.detach() ** 2
    imp._accu_grad = acc
    imp._counter = {p: len(idx) for p in params}
    return imp


def tp_prune(tp, kind, net, target, x, y, seed):
    """Prunes each block's inner channels down to target[i], the lowest group importance first; all groups scored
    before any is pruned, as one step of Torch-Pruning's pruner."""
    imp = importance(tp, kind, net, x, y, seed)
    graph = tp.DependencyGraph().build_dependency(net, example_inputs=torch.from_numpy(x[:2]))
    drops = []
    for blk, width in zip(net.blocks, target):
        k = blk.c1.out_channels - width
        if k <= 0:
            drops.append(None)
            continue
        group = graph.get_pruning_group(blk.c1, tp.prune_conv_out_channels, idxs=list(range(blk.c1.out_channels)))
        touched = sorted({dep.target.module.__class__.__name__ + ":" + dep.handler.__name__ for dep, _ in group})
        layers = {dep.target.module for dep, _ in group if len(list(dep.target.module.parameters())) > 0}
        assert layers <= {blk.c1, blk.c2}, "group reaches beyond the block: %s" % touched  # the ReLU has no weights
        drops.append(torch.argsort(imp(group))[:k].tolist())
    for blk, idxs in zip(net.blocks, drops):
        if idxs:
            graph.get_pruning_group(blk.c1, tp.prune_conv_out_channels, idxs=idxs).prune()
    net.zero_grad()
    for p in net.parameters():
        p.grad = None
    return net

ORIGINAL_WIDTHS = (16, 32, 64)


def conv_params_of(inner):
    """Every Conv's weight and bias with the blocks' inner widths `inner` (as conv_params counts a Net)."""
    total, cin = 16 * 9 + 16, 16
    for i, (w, cout) in enumerate(zip(inner, ORIGINAL_WIDTHS)):
        total += cin * w * 9 + w + w * cout * 9 + cout + (cin * cout + cout if i > 0 else 0)
        cin = cout
    return total


def split_rows(n_test, n_validation, seeds):
    """Test-row indices (validation rows then report rows, as in the files) of each split's two halves: split 1 the
    files as given; then, per seed, scripts/comparison/comparison.py's halves(): shuffled with random.Random(seed), the first
    half (sorted) chooses."""
    splits = [("1", np.arange(n_validation), np.arange(n_validation, n_test))]
    for seed in seeds:
        order = list(range(n_test))
        random.Random(seed).shuffle(order)
        cut = n_test // 2
        splits.append(("seed %d" % seed, np.array(sorted(order[:cut])), np.array(sorted(order[cut:]))))
    return splits


def accuracy_on(wrong, rows):
    return 1 - np.isin(rows, wrong).sum() / len(rows)


def tp_choice(recs, original, choose_rows, max_drop):
    """The rounds in order up to the first that loses more than max_drop points on the choosing rows; the last that
    held (None: not even the first). Also whether the chain ran out of trained rounds before failing."""
    base = accuracy_on(original["wrong"], choose_rows)
    chosen = None
    for r in recs:
        if (base - accuracy_on(r["wrong"], choose_rows)) * 100 > max_drop + 1e-9:
            return chosen, False
        chosen = r
    return chosen, True


def table(caches, sweeps, seeds, max_drop, methods):
    recs = read_caches(caches)
    original = recs[("original", 0)]
    n_test = original["test_rows"]
    full = conv_params_of(ORIGINAL_WIDTHS)
    assert full == original["conv_params"], (full, original["conv_params"])
    out = []
    s1 = json.load(open(sweeps[0]))
    n_validation = s1["validation"]["rows"]
    rounds = s1["rounds"]
    # Per round, split 1.
    head = "| round | widths | conv parameters removed | sweep (ours) val / report |" + "".join(
        " %s val / report |" % METHODS[m] for m in methods)
    out += [head, "|" + "---|" * (4 + len(methods))]
    v1, r1 = split_rows(n_test, n_validation, [])[0][1:]
    out.append("| original | 16-32-64 | 0%% | %.2f%% / %.2f%% |%s" % (
        100 * s1["validation"]["accuracy"], 100 * s1["report"]["accuracy"],
        "".join(" %.2f%% / %.2f%% |" % (100 * accuracy_on(original["wrong"], v1),
                                        100 * accuracy_on(original["wrong"], r1)) for _ in methods)))
    for i, r in enumerate(rounds):
        w = [int(x) for x in r["widths"].split("-")]
        cells = []
        for m in methods:
            t = recs.get((m, r["round"]))
            if t and t["widths"] != w:
                raise SystemExit("%s round %d was trained at widths %s, the sweep's round is %s: not comparable" % (
                    m, r["round"], t["widths"], r["widths"]))
            cells.append(" %.2f%% / %.2f%% |" % (100 * t["validation"], 100 * t["report"]) if t else " not trained |")
        out.append("| %d%s | %s | %.1f%% | %.2f%% / %.2f%%%s |%s" % (
            r["round"], "" if r["holds"] else " x", r["widths"], 100 * (1 - conv_params_of(w) / full),
            100 * r["validation"]["accuracy"], 100 * r["report"]["accuracy"],
            " (written)" if i == s1["chosen"] else "", "".join(cells)))
    # The same rounds over all test rows (both halves), as points against the original.
    out += ["", "Over all {:,} test rows (both halves), points against the original:".format(n_test), "",
            "| round | conv parameters removed | sweep (ours) |" + "".join(" %s |" % METHODS[m] for m in methods),
            "|" + "---|" * (3 + len(methods))]
    n_r = s1["report"]["rows"]
    whole = (s1["validation"]["accuracy"] * n_validation + s1["report"]["accuracy"] * n_r) / n_test
    for r in rounds:
        ours = (r["validation"]["accuracy"] * n_validation + r["report"]["accuracy"] * n_r) / n_test
        cells = []
        for m in methods:
            t = recs.get((m, r["round"]))
            cells.append(" %+.2f |" % (100 * (len(t["wrong"]) - len(original["wrong"])) / -n_test) if t else " |")
        out.append("| %d | %.1f%% | %+.2f |%s" % (r["round"], 100 * (1 - conv_params_of(
            [int(x) for x in r["widths"].split("-")]) / full), 100 * (ours - whole), "".join(cells)))
    # Choices and breaks, per split: (round, widths, conv reduction, validation, report, report loss) per method.
    names = ["ours (certificate)", "ours' rounds (point estimate)"] + ["%s (point estimate)" % METHODS[m]
                                                                       for m in methods]
    picks = {n: [] for n in names}
    labels, same_chain = [], []
    for k, (label, vrows, rrows) in enumerate(split_rows(n_test, n_validation, seeds)):
        sw = json.load(open(sweeps[k]))
        assert sw["validation"]["rows"] == len(vrows) and sw["report"]["rows"] == len(rrows)
        labels.append(label)
        same_chain.append([r["widths"] for r in sw["rounds"]] == [r["widths"] for r in rounds])
        base = (sw["validation"]["accuracy"], sw["report"]["accuracy"])
        chosen = sw["rounds"][sw["chosen"]] if sw["chosen"] is not None and sw["chosen"] >= 0 else None
        point = None  # the sweep's own rounds chosen by Torch-Pruning's rule, to separate pruning from choosing
        for r in sw["rounds"]:
            if (base[0] - r["validation"]["accuracy"]) * 100 > max_drop + 1e-9:
                break
            point = r
        for name, c in ((names[0], chosen), (names[1], point)):
            picks[name].append(None if c is None else (
                c["round"], c["widths"], 1 - conv_params_of([int(x) for x in c["widths"].split("-")]) / full,
                c["validation"]["accuracy"], c["report"]["accuracy"], 100 * (base[1] - c["report"]["accuracy"]), ""))
        for m, name in zip(methods, names[2:]):
            chain = [recs[(m, r["round"])] for r in rounds if (m, r["round"]) in recs]
            c, ran_out = tp_choice(chain, original, vrows, max_drop)
            note = " (every trained round held)" if ran_out and len(chain) < len(rounds) else ""
            base_r = accuracy_on(original["wrong"], rrows)
            picks[name].append(None if c is None else (
                c["round"], "-".join(map(str, c["widths"])), 1 - c["conv_params"] / full,
                accuracy_on(c["wrong"], vrows), accuracy_on(c["wrong"], rrows),
                100 * (base_r - accuracy_on(c["wrong"], rrows)), note))
    out += ["", "| method (how chosen) | splits | conv parameters removed (median; min–max) | report-half Δ points "
                "(median; worst) | breaks (> %g point lost on the report half) |" % max_drop, "|---|---|---|---|---|"]
    for name in names:
        ps = picks[name]
        red = [p[2] if p else 0.0 for p in ps]
        loss = [p[5] if p else 0.0 for p in ps]
        out.append("| %s | %d | %.1f%% (%.1f–%.1f%%) | %+.2f (%+.2f) | %d of %d |" % (
            name, len(ps), 100 * float(np.median(red)), 100 * min(red), 100 * max(red), -float(np.median(loss)),
            -max(loss), sum(v > max_drop + 1e-9 for v in loss), len(ps)))
    out += ["", "Per split: the round chosen, its conv parameters removed, its report-half Δ points against the original.",
            "", "| method | " + " | ".join("split %s" % l for l in labels) + " |", "|---|" + "---|" * len(labels)]
    for name in names:
        out.append("| %s | " % name + " | ".join(
            "original kept" if p is None else "%d: %.1f%%, %+.2f%s" % (p[0], 100 * p[2], -p[5], p[6])
            for p in picks[name]) + " |")
    if not all(same_chain):
        out += ["", "Note: the sweep's rounds differ on split(s) %s from split 1's, whose widths Torch-Pruning "
                "followed." % ", ".join(l for l, same in zip(labels, same_chain) if not same)]
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=os.path.join(RESNET, "resnet_mnist.onnx"))
    p.add_argument("--train", default=os.path.join(RESNET, "train.csv"))
    p.add_argument("--validation", default=os.path.join(RESNET, "validation.csv"))
    p.add_argument("--report", default=os.path.join(RESNET, "report.csv"))
    p.add_argument("--sweep", required=True, help="the sweep's --report JSON on these files: its rounds' widths")
    p.add_argument("--max-drop", type=float, default=1.0)
    p.add_argument("--all-rounds", action="store_true",
                   help="train every round; by default a method stops after its first round that loses more than "
                        "--max-drop points on the validation rows, as the sweep tests rounds up to the first that fails")
    p.add_argument("--cache", default="docs/research/comparison-resnet-tp.jsonl")
    p.add_argument("--state", default=os.path.join(tempfile.gettempdir(), "tp", "states"))
    p.add_argument("--methods", default="l1,taylor,hessian")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-rounds", type=int, default=99)
    p.add_argument("--table", action="store_true", help="only write the markdown table from --cache (files, comma-"
                   "separated) and --sweep (comma-separated: split 1's, then split 2's)")
    p.add_argument("--split-seeds", default="", help="comma-separated seeds of the splits after the first, one per "
                   "--sweep file after the first")
    p.add_argument("--md", help="write the table here as well")
    a = p.parse_args()
    if a.table:
        seeds = [int(v) for v in a.split_seeds.split(",") if v]
        if len(seeds) + 1 != len(a.sweep.split(",")):
            raise SystemExit("--sweep needs one file for the files' split and one per --split-seeds seed")
        md = table(a.cache.split(","), a.sweep.split(","), seeds, a.max_drop, a.methods.split(","))
        print(md)
        if a.md:
            with open(a.md, "w") as f:
                f.write(md)
        return
    import torch_pruning as tp
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    os.makedirs(a.state, exist_ok=True)
    net0, model = from_onnx(a.model)
    x, y = read_csv(a.train)
    yv, xtest, ytest, diff = checked_test_rows(a, net0, lambda rows: numpy_onnx(model, rows))
    check = xtest[:200]
    teacher = logits(net0, x)
    with open(a.sweep) as f:
        rounds = [{"round": r["round"], "widths": [int(w) for w in r["widths"].split("-")]}
                  for r in json.load(f)["rounds"]][:a.max_rounds]
    done = read_cache(a.cache)
    base_wrong = np.nonzero(logits(net0, xtest).argmax(1).numpy() != ytest)[0]
    if ("original", 0) not in done:
        done[("original", 0)] = {"method": "original", "round": 0, "widths": widths(net0), "conv_params": conv_params(net0),
                         "diff_vs_onnx": diff, "test_rows": len(ytest), "wrong": base_wrong.tolist()}
        append(a.cache, done[("original", 0)])

    def prune_round(kind, net, r):
        tp_prune(tp, kind, net, r["widths"], x, y, a.seed + r["round"])
        assert widths(net) == list(r["widths"]), (widths(net), r["widths"])
        return {"widths": widths(net), "conv_params": conv_params(net)}

    train_rounds(a, rounds, done, lambda: from_onnx(a.model)[0], prune_round, (x, y, teacher, xtest, ytest, len(yv)))


def checked_test_rows(a, net0, numpy_eval):
    """The test rows (validation rows first) and the largest difference between the rebuilt torch model's logits and
    an independent numpy evaluation of the ONNX graph on their first 200; stops when they do not match."""
    xv, yv = read_csv(a.validation)
    xr, yr = read_csv(a.report)
    xtest, ytest = np.concatenate([xv, xr]), np.concatenate([yv, yr])
    check = xtest[:200]
    diff = float(np.abs(logits(net0, check).numpy().astype(np.float64) - numpy_eval(check)).max())
    print("torch rebuilt vs numpy ONNX evaluation, 200 test rows: max abs logit diff %.3g" % diff, flush=True)
    if diff > 1e-3:
        raise SystemExit("the rebuilt torch model does not match the ONNX graph (max diff %g)" % diff)
    return yv, xtest, ytest, diff


def read_cache(path):
    """The cached rounds by (method, round); none when the file is not there yet."""
    return read_caches([path]) if os.path.exists(path) else {}


def read_caches(paths):
    """The cached rounds of every file by (method, round), a later file's record over an earlier one's."""
    recs = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                recs[(r["method"], r["round"])] = r
    return recs


def train_rounds(a, rounds, done, build, prune_round, rows):
    """Each method's rounds in order: a round cached with its saved state is loaded, else the previous round's model
    is pruned by prune_round(kind, net, round) (which returns the record's model fields), retrained from the teacher,
    judged on the test rows (validation rows first), saved and cached. A method stops after its first round that fails
    on the validation rows, unless --all-rounds."""
    x, y, teacher, xtest, ytest, n_validation = rows
    n_report = len(ytest) - n_validation
    for kind in a.methods.split(","):
        net = build()
        for r in rounds:
            key = (kind, r["round"])
            state = os.path.join(a.state, "%s-%d.pt" % key)
            if key in done and os.path.exists(state):
                net = torch.load(state)
                if failed(done[key], done[("original", 0)], n_validation, a.max_drop) and not a.all_rounds:
                    break
                continue
            if key in done:
                print("%s round %d cached but its state is missing; stopping this method" % key, flush=True)
                break
            t0 = time.time()
            fields = prune_round(kind, net, r)
            kept = retrain(net, teacher, x, y, a.epochs, a.seed + r["round"])
            wrong = np.nonzero(logits(net, xtest).argmax(1).numpy() != ytest)[0]
            torch.save(net, state)
            rec = {"method": kind, "round": r["round"], **fields,
                   "epochs": a.epochs, "epoch_kept": kept, "seconds": round(time.time() - t0, 1),
                   "validation": 1 - float(np.sum(wrong < n_validation)) / n_validation,
                   "report": 1 - float(np.sum(wrong >= n_validation)) / n_report, "wrong": wrong.tolist()}
            append(a.cache, rec)
            shown = rec["widths"] if isinstance(rec["widths"], str) else "-".join(map(str, rec["widths"]))
            print("%-8s round %2d widths %-20s validation %.4f report %.4f (epoch %d kept, %.0f s)" % (
                kind, r["round"], shown, rec["validation"], rec["report"], kept, rec["seconds"]), flush=True)
            done[key] = rec
            if failed(rec, done[("original", 0)], n_validation, a.max_drop) and not a.all_rounds:
                break


def failed(rec, original, n_validation, max_drop):
    """More than max_drop points lost on the validation rows (split 1) against the original."""
    base = 1 - sum(1 for w in original["wrong"] if w < n_validation) / n_validation
    return (base - rec["validation"]) * 100 > max_drop + 1e-9


def append(path, rec):
    with open(path, "a") as f:
        f.write(json.dumps(rec, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
