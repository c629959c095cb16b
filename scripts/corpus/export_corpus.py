#!/usr/bin/env python3
"""Exports the translation corpus: small PyTorch models written the way mainstream exporters write them, at opsets
13, 14 and 17 (PyTorch 1.13 exports up to 17; raise_opset18.py rewrites the opset-17 files to 18).

    /usr/bin/python3 scripts/corpus/export_corpus.py $CORPUS

Weights are random (seeded): the corpus checks the ONNX -> TensorFlow translation, not accuracy. Inputs have a free
batch axis and fixed sizes after it. Nothing here is committed output; the folder is outside the repository.
"""
import inspect
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

OPSETS = (13, 14, 17)
IMAGE = (3, 32, 32)
VOCAB, LENGTH = 50, 16


class Patches(nn.Module):
    """4x4 patches of a 3x32x32 image as 64 tokens of width d."""

    def __init__(self, d):
        super().__init__()
        self.proj = nn.Conv2d(3, d, 4, stride=4)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ClassTokenViT(nn.Module):
    """torch.nn.TransformerEncoderLayer with a class token: cat of the expanded token, then token 0."""

    def __init__(self, d=32, extra=1, classes=10, patches=None, positions=64, heads=4, ffn=64, layers=2,
                 activation="relu", final_norm=False):
        super().__init__()
        # train_vit_cls.py passes MNIST's patches, width 48, 3 layers, GELU and a final LayerNorm; the corpus's
        # defaults are unchanged (the same seeded weights).
        self.patches = patches if patches is not None else Patches(d)
        self.tokens = nn.Parameter(torch.randn(1, extra, d) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, positions + extra, d) * 0.02)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, heads, ffn, dropout=0.0, batch_first=True,
                                                                        norm_first=True, activation=activation),
                                             layers)
        self.norm = nn.LayerNorm(d) if final_norm else nn.Identity()
        self.heads = nn.ModuleList(nn.Linear(d, classes) for _ in range(extra))

    def forward(self, x):
        t = self.patches(x)
        t = torch.cat([self.tokens.expand(t.shape[0], -1, -1), t], dim=1) + self.pos
        t = self.norm(self.encoder(t))
        # DeiT averages the class and distillation heads.
        return sum(h(t[:, i]) for i, h in enumerate(self.heads)) / len(self.heads)


class FusedAttention(nn.Module):
    """timm's Attention: one Linear of width 3d, reshape/permute, unbind into q, k, v."""

    def __init__(self, d, heads=4):
        super().__init__()
        self.heads, self.scale = heads, (d // heads) ** -0.5
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        x = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(x)


class TimmViT(nn.Module):
    def __init__(self, d=32, classes=10, split=False):
        super().__init__()
        self.patches = Patches(d)
        self.norm1, self.norm2, self.norm = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = FusedAttention(d)
        self.split = split
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        t = self.patches(x)
        t = t + self.attn(self.norm1(t))
        t = t + self.mlp(self.norm2(t))
        return self.head(self.norm(t).mean(dim=1))


class SqueezeExcite(nn.Module):
    def __init__(self, c, act, gate):
        super().__init__()
        self.reduce, self.expand = nn.Conv2d(c, c // 4, 1), nn.Conv2d(c // 4, c, 1)
        self.act, self.gate = act, gate

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        return x * self.gate(self.expand(self.act(self.reduce(s))))


def conv_bn(cin, cout, k, stride=1, groups=1, act=None):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, act) if act is not None else nn.Sequential(*layers)


class MobileNetV3(nn.Module):
    """Conv-BN-HardSwish, an inverted residual with a depthwise conv and squeeze-excite (HardSigmoid gate)."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = conv_bn(3, 16, 3, 2, act=nn.Hardswish())
        self.expand = conv_bn(16, 48, 1, act=nn.Hardswish())
        self.depthwise = conv_bn(48, 48, 3, 1, groups=48, act=nn.Hardswish())
        self.se = SqueezeExcite(48, nn.ReLU(), nn.Hardsigmoid())
        self.project = conv_bn(48, 16, 1)
        self.head = nn.Sequential(nn.Linear(16, 32), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(32, classes))

    def forward(self, x):
        x = self.stem(x)
        x = x + self.project(self.se(self.depthwise(self.expand(x))))
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))


class SiLU(nn.Module):
    """x * sigmoid(x), as EfficientNet ports write it (the exporter's Sigmoid then Mul)."""

    def forward(self, x):
        return x * torch.sigmoid(x)


class EfficientNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = conv_bn(3, 16, 3, 2, act=SiLU())
        self.depthwise = conv_bn(16, 16, 5, 1, groups=16, act=SiLU())
        self.se = SqueezeExcite(16, SiLU(), nn.Sigmoid())
        self.project = conv_bn(16, 24, 1)
        self.head = nn.Linear(24, classes)

    def forward(self, x):
        x = self.project(self.se(self.depthwise(self.stem(x))))
        return self.head(x.mean(dim=(2, 3)))


class BasicBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a, self.b = conv_bn(c, c, 3, act=nn.ReLU()), conv_bn(c, c, 3)

    def forward(self, x):
        return F.relu(x + self.b(self.a(x)))


class ResNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 16, 3, 1, act=nn.ReLU()), nn.MaxPool2d(3, 2, 1))
        self.blocks = nn.Sequential(BasicBlock(16), BasicBlock(16))
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class ConvNeXt(nn.Module):
    """A ConvNeXt block: depthwise 7x7, channels-last LayerNorm, Linear-GELU-Linear, layer scale, residual."""

    def __init__(self, classes=10, c=32):
        super().__init__()
        self.stem = nn.Conv2d(3, c, 4, 4)
        self.dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = nn.LayerNorm(c)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))
        self.gamma = nn.Parameter(torch.full((c,), 0.5))
        self.head = nn.Linear(c, classes)

    def forward(self, x):
        x = self.stem(x)
        y = self.dw(x).permute(0, 2, 3, 1)
        y = (self.gamma * self.mlp(self.norm(y))).permute(0, 3, 1, 2)
        return self.head((x + y).mean([-2, -1]))


class TextClassifier(nn.Module):
    """int64 token ids (0 pads): embedding Gather, positions, masked attention (Equal/Where), masked mean."""

    def __init__(self, d=32, classes=4):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, d, padding_idx=0)
        self.pos = nn.Embedding(LENGTH, d)
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.head = nn.Linear(d, classes)

    def forward(self, ids):
        mask = (ids != 0)
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.embed(ids) + self.pos(positions)
        scores = self.q(x) @ self.k(x).transpose(1, 2) / x.shape[-1] ** 0.5
        scores = scores.masked_fill(mask.unsqueeze(1) == 0, -1e4)
        x = x + scores.softmax(-1) @ self.v(x)
        m = mask.unsqueeze(-1).float()
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(pooled + x.mean(dim=1))


MODELS = {
    "vit_cls": lambda: ClassTokenViT(),
    "deit_two_tokens": lambda: ClassTokenViT(extra=2),
    "vit_fused_qkv": lambda: TimmViT(),
    "mobilenetv3": MobileNetV3,
    "efficientnet": EfficientNet,
    "resnet": ResNet,
    "convnext": ConvNeXt,
    "text_classifier": TextClassifier,
}


def export(name, model, opset, out):
    model.eval()
    if name.startswith("text"):
        example, input_name = torch.randint(0, VOCAB, (2, LENGTH)), "ids"
    else:
        example, input_name = torch.randn(2, *IMAGE), "x"
    path = os.path.join(out, f"{name}_op{opset}.onnx")
    # Not under no_grad: there TransformerEncoderLayer takes its fused fast path, which has no ONNX export.
    # The TorchScript exporter, as PyTorch 1.13 had it; PyTorch 2.9 and later default to the dynamo one.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    torch.onnx.export(model, (example,), path, opset_version=opset, input_names=[input_name],
                      output_names=["y"], dynamic_axes={input_name: {0: "batch"}, "y": {0: "batch"}}, **legacy)
    return path


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CORPUS", "corpus")
    os.makedirs(out, exist_ok=True)
    for name, make in MODELS.items():
        for opset in OPSETS:
            torch.manual_seed(0)
            try:
                print(export(name, make(), opset, out))
            except Exception as e:  # noqa: BLE001 - one line per model that does not export
                print(f"{name} opset {opset}: not exported: {str(e).splitlines()[0]}", file=sys.stderr)


if __name__ == "__main__":
    main()
