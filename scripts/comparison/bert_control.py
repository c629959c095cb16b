#!/usr/bin/python3
"""The heads' control on the corpus BERT (issue 58): Torch-Pruning's choice against ours at the sweep's widths, both
pruned, refitted and retrained by the sweep's own steps.

Input: the rounds of one default sweep of $CORPUS/bert-sentiment/bert_ids.onnx written by
scripts/comparison/VitRounds.java (ROUNDS/refitted-N.onnx, ROUNDS/retrained-N.onnx, canonical attention form). Per
round N, from the same start (the sweep's retrained round N-1; the original for N = 1; for the chain's last round,
when the round before it is a half step as ROUNDS/report.json's note says, the round before that, which both are
made from):

  ours-tf       retrained-N.onnx: our choice, refit and retraining (the sweep's own round)
  tp-METHOD-tf  round N-1 loaded into the transformers BertForSequenceClassification it came from (at its widths;
                checked against ONNX Runtime), scored by Torch-Pruning's METHOD importance (taylor, l1, hessian;
                torch_pruning_resnet.py's `importance`) on the groups its DependencyGraph builds (the query, key and
                value Linears' output channels, a head scored by the mean of its channels' as its pruner averages by
                head; the intermediate Linear's and the pooler's outputs), pruned to round N's widths, written as
                a choice (--write-choice), then pruned, refitted and retrained by GivenRounds.java into
                GIVEN/tp-METHOD-N-seedS/: their choice through our pipeline
  ours-greedy-tf the greedy ranking's choice at round N's widths (GivenRounds --choose greedy-cost) through the same
                entry
  WHO-refit     (--refit) any of these choices refitted and not retrained (GivenRounds SEED 'refit'): no seed's draws
  ours-given-tf our choice read off refitted-N through the same entry (seed 0: checks the entry reproduces the
                sweep's round; another seed: ours retrained with that seed)

Judged by ONNX Runtime on validation.npz (chooses) and report.npz (only reports), 5,000 rows each. Usage:

  THREADS=1 PYTHONPATH=../shared/peers/torch_pruning_e80127d $PYTHON \\
      scripts/comparison/bert_control.py --rounds-dir $RUNS/bert-r --rounds 5,6,7,8 --write-choice $RUNS/bert-given
  (GivenRounds.java for each choice file, then)
  $PYTHON scripts/comparison/bert_control.py --rounds-dir $RUNS/bert-r --rounds 5,6,7,8 \\
      --given-dir $RUNS/bert-given --cache docs/research/comparison-bert-control.jsonl
  $PYTHON scripts/comparison/bert_control.py --table --cache docs/research/comparison-bert-control.jsonl
"""
import argparse, json, os, sys
import numpy as np, onnx, torch, torch.nn as nn
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_pruning_resnet import importance, append  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus"))
# bert_ids.onnx's function (the mask from the padding id, the segment ids zeros), as the corpus script exports it.
from make_tiny_bert_sentiment import IdsOnly, PAD  # noqa: E402

CORPUS = os.path.join(os.environ.get("CORPUS", "corpus"), "bert-sentiment")
HEAD_DIM, LAYERS = 16, 4
FFN = "/bert/bert/encoder/layer.%d/intermediate/dense/MatMul"
FFN_OUT = "/bert/bert/encoder/layer.%d/output/dense/MatMul"
POOLER = "/bert/bert/pooler/dense/Gemm"


def session(path):
    import onnxruntime as ort
    o = ort.SessionOptions()
    o.intra_op_num_threads = int(os.environ.get("THREADS", "1"))
    return ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])


def ort_logits(path, x):
    """Logits of an ids-only or 3-input export (or a canonical round of either): the mask and segment ids fed as
    bert_ids.onnx makes them (IdsOnly)."""
    s = session(path)
    names = [i.name for i in s.get_inputs()]

    def feed(ids):
        extra = {"attention_mask": (ids != PAD).astype(np.int64), "token_type_ids": np.zeros_like(ids)}
        return {n: ids if k == 0 else extra[n] for k, n in enumerate(names)}

    return np.concatenate([s.run(None, feed(x[i:i + 500]))[0] for i in range(0, len(x), 500)])


def from_canonical(path):
    """The transformers classifier at a canonical round's widths, its weights the round's initializers."""
    from transformers import BertConfig, BertForSequenceClassification
    model = onnx.load(path)
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    nodes = {n.name: n for n in model.graph.node}
    config = BertConfig(vocab_size=2000, hidden_size=64, num_hidden_layers=LAYERS, num_attention_heads=4,
                        intermediate_size=256, max_position_embeddings=64, type_vocab_size=2, hidden_act="gelu",
                        num_labels=2, attn_implementation="eager")
    bert = BertForSequenceClassification(config)
    bert.config._attn_implementation = "eager"
    sd = {}
    for k in bert.state_dict():
        if "bert." + k in init:
            sd[k] = init["bert." + k]
    for i, layer in enumerate(bert.bert.encoder.layer):
        a, p = "attention%d/" % (i + 1), "bert.encoder.layer.%d." % i
        width = init[a + "q.weight"].shape[1]
        att = layer.attention
        for s, lin in (("q", "query"), ("k", "key"), ("v", "value")):
            setattr(att.self, lin, nn.Linear(64, width))
            sd[p + "attention.self.%s.weight" % lin] = init[a + s + ".weight"].T
            sd[p + "attention.self.%s.bias" % lin] = init[a + s + ".bias"]
        att.self.num_attention_heads, att.self.all_head_size = width // HEAD_DIM, width
        att.output.dense = nn.Linear(width, 64)
        sd[p + "attention.output.dense.weight"], sd[p + "attention.output.dense.bias"] = init[a + "o.weight"].T, \
            init[a + "o.bias"]
        w1 = init[nodes[FFN % i].input[1]]
        layer.intermediate.dense, layer.output.dense = nn.Linear(64, w1.shape[1]), nn.Linear(w1.shape[1], 64)
        sd[p + "intermediate.dense.weight"] = w1.T
        sd[p + "intermediate.dense.bias"] = init["bert.bert.encoder.layer.%d.intermediate.dense.bias" % i]
        sd[p + "output.dense.weight"] = init[nodes[FFN_OUT % i].input[1]].T
    pooler = init[nodes[POOLER].input[1]]
    bert.bert.pooler.dense, bert.classifier = nn.Linear(64, pooler.shape[0]), nn.Linear(pooler.shape[0], 2)
    sd["bert.pooler.dense.weight"], sd["bert.pooler.dense.bias"] = pooler, init[nodes[POOLER].input[2]]
    cls = nodes["/bert/classifier/Gemm"]
    sd["classifier.weight"], sd["classifier.bias"] = init[cls.input[1]], init[cls.input[2]]
    bert.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in sd.items()})
    return IdsOnly(bert).eval()


def checked(net, path, x):
    """The torch model against ONNX Runtime on the same rows; the FFN's second layer doubled back where the sweep's
    cleaning folded exact GELU's 0.5 into it (tried when the first load differs)."""
    with torch.no_grad():
        diff = float(np.abs(net(torch.from_numpy(x)).numpy() - ort_logits(path, x)).max())
        if diff > 1e-3:
            for layer in net.bert.bert.encoder.layer:
                layer.output.dense.weight.mul_(2)
            diff = float(np.abs(net(torch.from_numpy(x)).numpy() - ort_logits(path, x)).max())
    if diff > 1e-3:
        raise SystemExit("%s: the torch model differs from ONNX Runtime by %g" % (path, diff))
    return diff


def widths(path):
    """Per layer (heads, FFN units), and the pooler's units, of a canonical round."""
    model = onnx.load(path)
    init = {t.name: t for t in model.graph.initializer}
    nodes = {n.name: n for n in model.graph.node}
    layers = [(init["attention%d/q.weight" % (i + 1)].dims[1] // HEAD_DIM, init[nodes[FFN % i].input[1]].dims[1])
              for i in range(LAYERS)]
    return layers, init[nodes[POOLER].input[1]].dims[0]


def named(w):
    """Widths as the sweep's report writes them: heads and FFN units per layer, then the pooler's units."""
    layers, pooler = w
    return "-".join("%dh-%d" % lw for lw in layers) + "-%d" % pooler


def tp_choice(tp, kind, net, target, x, y, seed):
    """Per block (as GivenRounds reads it), the units Torch-Pruning's `kind` importance keeps at `target`'s widths:
    all groups scored on `net` before any is chosen."""
    imp = importance(tp, kind, net, x, y, seed)
    graph = tp.DependencyGraph().build_dependency(net, example_inputs=torch.from_numpy(x[:2]))

    def scores(layer):
        group = graph.get_pruning_group(layer, tp.prune_linear_out_channels, idxs=list(range(layer.out_features)))
        return imp(group).detach()

    lines = []
    (layers, pooler) = target
    for i, (layer, (heads, ffn)) in enumerate(zip(net.bert.bert.encoder.layer, layers)):
        s = layer.attention.self
        per_channel = torch.stack([scores(m) for m in (s.query, s.key, s.value)])
        head = per_channel.reshape(3, -1, HEAD_DIM).mean((0, 2))
        lines.append("attention%d/q_matmul %s" % (i + 1, " ".join(map(str, sorted(
            torch.argsort(head, descending=True)[:heads].tolist())))))
        lines.append(FFN % i + " " + " ".join(map(str, sorted(torch.argsort(
            scores(layer.intermediate.dense), descending=True)[:ffn].tolist()))))
    lines.append(POOLER + " " + " ".join(map(str, sorted(torch.argsort(
        scores(net.bert.bert.pooler.dense), descending=True)[:pooler].tolist()))))
    net.zero_grad()
    return "\n".join(lines) + "\n"


def ours_choice(start, refitted):
    """Per block, the units of `start` that `refitted` keeps: matched by their first-layer columns (Q, K, V for a
    head), which the refit leaves as they were."""
    a, b = onnx.load(start), onnx.load(refitted)
    ia = {t.name: numpy_helper.to_array(t) for t in a.graph.initializer}
    ib = {t.name: numpy_helper.to_array(t) for t in b.graph.initializer}
    na, nb = {n.name: n for n in a.graph.node}, {n.name: n for n in b.graph.node}

    def columns(before, after):
        kept = [int(np.argmin(np.abs(before - after[:, [k]]).max(0))) for k in range(after.shape[1])]
        assert all(np.abs(before[:, j] - after[:, k]).max() < 1e-6 for k, j in enumerate(kept)), "a unit changed"
        return kept

    lines = []
    for i in range(LAYERS):
        q = "attention%d/" % (i + 1)
        qa = np.concatenate([ia[q + s + ".weight"] for s in "qkv"]).reshape(3, 64, -1, HEAD_DIM)
        qb = np.concatenate([ib[q + s + ".weight"] for s in "qkv"]).reshape(3, 64, -1, HEAD_DIM)
        heads = [min(range(qa.shape[2]), key=lambda h: float(np.abs(qa[:, :, h] - qb[:, :, k]).max()))
                 for k in range(qb.shape[2])]
        lines.append("attention%d/q_matmul %s" % (i + 1, " ".join(map(str, sorted(heads)))))
        lines.append(FFN % i + " " + " ".join(map(str, sorted(columns(ia[na[FFN % i].input[1]],
                                                                        ib[nb[FFN % i].input[1]])))))
    lines.append(POOLER + " " + " ".join(map(str, sorted(columns(ia[na[POOLER].input[1]].T,
                                                                   ib[nb[POOLER].input[1]].T)))))
    return "\n".join(lines) + "\n"


def load(name):
    d = np.load(os.path.join(CORPUS, name + ".npz"))
    return d["x"].astype(np.int64), d["y"].astype(np.int64)


def cached(cache):
    """The cached records by (variant, round, seed)."""
    recs = {}
    if os.path.exists(cache):
        with open(cache) as f:
            for line in f:
                r = json.loads(line)
                recs[(r["variant"], r["round"], r.get("seed", 0))] = r
    return recs


def table(cache):
    """Per round and seed: validation / report accuracy (the report's change against the original) and all 10,000
    rows (validation and report, 5,000 each)."""
    recs = cached(cache)
    original = recs[("original", 0, 0)]
    first = ("ours-tf", "ours-greedy-tf", "ours-given-tf")
    variants = sorted({v for v, _, _ in recs if v != "original"},
                      key=lambda v: (first.index(v) if v in first else len(first), v))
    out = ["| round | seed | widths | " + " | ".join(variants) + " |", "|---" * (3 + len(variants)) + "|"]
    for r, s in sorted({(r, s) for v, r, s in recs if v != "original"}):
        w = next(recs[(v, r, s2)]["widths"] for v in variants for s2 in (s, 0) if (v, r, s2) in recs)
        cells = []
        for v in variants:
            t = recs.get((v, r, s))
            cells.append("%.2f%% / %.2f%% (%+.2f); all %.2f%%" % (
                100 * t["validation"], 100 * t["report"], 100 * (t["report"] - original["report"]),
                50 * (t["validation"] + t["report"])) if t else "")
        out.append("| %d | %d | %s | %s |" % (r, s, w, " | ".join(cells)))
    return "original: validation %.2f%%, report %.2f%%, all %.2f%%\n\n" % (
        100 * original["validation"], 100 * original["report"], 50 * (original["validation"] + original["report"])) \
        + "\n".join(out) + "\n"


def half_step(rounds_dir):
    """The round VitRounds' report names as the half step (made from the round before it, as the chain's last
    round after it is), or None."""
    import re
    report = os.path.join(rounds_dir, "report.json")
    if not os.path.exists(report):
        return None
    m = re.search(r"round (\d+) is a half step", open(report).read())
    return int(m.group(1)) if m else None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=os.path.join(CORPUS, "bert_ids.onnx"))
    p.add_argument("--rounds-dir")
    p.add_argument("--rounds", default="")
    p.add_argument("--methods", default="taylor,l1,hessian")
    p.add_argument("--write-choice")
    p.add_argument("--given-dir")
    p.add_argument("--cache", default="docs/research/comparison-bert-control.jsonl")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--refit", action="store_true",
                   help="judge GIVEN/NAME/refitted-N.onnx (GivenRounds SEED 'refit': before any retraining), the "
                        "choice files in GIVEN/..")
    p.add_argument("--table", action="store_true")
    a = p.parse_args()
    if a.table:
        print(table(a.cache))
        return
    torch.set_num_threads(int(os.environ.get("THREADS", "1")))
    path = lambda kind, n: os.path.join(a.rounds_dir, "%s-%d.onnx" % (kind, n))
    half = half_step(a.rounds_dir)
    # The chain's last round is made from the round before the half step, as the half step is.
    start_of = lambda n: path("retrained", n - 2 if half is not None and n == half + 1 else n - 1)
    rounds = [int(v) for v in a.rounds.split(",")]
    if a.write_choice:
        import torch_pruning as tp
        x, y = load("train")
        os.makedirs(a.write_choice, exist_ok=True)
        for rnd in rounds:
            start = start_of(rnd)
            net = from_canonical(start)
            diff = checked(net, start, x[:200])
            target = widths(path("refitted", rnd))
            with open(os.path.join(a.write_choice, "ours-%d-seed%d.txt" % (rnd, a.seed)), "w") as f:
                f.write(ours_choice(start, path("refitted", rnd)))
            for kind in a.methods.split(","):
                with open(os.path.join(a.write_choice, "tp-%s-%d-seed%d.txt" % (kind, rnd, a.seed)), "w") as f:
                    f.write(tp_choice(tp, kind, net, target, x, y, a.seed + rnd))
            print("round %d: %s, start within %.1e of ONNX Runtime, choices written" % (rnd, target, diff), flush=True)
        return
    xv, yv = load("validation")
    xr, yr = load("report")
    done = cached(a.cache)

    def record(variant, rnd, onnx_path, extra):
        lv, lr = ort_logits(onnx_path, xv), ort_logits(onnx_path, xr)
        rec = {"variant": variant, "method": variant, "round": rnd, "seed": a.seed, "widths": named(widths(onnx_path)) if rnd else named(([(4, 256)] * LAYERS, 64)),
               "validation": float((lv.argmax(1) == yv).mean()), "report": float((lr.argmax(1) == yr).mean()),
               **extra}
        append(a.cache, rec)
        print("%-16s round %d seed %d validation %.4f report %.4f" % (variant, rnd, a.seed, rec["validation"],
                                                                      rec["report"]), flush=True)

    choices = os.path.dirname(os.path.abspath(a.given_dir)) if a.refit else a.given_dir
    if ("original", 0, 0) not in done:
        record("original", 0, a.model, {})
    for rnd in rounds:
        if a.seed == 0 and ("ours-tf", rnd, 0) not in done:
            record("ours-tf", rnd, path("retrained", rnd), {})
        for name in sorted(os.listdir(a.given_dir)):
            if not name.endswith("-%d-seed%d" % (rnd, a.seed)):
                continue
            who = name[:-len("-%d-seed%d" % (rnd, a.seed))]
            if a.refit:
                variant, model = who + "-refit", os.path.join(a.given_dir, name, "refitted-%d.onnx" % rnd)
            else:
                variant = who + "-tf" if who != "ours" else "ours-given-tf"
                model = os.path.join(a.given_dir, name, "retrained-%d.onnx" % rnd)
            if not os.path.exists(model) or (variant, rnd, a.seed) in done:
                continue
            with open(os.path.join(choices, name + ".txt")) as f:
                asked = f.read()
            kept = ours_choice(start_of(rnd), os.path.join(a.given_dir, name, "refitted-%d.onnx" % rnd))
            assert kept == asked, "%s keeps other units than asked" % name
            record(variant, rnd, model, {})


if __name__ == "__main__":
    main()
