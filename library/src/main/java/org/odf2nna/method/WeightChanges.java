package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * What a sweep changed in a model's weights, found by their original values, and carried into another file of the
 * same export ({@link CompanionFiles}): each initializer there whose value was one the sweep changed takes the new value
 * under its own name.
 */
final class WeightChanges {

    /** A weight the sweep changed: its name in the model and its written value. */
    private record Change(String name, TensorProto value) {
    }

    private final Map<CompanionFiles.ValueKey, List<Change>> changes;
    private final Map<String, Set<String>> readers;

    private WeightChanges(Map<CompanionFiles.ValueKey, List<Change>> changes, Map<String, Set<String>> readers) {
        this.changes = changes;
        this.readers = readers;
    }

    /**
     * The weights {@code chosen} (the written model) changed in {@code checked}'s model as the sweep read it
     * ({@code readModel}).
     *
     * @throws InputException USAGE, naming the first file, when the sweep changed more than initializers (a node
     *                        added, removed or rewritten): the other files' graphs cannot follow
     */
    static WeightChanges of(CompanionFiles.Checked checked, ModelProto readModel, ModelProto chosen) {
        GraphProto read = readModel.getGraph();
        GraphProto written = chosen.getGraph();
        String differs = differingNode(read, written);
        if (differs != null) {
            throw InputException.usage(checked.files().get(0).file(), "cannot take the written weights: the sweep "
                    + "changed " + checked.model().getFileName() + "'s graph beyond its weights (" + differs + ")");
        }
        Map<String, TensorProto> values = new LinkedHashMap<>();
        written.getInitializerList().forEach(t -> values.put(t.getName(), t));
        Map<CompanionFiles.ValueKey, List<Change>> changes = new LinkedHashMap<>();
        for (TensorProto t : read.getInitializerList()) {
            TensorProto now = values.get(t.getName());
            if (now != null && !CompanionFiles.ValueKey.of(now).equals(CompanionFiles.ValueKey.of(t))) {
                changes.computeIfAbsent(CompanionFiles.ValueKey.of(t), k -> new ArrayList<>())
                        .add(new Change(t.getName(), now));
            }
        }
        return new WeightChanges(changes, CompanionFiles.readers(written));
    }

    /** Where the two graphs differ in anything but their initializers' values, in a phrase; null where they do not. */
    private static String differingNode(GraphProto read, GraphProto written) {
        if (!read.getInputList().equals(written.getInputList())
                || !read.getOutputList().equals(written.getOutputList())) {
            return "its inputs or outputs";
        }
        int n = Math.max(read.getNodeCount(), written.getNodeCount());
        for (int i = 0; i < n; i++) {
            NodeProto a = i < read.getNodeCount() ? read.getNode(i) : null;
            NodeProto b = i < written.getNodeCount() ? written.getNode(i) : null;
            if (a == null || !a.equals(b)) {
                NodeProto named = a == null ? b : a;
                return "node '" + named.getName() + "' (" + named.getOpType() + ")";
            }
        }
        Set<String> before = new java.util.HashSet<>();
        read.getInitializerList().forEach(t -> before.add(t.getName()));
        for (TensorProto t : written.getInitializerList()) {
            if (!before.contains(t.getName())) {
                return "initializer '" + t.getName() + "' added";
            }
        }
        return null;
    }

    /** {@code file}'s model, {@code cleaned}, with the changed weights carried over. */
    ModelProto applyTo(Path file, ModelProto cleaned, Path model) {
        if (changes.isEmpty()) {
            return cleaned;
        }
        Map<String, Set<String>> there = CompanionFiles.readers(cleaned.getGraph());
        GraphProto graph = rewrite(cleaned.getGraph(), there, file, model);
        return cleaned.toBuilder().setGraph(graph).build();
    }

    /**
     * {@code graph} and its subgraphs with each changed weight's new value; value_info dropped (the hidden widths it
     * may name are no longer the graph's).
     */
    private GraphProto rewrite(GraphProto graph, Map<String, Set<String>> there, Path file, Path model) {
        GraphProto.Builder out = graph.toBuilder().clearInitializer().clearValueInfo().clearNode();
        for (TensorProto t : graph.getInitializerList()) {
            List<Change> found = changes.get(CompanionFiles.ValueKey.of(t));
            if (found == null) {
                out.addInitializer(t);
                continue;
            }
            Change change = pick(found, t, file, model);
            Set<String> here = there.getOrDefault(t.getName(), Set.of());
            Set<String> inModel = readers.getOrDefault(change.name(), Set.of());
            if (!here.equals(inModel)) {
                throw InputException.usage(file, "cannot take the written weights: weight '" + t.getName() + "' is "
                        + "read by " + here + " there and by " + inModel + " in " + model.getFileName());
            }
            out.addInitializer(change.value().toBuilder().setName(t.getName()));
        }
        for (NodeProto node : graph.getNodeList()) {
            NodeProto.Builder b = node.toBuilder().clearAttribute();
            for (AttributeProto a : node.getAttributeList()) {
                AttributeProto.Builder ab = a.toBuilder();
                if (a.hasG()) {
                    ab.setG(rewrite(a.getG(), there, file, model));
                }
                if (a.getGraphsCount() > 0) {
                    ab.clearGraphs();
                    a.getGraphsList().forEach(g -> ab.addGraphs(rewrite(g, there, file, model)));
                }
                b.addAttribute(ab);
            }
            out.addNode(b);
        }
        return out.build();
    }

    /**
     * The change that goes into {@code t}: the one of its name, else the one value all changes of its original value
     * agree on.
     */
    private static Change pick(List<Change> found, TensorProto t, Path file, Path model) {
        for (Change c : found) {
            if (c.name().equals(t.getName())) {
                return c;
            }
        }
        Set<CompanionFiles.ValueKey> values = new java.util.HashSet<>();
        found.forEach(c -> values.add(CompanionFiles.ValueKey.of(c.value())));
        if (values.size() > 1) {
            throw InputException.usage(file, "cannot take the written weights: weight '" + t.getName() + "' holds "
                    + "the value of " + found.size() + " weights of " + model.getFileName() + " that the sweep "
                    + "changed differently (" + found.get(0).name() + ", " + found.get(1).name() + ")");
        }
        return found.get(0);
    }
}
