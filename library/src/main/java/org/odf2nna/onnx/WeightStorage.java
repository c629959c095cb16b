package org.odf2nna.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Weights wherever an exporter stores them. paddle2onnx (and some tf2onnx and older exporters) write every weight as a
 * {@code Constant} node, and PyTorch sometimes reads an initializer through an {@code Identity}; the graph code finds,
 * prunes and retrains initializers. {@link #hoist} moves such weights into initializers under the tensor names the
 * nodes read (the same graph, computing the same values), and {@link Hoisted#restore} puts every one of them back as it
 * was stored, with the values it holds then: the written model keeps its storage, its weights rewritten in place.
 *
 * <p>Only float constants of two values or more are moved: scalars (GELU's √2, a Clip's bound) stay where they are and
 * are not counted as parameters, as in a PyTorch export.
 *
 * <p>A float weight of two values or more that several nodes read (an exporter or an optimizer merges identical
 * tensors into one: {@code torch.onnx.export} of a freshly initialised model shares every zero bias and BatchNorm scale,
 * onnxsim and ONNX Runtime's basic level do the same) is given one copy per reader, so that each layer's constants are
 * its own, as if nothing had been merged; {@link Hoisted#restore} merges the copies that still hold the same values
 * back into one tensor, so the written model shares what nothing changed.
 */
public final class WeightStorage {

    private WeightStorage() {
    }

    /**
     * A Constant node moved to the initializer {@code tensor}, or an Identity of {@code source} renamed {@code tensor};
     * {@code anchor} is the node that followed it (null at the end), where it goes back.
     */
    private record Moved(NodeProto node, String tensor, String source, NodeProto anchor) {
    }

    /** A shared weight's copy {@code copy}, made for one of the nodes reading {@code original}. */
    private record Copy(String copy, String original) {
    }

    /** A model with its weights in initializers, and how to put them back. */
    public static final class Hoisted {

        private final ModelProto model;
        private final List<Moved> moved;
        private final List<Copy> copies;

        private Hoisted(ModelProto model, List<Moved> moved, List<Copy> copies) {
            this.model = model;
            this.moved = List.copyOf(moved);
            this.copies = List.copyOf(copies);
        }

        /** The model whose Constant-node weights and Identity-read initializers are initializers. */
        public ModelProto model() {
            return model;
        }

        /** Whether anything was moved: a graph whose weights were all initializers already. */
        public boolean changed() {
            return !moved.isEmpty();
        }

        /** How many copies of shared weights were made, one per reader after the first. */
        public int copies() {
            return copies.size();
        }

        /** Constant nodes and Identity nodes moved, in that order. */
        public int[] counts() {
            int constants = (int) moved.stream().filter(m -> m.source() == null).count();
            return new int[] {constants, moved.size() - constants};
        }

        /**
         * {@code derived} (this model pruned, refitted or retrained: initializers rewritten, nodes added) with every
         * moved weight back where the original stored it: a Constant node again, where it stood, holding the initializer's
         * values now, or the initializer under its own name read through the Identity.
         */
        public ModelProto restore(ModelProto derived) {
            derived = merged(derived);
            if (moved.isEmpty()) {
                return derived;
            }
            GraphProto.Builder graph = derived.getGraph().toBuilder();
            Map<String, Integer> byTensor = new HashMap<>();
            for (int i = 0; i < moved.size(); i++) {
                byTensor.put(moved.get(i).tensor(), i);
            }
            NodeProto[] back = new NodeProto[moved.size()];
            List<TensorProto> initializers = new ArrayList<>();
            for (TensorProto t : graph.getInitializerList()) {
                TensorProto now = t;
                // An Identity may read a weight that was a Constant node: follow the renames to where it was stored.
                for (int hops = 0; now != null && byTensor.containsKey(now.getName()) && hops <= moved.size(); hops++) {
                    int i = byTensor.get(now.getName());
                    Moved m = moved.get(i);
                    if (m.source() != null) {
                        back[i] = m.node();
                        now = now.toBuilder().setName(m.source()).build();
                    } else {
                        back[i] = constantNode(m.node(), now);
                        now = null;
                    }
                }
                if (now != null) {
                    initializers.add(now);
                }
            }
            List<NodeProto> nodes = new ArrayList<>(graph.getNodeList());
            for (int i = 0; i < moved.size(); i++) {
                if (back[i] != null) {
                    insert(nodes, back[i], moved.get(i));
                }
            }
            graph.clearInitializer().addAllInitializer(initializers).clearNode().addAllNode(nodes);
            return derived.toBuilder().setGraph(graph).build();
        }

        /**
         * {@code derived} with each shared weight's copies that hold the same values as the original (or as an earlier
         * copy) read under that one name again, and dropped.
         */
        private ModelProto merged(ModelProto derived) {
            if (copies.isEmpty()) {
                return derived;
            }
            Map<String, TensorProto> present = new HashMap<>();
            derived.getGraph().getInitializerList().forEach(t -> present.put(t.getName(), t));
            Map<String, List<String>> groups = new LinkedHashMap<>();
            for (Copy c : copies) {
                groups.computeIfAbsent(c.original(), k -> new ArrayList<>(List.of(k))).add(c.copy());
            }
            Map<String, String> rename = new HashMap<>();
            for (List<String> group : groups.values()) {
                List<TensorProto> kept = new ArrayList<>();
                for (String name : group) {
                    TensorProto t = present.get(name);
                    if (t == null) {
                        continue;
                    }
                    TensorProto same = kept.stream().filter(k -> sameValues(k, t)).findFirst().orElse(null);
                    if (same == null) {
                        kept.add(t);
                    } else {
                        rename.put(name, same.getName());
                    }
                }
            }
            if (rename.isEmpty()) {
                return derived;
            }
            GraphProto.Builder graph = derived.getGraph().toBuilder();
            List<TensorProto> initializers = new ArrayList<>(graph.getInitializerList());
            initializers.removeIf(t -> rename.containsKey(t.getName()));
            List<NodeProto> nodes = new ArrayList<>();
            for (NodeProto n : graph.getNodeList()) {
                NodeProto.Builder b = n.toBuilder();
                for (int k = 0; k < b.getInputCount(); k++) {
                    b.setInput(k, rename.getOrDefault(b.getInput(k), b.getInput(k)));
                }
                nodes.add(b.build());
            }
            graph.clearInitializer().addAllInitializer(initializers).clearNode().addAllNode(nodes);
            return derived.toBuilder().setGraph(graph).build();
        }
    }

    /** Whether two tensors hold the same values in the same type and shape, whatever their names. */
    private static boolean sameValues(TensorProto a, TensorProto b) {
        return a.toBuilder().clearName().build().equals(b.toBuilder().clearName().build());
    }

    /** {@code model} with its float Constant-node weights and Identity-read initializers moved into initializers. */
    public static Hoisted hoist(ModelProto model) {
        if (model.getIrVersion() < 4) {
            // IR 3 lists every initializer among the graph inputs: such old files are taken as they are.
            return new Hoisted(model, List.of(), List.of());
        }
        Hoisted moved = moved(model);
        return unshared(moved.model, moved.moved);
    }

    /**
     * {@code model} (its weights moved, {@code moved} saying how) with every float initializer of two values or more
     * that several node inputs read given one copy per reader after the first, named after it.
     */
    private static Hoisted unshared(ModelProto model, List<Moved> moved) {
        GraphProto g = model.getGraph();
        Set<String> protectedNames = new HashSet<>();
        g.getOutputList().forEach(o -> protectedNames.add(o.getName()));
        g.getInputList().forEach(i -> protectedNames.add(i.getName()));
        Map<String, TensorProto> initializers = new LinkedHashMap<>();
        g.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        Map<String, Integer> readers = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) {
                readers.merge(in, 1, Integer::sum);
            }
        }
        Set<String> names = new HashSet<>(initializers.keySet());
        g.getNodeList().forEach(n -> names.addAll(n.getOutputList()));
        names.addAll(protectedNames);
        List<Copy> copies = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        List<NodeProto> nodes = new ArrayList<>();
        List<TensorProto> added = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            NodeProto.Builder b = null;
            for (int k = 0; k < n.getInputCount(); k++) {
                String in = n.getInput(k);
                TensorProto t = initializers.get(in);
                if (t == null || readers.get(in) < 2 || protectedNames.contains(in) || !copyable(t)
                        || seen.merge(in, 1, Integer::sum) == 1) {
                    continue;
                }
                String copy = in + ".copy" + seen.get(in);
                for (int suffix = 2; names.contains(copy); suffix++) {
                    copy = in + ".copy" + seen.get(in) + "_" + suffix;
                }
                names.add(copy);
                added.add(t.toBuilder().setName(copy).build());
                copies.add(new Copy(copy, in));
                b = b == null ? n.toBuilder() : b;
                b.setInput(k, copy);
            }
            nodes.add(b == null ? n : b.build());
        }
        if (copies.isEmpty()) {
            return new Hoisted(model, moved, copies);
        }
        GraphProto.Builder graph = g.toBuilder().clearNode().addAllNode(nodes).addAllInitializer(added);
        return new Hoisted(model.toBuilder().setGraph(graph).build(), moved, copies);
    }

    /** A float weight of two values or more stored in the file (not as external data): one a layer may cut. */
    private static boolean copyable(TensorProto t) {
        return (t.getDataType() == OnnxTensors.FLOAT || t.getDataType() == OnnxTensors.DOUBLE)
                && !OnnxTensors.isExternal(t) && OnnxTensors.elementCount(t) >= 2;
    }

    /** {@code model} with its float Constant-node weights and Identity-read initializers moved into initializers. */
    private static Hoisted moved(ModelProto model) {
        GraphProto g = model.getGraph();
        Set<String> protectedNames = new HashSet<>();
        g.getOutputList().forEach(o -> protectedNames.add(o.getName()));
        g.getInputList().forEach(i -> protectedNames.add(i.getName()));
        Map<String, Integer> readers = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) {
                readers.merge(in, 1, Integer::sum);
            }
        }
        Map<String, TensorProto> initializers = new LinkedHashMap<>();
        g.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        List<Moved> moved = new ArrayList<>();
        List<NodeProto> kept = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            TensorProto value = GraphIndex.isConstantNode(n) && n.getOutputCount() == 1
                    && !protectedNames.contains(n.getOutput(0)) && !initializers.containsKey(n.getOutput(0))
                    ? weightValue(n) : null;
            if (value != null) {
                initializers.put(n.getOutput(0), value.toBuilder().setName(n.getOutput(0)).build());
                moved.add(new Moved(n, n.getOutput(0), null, null));
                continue;
            }
            if (isIdentityOfWeight(n, initializers, readers, protectedNames)) {
                TensorProto source = initializers.remove(n.getInput(0));
                initializers.put(n.getOutput(0), source.toBuilder().setName(n.getOutput(0)).build());
                moved.add(new Moved(n, n.getOutput(0), n.getInput(0), null));
                continue;
            }
            kept.add(n);
            anchorAt(moved, n);
        }
        if (moved.isEmpty()) {
            return new Hoisted(model, moved, List.of());
        }
        GraphProto.Builder graph = g.toBuilder().clearNode().addAllNode(kept).clearInitializer()
                .addAllInitializer(initializers.values());
        return new Hoisted(model.toBuilder().setGraph(graph).build(), moved, List.of());
    }

    /** Gives the moved nodes not anchored yet {@code follower}, the first node kept after them. */
    private static void anchorAt(List<Moved> moved, NodeProto follower) {
        for (int i = moved.size() - 1; i >= 0 && moved.get(i).anchor() == null; i--) {
            Moved m = moved.get(i);
            moved.set(i, new Moved(m.node(), m.tensor(), m.source(), follower));
        }
    }

    /** The float tensor a Constant node holds, when it holds two values or more; else null. */
    private static TensorProto weightValue(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("value") && a.hasT()) {
                TensorProto t = a.getT();
                boolean floating = t.getDataType() == OnnxTensors.FLOAT || t.getDataType() == OnnxTensors.DOUBLE;
                return floating && !OnnxTensors.isExternal(t) && OnnxTensors.elementCount(t) >= 2 ? t : null;
            }
            if (a.getName().equals("value_floats") && a.getFloatsCount() >= 2) {
                return TensorProto.newBuilder().setDataType(OnnxTensors.FLOAT).addDims(a.getFloatsCount())
                        .addAllFloatData(a.getFloatsList()).build();
            }
        }
        return null;
    }

    /** An Identity of the default domain reading a float initializer that nothing else reads. */
    private static boolean isIdentityOfWeight(NodeProto n, Map<String, TensorProto> initializers,
            Map<String, Integer> readers, Set<String> protectedNames) {
        if (!n.getOpType().equals("Identity") || !(n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx"))
                || n.getInputCount() != 1 || n.getOutputCount() != 1) {
            return false;
        }
        TensorProto source = initializers.get(n.getInput(0));
        String out = n.getOutput(0);
        return source != null && readers.getOrDefault(n.getInput(0), 0) == 1
                && !protectedNames.contains(n.getInput(0)) && !protectedNames.contains(out)
                && !initializers.containsKey(out) && OnnxTensors.elementCount(source) >= 2
                && (source.getDataType() == OnnxTensors.FLOAT || source.getDataType() == OnnxTensors.DOUBLE);
    }

    /** The moved Constant node holding {@code value} now, under its own attribute ({@code value}) and name. */
    private static NodeProto constantNode(NodeProto original, TensorProto value) {
        NodeProto.Builder b = original.toBuilder().clearAttribute();
        TensorProto.Builder t = value.toBuilder().clearName();
        for (AttributeProto a : original.getAttributeList()) {
            if (a.getName().equals("value") && a.getT().hasName()) {
                t.setName(a.getT().getName());
            }
        }
        b.addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                .setT(t));
        return b.build();
    }

    /**
     * Inserts a moved node back before the node that followed it in the original, or before the first node that reads
     * it where that comes first (or the follower is gone or changed): an exact round trip when nothing moved.
     */
    private static void insert(List<NodeProto> nodes, NodeProto node, Moved m) {
        int reader = nodes.size();
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).getInputList().contains(m.tensor())) {
                reader = i;
                break;
            }
        }
        int anchor = m.anchor() == null ? -1 : nodes.indexOf(m.anchor());
        nodes.add(anchor >= 0 && anchor <= reader ? anchor : reader, node);
    }
}
