#!/usr/bin/python3
"""Trains a nanoGPT-shaped byte-level decoder on the King James Bible (issue 83's model), exports it with
torch.onnx.export and writes its token windows as users keep them. Run (about 25 minutes on 2 CPU threads):

    apt-get install -y python3-torch python3-onnx bible-kjv bible-kjv-text
    bible -l 100000 Gen1:1-Rev22:21 > $CORPUS/gpt/kjv.txt
    /usr/bin/python3 scripts/corpus/train_byte_gpt.py --text $CORPUS/gpt/kjv.txt \
        --out $CORPUS/gpt --minutes 22

Measured on 2026-11-28 on the shared 2-core machine at a load average of 12-24 from other jobs: 55 minutes gave 118
steps (22-30 s each, ~1.5 CPU-s of work), test perplexity 9.79 against the add-one bigram's 10.24 (4.4% below, not the
30% issue 83 asks); ONNX Runtime 1.30 on gpt.onnx gives the same 9.7917 and 34.05%. Going on from that model
(`--init $CORPUS/gpt/gpt.pt --minutes 25 --out $CORPUS/gpt-good`, load 13-18) for 200 more steps (18 minutes; the
--stop-ratio ended it at a validation perplexity of 6.09) gave test perplexity 6.262 and 46.78% accuracy against the
bigram's 10.238: 38.8% below it.

A third run (2026-11-28, fresh, `--minutes 40`, the machine shared with two sweeps) stopped by --stop-ratio after
300 steps (30 minutes): validation perplexity 5.546 on 256 windows, test perplexity 5.776 and 49.05% accuracy against
the bigram's 10.238 (43.6% below): the model of docs/tasks/language-model.md.

The text is Debian's bible-kjv-text 4.38 (the King James Version, public domain) as its `bible` program prints it:
chapter headings and numbered verses, 4,298,239 bytes. It is cut into 64 KiB blocks; of every 20 blocks the 19th is
validation text and the 20th test text, the rest training text (non-overlapping parts).

Model (nanoGPT's GPT as in its early form, its causal mask a registered buffer per layer): byte vocabulary 256, context
128, 4 layers, d_model 256, 4 heads, MLP 1024 with GELU, pre-LayerNorm blocks, learned position embeddings, output
layer tied to the token embedding, biases everywhere, no dropout.

Writes into OUT:
  gpt.onnx          torch.onnx.export, opset 14: input `input_ids` [batch, seq] int64, output `logits`
                    [batch, seq, 256], batch and seq dynamic
  gpt.pt            the state dict
  train.npz         `input_ids` int64 [2048, 128]: non-overlapping windows spread over the training text
  validation.npz    `input_ids` int64 [N, 128]: every non-overlapping window of the validation text
  test.npz          `input_ids` int64 [N, 128]: every non-overlapping window of the test text
  test-labels.npz   test.npz's `input_ids` and `labels` [N, 128]: the next byte at t (input t+1), -100 at the last
  validation-labels.npz  the same for the validation windows
  gpt.json          PyTorch's own test perplexity and next-token accuracy on test.npz (the target at t is the input
                    at t+1; the last position has none), the add-one byte-bigram model's perplexity on the same
                    targets (counts from the training text), parameters, training steps and time
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

VOCAB, CONTEXT, LAYERS, DIM, HEADS, MLP = 256, 128, 4, 256, 4, 1024
BLOCK, PERIOD = 65536, 20


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(DIM, 3 * DIM)
        self.c_proj = nn.Linear(DIM, DIM)
        self.register_buffer("bias", torch.tril(torch.ones(CONTEXT, CONTEXT)).view(1, 1, CONTEXT, CONTEXT))

    def forward(self, x):
        b, t, c = x.size()
        q, k, v = self.c_attn(x).split(DIM, dim=2)
        k = k.view(b, t, HEADS, c // HEADS).transpose(1, 2)
        q = q.view(b, t, HEADS, c // HEADS).transpose(1, 2)
        v = v.view(b, t, HEADS, c // HEADS).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(DIM)
        self.attn = CausalSelfAttention()
        self.ln_2 = nn.LayerNorm(DIM)
        self.mlp = nn.Sequential(nn.Linear(DIM, MLP), nn.GELU(), nn.Linear(MLP, DIM))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, DIM)
        self.wpe = nn.Embedding(CONTEXT, DIM)
        self.h = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.ln_f = nn.LayerNorm(DIM)
        self.lm_head = nn.Linear(DIM, VOCAB, bias=False)
        self.lm_head.weight = self.wte.weight
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight") or name.endswith("mlp.2.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * LAYERS))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, 0.02)

    def forward(self, input_ids):
        t = input_ids.size(1)
        pos = torch.arange(0, t, dtype=torch.long, device=input_ids.device).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def split(data):
    parts = {"train": [], "validation": [], "test": []}
    for i, start in enumerate(range(0, len(data), BLOCK)):
        chunk = data[start:start + BLOCK]
        k = i % PERIOD
        parts["validation" if k == PERIOD - 2 else "test" if k == PERIOD - 1 else "train"].append(chunk)
    return parts


def windows(chunks):
    rows = []
    for c in chunks:
        n = len(c) // CONTEXT
        rows.append(c[:n * CONTEXT].reshape(n, CONTEXT))
    return np.concatenate(rows).astype(np.int64)


@torch.no_grad()
def measure(model, ids, batch=64):
    model.eval()
    nll, correct, count = 0.0, 0, 0
    for s in range(0, len(ids), batch):
        x = torch.from_numpy(ids[s:s + batch])
        logits = model(x)[:, :-1, :]
        target = x[:, 1:]
        nll += F.cross_entropy(logits.reshape(-1, VOCAB), target.reshape(-1), reduction="sum").item()
        correct += (logits.argmax(-1) == target).sum().item()
        count += target.numel()
    model.train()
    return math.exp(nll / count), correct / count, count


def bigram_perplexity(train_chunks, ids):
    counts = np.ones((VOCAB, VOCAB), dtype=np.float64)
    for c in train_chunks:
        np.add.at(counts, (c[:-1], c[1:]), 1)
    logp = np.log(counts / counts.sum(axis=1, keepdims=True))
    prev, nxt = ids[:, :-1].ravel(), ids[:, 1:].ravel()
    return math.exp(-logp[prev, nxt].mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--text", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=22.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--init", help="a gpt.pt this script wrote: training goes on from its weights (new optimizer state)")
    ap.add_argument("--stop-ratio", type=float, default=0.62,
                    help="stop early once the validation perplexity (256 windows) is below this times the bigram's")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.out, exist_ok=True)

    data = np.frombuffer(open(a.text, "rb").read(), dtype=np.uint8).astype(np.int64)
    parts = split(data)
    train_text = np.concatenate(parts["train"])
    val_ids, test_ids = windows(parts["validation"]), windows(parts["test"])
    all_train = windows(parts["train"])
    train_ids = all_train[np.linspace(0, len(all_train) - 1, 2048).round().astype(int)]
    print(f"text {len(data)} bytes: train {len(train_text)}, validation {len(val_ids)} windows, "
          f"test {len(test_ids)} windows", flush=True)

    val_bigram = bigram_perplexity(parts["train"], val_ids[:256])
    print(f"byte-bigram (add-one) validation perplexity {val_bigram:.4f}", flush=True)
    model = GPT()
    init_steps = 0
    if a.init:
        model.load_state_dict(torch.load(a.init))
        init_json = os.path.join(os.path.dirname(a.init), "gpt.json")
        if os.path.exists(init_json):
            init_steps = json.load(open(init_json)).get("steps", 0)
        vp, _, _ = measure(model, val_ids[:256])
        print(f"started from {a.init} ({init_steps} steps): val ppl {vp:.3f}", flush=True)
    params = sum(p.numel() for p in model.parameters())
    print(f"parameters {params}", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.99), weight_decay=0.1)
    budget = a.minutes * 60
    warmup, t0, step = 20, time.time(), 0
    starts = np.arange(len(train_text) - CONTEXT - 1)
    while True:
        elapsed = time.time() - t0
        if elapsed > budget:
            break
        lr = a.lr * min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, elapsed / budget))))
        for g in opt.param_groups:
            g["lr"] = lr
        idx = rng.choice(starts, a.batch)
        xy = torch.from_numpy(np.stack([train_text[i:i + CONTEXT + 1] for i in idx]))
        x, y = xy[:, :-1], xy[:, 1:]
        loss = F.cross_entropy(model(x).reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 10 == 0:
            print(f"step {step} {elapsed/60:.1f} min loss {loss.item():.3f} lr {lr:.2e}", flush=True)
        if step % 100 == 0:
            vp, va, _ = measure(model, val_ids[:256])
            print(f"step {step} val ppl {vp:.3f} acc {va:.4f} (bigram {val_bigram:.3f})", flush=True)
            if vp < a.stop_ratio * val_bigram:
                break
    train_s = time.time() - t0

    model.eval()
    ppl, acc, count = measure(model, test_ids)
    vppl, vacc, _ = measure(model, val_ids)
    big = bigram_perplexity(parts["train"], test_ids)
    print(f"test perplexity {ppl:.4f}, next-token accuracy {acc*100:.2f}% ({count} targets)")
    print(f"byte-bigram (add-one) test perplexity {big:.4f}; the model is {(1 - ppl/big)*100:.1f}% below it")

    torch.save(model.state_dict(), os.path.join(a.out, "gpt.pt"))
    np.savez(os.path.join(a.out, "train.npz"), input_ids=train_ids)
    np.savez(os.path.join(a.out, "validation.npz"), input_ids=val_ids)
    np.savez(os.path.join(a.out, "test.npz"), input_ids=test_ids)
    for name, ids in (("test", test_ids), ("validation", val_ids)):
        labels = np.concatenate([ids[:, 1:], np.full((len(ids), 1), -100, np.int64)], axis=1)
        np.savez(os.path.join(a.out, f"{name}-labels.npz"), input_ids=ids, labels=labels)
    onnx_path = os.path.join(a.out, "gpt.onnx")
    torch.onnx.export(model, (torch.from_numpy(test_ids[:2]),), onnx_path, input_names=["input_ids"],
                      output_names=["logits"], opset_version=14,
                      dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}})
    json.dump({
        "text": "King James Version (Debian bible-kjv-text 4.38, `bible -l 100000 Gen1:1-Rev22:21`)",
        "text_bytes": int(len(data)), "train_bytes": int(len(train_text)),
        "windows": {"train": int(len(train_ids)), "validation": int(len(val_ids)), "test": int(len(test_ids))},
        "context": CONTEXT, "layers": LAYERS, "d_model": DIM, "heads": HEADS, "mlp": MLP, "vocab": VOCAB,
        "parameters": int(params), "tied_output": True,
        "torch": torch.__version__, "opset": 14, "steps": step, "init": a.init, "steps_before": init_steps, "batch": a.batch, "train_seconds": round(train_s, 1),
        "test": {"perplexity": ppl, "next_token_accuracy": acc, "targets": count,
                 "note": "target at position t is input t+1; the last position has none"},
        "validation": {"perplexity": vppl, "next_token_accuracy": vacc},
        "bigram_add_one_test_perplexity": big,
        "below_bigram_percent": (1 - ppl / big) * 100,
    }, open(os.path.join(a.out, "gpt.json"), "w"), indent=2)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
