#!/usr/bin/python3
"""A text classifier over int64 token ids, exported as PyTorch exports such models: inputs input_ids and
attention_mask, both int64 [batch, sequence] with the sequence length open, an embedding Gather, the mean of the
unmasked tokens, a feed-forward block (Linear 64-256, GELU, Linear 256-64, residual, LayerNorm) and a Linear head of 4
classes. With its data as CSV files of token ids (a label column) and of attention masks, one row per text.

The texts are synthetic (no text corpus ships with the repository): 4 topics over a vocabulary of 1,000 tokens, each
text 6 to 32 tokens drawn from a Zipf background mixed with its topic's 60 favoured tokens, padded with id 0 to 32.
Trained for 3 epochs on 20,000 texts (PyTorch, seed 0); the files hold texts it never saw:
  ids-train.csv, mask-train.csv            3,000 texts (the sweep measures units on them)
  ids-validation.csv, mask-validation.csv  2,000 texts (judge the rounds)
  ids-report.csv, mask-report.csv          2,000 texts (only reported)

    /usr/bin/python3 scripts/corpus/make_text_classifier.py --out $CORPUS/h48/text
"""
import argparse
import os

import numpy as np
import torch
import torch.nn as nn

VOCAB, LENGTH, CLASSES = 1000, 32, 4


def texts(rng, n):
    topics = [rng.choice(np.arange(1, VOCAB), 60, replace=False) for _ in range(CLASSES)]
    background = 1.0 / np.arange(1, VOCAB) ** 1.1
    background /= background.sum()
    ids = np.zeros((n, LENGTH), np.int64)
    labels = rng.integers(0, CLASSES, n)
    for i in range(n):
        k = rng.integers(6, LENGTH + 1)
        topical = rng.random(k) < 0.35
        ids[i, :k] = np.where(topical, rng.choice(topics[labels[i]], k), 1 + rng.choice(VOCAB - 1, k, p=background))
    return ids, (ids != 0).astype(np.int64), labels


class TextClassifier(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, d)
        self.ffn = nn.Sequential(nn.Linear(d, 256), nn.GELU(), nn.Linear(256, d))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, CLASSES)

    def forward(self, input_ids, attention_mask):
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (self.embedding(input_ids) * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.head(self.norm(pooled + self.ffn(pooled)))


def write_csv(path, values, labels=None):
    header = ",".join(f"t{k}" for k in range(values.shape[1])) + (",label" if labels is not None else "")
    rows = values if labels is None else np.concatenate([values, labels[:, None]], 1)
    np.savetxt(path, rows, fmt="%d", delimiter=",", header=header, comments="")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    ids, mask, labels = texts(rng, 27000)
    model = TextClassifier()
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    x, m, y = torch.from_numpy(ids[:20000]), torch.from_numpy(mask[:20000]), torch.from_numpy(labels[:20000])
    for epoch in range(3):
        order = torch.randperm(20000)
        for i in range(0, 20000, 128):
            b = order[i:i + 128]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[b], m[b]), y[b]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(torch.from_numpy(ids[25000:]), torch.from_numpy(mask[25000:])).argmax(1).numpy()
               == labels[25000:]).mean()
    print(f"report rows: {100 * acc:.2f}%")
    path = os.path.join(a.out, "text_classifier.onnx")
    torch.onnx.export(model, (x[:2], m[:2]), path, opset_version=14, input_names=["input_ids", "attention_mask"],
                      output_names=["logits"], dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                                             "attention_mask": {0: "batch", 1: "sequence"},
                                                             "logits": {0: "batch"}})
    for name, lo, hi in [("train", 20000, 23000), ("validation", 23000, 25000), ("report", 25000, 27000)]:
        write_csv(os.path.join(a.out, f"ids-{name}.csv"), ids[lo:hi], labels[lo:hi])
        write_csv(os.path.join(a.out, f"mask-{name}.csv"), mask[lo:hi])
    print(f"wrote {path} and the CSV files beside it")


if __name__ == "__main__":
    main()
