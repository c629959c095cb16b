package org.odf2nna.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Writes a changed dense network back into a copy of the ONNX graph it was read from.
 *
 * <p>Only the dense layers' weight and bias tensors are rewritten (in their original element type, layout
 * and storage); every other node, name, attribute, opset import, metadata entry and doc string is left as
 * it was. Three changes to nodes can happen, each because the network would be wrong otherwise:
 * BatchNormalization nodes of the chain are removed (they were folded into the weights); a Gemm that had
 * no bias gains a C input, and a MatMul without bias gains an Add, when folding gave the layer a bias.
 * Shapes recorded in value_info for the chain's tensors are set to the new widths.
 */
public final class DenseChainWriter {

    private DenseChainWriter() {
    }

    public static ModelProto write(OnnxDenseModel original, DenseNetwork network) {
        return new Rewrite(original, network).run();
    }

    /**
     * The model held once (issue 57): {@code model} with the values of every chain weight that {@link #write} makes
     * again from the network bit for bit left out of its graph (the tensor's name, type and shape kept), so that a run
     * holding the model for writing and its network for the arithmetic does not hold the weights twice (135 MB at
     * 4,096 wide). Left in: weights that would not come back the same (Gemm's alpha, double, float_data, external,
     * Constant-node or int8 storage, normalisation folded in). Only for {@link #write} and for reading shapes, names
     * and metadata: ONNX Runtime cannot run the graph returned.
     */
    public static OnnxDenseModel withoutRewritableWeights(OnnxDenseModel model) {
        if (Int8Weights.readable(model.model()) != model.model()) {
            return model;
        }
        GraphProto.Builder graph = model.model().getGraph().toBuilder();
        boolean changed = false;
        List<LayerBinding> layers = model.binding().layers();
        for (int l = 0; l < layers.size(); l++) {
            LayerBinding binding = layers.get(l);
            boolean folded = binding.preNorm() != null || (l > 0 && layers.get(l - 1).postNorm() != null);
            LayerBinding.DenseOp dense = binding.dense();
            if (folded || dense.alpha() != 1f || !(dense.weight() instanceof TensorSlot.Initializer slot)) {
                continue;
            }
            int index = initializerIndex(graph, slot.tensor());
            TensorProto tensor = index < 0 ? null : graph.getInitializer(index);
            if (tensor == null || tensor.getDataType() != OnnxTensors.FLOAT || !tensor.hasRawData()
                    || OnnxTensors.isExternal(tensor)) {
                continue;
            }
            DenseLayer layer = model.network().layer(l);
            TensorProto again = OnnxTensors.withValues(tensor, storedWeights(binding, layer, 1f),
                    weightDims(binding, layer));
            if (again.equals(tensor)) {
                graph.setInitializer(index, tensor.toBuilder().clearRawData().build());
                changed = true;
            }
        }
        if (!changed) {
            return model;
        }
        return new OnnxDenseModel(model.source(), model.model().toBuilder().setGraph(graph).build(), model.network(),
                model.binding(), model.input());
    }

    private static int initializerIndex(GraphProto.Builder graph, String name) {
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            if (graph.getInitializer(i).getName().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** A tensor left out by {@link #withoutRewritableWeights}: a shape with elements and no values. */
    private static boolean valuesLeftOut(TensorProto tensor) {
        return !tensor.hasRawData() && tensor.getFloatDataCount() == 0 && tensor.getDoubleDataCount() == 0
                && !OnnxTensors.isExternal(tensor) && OnnxTensors.elementCount(tensor) > 0;
    }

    /** The layer's weights divided by {@code alpha}, in the tensor's layout (transposed for Gemm's transB). */
    private static float[] storedWeights(LayerBinding binding, DenseLayer layer, float alpha) {
        int inputs = layer.inputs();
        int units = layer.units();
        float[] w = layer.weights();
        float[] stored = new float[w.length];
        for (int i = 0; i < inputs; i++) {
            for (int j = 0; j < units; j++) {
                float v = w[i * units + j] / alpha;
                if (binding.dense().transposed()) {
                    stored[j * inputs + i] = v;
                } else {
                    stored[i * units + j] = v;
                }
            }
        }
        return stored;
    }

    private static long[] weightDims(LayerBinding binding, DenseLayer layer) {
        return binding.dense().transposed() ? new long[] {layer.units(), layer.inputs()}
                : new long[] {layer.inputs(), layer.units()};
    }

    private static final class Rewrite {
        final OnnxDenseModel original;
        final DenseNetwork network;
        final ModelProto.Builder model;
        final GraphProto.Builder graph;
        final long opset;
        final Set<String> names = new HashSet<>();

        final Map<String, Integer> initializerIndex = new HashMap<>();
        final Map<String, NodeProto.Builder> changedNodes = new HashMap<>();
        final Set<String> removedNodes = new HashSet<>();
        final Map<String, NodeProto> addAfter = new HashMap<>();
        final Map<String, String> inputRenames = new HashMap<>();
        final Map<String, String> outputRenames = new HashMap<>();
        final Map<String, Long> widths = new HashMap<>();
        final List<TensorProto> newInitializers = new ArrayList<>();
        final Set<String> orphans = new HashSet<>();

        Rewrite(OnnxDenseModel original, DenseNetwork network) {
            this.original = original;
            this.network = network;
            // A file on integer kernels is rewritten in the form it was read in (see Int8Weights.readable).
            this.model = Int8Weights.readable(original.model()).toBuilder();
            this.graph = model.getGraphBuilder();
            this.opset = original.defaultOpset();
            checkCompatible();
            for (int i = 0; i < graph.getInitializerCount(); i++) {
                initializerIndex.put(graph.getInitializer(i).getName(), i);
                names.add(graph.getInitializer(i).getName());
            }
            for (NodeProto node : graph.getNodeList()) {
                names.addAll(node.getInputList());
                names.addAll(node.getOutputList());
                names.add(node.getName());
            }
            graph.getInputList().forEach(v -> names.add(v.getName()));
            graph.getOutputList().forEach(v -> names.add(v.getName()));
            graph.getValueInfoList().forEach(v -> names.add(v.getName()));
        }

        private void checkCompatible() {
            DenseNetwork before = original.network();
            if (network.layers().size() != before.layers().size()) {
                throw new IllegalArgumentException("the network has " + network.layers().size()
                        + " layers, the graph " + before.layers().size());
            }
            if (network.outputs() != before.outputs()) {
                throw new IllegalArgumentException("the output width changed from " + before.outputs() + " to "
                        + network.outputs());
            }
            if (network.inputs() != before.inputs() && !before.prefix().isEmpty()) {
                throw new IllegalArgumentException("inputs can only be removed from a model without an input prefix");
            }
            for (int l = 0; l < network.layers().size(); l++) {
                if (!network.layer(l).activation().equals(before.layer(l).activation())) {
                    throw new IllegalArgumentException("layer " + (l + 1) + " changed its activation");
                }
            }
        }

        ModelProto run() {
            List<LayerBinding> layers = original.binding().layers();
            for (int l = 0; l < layers.size(); l++) {
                boolean folded = layers.get(l).preNorm() != null || (l > 0 && layers.get(l - 1).postNorm() != null);
                writeLayer(layers.get(l), network.layer(l), folded ? null : original.network().layer(l));
                if (l < layers.size() - 1) {
                    for (String t : layers.get(l).blockTensors()) {
                        widths.put(t, (long) network.layer(l).units());
                    }
                }
            }
            rebuildNodes();
            graph.addAllInitializer(newInitializers);
            Int8Weights.dropUnused(graph, orphans);
            fixValueInfo();
            if (network.inputs() != original.network().inputs()) {
                resizeDataInput();
            }
            return model.build();
        }

        /**
         * @param unfolded the layer as read, when its tensors hold it as they are (no normalisation folded
         *                 in); tensors whose values did not change are then left untouched, so that keeping
         *                 every unit gives back the original bit for bit (Gemm's alpha and beta, and double
         *                 weights, would not survive a round trip through the float network exactly)
         */
        private void writeLayer(LayerBinding binding, DenseLayer layer, DenseLayer unfolded) {
            int inputs = layer.inputs();
            int units = layer.units();
            boolean sameShape = unfolded != null && unfolded.inputs() == inputs && unfolded.units() == units;
            boolean sameWeights = sameShape && java.util.Arrays.equals(unfolded.weights(), layer.weights());
            boolean sameBias = sameShape && java.util.Arrays.equals(unfolded.bias(), layer.bias());
            LayerBinding.DenseOp dense = binding.dense();
            float alpha = dense.alpha();
            if (!sameWeights && !allFinite(layer.weights(), alpha)) {
                // Dividing by a tiny alpha overflows: store the weights as they are, with alpha 1.
                setFloatAttribute(dense.output(), "alpha", 1f);
                alpha = 1f;
            }
            // Unchanged weights whose values the held model left out are made again from the network, bit for bit.
            if (!sameWeights || leftOut(dense.weight())) {
                replaceConstant(dense.weight(), storedWeights(binding, layer, alpha), weightDims(binding, layer));
            }

            float[] bias = layer.bias();
            boolean zeroBias = true;
            for (float v : bias) {
                zeroBias &= v == 0;
            }
            LayerBinding.BiasBinding slot = binding.bias();
            if (slot != null) {
                if (!sameBias) {
                    float beta = slot.beta();
                    if (beta == 0 || !allFinite(bias, beta)) {
                        setFloatAttribute(dense.output(), "beta", 1f);
                        beta = 1f;
                    }
                    float[] values = new float[units];
                    for (int j = 0; j < units; j++) {
                        values[j] = bias[j] / beta;
                    }
                    long[] dims = slot.dims().length == 2 ? new long[] {1, units} : new long[] {units};
                    replaceConstant(slot.slot(), values, dims);
                }
            } else if (!zeroBias) {
                addBias(binding, bias);
            }
            for (LayerBinding.NormBinding norm : new LayerBinding.NormBinding[] {binding.preNorm(), binding.postNorm()}) {
                if (norm != null) {
                    removeNorm(norm);
                }
            }
        }

        /** Whether {@code slot} is an initializer whose values {@link #withoutRewritableWeights} left out. */
        private boolean leftOut(TensorSlot slot) {
            if (!(slot instanceof TensorSlot.Initializer init)) {
                return false;
            }
            Integer index = initializerIndex.get(init.tensor());
            return index != null && valuesLeftOut(graph.getInitializer(index));
        }

        /** Whether every value divided by {@code scale} is still a finite float. */
        private static boolean allFinite(float[] values, float scale) {
            for (float v : values) {
                if (!Float.isFinite(v / scale)) {
                    return false;
                }
            }
            return true;
        }

        private void replaceConstant(TensorSlot slot, float[] values, long[] dims) {
            if (slot instanceof TensorSlot.ThroughIdentity copy) {
                replaceConstant(copy.source(), values, dims);
                return;
            }
            if (slot instanceof TensorSlot.Dequantized) {
                // New values are written as float; Int8Weights stores them as int8 again when asked to.
                removedNodes.add(slot.tensor());
                newInitializers.add(OnnxTensors.newTensor(slot.tensor(), OnnxTensors.FLOAT, values, dims));
                for (NodeProto node : graph.getNodeList()) {
                    if (GraphIndex.key(node).equals(slot.tensor())) {
                        orphans.addAll(node.getInputList());
                    }
                }
                return;
            }
            if (slot instanceof TensorSlot.Initializer init) {
                int index = initializerIndex.get(init.tensor());
                TensorProto before = graph.getInitializer(index);
                graph.setInitializer(index, OnnxTensors.withValues(before, values, dims));
                resizeInitializerInput(init.tensor(), dims);
            } else {
                NodeProto.Builder node = changedNode(slot.tensor());
                for (int a = 0; a < node.getAttributeCount(); a++) {
                    AttributeProto attribute = node.getAttribute(a);
                    if (attribute.getName().equals("value")) {
                        node.setAttribute(a, attribute.toBuilder().setT(
                                OnnxTensors.withValues(attribute.getT(), values, dims)));
                        return;
                    }
                    if (attribute.getName().equals("value_floats") || attribute.getName().equals("value_float")) {
                        TensorProto tensor = OnnxTensors.newTensor("", OnnxTensors.FLOAT, values, dims);
                        node.setAttribute(a, AttributeProto.newBuilder().setName("value")
                                .setType(AttributeProto.AttributeType.TENSOR).setT(tensor));
                        return;
                    }
                }
                throw new IllegalStateException("Constant node for '" + slot.tensor() + "' has no value");
            }
        }

        /** Old IR versions list initializers among the graph inputs, with their shapes. */
        private void resizeInitializerInput(String name, long[] dims) {
            for (int i = 0; i < graph.getInputCount(); i++) {
                ValueInfoProto input = graph.getInput(i);
                if (input.getName().equals(name) && input.getType().getTensorType().hasShape()) {
                    graph.setInput(i, withShape(input, dims));
                }
            }
        }

        private void addBias(LayerBinding binding, float[] bias) {
            int dataType = binding.dense().weightType();
            String dense = binding.dense().output();
            String name = unique(baseName(binding.dense().weight().tensor()) + "_odf2nna_bias");
            newInitializers.add(OnnxTensors.newTensor(name, dataType, bias, new long[] {bias.length}));
            if (original.model().getIrVersion() < 4) {
                graph.addInput(valueInfo(name, dataType, new long[] {bias.length}));
            }
            NodeProto.Builder node = changedNode(dense);
            if (binding.dense().op().equals("Gemm")) {
                if (node.getInputCount() >= 3) {
                    node.setInput(2, name);
                } else {
                    node.addInput(name);
                }
                setAttribute(node, AttributeProto.newBuilder().setName("beta").setType(AttributeProto.AttributeType.FLOAT)
                        .setF(1f).build(), false);
                if (opset < 7) {
                    setAttribute(node, AttributeProto.newBuilder().setName("broadcast")
                            .setType(AttributeProto.AttributeType.INT).setI(1).build(), true);
                }
            } else {
                String product = unique(dense + "_odf2nna_matmul");
                node.setOutput(0, product);
                NodeProto.Builder add = NodeProto.newBuilder().setOpType("Add")
                        .setName(unique(baseName(dense) + "_odf2nna_bias_add"))
                        .addInput(product).addInput(name).addOutput(dense);
                if (opset < 7) {
                    add.addAttribute(AttributeProto.newBuilder().setName("broadcast")
                            .setType(AttributeProto.AttributeType.INT).setI(1));
                }
                addAfter.put(dense, add.build());
            }
        }

        private void removeNorm(LayerBinding.NormBinding norm) {
            removedNodes.add(norm.node());
            boolean isOutput = graph.getOutputList().stream().anyMatch(o -> o.getName().equals(norm.output()));
            if (isOutput) {
                outputRenames.put(norm.input(), norm.output());
                inputRenames.put(norm.input(), norm.output());
            } else {
                inputRenames.put(norm.output(), norm.input());
            }
        }

        private NodeProto.Builder changedNode(String key) {
            return changedNodes.computeIfAbsent(key, k -> {
                for (NodeProto node : graph.getNodeList()) {
                    if (GraphIndex.key(node).equals(k)) {
                        return node.toBuilder();
                    }
                }
                throw new IllegalStateException("no node writes '" + k + "'");
            });
        }

        private void setFloatAttribute(String nodeKey, String name, float value) {
            setAttribute(changedNode(nodeKey), AttributeProto.newBuilder().setName(name)
                    .setType(AttributeProto.AttributeType.FLOAT).setF(value).build(), true);
        }

        /** Sets an attribute; with {@code always} false, only where the node already has it. */
        private static void setAttribute(NodeProto.Builder node, AttributeProto attribute, boolean always) {
            for (int a = 0; a < node.getAttributeCount(); a++) {
                if (node.getAttribute(a).getName().equals(attribute.getName())) {
                    node.setAttribute(a, attribute);
                    return;
                }
            }
            if (always) {
                node.addAttribute(attribute);
            }
        }

        private void rebuildNodes() {
            List<NodeProto> nodes = new ArrayList<>();
            for (NodeProto node : graph.getNodeList()) {
                String key = GraphIndex.key(node);
                if (removedNodes.contains(key)) {
                    continue;
                }
                NodeProto.Builder changed = changedNodes.get(key);
                nodes.add(renamed(changed != null ? changed.build() : node));
                NodeProto after = addAfter.get(key);
                if (after != null) {
                    nodes.add(renamed(after));
                }
            }
            graph.clearNode().addAllNode(nodes);
        }

        private NodeProto renamed(NodeProto node) {
            NodeProto.Builder b = null;
            for (int i = 0; i < node.getInputCount(); i++) {
                String to = resolve(inputRenames, node.getInput(i));
                if (!to.equals(node.getInput(i))) {
                    b = b == null ? node.toBuilder() : b;
                    b.setInput(i, to);
                }
            }
            for (int o = 0; o < node.getOutputCount(); o++) {
                String to = outputRenames.get(node.getOutput(o));
                if (to != null) {
                    b = b == null ? node.toBuilder() : b;
                    b.setOutput(o, to);
                }
            }
            return b == null ? node : b.build();
        }

        private static String resolve(Map<String, String> renames, String name) {
            String current = name;
            for (int hops = 0; hops < 8 && renames.containsKey(current); hops++) {
                current = renames.get(current);
            }
            return current;
        }

        private void fixValueInfo() {
            Set<String> live = new HashSet<>();
            for (NodeProto node : graph.getNodeList()) {
                live.addAll(node.getOutputList());
            }
            List<ValueInfoProto> kept = new ArrayList<>();
            for (ValueInfoProto info : graph.getValueInfoList()) {
                if (!live.contains(info.getName())) {
                    continue;
                }
                Long width = widths.get(info.getName());
                if (width != null && info.getType().getTensorType().hasShape()
                        && info.getType().getTensorType().getShape().getDimCount() > 0) {
                    kept.add(withLastDim(info, width));
                } else {
                    kept.add(info);
                }
            }
            graph.clearValueInfo().addAllValueInfo(kept);
        }

        private void resizeDataInput() {
            String name = original.binding().dataInput();
            for (int i = 0; i < graph.getInputCount(); i++) {
                ValueInfoProto input = graph.getInput(i);
                if (input.getName().equals(name) && input.getType().getTensorType().hasShape()) {
                    graph.setInput(i, withLastDim(input, network.inputs()));
                }
            }
        }

        private String unique(String base) {
            String name = base;
            for (int n = 1; names.contains(name); n++) {
                name = base + "_" + n;
            }
            names.add(name);
            return name;
        }

        private static String baseName(String tensor) {
            return tensor.replaceAll("[^A-Za-z0-9_.]", "_");
        }
    }

    static ValueInfoProto withLastDim(ValueInfoProto info, long width) {
        TensorShapeProto.Builder shape = info.getType().getTensorType().getShape().toBuilder();
        int last = shape.getDimCount() - 1;
        shape.setDim(last, TensorShapeProto.Dimension.newBuilder().setDimValue(width));
        return info.toBuilder().setType(info.getType().toBuilder().setTensorType(
                info.getType().getTensorType().toBuilder().setShape(shape))).build();
    }

    static ValueInfoProto withShape(ValueInfoProto info, long[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return info.toBuilder().setType(info.getType().toBuilder().setTensorType(
                info.getType().getTensorType().toBuilder().setShape(shape))).build();
    }

    static ValueInfoProto valueInfo(String name, int elementType, long[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elementType).setShape(shape))).build();
    }
}
