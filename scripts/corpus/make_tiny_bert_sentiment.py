#!/usr/bin/python3
"""A tiny BERT-style sentence classifier, written by hand in torch the way transformers' BertForSequenceClassification
is built (the `transformers` package is not installed here), trained on a synthetic sentiment task with negation and
exported by torch.onnx.export as a Hugging Face export is: inputs input_ids, attention_mask, token_type_ids (int64,
[batch, sequence], both axes open), output logits [batch, 2]; and an ids-only variant (the mask computed from the
padding id inside the graph, the segment ids zeros).

The model: word, position and segment embeddings, LayerNorm; L encoder layers (self-attention of H heads with the
mask added as (1 - mask) * finfo.min, output projection, residual, LayerNorm; FFN Linear-GELU(erf)-Linear, residual,
LayerNorm; LayerNorm written at opset 14 as ReduceMean/Sub/Pow/Sqrt/Div); a pooler (Linear on token 0, Tanh) and a
Linear classifier. Default: 4 layers, hidden 64, 4 heads, FFN 256 (the issue's size), or --small (2 layers, hidden
32, 2 heads, FFN 64) for a quick integration test.

The task: sentences of 6 to 30 tokens ([CLS] words [SEP], padded with 0 to 32) over a vocabulary of neutral words, 40
positive and 40 negative words, and negators; a sentiment word right after a negator (or two after) counts with the
opposite sign (a quarter of them are negated); the label is the sign of the sum (ties resolved by the last sentiment
word), then 8% of labels flipped
(so no model reaches 100%). Written as .npz (x = input_ids, y = labels, and arrays input_ids, attention_mask,
token_type_ids, labels):
  train.npz       20,000 rows (the model is trained on them; the sweep measures units on them)
  validation.npz   5,000 rows (judge the rounds; never trained on)
  report.npz       5,000 rows (only reported)
  bert.onnx, bert_ids.onnx     the 3-input and ids-only exports (opset 14)
  model.json                  the size, parameters, and accuracy on each file

    /usr/bin/python3 scripts/corpus/make_tiny_bert_sentiment.py                     # into /work/corpus/bert-sentiment
    /usr/bin/python3 scripts/corpus/make_tiny_bert_sentiment.py --small --out /work/corpus/bert-sentiment-small
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn

VOCAB, LENGTH, MAX_POSITIONS = 2000, 32, 64
PAD, CLS, SEP = 0, 1, 2
NEGATORS = [3, 4, 5, 6]
POSITIVE = list(range(10, 50))
NEGATIVE = list(range(50, 90))
NEUTRAL = np.arange(100, VOCAB)


def sentences(rng, n):
    ids = np.zeros((n, LENGTH), np.int64)
    labels = np.zeros(n, np.int64)
    zipf = 1.0 / np.arange(1, len(NEUTRAL) + 1) ** 1.05
    zipf /= zipf.sum()
    for i in range(n):
        k = rng.integers(6, LENGTH - 1)
        words = list(rng.choice(NEUTRAL, k, p=zipf))
        score, last = 0, 0
        for _ in range(rng.integers(1, 4)):
            at = int(rng.integers(0, k))
            sign = 1 if rng.random() < 0.5 else -1
            words[at] = int(rng.choice(POSITIVE if sign > 0 else NEGATIVE))
            if rng.random() < 0.25 and at > 0:
                words[at - int(rng.integers(1, 3)) if at > 1 else at - 1] = int(rng.choice(NEGATORS))
        for at, w in enumerate(words):
            if w in POSITIVE or w in NEGATIVE:
                s = 1 if w in POSITIVE else -1
                if any(words[b] in NEGATORS for b in range(max(0, at - 2), at)):
                    s = -s
                score += s
                last = s
        label = 1 if score > 0 or (score == 0 and last > 0) else 0
        if rng.random() < 0.08:
            label = 1 - label
        row = [CLS] + words + [SEP]
        ids[i, :len(row)] = row
        labels[i] = label
    return ids, (ids != PAD).astype(np.int64), np.zeros_like(ids), labels


class LayerNorm(nn.Module):
    """BERT's LayerNorm (eps 1e-12), written out so opset 14 exports it as ReduceMean/Sub/Pow/Sqrt/Div as torch's
    nn.LayerNorm also is below opset 17."""

    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        var = (x - mean).pow(2).mean(-1, keepdim=True)
        return self.weight * (x - mean) / torch.sqrt(var + 1e-12) + self.bias


class Layer(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.heads, self.dh = heads, d // heads
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.attention_output = nn.Linear(d, d)
        self.attention_norm = LayerNorm(d)
        self.intermediate = nn.Linear(d, ffn)
        self.output = nn.Linear(ffn, d)
        self.output_norm = LayerNorm(d)

    def split(self, x):
        return x.view(x.size(0), x.size(1), self.heads, self.dh).permute(0, 2, 1, 3)

    def forward(self, x, extended_mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh) + extended_mask
        context = torch.matmul(torch.softmax(scores, -1), v).permute(0, 2, 1, 3).contiguous()
        context = context.view(context.size(0), context.size(1), self.heads * self.dh)
        x = self.attention_norm(self.attention_output(context) + x)
        hidden = nn.functional.gelu(self.intermediate(x))
        return self.output_norm(self.output(hidden) + x)


class TinyBert(nn.Module):
    def __init__(self, layers, d, heads, ffn, classes=2):
        super().__init__()
        self.word = nn.Embedding(VOCAB, d)
        self.position = nn.Embedding(MAX_POSITIONS, d)
        self.segment = nn.Embedding(2, d)
        self.embedding_norm = LayerNorm(d)
        self.layers = nn.ModuleList([Layer(d, heads, ffn) for _ in range(layers)])
        self.pooler = nn.Linear(d, d)
        self.classifier = nn.Linear(d, classes)
        self.dropout = nn.Dropout(0.1)

    def forward(self, input_ids, attention_mask, token_type_ids):
        positions = torch.arange(input_ids.size(1), dtype=torch.long).unsqueeze(0).expand_as(input_ids)
        x = self.word(input_ids) + self.position(positions) + self.segment(token_type_ids)
        x = self.dropout(self.embedding_norm(x))
        extended = attention_mask[:, None, None, :].to(x.dtype)
        extended = (1.0 - extended) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, extended)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return self.classifier(self.dropout(pooled))


class IdsOnly(nn.Module):
    """The same model fed token ids alone: the mask from the padding id, the segment ids zeros."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids):
        return self.bert(input_ids, (input_ids != PAD).long(), torch.zeros_like(input_ids))


def accuracy(model, ids, mask, types, labels):
    with torch.no_grad():
        out = model(torch.tensor(ids), torch.tensor(mask), torch.tensor(types))
    return float((out.argmax(1).numpy() == labels).mean())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="/work/corpus/bert-sentiment")
    p.add_argument("--small", action="store_true", help="2 layers, hidden 32, 2 heads, FFN 64")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=2e-3, help="AdamW's peak")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    rng = np.random.default_rng(a.seed)
    data = {name: sentences(rng, n) for name, n in (("train", 20000), ("validation", 5000), ("report", 5000))}
    layers, d, heads, ffn = (2, 32, 2, 64) if a.small else (4, 64, 4, 256)
    epochs = a.epochs or 4
    model = TinyBert(layers, d, heads, ffn)
    ids, mask, types, labels = (torch.tensor(v) for v in data["train"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=a.learning_rate, weight_decay=0.01)
    steps = epochs * math.ceil(len(ids) / a.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, a.learning_rate, total_steps=steps)
    started = time.time()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(ids))
        for b in range(0, len(ids), a.batch):
            i = order[b:b + a.batch]
            loss = nn.functional.cross_entropy(model(ids[i], mask[i], types[i]), labels[i])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        model.eval()
        print(f"epoch {epoch + 1}: validation {accuracy(model, *data['validation']):.4f} "
              f"({time.time() - started:.0f} s)", flush=True)
    model.eval()
    for name, (ids_, mask_, types_, labels_) in data.items():
        np.savez_compressed(os.path.join(a.out, name + ".npz"), x=ids_, y=labels_, input_ids=ids_,
                            attention_mask=mask_, token_type_ids=types_, labels=labels_)
    sample = tuple(torch.tensor(v[:2]) for v in data["validation"][:3])
    axes = {0: "batch", 1: "sequence"}
    torch.onnx.export(model, sample, os.path.join(a.out, "bert.onnx"), opset_version=14,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                      dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                    "logits": {0: "batch"}})
    torch.onnx.export(IdsOnly(model), (sample[0],), os.path.join(a.out, "bert_ids.onnx"), opset_version=14,
                      input_names=["input_ids"], output_names=["logits"],
                      dynamic_axes={"input_ids": axes, "logits": {0: "batch"}})
    record = {"layers": layers, "hidden": d, "heads": heads, "ffn": ffn, "vocab": VOCAB, "sequence": LENGTH,
              "parameters": sum(p.numel() for p in model.parameters()), "epochs": epochs,
              "seconds": round(time.time() - started, 1)}
    record.update({name + "_accuracy": accuracy(model, *v) for name, v in data.items()})
    with open(os.path.join(a.out, "model.json"), "w") as f:
        json.dump(record, f, indent=1)
    print(json.dumps(record))


if __name__ == "__main__":
    main()
