#!/usr/bin/env python3
"""A tiny nanoGPT-shaped decoder as `eval --task next-token` measures one: 2 layers, d_model 32, 2 heads, context 16,
vocabulary 64, trained briefly in torch on a synthetic sequence task and exported with `torch.onnx.export` (input
`input_ids` [batch, seq] int64, output `logits` [batch, seq, 64], opset 14, the causal mask a registered buffer as
nanoGPT keeps it).

The task: each window counts up from a random start by a step (1..7) of its own, modulo 64, and a tenth of its tokens
are replaced by random ones. A model must read the step from the context (a bigram table cannot), and the noise keeps
its perplexity above 1.

Writes, into OUT: gpt.onnx; train.npz, validation.npz, report.npz with one array `input_ids` [N, 16] int64 (token
windows alone: the target at position t is the token at t + 1); torch.json with torch's own perplexity (exp of the
mean cross-entropy over every position but the last of each window, the target the next token) and next-token accuracy
on each file's windows, and, where onnxruntime is installed, the largest difference between its logits and torch's.

    /usr/bin/python3 scripts/corpus/make_tiny_gpt.py OUT
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, CONTEXT, WIDTH, HEADS, LAYERS = 64, 16, 32, 2, 2
ROWS = {"train": 1024, "validation": 512, "report": 512}
NOISE = 0.1


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(WIDTH, 3 * WIDTH)
        self.c_proj = nn.Linear(WIDTH, WIDTH)
        self.register_buffer("bias", torch.tril(torch.ones(CONTEXT, CONTEXT)).view(1, 1, CONTEXT, CONTEXT))

    def forward(self, x):
        b, t, c = x.size()
        q, k, v = self.c_attn(x).split(WIDTH, dim=2)
        q = q.view(b, t, HEADS, c // HEADS).transpose(1, 2)
        k = k.view(b, t, HEADS, c // HEADS).transpose(1, 2)
        v = v.view(b, t, HEADS, c // HEADS).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(WIDTH)
        self.attn = Attention()
        self.ln_2 = nn.LayerNorm(WIDTH)
        self.c_fc = nn.Linear(WIDTH, 4 * WIDTH)
        self.c_proj = nn.Linear(4 * WIDTH, WIDTH)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))


class Gpt(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, WIDTH)
        self.wpe = nn.Embedding(CONTEXT, WIDTH)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.ln_f = nn.LayerNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)

    def forward(self, input_ids):
        t = input_ids.size(1)
        pos = torch.arange(0, t, dtype=torch.long, device=input_ids.device)
        x = self.wte(input_ids) + self.wpe(pos)
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def windows(rng, n):
    """Counting windows: a start and a step per window, a tenth of the tokens random."""
    start = rng.integers(0, VOCAB, (n, 1))
    step = rng.integers(1, 8, (n, 1))
    ids = (start + step * np.arange(CONTEXT)[None, :]) % VOCAB
    noise = rng.random((n, CONTEXT)) < NOISE
    ids[noise] = rng.integers(0, VOCAB, noise.sum())
    return ids.astype(np.int64)


def measured(model, ids):
    """torch's perplexity and next-token accuracy: every position but the last, its target the next token."""
    with torch.no_grad():
        logits = model(torch.from_numpy(ids))[:, :-1, :]
        targets = torch.from_numpy(ids)[:, 1:]
        loss = F.cross_entropy(logits.reshape(-1, VOCAB).double(), targets.reshape(-1))
        accuracy = (logits.argmax(-1) == targets).double().mean()
    return {"perplexity": math.exp(loss.item()), "mean_cross_entropy": loss.item(), "accuracy": accuracy.item(),
            "windows": int(ids.shape[0]), "tokens_predicted": int(targets.numel())}


def train(model, ids, steps, rng):
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    data = torch.from_numpy(ids)
    for step in range(steps):
        batch = data[torch.from_numpy(rng.integers(0, len(ids), 64))]
        logits = model(batch)[:, :-1, :]
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 200 == 0:
            print(f"step {step}: loss {loss.item():.4f}", flush=True)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(83)
    rng = np.random.default_rng(83)
    model = Gpt()
    # Training draws fresh windows (16,384 of them), so the saved training rows are no larger than the test needs.
    train(model, windows(rng, 16384), 1500, rng)
    model.eval()
    data = {name: windows(rng, n) for name, n in ROWS.items()}
    for name, ids in data.items():
        np.savez(os.path.join(out, name + ".npz"), input_ids=ids)
    path = os.path.join(out, "gpt.onnx")
    torch.onnx.export(model, torch.from_numpy(data["report"][:2]), path, input_names=["input_ids"],
                      output_names=["logits"], dynamic_axes={"input_ids": {0: "batch", 1: "seq"},
                                                             "logits": {0: "batch", 1: "seq"}}, opset_version=14)
    result = {name: measured(model, ids) for name, ids in data.items()}
    result["parameters"] = sum(p.numel() for p in model.parameters())
    result["torch"] = torch.__version__
    try:
        import onnxruntime as ort
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        ort_logits = session.run(None, {"input_ids": data["report"]})[0]
        with torch.no_grad():
            torch_logits = model(torch.from_numpy(data["report"])).numpy()
        result["onnxruntime_max_logit_difference"] = float(np.abs(ort_logits - torch_logits).max())
        result["onnxruntime"] = ort.__version__
    except ImportError:
        pass
    with open(os.path.join(out, "torch.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
