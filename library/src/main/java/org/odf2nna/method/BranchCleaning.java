package org.odf2nna.method;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.onnx.cleaning.ModelCleaner;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * The branches of a model's top-level {@code If} nodes cleaned as a model is ({@link ModelCleaner}, the passes
 * {@link ModelReader} runs): optimum's merged decoder keeps each decoder whole in a branch, which the model's own
 * cleaning leaves alone, so that its weights are read by the same nodes as in the swept model only once each branch
 * is cleaned. A branch is cleaned as a model of its own: the outer graph's inputs and the outer initializers it reads
 * are its inputs and initializers; the outer initializers it reads stay outer (shared by the branches).
 */
final class BranchCleaning {

    private BranchCleaning() {
    }

    /** {@code model} with each top-level If's branches cleaned. */
    static ModelProto cleaned(ModelProto model, Path file) {
        GraphProto outer = model.getGraph();
        if (outer.getNodeList().stream().noneMatch(n -> n.getOpType().equals("If"))) {
            return model;
        }
        Map<String, TensorProto> shared = new HashMap<>();
        outer.getInitializerList().forEach(t -> shared.put(t.getName(), t));
        GraphProto.Builder graph = outer.toBuilder().clearNode();
        for (NodeProto node : outer.getNodeList()) {
            if (!node.getOpType().equals("If")) {
                graph.addNode(node);
                continue;
            }
            NodeProto.Builder b = node.toBuilder().clearAttribute();
            for (AttributeProto a : node.getAttributeList()) {
                b.addAttribute(a.hasG() ? a.toBuilder().setG(branch(model, a.getG(), shared, file)) : a.toBuilder());
            }
            graph.addNode(b);
        }
        return model.toBuilder().setGraph(graph).build();
    }

    /** One branch cleaned as a model of its own. */
    private static GraphProto branch(ModelProto model, GraphProto branch, Map<String, TensorProto> shared,
            Path file) {
        Set<String> made = new HashSet<>();
        branch.getInitializerList().forEach(t -> made.add(t.getName()));
        branch.getNodeList().forEach(n -> made.addAll(n.getOutputList()));
        Set<String> outerInputs = new HashSet<>();
        model.getGraph().getInputList().forEach(v -> outerInputs.add(v.getName()));
        GraphProto.Builder alone = GraphProto.newBuilder().setName(branch.getName()).addAllNode(branch.getNodeList())
                .addAllInitializer(branch.getInitializerList()).addAllInput(model.getGraph().getInputList())
                .addAllOutput(branch.getOutputList());
        Set<String> added = new HashSet<>();
        for (NodeProto n : branch.getNodeList()) {
            for (String input : n.getInputList()) {
                if (input.isEmpty() || made.contains(input) || outerInputs.contains(input)) {
                    continue;
                }
                TensorProto t = shared.get(input);
                if (t == null || n.getAttributeList().stream().anyMatch(AttributeProto::hasG)) {
                    throw InputException.usage(file, "branch '" + branch.getName() + "' of an If reads '" + input
                            + "', which is neither an input nor an initializer of the outer graph, or holds a "
                            + "subgraph of its own: its weights cannot be found");
                }
                if (added.add(input)) {
                    alone.addInitializer(t);
                }
            }
        }
        ModelProto cleaned = ModelCleaner.clean(model.toBuilder().setGraph(alone).build(), file,
                ModelReader.cleaningOff()).model();
        GraphProto.Builder out = cleaned.getGraph().toBuilder().clearInput().clearInitializer();
        for (TensorProto t : cleaned.getGraph().getInitializerList()) {
            TensorProto outerValue = shared.get(t.getName());
            if (outerValue == null) {
                out.addInitializer(t);
            } else if (!outerValue.equals(t)) {
                throw InputException.usage(file, "cleaning branch '" + branch.getName() + "' of an If changed '"
                        + t.getName() + "', which its branches share: its weights cannot be carried");
            }
        }
        return out.build();
    }
}
