#!/usr/bin/python3
"""Retraining-free pruning of the nanoGPT-shaped byte model: the tool's one round against FLAP-style, Wanda-sp-style
and random units, at the same share of block parameters, on the same windows (docs/research/LM-RANKING.md).

The model is scripts/corpus/train_byte_gpt.py's GPT (4 layers, d_model 256, 4 heads of 64, MLP 1024), read from its
state dict gpt.pt. The units are each layer's attention heads (a head: its 64 q, k and v rows of c_attn and its 64
columns of c_proj, 65,728 parameters) and MLP units (a row of mlp.0, its bias and a column of mlp.2, 513 parameters).
A unit is removed by zeroing its columns of the output projection (c_proj, mlp.2), which computes exactly what the
model with the unit cut out computes; the parameter counts are those of the cut model. Block parameters: the weights
and biases of c_attn, c_proj, mlp.0 and mlp.2 of every layer (3,154,944 of the model's 3,257,856).

Methods (statistics from the --calibration windows, every target token of the --test windows scored):
  flap      FLAP (An et al., AAAI 2024, its code's default: WIFV metric, AL-AM structure): per output-projection
            input channel, the variance of the channel over calibration tokens times the squared norm of its weight
            column; heads: the squared metric standardised within the layer, averaged over the head's 64 channels;
            MLP units: the metric standardised within the layer; heads and units sorted together, each weighted by
            its parameters, and cut from the bottom to the target; statistics of the original model; the removed
            channels' means folded into the projection's bias (baseline bias compensation).
  wanda-sp  Wanda-sp as FLAP's code runs it: |W| x the input channel's L2 norm, averaged over the output rows (heads:
            summed over the head's channels); the same share of every layer (heads: int(share x 4), which is 0 at 20%,
            so the MLP share is raised until the block parameters removed equal the target); layer by layer, each
            layer's statistics on the outputs of the already pruned layers before it; no bias compensation.
  random    units drawn at random (heads and MLP units in one seeded shuffle) until the target, with FLAP's bias
            compensation; one row per seed.
  tool      the written model of `odf2nna-onnx shrink` (one round, no retraining; --tool PRUNED.onnx), scored here
            with ONNX Runtime; its widths fix the target of the other methods. tool-choice+mean: the units the tool
            kept (found by matching the kept first-layer columns to the original's) with FLAP's mean folding instead
            of the tool's least-squares refit.
  flap-nocomp, wanda-global: ablations (FLAP without the bias; Wanda's metric ranked across layers as FLAP ranks).

Usage (about 10 minutes on one thread):

  $PYTHON scripts/comparison/lm_ranking_compare.py --pt $CORPUS/gpt/gpt.pt --onnx $CORPUS/gpt/gpt.onnx \\
      --calibration calib.npz --test $CORPUS/gpt/test.npz --tool gpt.shrunk.onnx --seeds 0,1,2 --out lm-ranking.json

$PYTHON needs torch, numpy and onnxruntime (and onnx to read the tool's widths). The Markdown table of a run:

  $PYTHON scripts/comparison/lm_ranking_compare.py --table lm-ranking.json
"""
import argparse
import importlib.util
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("train_byte_gpt", os.path.join(HERE, "..", "corpus", "train_byte_gpt.py"))
G = importlib.util.module_from_spec(spec)
spec.loader.exec_module(G)
L, D, H, HD, M, V = G.LAYERS, G.DIM, G.HEADS, G.DIM // G.HEADS, G.MLP, G.VOCAB
HEAD_PARAMS = 3 * HD * D + 3 * HD + HD * D
UNIT_PARAMS = D + 1 + D
BLOCK_PARAMS = L * (H * HEAD_PARAMS + D + M * UNIT_PARAMS + D)


def load(pt):
    model = G.GPT()
    model.load_state_dict(torch.load(pt, map_location="cpu"))
    return model.eval()


@torch.no_grad()
def perplexity(model, ids, batch=32):
    nll, correct, count = 0.0, 0, 0
    for s in range(0, len(ids), batch):
        x = torch.from_numpy(ids[s:s + batch])
        logits = model(x)[:, :-1, :].double()
        target = x[:, 1:]
        nll += F.cross_entropy(logits.reshape(-1, V), target.reshape(-1), reduction="sum").item()
        correct += (logits.argmax(-1) == target).sum().item()
        count += target.numel()
    return math.exp(nll / count), correct / count


def ort_perplexity(path, ids, batch=32):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    nll, correct, count = 0.0, 0, 0
    for s in range(0, len(ids), batch):
        x = ids[s:s + batch]
        logits = torch.from_numpy(sess.run(None, {sess.get_inputs()[0].name: x})[0][:, :-1, :]).double()
        target = torch.from_numpy(x[:, 1:])
        nll += F.cross_entropy(logits.reshape(-1, V), target.reshape(-1), reduction="sum").item()
        correct += (logits.argmax(-1) == target).sum().item()
        count += target.numel()
    return math.exp(nll / count), correct / count


class Stats:
    """Per-channel count, sum and sum of squares of the inputs of every c_proj and mlp.2, in double."""

    def __init__(self, model):
        self.acc, self.handles = {}, []
        for i, block in enumerate(model.h):
            for kind, mod in (("attn", block.attn.c_proj), ("mlp", block.mlp[2])):
                self.handles.append(mod.register_forward_pre_hook(self.hook((kind, i))))

    def hook(self, key):
        def f(_, inp):
            x = inp[0].reshape(-1, inp[0].shape[-1]).double()
            n, s, q = self.acc.get(key, (0, 0.0, 0.0))
            self.acc[key] = (n + x.shape[0], s + x.sum(0), q + (x * x).sum(0))
        return f

    def mean_var_sq(self, key):
        n, s, q = self.acc[key]
        mean = s / n
        return mean, (q - n * mean * mean) / (n - 1), q / n

    def close(self):
        for h in self.handles:
            h.remove()


@torch.no_grad()
def collect(model, ids, batch=32):
    st = Stats(model)
    for s in range(0, len(ids), batch):
        model(torch.from_numpy(ids[s:s + batch]))
    st.close()
    return st


def proj(model, kind, i):
    return model.h[i].attn.c_proj if kind == "attn" else model.h[i].mlp[2]


@torch.no_grad()
def cut(model, heads, units, means=None):
    """Removes heads[i] (head numbers) and units[i] (MLP unit numbers) of every layer i; with means (key -> channel
    means) their mean contribution is folded into the projection's bias."""
    for i in range(L):
        for kind, chans in (("attn", [c for h in heads[i] for c in range(h * HD, (h + 1) * HD)]), ("mlp", units[i])):
            if not chans:
                continue
            p = proj(model, kind, i)
            idx = torch.tensor(sorted(chans))
            if means is not None:
                p.bias += (p.weight[:, idx].double() @ means[(kind, i)][idx]).float()
            p.weight[:, idx] = 0.0


def removed_params(heads, units):
    return sum(len(heads[i]) * HEAD_PARAMS + len(units[i]) * UNIT_PARAMS for i in range(L))


def standardize(x):
    return (x - x.mean()) / x.std()


def global_cut(head_scores, unit_scores, target):
    """FLAP's AL-AM selection: all heads and units sorted by score, each weighted by its parameters, the lowest
    removed up to the removal nearest the target."""
    items = [(float(s), HEAD_PARAMS, ("h", i, h)) for i in range(L) for h, s in enumerate(head_scores[i])]
    items += [(float(s), UNIT_PARAMS, ("u", i, u)) for i in range(L) for u, s in enumerate(unit_scores[i])]
    items.sort(key=lambda t: t[0])
    return take(items, target)


def take(items, target):
    heads, units = [[] for _ in range(L)], [[] for _ in range(L)]
    total = 0
    for _, w, (k, i, j) in items:
        if abs(total + w - target) >= abs(total - target) and total > 0:
            if total + UNIT_PARAMS > target:
                break
            continue
        (heads if k == "h" else units)[i].append(j)
        total += w
    return heads, units


def flap_choice(model, st, target):
    head_scores, unit_scores, means = [], [], {}
    for i in range(L):
        for kind in ("attn", "mlp"):
            mean, var, _ = st.mean_var_sq((kind, i))
            means[(kind, i)] = mean
            w = proj(model, kind, i).weight.double()
            metric = var * (w * w).sum(0)
            if kind == "attn":
                head_scores.append(standardize(metric ** 2).reshape(H, HD).mean(1))
            else:
                unit_scores.append(standardize(metric))
    heads, units = global_cut(head_scores, unit_scores, target)
    return heads, units, means


def wanda_metric(model, kind, i, sq):
    w = proj(model, kind, i).weight.double()
    m = (w.abs() * sq.sqrt().reshape(1, -1)).mean(0)
    return m.reshape(H, HD).sum(1) if kind == "attn" else m


@torch.no_grad()
def wanda_sp(model, ids, target, share=0.2, batch=32):
    """Layer by layer on the pruned predecessors, the same share of every layer, no compensation."""
    n_heads = int(share * H)
    n_units = round((target / L - n_heads * HEAD_PARAMS) / UNIT_PARAMS)
    heads, units = [[] for _ in range(L)], [[] for _ in range(L)]
    xs = []
    for s in range(0, len(ids), batch):
        x = torch.from_numpy(ids[s:s + batch])
        xs.append(model.wte(x) + model.wpe(torch.arange(x.shape[1]).unsqueeze(0)))
    for i, block in enumerate(model.h):
        st = Stats.__new__(Stats)
        st.acc, st.handles = {}, []
        st.handles = [block.attn.c_proj.register_forward_pre_hook(st.hook(("attn", i)))]
        for x in xs:
            h = x + block.attn(block.ln_1(x))
        st.close()
        heads[i] = torch.argsort(wanda_metric(model, "attn", i, st.mean_var_sq(("attn", i))[2]))[:n_heads].tolist()
        cut(model, [heads[j] if j == i else [] for j in range(L)], [[] for _ in range(L)])
        st.acc = {}
        st.handles = [block.mlp[2].register_forward_pre_hook(st.hook(("mlp", i)))]
        for x in xs:
            h = x + block.attn(block.ln_1(x))
            block.mlp(block.ln_2(h))
        st.close()
        units[i] = torch.argsort(wanda_metric(model, "mlp", i, st.mean_var_sq(("mlp", i))[2]))[:n_units].tolist()
        cut(model, [[] for _ in range(L)], [units[j] if j == i else [] for j in range(L)])
        xs = [block(x) for x in xs]
    return heads, units


def wanda_global(model, st, target):
    hs = [standardize(wanda_metric(model, "attn", i, st.mean_var_sq(("attn", i))[2])) for i in range(L)]
    us = [standardize(wanda_metric(model, "mlp", i, st.mean_var_sq(("mlp", i))[2])) for i in range(L)]
    return global_cut(hs, us, target)


def random_choice(seed, target):
    rng = np.random.default_rng(seed)
    items = [(0.0, HEAD_PARAMS, ("h", i, h)) for i in range(L) for h in range(H)]
    items += [(0.0, UNIT_PARAMS, ("u", i, u)) for i in range(L) for u in range(M)]
    order = rng.permutation(len(items))
    return take([items[k] for k in order], target)


def tool_choice(path, model):
    """The tool's written widths and, by matching each kept first-layer column to the original's, which units it
    kept (the first layer of a block keeps its kept units' weights; only the next layer is refitted)."""
    import onnx
    from onnx import numpy_helper
    inits = [numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer]
    heads, units = [], []
    for i, block in enumerate(model.h):
        w1 = block.mlp[0].weight.detach().numpy()          # [M, D]
        qkv = block.attn.c_attn.weight.detach().numpy()    # [3D, D]
        units.append(matched(w1, inits, "mlp"))
        gone_q = set(matched(qkv[:D], inits, "q"))
        heads.append([h for h in range(H) if all(c in gone_q for c in range(h * HD, (h + 1) * HD))])
    return heads, units


def matched(rows, inits, what):
    """Numbers of the rows of `rows` ([units, D], torch's [out, in]) found in no initializer, as a row ([out, in]) or
    as a column (a MatMul weight [in, out]): the units removed."""
    found = set()
    for a in inits:
        if a.ndim != 2:
            continue
        a = a.astype(np.float32)
        if a.shape[0] == rows.shape[1]:
            found.update(a[:, k].tobytes() for k in range(a.shape[1]))
        if a.shape[1] == rows.shape[1]:
            found.update(a[k].tobytes() for k in range(a.shape[0]))
    return [r for r in range(len(rows)) if rows[r].astype(np.float32).tobytes() not in found]


def table(path):
    """The Markdown table of a --out file: perplexity and its rise over the original (torch), per method."""
    data = json.load(open(path))
    base = data["rows"][0]["perplexity"]
    print("| method | heads per layer | MLP widths | block parameters removed | test perplexity | rise "
          "| next-token accuracy |")
    print("|---|---|---|---|---|---|---|")
    for r in data["rows"]:
        removed = f"{r['removed_block_params']:,} ({100 * r['block_share']:.2f}%)" if "heads" in r else "-"
        heads = "/".join(map(str, r["heads"])) if "heads" in r else "-"
        mlp = "/".join(map(str, r["mlp"])) if "mlp" in r else "-"
        print(f"| {r['method']} | {heads} | {mlp} | {removed} | {r['perplexity']:.4f} | "
              f"{100 * (r['perplexity'] / base - 1):+.2f}% | {100 * r['accuracy']:.2f}% |")


def main():
    if len(os.sys.argv) == 3 and os.sys.argv[1] == "--table":
        return table(os.sys.argv[2])
    ap = argparse.ArgumentParser()
    ap.add_argument("--pt", required=True)
    ap.add_argument("--onnx", help="the original's ONNX file, scored with ONNX Runtime as a check")
    ap.add_argument("--calibration", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--tool", help="the tool's pruned ONNX file; its removed block parameters are the target")
    ap.add_argument("--share", type=float, default=0.2, help="target without --tool: share of block parameters")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--methods", default="flap,wanda-sp,random,flap-nocomp,wanda-global,tool-choice+mean")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("THREADS", "1")))
    calib = np.load(a.calibration)["input_ids"].astype(np.int64)
    test = np.load(a.test)["input_ids"].astype(np.int64)
    rows = []

    def row(method, ppl, acc, heads=None, units=None, **extra):
        r = {"method": method, "perplexity": ppl, "accuracy": acc, **extra}
        if heads is not None:
            rem = removed_params(heads, units)
            r.update(removed_block_params=rem, block_share=rem / BLOCK_PARAMS,
                     heads=[H - len(h) for h in heads], mlp=[M - len(u) for u in units])
        rows.append(r)
        print(json.dumps(r), flush=True)
        json.dump({"block_params": BLOCK_PARAMS, "calibration": a.calibration, "test": a.test, "rows": rows},
                  open(a.out, "w"), indent=1)

    t0 = time.time()
    base = load(a.pt)
    ppl0, acc0 = perplexity(base, test)
    row("original (torch)", ppl0, acc0, seconds=round(time.time() - t0))
    if a.onnx:
        row("original (ONNX Runtime)", *ort_perplexity(a.onnx, test))
    target = a.share * BLOCK_PARAMS
    tool = None
    if a.tool:
        tool = tool_choice(a.tool, base)
        target = removed_params(*tool)
        row("tool", *ort_perplexity(a.tool, test), *tool)
    st = collect(base, calib)
    methods = a.methods.split(",")
    for method in methods:
        t0 = time.time()
        model = load(a.pt)
        if method in ("flap", "flap-nocomp"):
            heads, units, means = flap_choice(model, st, target)
            cut(model, heads, units, means if method == "flap" else None)
            row(method, *perplexity(model, test), heads, units, seconds=round(time.time() - t0))
        elif method == "wanda-sp":
            heads, units = wanda_sp(model, calib, target, a.share)
            row(method, *perplexity(model, test), heads, units, seconds=round(time.time() - t0))
        elif method == "wanda-global":
            heads, units = wanda_global(model, st, target)
            cut(model, heads, units)
            row(method, *perplexity(model, test), heads, units, seconds=round(time.time() - t0))
        elif method == "tool-choice+mean" and tool:
            means = {k: st.mean_var_sq(k)[0] for k in st.acc}
            cut(model, *tool, means)
            row(method, *perplexity(model, test), *tool, seconds=round(time.time() - t0))
        elif method == "random":
            means = {k: st.mean_var_sq(k)[0] for k in st.acc}
            for seed in [int(s) for s in a.seeds.split(",")]:
                model = load(a.pt)
                heads, units = random_choice(seed, target)
                cut(model, heads, units, means)
                row(f"random seed {seed}", *perplexity(model, test), heads, units)


if __name__ == "__main__":
    main()
