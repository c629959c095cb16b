#!/usr/bin/env python3
"""Merges decoder_model.onnx and decoder_with_past_model.onnx into decoder_model_merged.onnx the way optimum does.

A port of optimum's `merge_decoders` (huggingface/optimum, `optimum/onnx/graph_transformations.py`, with the helpers
it calls from `optimum/onnx/transformations_utils.py`: `_unify_onnx_outputs` (strict form), `_get_all_inputs`,
`_find_duplicate_initializers`, `_create_name_sharing_dict`, `_replace_input_names`,
`_deduplicated_cross_model_initializers`), as of optimum commit 843bd5d0 (before the ONNX code moved to
optimum-onnx). optimum is Copyright The HuggingFace Team, licensed under the Apache License, Version 2.0
(http://www.apache.org/licenses/LICENSE-2.0); this port keeps its logic and drops what a decoder-only export does not
use (non-strict output unification, external data). Added here: a decoder without present.* outputs (as
make_hf_gpt2.py exports it) gets them from its own key and value tensors (`add_present_outputs`), since the If's
branches must have the same outputs; and the shared name of a group of equal weights is the smallest, not any.

The merged graph has one `If` node on a bool input `use_cache_branch` [1]: its then-branch is the with-past decoder,
its else-branch the decoder without past; the weights the two files share (same data type, shape and bytes) are
deduplicated into the outer graph's initializers, renamed `{name}_merged_{k}`; scalars and 1-D int32/int64
initializers stay in each branch. The merged model's inputs are both files' inputs (the cache inputs included, fed
with past length 0 when use_cache_branch is false) and attention_mask's second axis is renamed
`attention_mask_sequence_length`.

    $PYTHON scripts/corpus/merge_decoders.py DIR            # DIR/decoder_model_merged.onnx from DIR's two files
    $PYTHON scripts/corpus/merge_decoders.py DIR --check    # also compare ONNX Runtime's outputs with both files'

$PYTHON: onnx (and onnxruntime, numpy for --check).
"""
import argparse
import hashlib
import os
from collections import defaultdict

import numpy as np
import onnx
from onnx import numpy_helper

INT_TYPES = (onnx.TensorProto.INT32, onnx.TensorProto.INT64)


def stays_in_branch(initializer):
    """optimum keeps scalars and 1-D int32/int64 initializers in each branch (ONNX Runtime breaks otherwise)."""
    dims = tuple(initializer.dims)
    return len(dims) == 0 or (len(dims) == 1 and initializer.data_type in INT_TYPES)


def find_duplicate_initializers(models):
    """(data type, sha512 of the data, dims) -> set of (initializer name, model index)."""
    duplicates = defaultdict(set)
    for i, model in enumerate(models):
        for initializer in model.graph.initializer:
            if stays_in_branch(initializer):
                continue
            digest = hashlib.sha512(numpy_helper.to_array(initializer).tobytes()).hexdigest()
            duplicates[(initializer.data_type, digest, tuple(initializer.dims))].add((initializer.name, i))
    return duplicates


def name_sharing(duplicates, suffix):
    """(old name, model index) -> new name; one common name per group of equal initializers."""
    sharing = {}
    used = {}
    for group in duplicates.values():
        common_name = min(group)[0]  # optimum pops any member of the set; the smallest keeps runs alike
        used[common_name] = used[common_name] + 1 if common_name in used else 0
        for key in group:
            assert key not in sharing
            sharing[key] = f"{common_name}_{suffix}_{used[common_name]}" if suffix else common_name
    return sharing


def deduplicated_initializers(models, suffix):
    sharing = name_sharing(find_duplicate_initializers(models), suffix)
    for i, model in enumerate(models):
        for node in model.graph.node:
            for j in range(len(node.input)):
                if (node.input[j], i) in sharing:
                    node.input[j] = sharing[(node.input[j], i)]
    merged = []
    seen = set()
    for i, model in enumerate(models):
        for initializer in model.graph.initializer:
            key = (initializer.name, i)
            if key in sharing and sharing[key] not in seen:
                seen.add(sharing[key])
                initializer.name = sharing[key]
                merged.append(initializer)
    return merged


def add_present_outputs(decoder, with_past):
    """optimum's decoder_model.onnx outputs present.* too; a decoder exported without them (logits only, as
    make_hf_gpt2.py writes it) gets them here. Each with-past present.* is Concat(past, Transpose(Reshape(Split(...)
    output k), perm 0,2,1,3)); the decoder has the Split under the same node name (the same exporter named both
    graphs), and present.* is the same Transpose of its output k's Reshape."""
    have = {o.name for o in decoder.graph.output}
    producer = {o: node for node in with_past.graph.node for o in node.output}
    by_name = {node.name: node for node in decoder.graph.node}
    for value in with_past.graph.output:
        if value.name in have:
            continue
        concat = producer.get(value.name)
        chain = [producer.get(name) for name in concat.input] if concat is not None else []
        transposes = [n for n in chain if n is not None and n.op_type == "Transpose"]
        if concat is None or concat.op_type != "Concat" or len(transposes) != 1:
            raise ValueError(f"{value.name}: not a Concat of past and Transpose(new values) in the with-past decoder")
        reshape = producer[transposes[0].input[0]]
        split = producer[reshape.input[0]]
        twin = by_name.get(split.name)
        if reshape.op_type != "Reshape" or split.op_type != "Split" or twin is None:
            raise ValueError(f"{value.name}: no Split of the same name in the decoder")
        k = list(split.output).index(reshape.input[0])
        consumers = [n for n in decoder.graph.node if n.op_type == "Reshape" and n.input[0] == twin.output[k]]
        if len(consumers) != 1:
            raise ValueError(f"{value.name}: the decoder's Split output {k} feeds no single Reshape")
        decoder.graph.node.append(onnx.helper.make_node(
            "Transpose", [consumers[0].output[0]], [value.name], name=f"{value.name}/Transpose", perm=[0, 2, 1, 3]))
        decoder.graph.output.append(copy_value_info(value))


def unify_outputs(decoder, with_past):
    """optimum's strict `_unify_onnx_outputs`: same output names, the with-past branch takes the decoder's shapes."""
    names = [o.name for o in decoder.graph.output]
    if set(names) != {o.name for o in with_past.graph.output}:
        raise ValueError("the two decoders must have the same outputs")
    for idx, out1 in enumerate(decoder.graph.output):
        out2 = with_past.graph.output[idx]
        if out1 == out2:
            continue
        if out1.name != out2.name or out1.type.tensor_type.elem_type != out2.type.tensor_type.elem_type:
            raise ValueError(f"cannot match {out1.name} with {out2.name}: same outputs in the same order needed")
        with_past.graph.output.remove(out2)
        with_past.graph.output.insert(idx, copy_value_info(out1))


def copy_value_info(value):
    dims = [d.dim_param if d.dim_param else d.dim_value for d in value.type.tensor_type.shape.dim]
    return onnx.helper.make_tensor_value_info(value.name, value.type.tensor_type.elem_type, dims)


def all_inputs(models):
    inputs = []
    names = set()
    for model in models:
        for value in model.graph.input:
            if value.name not in names:
                names.add(value.name)
                inputs.append(value)
    return inputs


def merge_decoders(decoder, with_past, graph_name="merged", producer_name="optimum-onnx"):
    if decoder.opset_import[0].version != with_past.opset_import[0].version:
        raise ValueError("the two decoders must have the same opset")
    add_present_outputs(decoder, with_past)
    unify_outputs(decoder, with_past)
    inputs = all_inputs([decoder, with_past])
    for value in inputs:
        if value.name == "attention_mask":
            dim = value.type.tensor_type.shape.dim[1]
            if dim.dim_param != "sequence_length":
                raise ValueError("attention_mask's second axis must be dynamic and named sequence_length")
            dim.dim_param = "attention_mask_sequence_length"
    outer = deduplicated_initializers([decoder, with_past], suffix=graph_name)
    no_past = onnx.helper.make_graph(
        nodes=decoder.graph.node, name="no_past", inputs=[], outputs=decoder.graph.output,
        initializer=[t for t in decoder.graph.initializer if stays_in_branch(t)])
    past = onnx.helper.make_graph(
        nodes=with_past.graph.node, name="with_past", inputs=[], outputs=with_past.graph.output,
        initializer=[t for t in with_past.graph.initializer if stays_in_branch(t)])
    use_cache = onnx.helper.make_tensor_value_info("use_cache_branch", onnx.TensorProto.BOOL, [1])
    if_node = onnx.helper.make_node(
        "If", inputs=["use_cache_branch"], outputs=[o.name for o in no_past.output], name="optimum::if",
        then_branch=past, else_branch=no_past)
    graph = onnx.helper.make_graph(
        nodes=[if_node], name=graph_name, inputs=inputs + [use_cache], outputs=no_past.output, initializer=outer)
    opsets = []
    domains = set()
    for opset in list(decoder.opset_import) + list(with_past.opset_import):
        if opset.domain not in domains:
            opsets.append(opset)
            domains.add(opset.domain)
    merged = onnx.helper.make_model_gen_version(graph, producer_name=producer_name, opset_imports=opsets,
                                                ir_version=9)
    onnx.checker.check_model(merged)
    return merged


def check(directory, merged_path):
    """Largest differences: merged (no cache, past 0) vs decoder_model; merged (cache) vs decoder_with_past_model."""
    import onnxruntime as ort
    rng = np.random.default_rng(0)
    plain = ort.InferenceSession(os.path.join(directory, "decoder_model.onnx"))
    past = ort.InferenceSession(os.path.join(directory, "decoder_with_past_model.onnx"))
    merged = ort.InferenceSession(merged_path)
    vocab = plain.get_outputs()[0].shape[-1] if isinstance(plain.get_outputs()[0].shape[-1], int) else 64
    ids = rng.integers(0, vocab, size=(3, 12), dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    caches = [i for i in past.get_inputs() if i.name.startswith("past_key_values")]
    empty = {c.name: np.zeros((3, c.shape[1], 0, c.shape[3]), np.float32) for c in caches}
    want = plain.run(None, feed)[0]
    got = merged.run(None, {**feed, **empty, "use_cache_branch": np.array([False])})
    no_cache = float(np.abs(want - got[0]).max())
    presents = max(float(np.abs(w - g).max()) for w, g in zip(past.run(None, {**feed, **empty})[1:], got[1:]))
    first = past.run(None, {"input_ids": ids[:, :8], "attention_mask": np.ones_like(ids[:, :8]), **empty})
    names = [o.name for o in past.get_outputs()]
    cache = {c.name: first[names.index(c.name.replace("past_key_values", "present"))] for c in caches}
    step = {"input_ids": ids[:, 8:], "attention_mask": np.ones_like(ids)}
    want = past.run(None, {**step, **cache})
    got = merged.run(None, {**step, **cache, "use_cache_branch": np.array([True])})
    with_cache = max(float(np.abs(w - g).max()) for w, g in zip(want, got))
    print(f"largest difference, use_cache_branch false vs decoder_model.onnx's logits: {no_cache:.3g} "
          f"(present.* vs the with-past file's at past 0: {presents:.3g}); "
          f"true vs decoder_with_past_model.onnx (past 8, all outputs): {with_cache:.3g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", help="folder holding decoder_model.onnx and decoder_with_past_model.onnx")
    parser.add_argument("--out", help="merged file (default DIR/decoder_model_merged.onnx)")
    parser.add_argument("--check", action="store_true", help="compare ONNX Runtime's outputs with the two files'")
    args = parser.parse_args()
    out = args.out or os.path.join(args.dir, "decoder_model_merged.onnx")
    merged = merge_decoders(onnx.load(os.path.join(args.dir, "decoder_model.onnx")),
                            onnx.load(os.path.join(args.dir, "decoder_with_past_model.onnx")))
    onnx.save(merged, out)
    print(f"wrote {out} ({os.path.getsize(out):,} bytes)")
    if args.check:
        check(args.dir, out)


if __name__ == "__main__":
    main()
