#!/usr/bin/python3
"""A tiny BERT-style text classifier (Hugging Face's BertForSequenceClassification layout: word, position and token
type embeddings, 4 encoder layers of 4 heads of 16 and an FFN 64-256-64 with erf GELU, a tanh pooler, a Linear head of
4 classes), trained briefly on make_text_classifier.py's synthetic topics and exported twice, as PyTorch exports such
models:
  bert.onnx      inputs input_ids, attention_mask, token_type_ids (int64 [batch, sequence], sequence open)
  bert_ids.onnx  input_ids alone (the mask is ids != 0, the token types zeros)
with its held-out rows as CSV (ids-test.csv with a label column, mask-test.csv, types-test.csv) and as one archive
test.npz (x: the ids, attention_mask, token_type_ids, y: the labels). optimize_bert.py then writes ONNX Runtime's
transformer-optimizer form of bert.onnx.

    /usr/bin/python3 scripts/corpus/make_tiny_bert.py --out $CORPUS/bert
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_text_classifier import CLASSES, LENGTH, VOCAB, texts, write_csv  # noqa: E402

D, HEADS, FFN, LAYERS = 64, 4, 256, 4


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(D, D), nn.Linear(D, D), nn.Linear(D, D)
        self.dense, self.norm = nn.Linear(D, D), nn.LayerNorm(D, eps=1e-12)

    def split(self, x):
        return x.view(x.size()[:-1] + (HEADS, D // HEADS)).permute(0, 2, 1, 3)

    def forward(self, h, mask):
        q, k, v = self.split(self.query(h)), self.split(self.key(h)), self.split(self.value(h))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(D // HEADS) + mask
        context = torch.matmul(scores.softmax(-1), v).permute(0, 2, 1, 3).contiguous()
        context = context.view(context.size()[:-2] + (D,))
        return self.norm(self.dense(context) + h)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = SelfAttention()
        self.intermediate, self.output = nn.Linear(D, FFN), nn.Linear(FFN, D)
        self.norm = nn.LayerNorm(D, eps=1e-12)

    def forward(self, h, mask):
        a = self.attention(h, mask)
        return self.norm(self.output(nn.functional.gelu(self.intermediate(a))) + a)


class TinyBert(nn.Module):
    def __init__(self):
        super().__init__()
        self.words, self.positions, self.types = nn.Embedding(VOCAB, D), nn.Embedding(LENGTH, D), nn.Embedding(2, D)
        self.norm = nn.LayerNorm(D, eps=1e-12)
        self.layers = nn.ModuleList([Layer() for _ in range(LAYERS)])
        self.pooler, self.classifier = nn.Linear(D, D), nn.Linear(D, CLASSES)
        self.register_buffer("position_ids", torch.arange(LENGTH).unsqueeze(0))

    def forward(self, input_ids, attention_mask, token_type_ids):
        positions = self.position_ids[:, :input_ids.size(1)]
        h = self.norm(self.words(input_ids) + self.positions(positions) + self.types(token_type_ids))
        mask = (1.0 - attention_mask[:, None, None, :].to(h.dtype)) * -10000.0
        for layer in self.layers:
            h = layer(h, mask)
        return self.classifier(torch.tanh(self.pooler(h[:, 0])))


class IdsOnly(nn.Module):
    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids):
        return self.bert(input_ids, (input_ids != 0).long(), torch.zeros_like(input_ids))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--texts", type=int, default=8000)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    n = a.texts
    ids, mask, labels = texts(rng, n + 1000)
    types = np.zeros_like(ids)
    model = TinyBert()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    x, m, t, y = (torch.from_numpy(v[:n]) for v in (ids, mask, types, labels))
    for epoch in range(3):
        order = torch.randperm(n)
        for i in range(0, n, 64):
            b = order[i:i + 64]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[b], m[b], t[b]), y[b]).backward()
            opt.step()
    model.eval()
    test = slice(n, n + 1000)
    with torch.no_grad():
        logits = model(torch.from_numpy(ids[test]), torch.from_numpy(mask[test]), torch.from_numpy(types[test]))
    print(f"test rows (PyTorch): {100 * (logits.argmax(1).numpy() == labels[test]).mean():.2f}%")
    axes = {"batch": 0, "sequence": 1}
    dynamic = {k: {v: a for a, v in axes.items()} for k in ("input_ids", "attention_mask", "token_type_ids")}
    dynamic["logits"] = {0: "batch"}
    torch.onnx.export(model, (x[:2], m[:2], t[:2]), os.path.join(a.out, "bert.onnx"), opset_version=14,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                      dynamic_axes=dynamic)
    torch.onnx.export(IdsOnly(model), (x[:2],), os.path.join(a.out, "bert_ids.onnx"), opset_version=14,
                      input_names=["input_ids"], output_names=["logits"],
                      dynamic_axes={"input_ids": dynamic["input_ids"], "logits": {0: "batch"}})
    write_csv(os.path.join(a.out, "ids-test.csv"), ids[test], labels[test])
    write_csv(os.path.join(a.out, "mask-test.csv"), mask[test])
    write_csv(os.path.join(a.out, "types-test.csv"), types[test])
    np.savez(os.path.join(a.out, "test.npz"), x=ids[test], attention_mask=mask[test], token_type_ids=types[test],
             y=labels[test])
    print(f"wrote bert.onnx, bert_ids.onnx and the test rows in {a.out}")


if __name__ == "__main__":
    main()
