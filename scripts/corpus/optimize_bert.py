#!/usr/bin/env python3
"""ONNX Runtime's transformer optimizer on make_tiny_bert.py's bert.onnx: the file it writes holds
EmbedLayerNormalization, Attention, SkipLayerNormalization and BiasGelu (com.microsoft) in place of the exported
subgraphs, as a user who ships an optimized model has it. Prints the fused operators' counts.

    $PYTHON scripts/corpus/optimize_bert.py $CORPUS/bert/bert.onnx $CORPUS/bert/bert_opt.onnx
    .../optimize_bert.py IN.onnx OUT.onnx HEADS HIDDEN     (another size: make_tiny_bert_sentiment.py --small is 2 32)
"""
import collections
import sys

import onnx
from onnxruntime.transformers import optimizer


def main():
    source, target = sys.argv[1], sys.argv[2]
    heads, hidden = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (4, 64)
    model = optimizer.optimize_model(source, model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0)
    model.save_model_to_file(target)
    ops = collections.Counter(n.op_type for n in onnx.load(target).graph.node)
    print(f"wrote {target}: " + ", ".join(f"{k} x{v}" for k, v in sorted(ops.items())))


if __name__ == "__main__":
    main()
