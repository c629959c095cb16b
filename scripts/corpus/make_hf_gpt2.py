#!/usr/bin/env python3
"""A Hugging Face GPT2LMHeadModel of a small config of its own, exported as optimum writes a decoder: without past
(`decoder_model.onnx`: `input_ids`, `attention_mask` [batch, seq] int64 -> `logits` [batch, seq, vocab]) and with past
(`decoder_with_past_model.onnx`: also `past_key_values.{i}.key` / `.value` [batch, heads, past, head_dim] in, `logits`
and `present.{i}.key` / `.value` [batch, heads, past + seq, head_dim] out), both by torch.onnx.export's TorchScript
exporter at opset 14 as optimum runs it.

--tiny (the test fixture under library/src/test/resources/corpus/tiny-hf-gpt2): 2 layers, n_embd 32, 2 heads,
context 16, vocabulary 64, trained on make_tiny_gpt.py's counting windows. Without --tiny: 4 layers, n_embd 128,
4 heads, context 128, byte vocabulary 256, trained for --minutes on --text (train_byte_gpt.py's split and windows).

Writes into OUT: decoder_model.onnx, decoder_with_past_model.onnx, train.npz, validation.npz, report.npz (arrays
`input_ids` and `attention_mask` (all ones) [N, T] int64 each, as a tokenizer returns them; the target at t is the
token at t + 1), config.json (the model's config) and torch.json
(torch's own perplexity and next-token accuracy on each file, and the largest difference between ONNX Runtime's
logits and torch's for both files, the with-past one fed the first half of each report window as past).

    $PYTHON scripts/corpus/make_hf_gpt2.py OUT --tiny
    $PYTHON scripts/corpus/make_hf_gpt2.py $CORPUS/hf-gpt2 --text $CORPUS/gpt/kjv.txt --minutes 10

$PYTHON: transformers 5.x, torch 2.x, onnx and onnxruntime (the quality venv).
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
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.cache_utils import DynamicCache

HERE = os.path.dirname(os.path.abspath(__file__))


def module(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + ".py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


class WithPast(torch.nn.Module):
    """The with-past decoder as optimum exports it: flat past tensors in, logits and flat present tensors out."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, *past):
        cache = DynamicCache()
        for i in range(len(past) // 2):
            cache.update(past[2 * i], past[2 * i + 1], i)
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, past_key_values=cache, use_cache=True)
        present = []
        for layer in out.past_key_values.layers:
            present += [layer.keys, layer.values]
        return (out.logits, *present)


class NoPast(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits


def measured(model, ids, vocab):
    with torch.no_grad():
        x = torch.from_numpy(ids)
        logits = model(input_ids=x, attention_mask=torch.ones_like(x), use_cache=False).logits[:, :-1, :].double()
        targets = x[:, 1:]
        loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
        accuracy = (logits.argmax(-1) == targets).double().mean()
    return {"perplexity": math.exp(loss.item()), "mean_cross_entropy": loss.item(), "accuracy": accuracy.item(),
            "windows": int(ids.shape[0]), "tokens_predicted": int(targets.numel())}


def train(model, draw, steps, minutes, vocab, lr):
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    t0, step = time.time(), 0
    while step < steps and time.time() - t0 < minutes * 60:
        batch = torch.from_numpy(draw())
        logits = model(input_ids=batch, use_cache=False).logits[:, :-1, :]
        loss = F.cross_entropy(logits.reshape(-1, vocab), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0:
            print(f"step {step}: loss {loss.item():.4f} ({time.time() - t0:.0f} s)", flush=True)
        step += 1
    return step


def export(model, out, sample, layers):
    model.eval()
    x = torch.from_numpy(sample)
    mask = torch.ones_like(x)
    names = {"input_ids": {0: "batch_size", 1: "sequence_length"},
             "attention_mask": {0: "batch_size", 1: "sequence_length"},
             "logits": {0: "batch_size", 1: "sequence_length"}}
    torch.onnx.export(NoPast(model), (x, mask), os.path.join(out, "decoder_model.onnx"),
                      input_names=["input_ids", "attention_mask"], output_names=["logits"],
                      dynamic_axes=names, opset_version=14, dynamo=False)
    half = x.shape[1] // 2
    with torch.no_grad():
        past = model(input_ids=x[:, :half], use_cache=True).past_key_values
    flat = []
    for layer in past.layers:
        flat += [layer.keys, layer.values]
    past_names = [f"past_key_values.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names})
    axes.update({n: {0: "batch_size", 2: "past_sequence_length + sequence_length"} for n in present_names})
    torch.onnx.export(WithPast(model), (x[:, half:], mask, *flat), os.path.join(out, "decoder_with_past_model.onnx"),
                      input_names=["input_ids", "attention_mask", *past_names],
                      output_names=["logits", *present_names], dynamic_axes=axes, opset_version=14, dynamo=False)


def ort_check(model, out, ids, layers):
    import onnxruntime as ort
    x = torch.from_numpy(ids)
    with torch.no_grad():
        full = model(input_ids=x, use_cache=False).logits.numpy()
    s = ort.InferenceSession(os.path.join(out, "decoder_model.onnx"), providers=["CPUExecutionProvider"])
    no_past = s.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
    half = ids.shape[1] // 2
    with torch.no_grad():
        past = model(input_ids=x[:, :half], use_cache=True).past_key_values
    feed = {"input_ids": ids[:, half:], "attention_mask": np.ones_like(ids)}
    for i, layer in enumerate(past.layers):
        feed[f"past_key_values.{i}.key"] = layer.keys.numpy()
        feed[f"past_key_values.{i}.value"] = layer.values.numpy()
    s = ort.InferenceSession(os.path.join(out, "decoder_with_past_model.onnx"), providers=["CPUExecutionProvider"])
    with_past = s.run(None, feed)[0]
    return {"onnxruntime": ort.__version__,
            "no_past_max_logit_difference": float(np.abs(no_past - full).max()),
            "with_past_max_logit_difference": float(np.abs(with_past - full[:, half:]).max())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--text")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(83)
    rng = np.random.default_rng(83)
    os.makedirs(a.out, exist_ok=True)
    if a.tiny:
        tiny = module("make_tiny_gpt")
        cfg = GPT2Config(vocab_size=tiny.VOCAB, n_positions=tiny.CONTEXT, n_embd=32, n_layer=2, n_head=2,
                         resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
        pool = tiny.windows(rng, 16384)
        data = {name: tiny.windows(rng, n) for name, n in tiny.ROWS.items()}
        draw, steps, lr = (lambda: pool[rng.integers(0, len(pool), 64)]), 1500, 3e-3
    else:
        byte = module("train_byte_gpt")
        cfg = GPT2Config(vocab_size=256, n_positions=128, n_embd=128, n_layer=4, n_head=4,
                         resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
        text = np.frombuffer(open(a.text, "rb").read(), dtype=np.uint8).astype(np.int64)
        parts = byte.split(text)
        train_text = np.concatenate(parts["train"])
        all_train = byte.windows(parts["train"])
        data = {"train": all_train[np.linspace(0, len(all_train) - 1, 2048).round().astype(int)],
                "validation": byte.windows(parts["validation"]), "report": byte.windows(parts["test"])}
        starts = np.arange(len(train_text) - 129)
        draw = lambda: np.stack([train_text[i:i + 128] for i in rng.choice(starts, 16)])  # noqa: E731
        steps, lr = 10 ** 9, 2e-3
    model = GPT2LMHeadModel(cfg)
    steps = train(model, draw, steps, a.minutes, cfg.vocab_size, lr)
    model.eval()
    for name, ids in data.items():
        np.savez(os.path.join(a.out, name + ".npz"), input_ids=ids, attention_mask=np.ones_like(ids))
    export(model, a.out, data["report"][:2], cfg.n_layer)
    result = {name: measured(model, ids, cfg.vocab_size) for name, ids in data.items()}
    result.update(parameters=sum(p.numel() for p in model.parameters()), steps=steps, torch=torch.__version__)
    import transformers
    result["transformers"] = transformers.__version__
    result.update(ort_check(model, a.out, data["report"][:8], cfg.n_layer))
    cfg.to_json_file(os.path.join(a.out, "config.json"))
    with open(os.path.join(a.out, "torch.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
