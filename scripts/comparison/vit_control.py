#!/usr/bin/python3
"""The heads' control on the shared ViT: where the gap to Torch-Pruning comes from (issue 58).

Input: the rounds of one default sweep written by scripts/comparison/VitRounds.java (ROUNDS/refitted-N.onnx: round N
pruned and refitted by the sweep, before its end-to-end retraining; ROUNDS/retrained-N.onnx: what the sweep judged),
in the canonical attention form the sweep prunes. Per round N, from the same start (the sweep's retrained round N-1;
the original for N = 1), four models at the same widths, all judged on the same 10,000 test rows:

  ours-tf      retrained-N.onnx: our choice, our refit, our retraining (TensorFlow Java), the sweep's own
  ours-torch   refitted-N.onnx retrained by torch_pruning_resnet.py's PyTorch loop (the loop Torch-Pruning's rounds
               get): our choice and refit, their retraining
  ours-norefit round N-1 with our choice of heads and units dropped (read off refitted-N: a kept head's Q, K, V
               columns and a kept FFN unit's first-layer column are round N-1's, unchanged by the refit), no refit,
               retrained by the PyTorch loop: our choice alone
  tp-taylor    round N-1 pruned to round N's widths by Torch-Pruning's Taylor importance (torch_pruning_vit.py's
               tp_prune), no refit, retrained by the PyTorch loop: their choice
  tp-taylor-tf the same Taylor choice (--write-choice DIR writes it as DIR/tp-N-seedS.txt) pruned, refitted and
               retrained by the sweep's own steps (scripts/comparison/GivenRounds.java into --given-dir DIR/tp-N-seedS/):
               their choice through our pipeline; checked to keep exactly the written heads and units
  ours-given-tf our choice (read off refitted-N, written beside theirs as DIR/ours-N-seedS.txt) through the same entry:
               with seed 0 it checks that the entry reproduces the sweep's round; with another seed it is ours-tf
               retrained with that seed
  greedy-given-tf the greedy ranking's choice at round N's widths (GivenRounds.java --choose greedy-cost writes it as
               DIR/greedy-N-seedS.txt) through the same entry
  taylor-given-tf our Taylor ranking's choice (GivenRounds.java --choose taylor, written as DIR/taylor-N-seedS.txt)
               through the same entry
  oursheads-given-tf, tpheads-given-tf  the mixed choices (mix_choice.py: DIR/oursheads-N-seedS.txt keeps our heads
               and Torch-Pruning's FFN units, DIR/tpheads-N-seedS.txt theirs and ours) through the same entry
  headloss-given-tf --rank head-loss's choice (GivenRounds.java --choose head-loss, DIR/headloss-N-seedS.txt): heads
               by the network's loss with each dropped alone, FFN units by cost; through the same entry
  ours-refit, greedy-refit, tp-taylor-refit, taylor-refit  the choices refitted by our pipeline, not retrained (no seed's
               draws): ours is the sweep's refitted-N; the others GivenRounds.java's DIR/WHO-N-refit/refitted-N.onnx
               (its SEED argument "refit")

ours-torch against ours-tf is the retraining; ours-norefit against ours-torch the refit; tp-taylor against
ours-norefit the choice. Each ONNX round is loaded into torch_pruning_vit.py's Vit at its widths and checked against
ONNX Runtime on 200 test rows first. Usage ($PYTHON with onnxruntime; 1-2 threads):

  THREADS=1 PYTHONPATH=../shared/peers/torch_pruning_e80127d $PYTHON \\
      scripts/comparison/vit_control.py --rounds-dir $RUNS/vit-runs/r20 --rounds 5,6,7,8,9 \\
      --validation $RUNS/heads/mnist-s20-validation.csv --report $RUNS/heads/mnist-s20-test.csv \\
      --cache docs/research/comparison-vit-control.jsonl
  $PYTHON scripts/comparison/vit_control.py --table --cache docs/research/comparison-vit-control.jsonl \\
      --validation $RUNS/heads/mnist-s20-validation.csv
"""
import argparse, copy, json, os, sys, time
import numpy as np, onnx, torch, torch.nn as nn
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_pruning_resnet import read_csv, logits, retrain, append, read_cache  # noqa: E402
from torch_pruning_vit import (Vit, D, HEAD_DIM, DEPTH, from_onnx, widths, parse_widths, load_training,  # noqa: E402
                               tp_prune, block_params, HEADS, FFN, SHARED)

VARIANTS = ["ours-tf", "ours-torch", "ours-norefit", "tp-taylor", "tp-taylor-tf", "ours-given-tf", "greedy-given-tf",
            "taylor-given-tf", "oursheads-given-tf", "tpheads-given-tf", "headloss-given-tf", "ours-refit",
            "greedy-refit", "tp-taylor-refit", "taylor-refit"]
GIVEN = {"tp-taylor-tf": "tp", "ours-given-tf": "ours", "greedy-given-tf": "greedy", "taylor-given-tf": "taylor",
         "oursheads-given-tf": "oursheads", "tpheads-given-tf": "tpheads", "headloss-given-tf": "headloss"}
REFIT = {"greedy-refit": "greedy", "tp-taylor-refit": "tp", "taylor-refit": "taylor"}


def choice_lines(plans):
    """A choice as GivenRounds.java reads it: per block, its first layer's node name in the canonical form, then the
    units it keeps (heads from 0; FFN units)."""
    out = []
    for i, (heads, units) in enumerate(plans):
        out.append("attention%d/q_matmul %s" % (i + 1, " ".join(map(str, sorted(heads)))))
        out.append("/blocks/blocks.%d/ff/ff.0/MatMul %s" % (i, " ".join(map(str, sorted(units)))))
    return "\n".join(out) + "\n"


def from_canonical(path):
    """torch_pruning_vit's Vit at the widths of a canonical-form round (separate Q, K, V MatMuls named attentionK/…,
    the FFN's MatMuls found by their exporter's node names)."""
    model = onnx.load(path)
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    matmul = {n.name: n.input[1] for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in init}
    net = Vit()
    sd = {"emb.weight": init[matmul["/emb/MatMul"]].T}
    for name in ("emb.bias", "pos", "norm.weight", "norm.bias", "head.weight", "head.bias"):
        sd[name] = init[name]
    if "head.weight" not in init:  # the head exported as a MatMul
        sd["head.weight"] = init[matmul["/head/MatMul"]].T
    for i, blk in enumerate(net.blocks):
        a = "attention%d/" % (i + 1)
        heads = init[a + "q.weight"].shape[1] // HEAD_DIM
        ffn = init[matmul["/blocks/blocks.%d/ff/ff.0/MatMul" % i]].shape[1]
        blk.att.qkv, blk.att.proj, blk.att.num_heads = nn.Linear(D, 3 * heads * HEAD_DIM), nn.Linear(heads * HEAD_DIM, D), heads
        blk.ff[0], blk.ff[2] = nn.Linear(D, ffn), nn.Linear(ffn, D)
        p = "blocks.%d." % i
        sd[p + "att.qkv.weight"] = np.concatenate([init[a + s + ".weight"].T for s in "qkv"])
        sd[p + "att.qkv.bias"] = np.concatenate([init[a + s + ".bias"] for s in "qkv"])
        sd[p + "att.proj.weight"], sd[p + "att.proj.bias"] = init[a + "o.weight"].T, init[a + "o.bias"]
        scale = float(init[a + "scale"]) if a + "scale" in init else HEAD_DIM ** -0.5
        if abs(scale - HEAD_DIM ** -0.5) > 1e-6:
            raise SystemExit("%s: attention %d scales its scores by %g, not 1/sqrt(%d)" % (path, i + 1, scale, HEAD_DIM))
        sd[p + "ff.0.weight"] = init[matmul["/blocks/blocks.%d/ff/ff.0/MatMul" % i]].T
        # The sweep's cleaning folds exact GELU's 0.5 into the second layer (x·(1 + erf(x/√2)) there): torch's GELU
        # has it, so the second layer's weights are doubled back.
        half = not any(n.op_type == "Mul" and n.name.startswith("/blocks/blocks.%d/ff/ff.1/Mul_1" % i)
                       for n in model.graph.node)
        sd[p + "ff.2.weight"] = init[matmul["/blocks/blocks.%d/ff/ff.2/MatMul" % i]].T * (2 if half else 1)
        for n in ("n1.weight", "n1.bias", "n2.weight", "n2.bias", "ff.0.bias", "ff.2.bias"):
            sd[p + n] = init[p + n]
    net.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in sd.items()})
    return net.eval()


def checked(net, path, x):
    """The torch model against ONNX Runtime on the same rows: stops when they differ."""
    import onnxruntime as ort
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    out = s.run(None, {s.get_inputs()[0].name: x})[0]
    diff = float(np.abs(logits(net, x).numpy() - out).max())
    if diff > 1e-3:
        raise SystemExit("%s: the torch model differs from ONNX Runtime by %g" % (path, diff))
    return diff


def kept_of(before, after):
    """Per block, the heads and FFN units of `before` that `after` keeps: matched by their first-layer columns (Q,
    K, V for a head), which the refit leaves as they were."""
    plans = []
    for b, a in zip(before.blocks, after.blocks):
        hb, ha = b.att.num_heads, a.att.num_heads
        qb = b.att.qkv.weight.detach().reshape(3, hb, HEAD_DIM, D)
        qa = a.att.qkv.weight.detach().reshape(3, ha, HEAD_DIM, D)
        heads = [min(range(hb), key=lambda h: float((qb[:, h] - qa[:, k]).abs().max())) for k in range(ha)]
        fb, fa = b.ff[0].weight.detach(), a.ff[0].weight.detach()
        units = [int(torch.argmin((fb - fa[k]).abs().max(1).values)) for k in range(fa.shape[0])]
        for h, k in zip(heads, range(ha)):
            assert float((qb[:, h] - qa[:, k]).abs().max()) < 1e-6, "head %d not found unchanged" % k
        assert len(set(units)) == len(units) and len(set(heads)) == len(heads)
        plans.append((heads, units))
    return plans


def sliced(net, plans):
    """`net` with only the heads and units `plans` keep (no refit)."""
    out = copy.deepcopy(net)
    for blk, (heads, units) in zip(out.blocks, plans):
        rows = [s * blk.att.num_heads * HEAD_DIM + h * HEAD_DIM + j for s in range(3) for h in heads for j in range(HEAD_DIM)]
        cols = [h * HEAD_DIM + j for h in heads for j in range(HEAD_DIM)]
        qkv, proj = nn.Linear(D, len(rows)), nn.Linear(len(cols), D)
        qkv.weight.data, qkv.bias.data = blk.att.qkv.weight.data[rows].clone(), blk.att.qkv.bias.data[rows].clone()
        proj.weight.data, proj.bias.data = blk.att.proj.weight.data[:, cols].clone(), blk.att.proj.bias.data.clone()
        blk.att.qkv, blk.att.proj, blk.att.num_heads = qkv, proj, len(heads)
        f0, f2 = nn.Linear(D, len(units)), nn.Linear(len(units), D)
        f0.weight.data, f0.bias.data = blk.ff[0].weight.data[units].clone(), blk.ff[0].bias.data[units].clone()
        f2.weight.data, f2.bias.data = blk.ff[2].weight.data[:, units].clone(), blk.ff[2].bias.data.clone()
        blk.ff[0], blk.ff[2] = f0, f2
    return out.eval()


def table(cache, n_validation):
    recs = {}
    with open(cache) as f:
        for line in f:
            r = json.loads(line)
            recs[(r["variant"], r["round"])] = r
    original = recs[("original", 0)]
    n = original["test_rows"]
    rounds = sorted({r for v, r in recs if v != "original"})
    out = ["| round | widths | block parameters removed | " + " | ".join(VARIANTS) + " |", "|---" * (3 + len(VARIANTS)) + "|"]
    for r in rounds:
        w = next(recs[(v, r)]["widths"] for v in VARIANTS if (v, r) in recs)
        cells = []
        for v in VARIANTS:
            t = recs.get((v, r))
            cells.append("%+.2f" % (100 * (len(original["wrong"]) - len(t["wrong"])) / n) if t else "")
        out.append("| %d | %s | %.1f%% | %s |" % (r, w, 100 * (1 - block_params(parse_widths(w)) / block_params(
            [(HEADS, FFN)] * DEPTH)), " | ".join(cells)))
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=os.path.join(SHARED, "models", "graphs", "vit_mnist_d48x3_gelu.onnx"))
    p.add_argument("--train", default=os.path.join(SHARED, "data", "mnist-train.csv.gz"))
    p.add_argument("--train-rows", type=int, default=50000)
    p.add_argument("--rounds-dir")
    p.add_argument("--rounds", default="")
    p.add_argument("--variants", default=",".join(VARIANTS[1:]))
    p.add_argument("--validation", required=True)
    p.add_argument("--report")
    p.add_argument("--cache", default="docs/research/comparison-vit-control.jsonl")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--table", action="store_true")
    p.add_argument("--write-choice", help="write Torch-Pruning's Taylor choice per round into this folder and stop")
    p.add_argument("--previous", default="", help="N:M,...: round N starts from retrained-M, not retrained-(N-1) "
                   "(a sweep's last round, made from the round before the half step)")
    p.add_argument("--given-dir", help="GivenRounds.java's output folders (N-seedS/retrained-N.onnx) for tp-taylor-tf")
    a = p.parse_args()
    if a.table:
        print(table(a.cache, len(read_csv(a.validation)[1])))
        return
    torch.set_num_threads(int(os.environ.get("THREADS", "1")))
    xv, yv = read_csv(a.validation)
    xr, yr = read_csv(a.report)
    xtest, ytest = np.concatenate([xv, xr]), np.concatenate([yv, yr])
    net0 = from_onnx(a.model)[0]
    # Judging the given and refitted models needs no training rows: read them (and the teacher) only when used.
    training = {}

    def rows():
        if not training:
            training["x"], training["y"] = load_training(a.train, a.train_rows)
        return training["x"], training["y"]

    def teacher():
        if "teacher" not in training:
            training["teacher"] = logits(net0, rows()[0])
        return training["teacher"]
    done = read_cache(a.cache)

    def record(variant, rnd, net, extra):
        wrong = np.nonzero(logits(net, xtest).argmax(1).numpy() != ytest)[0]
        rec = {"variant": variant, "method": variant, "round": rnd, "widths": widths(net), "test_rows": len(ytest),
               "validation": 1 - float(np.sum(wrong < len(yv))) / len(yv),
               "report": 1 - float(np.sum(wrong >= len(yv))) / len(yr), **extra, "wrong": wrong.tolist()}
        append(a.cache, rec)
        done[(variant, rnd)] = rec
        print("%-12s round %d %-20s validation %.4f report %.4f over all %+.2f %s" % (
            variant, rnd, rec["widths"], rec["validation"], rec["report"],
            100 * (len(done[("original", 0)]["wrong"]) - len(wrong)) / len(ytest),
            {k: v for k, v in extra.items() if k != "wrong"}), flush=True)

    if ("original", 0) not in done:
        record("original", 0, net0, {})
    import torch_pruning as tp
    for rnd in [int(v) for v in a.rounds.split(",")]:
        path = lambda kind, n: os.path.join(a.rounds_dir, "%s-%d.onnx" % (kind, n))
        before = dict(tuple(int(v) for v in pair.split(":")) for pair in filter(None, a.previous.split(",")))
        prev = before.get(rnd, rnd - 1)
        start = net0 if rnd == 1 else from_canonical(path("retrained", prev))
        refitted = from_canonical(path("refitted", rnd))
        diffs = {"ort_diff_refitted": checked(refitted, path("refitted", rnd), xtest[:200])}
        if rnd > 1:
            diffs["ort_diff_start"] = checked(start, path("retrained", prev), xtest[:200])
        if ("ours-tf", rnd) not in done and os.path.exists(path("retrained", rnd)):
            ours = from_canonical(path("retrained", rnd))
            record("ours-tf", rnd, ours, {"ort_diff": checked(ours, path("retrained", rnd), xtest[:200])})
        if a.write_choice:
            net = tp_prune(tp, "taylor", copy.deepcopy(start), parse_widths(widths(refitted)), *rows(), a.seed + rnd)
            os.makedirs(a.write_choice, exist_ok=True)
            for who, plans in (("tp", kept_of(start, net)), ("ours", kept_of(start, refitted))):
                with open(os.path.join(a.write_choice, "%s-%d-seed%d.txt" % (who, rnd, a.seed)), "w") as f:
                    f.write(choice_lines(plans))
            print("round %d: Torch-Pruning's Taylor choice %s written" % (rnd, widths(net)), flush=True)
            continue
        for variant in filter(None, a.variants.split(",")):
            if (variant, rnd) in done:
                continue
            t0 = time.time()
            if variant == "ours-refit":
                record(variant, rnd, refitted, {k: v for k, v in diffs.items() if k == "ort_diff_refitted"})
                continue
            if variant in REFIT:
                folder = os.path.join(a.given_dir, "%s-%d-refit" % (REFIT[variant], rnd))
                if not os.path.exists(os.path.join(folder, "refitted-%d.onnx" % rnd)):
                    print("%s round %d: no %s yet" % (variant, rnd, folder))
                    continue
                with open(os.path.join(a.given_dir, "%s-%d-seed%d.txt" % (REFIT[variant], rnd, a.seed))) as f:
                    asked = f.read()
                gref = from_canonical(os.path.join(folder, "refitted-%d.onnx" % rnd))
                assert choice_lines(kept_of(start, gref)) == asked, "the refitted round keeps other units than asked"
                assert widths(gref) == widths(refitted), (widths(gref), widths(refitted))
                record(variant, rnd, gref, {"ort_diff": checked(gref, os.path.join(folder, "refitted-%d.onnx" % rnd),
                                                                 xtest[:200])})
                continue
            if variant in GIVEN:
                tag = "%s-%d-seed%d" % (GIVEN[variant], rnd, a.seed)
                given = os.path.join(a.given_dir, tag)
                if not os.path.exists(os.path.join(given, "retrained-%d.onnx" % rnd)):
                    print("%s round %d: no %s yet" % (variant, rnd, given))
                    continue
                with open(os.path.join(a.given_dir, tag + ".txt")) as f:
                    asked = f.read()
                gref = from_canonical(os.path.join(given, "refitted-%d.onnx" % rnd))
                assert choice_lines(kept_of(start, gref)) == asked, "the refitted round keeps other units than asked"
                net = from_canonical(os.path.join(given, "retrained-%d.onnx" % rnd))
                assert widths(net) == widths(refitted), (widths(net), widths(refitted))
                record(variant, rnd, net, {"ort_diff": checked(net, os.path.join(given, "retrained-%d.onnx" % rnd),
                                                                xtest[:200]), "seed": a.seed,
                                           "before_retraining": 1 - float((logits(gref, xtest).argmax(1).numpy()
                                                                           != ytest).mean())})
                continue
            if variant == "ours-torch":
                net = copy.deepcopy(refitted)
            elif variant == "ours-norefit":
                net = sliced(start, kept_of(start, refitted))
            else:
                net = tp_prune(tp, "taylor", copy.deepcopy(start), parse_widths(widths(refitted)), *rows(), a.seed + rnd)
            assert widths(net) == widths(refitted), (widths(net), widths(refitted))
            before = 1 - float((logits(net, xtest).argmax(1).numpy() != ytest).mean())
            kept = retrain(net, teacher(), *rows(), a.epochs, a.seed + rnd)
            record(variant, rnd, net, {"epoch_kept": kept, "before_retraining": before, **diffs,
                                       "seconds": round(time.time() - t0, 1)})


if __name__ == "__main__":
    main()
