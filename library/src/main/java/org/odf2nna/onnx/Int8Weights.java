package org.odf2nna.onnx;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Float16;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Stores chosen dense layers' weights as int8 in an ONNX graph: weight-only quantization. Each such weight becomes an
 * int8 initializer laid out {@code [units, inputs]} and a float scale per output unit, and an unnamed
 * DequantizeLinear node (opset 13, per-axis, axis 0, no zero point: ONNX reads its absence as 0, and the int8 codes
 * give the input type) writes the float weight under its old name for a Gemm with
 * transB=1 (see {@link #asGemm} for why that layout); everything else stays as it was. ONNX Runtime runs
 * DequantizeLinear on CPU and keeps it (it is not folded back into a float initializer), so the file and the weights
 * held in memory are a quarter of the float size. Gemm's alpha is set to 1: the codes hold the layer's own weights.
 *
 * <p>The network handed in must already hold int8 values in those layers ({@link Int8Quantization#quantize}); the
 * codes are recovered from it exactly, so the file computes the network that was judged, bit for bit in its weights.
 * A layer's scales and its bias are written as float16, each read through a Cast to float, when
 * {@link Int8Quantization#halfStored} says so (32 units or more, every value a half already: the network holds the
 * rounded values), in both forms; the reader reads such a Cast as a float constant ({@link #readable}).
 */
public final class Int8Weights {

    /** The first opset whose DequantizeLinear takes a scale per channel. */
    public static final long MIN_OPSET = 13;

    private Int8Weights() {
    }

    /**
     * {@code written} (what {@link DenseChainWriter} or {@link InputSelection} wrote for {@code network} from
     * {@code original}) with the layers marked true stored as int8.
     */
    public static ModelProto apply(ModelProto written, OnnxDenseModel original, DenseNetwork network, boolean[] int8) {
        checkOpset(original);
        ModelProto.Builder model = written.toBuilder();
        GraphProto.Builder graph = model.getGraphBuilder();
        Set<String> names = new HashSet<>();
        graph.getInitializerList().forEach(t -> names.add(t.getName()));
        for (NodeProto node : graph.getNodeList()) {
            names.addAll(node.getOutputList());
            names.add(node.getName());
        }
        graph.getInputList().forEach(v -> names.add(v.getName()));
        List<NodeProto> dequantize = new ArrayList<>();
        Set<String> orphans = new HashSet<>();
        List<LayerBinding> layers = original.binding().layers();
        for (int l = 0; l < layers.size(); l++) {
            if (!int8[l]) {
                continue;
            }
            LayerBinding binding = layers.get(l);
            Int8Quantization.Codes codes = Int8Quantization.exactCodes(network.layer(l));
            if (codes == null) {
                throw new IllegalArgumentException("layer " + (l + 1) + "'s weights are not int8 values times a scale "
                        + "per unit; quantize the network first");
            }
            int inputs = network.layer(l).inputs();
            int units = network.layer(l).units();
            byte[] stored = new byte[inputs * units];
            for (int i = 0; i < inputs; i++) {
                for (int j = 0; j < units; j++) {
                    byte q = codes.codes()[i * units + j];
                    stored[j * inputs + i] = q;
                }
            }
            String weight = binding.weight().tensor();
            orphans.addAll(removeProducer(graph, weight));
            String base = weight.replaceAll("[^A-Za-z0-9_.]", "_");
            if (network.layer(l).quantizedInputs()) {
                integerKernels(graph, binding, names, base, "L" + (l + 1), codes, network.layer(l).bias(), inputs,
                        units, orphans);
                if (binding.bias() != null && binding.bias().addNode() != null) {
                    halfBias(graph, binding, names, "L" + (l + 1), network.layer(l).bias(), units, orphans);
                }
                dropValueInfo(graph, weight);
                continue;
            }
            String q = GraphIndex.uniqueName(names, base + "_int8");
            String scale = GraphIndex.uniqueName(names, base + "_scale");
            long[] dims = {units, inputs};
            graph.addInitializer(int8Tensor(q, stored, dims));
            String layer = "L" + (l + 1);
            // DequantizeLinear (opset 13) takes float scales only.
            scale = scales(graph, names, scale, layer, codes.scales(), units, dequantize);
            // No zero point and no node name, both optional: the zero point's absence means 0, and the int8 codes
            // (x) fix DequantizeLinear's input type; they took about 85 bytes per layer and a byte per unit.
            dequantize.add(NodeProto.newBuilder().setOpType("DequantizeLinear").addInput(q).addInput(scale)
                    .addOutput(weight).addAttribute(AttributeProto.newBuilder().setName("axis")
                            .setType(AttributeProto.AttributeType.INT).setI(0)).build());
            dropValueInfo(graph, weight);
            asGemm(graph, binding.denseOutput());
            halfBias(graph, binding, names, layer, network.layer(l).bias(), units, orphans);
        }
        // Constants first: every node after them may read the weights they write.
        List<NodeProto> nodes = new ArrayList<>(dequantize);
        nodes.addAll(graph.getNodeList());
        graph.clearNode().addAllNode(nodes);
        dropUnused(graph, orphans);
        return model.build();
    }

    /**
     * A layer's per-unit weight scales as the initializer {@code name}: float16 (the network holds these values) read
     * through a Cast added to {@code nodes}, 2 bytes a unit, when every scale is a half; float otherwise. Returns the
     * float tensor to read.
     */
    private static String scales(GraphProto.Builder graph, Set<String> names, String name, String layer,
            float[] scales, int units, List<NodeProto> nodes) {
        if (Int8Quantization.halfStored(scales)) {
            graph.addInitializer(halfTensor(name, scales, new long[] {units}));
            String cast = GraphIndex.uniqueName(names, layer + "_ws");
            nodes.add(castToFloat(name, cast));
            return cast;
        }
        graph.addInitializer(OnnxTensors.newTensor(name, OnnxTensors.FLOAT, scales, new long[] {units}));
        return name;
    }

    /**
     * Replaces the layer's Gemm or MatMul with ONNX Runtime's dynamic int8 form, as its Python quantizer writes it:
     * {@code DynamicQuantizeLinear(x) → MatMulInteger(x_q, W_q [inputs, units], x_zp) → Cast(float) →
     * Mul(·, Mul(x_scale, s))} and, for a Gemm with a bias, {@code Add(·, C)} (a MatMul's own Add stays). ONNX
     * Runtime fuses the chain into one DynamicQuantizeMatMul on CPU (uint8 activations times int8 weights, accumulated
     * in int32); {@link Int8Quantization#dynamicPreActivations} computes the same values.
     */
    private static void integerKernels(GraphProto.Builder graph, LayerBinding binding, Set<String> names, String base,
            String layer, Int8Quantization.Codes codes, float[] networkBias, int inputs, int units,
            Set<String> orphans) {
        int at = -1;
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (GraphIndex.key(graph.getNode(i)).equals(binding.denseOutput())) {
                at = i;
            }
        }
        NodeProto dense = graph.getNode(at);
        boolean gemm = dense.getOpType().equals("Gemm");
        String x = dense.getInput(0);
        String output = dense.getOutput(0);
        String q = GraphIndex.uniqueName(names, base + "_int8");
        String scale = GraphIndex.uniqueName(names, base + "_scale");
        graph.addInitializer(int8Tensor(q, codes.codes(), new long[] {inputs, units}));
        List<NodeProto> chain = new ArrayList<>();
        scale = scales(graph, names, scale, layer, codes.scales(), units, chain);
        String xq = GraphIndex.uniqueName(names, layer + "_xq");
        String xs = GraphIndex.uniqueName(names, layer + "_xs");
        String xz = GraphIndex.uniqueName(names, layer + "_xz");
        String acc = GraphIndex.uniqueName(names, layer + "_acc");
        String accf = GraphIndex.uniqueName(names, layer + "_accf");
        String s = GraphIndex.uniqueName(names, layer + "_s");
        boolean bias = gemm && dense.getInputCount() > 2 && !dense.getInput(2).isEmpty();
        String product = bias ? GraphIndex.uniqueName(names, layer + "_y") : output;
        chain.add(NodeProto.newBuilder().setOpType("DynamicQuantizeLinear").addInput(x).addOutput(xq).addOutput(xs)
                .addOutput(xz).build());
        chain.add(NodeProto.newBuilder().setOpType("MatMulInteger").addInput(xq).addInput(q).addInput(xz)
                .addOutput(acc).build());
        chain.add(NodeProto.newBuilder().setOpType("Cast").addInput(acc).addOutput(accf).addAttribute(
                AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                        .setI(TensorProto.DataType.FLOAT_VALUE)).build());
        chain.add(NodeProto.newBuilder().setOpType("Mul").addInput(xs).addInput(scale).addOutput(s).build());
        chain.add(NodeProto.newBuilder().setOpType("Mul").addInput(accf).addInput(s).addOutput(product).build());
        if (bias) {
            final String given = dense.getInput(2);
            String c = given;
            float beta = (float) GraphIndex.floatAttribute(dense, "beta", 1f);
            TensorProto stored = graph.getInitializerList().stream().filter(t -> t.getName().equals(given))
                    .findFirst().orElse(null);
            if (stored != null && OnnxTensors.elementCount(stored) == units
                    && Int8Quantization.halfStored(networkBias)) {
                // The layer's bias (beta · C, as read; the network holds these values) as float16, read as float.
                String half = GraphIndex.uniqueName(names, layer + "_bh");
                c = GraphIndex.uniqueName(names, layer + "_b");
                graph.addInitializer(halfTensor(half, networkBias, new long[] {units}));
                chain.add(castToFloat(half, c));
                orphans.add(given);
            } else if (beta != 1f) {
                // Gemm's beta · C, as the reader computes the layer's bias, into an initializer of its own.
                TensorProto old = graph.getInitializerList().stream().filter(t -> t.getName().equals(given)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("the bias of " + binding.denseNode()
                                + " is not an initializer"));
                float[] values = OnnxTensors.floats(old, null, c);
                for (int k = 0; k < values.length; k++) {
                    values[k] = beta * values[k];
                }
                String scaled = GraphIndex.uniqueName(names, layer + "_bias");
                graph.addInitializer(OnnxTensors.newTensor(scaled, OnnxTensors.FLOAT, values, OnnxTensors.dims(old)));
                orphans.add(c);
                c = scaled;
            }
            chain.add(NodeProto.newBuilder().setOpType("Add").addInput(product).addInput(c).addOutput(output)
                    .build());
        }
        List<NodeProto> nodes = new ArrayList<>(graph.getNodeList());
        nodes.remove(at);
        nodes.addAll(at, chain);
        graph.clearNode().addAllNode(nodes);
    }

    /**
     * The model with each integer-kernel chain {@link #integerKernels} writes read as the dense layer it computes: a
     * DequantizeLinear of its int8 weights (axis 1, a scale per unit) into a MatMul writing the chain's output; the
     * model itself when it has none. The reader reads this form (marking those layers {@code quantizedInputs}) and
     * the writer rewrites it, so the same names come out of both; ONNX Runtime still runs the file as it is.
     */
    public static ModelProto readable(ModelProto model) {
        GraphProto g = model.getGraph();
        Map<String, NodeProto> producers = new java.util.HashMap<>();
        Map<String, List<NodeProto>> consumers = new java.util.HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            n.getOutputList().forEach(o -> producers.put(o, n));
            n.getInputList().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
        }
        Map<String, TensorProto> initializers = new java.util.HashMap<>();
        g.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        // A Cast to float of a one-dimensional float16 initializer (the scales and biases of wide int8 layers): a float
        // constant. Other float16 tensors (a model's own float16 weights) are left to be refused as before.
        Map<String, TensorProto> halves = new java.util.HashMap<>();
        Set<NodeProto> halfCasts = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (NodeProto n : g.getNodeList()) {
            TensorProto t = n.getInputCount() == 1 ? initializers.get(n.getInput(0)) : null;
            float[] values = t == null || t.getDimsCount() != 1 ? null : halfValues(t);
            if (values != null && n.getOpType().equals("Cast") && n.getDomain().isEmpty() && n.getOutputCount() == 1
                    && GraphIndex.intAttribute(n, "to", -1) == TensorProto.DataType.FLOAT_VALUE) {
                halves.put(n.getOutput(0), OnnxTensors.newTensor(n.getOutput(0), OnnxTensors.FLOAT, values,
                        OnnxTensors.dims(t)));
                halfCasts.add(n);
            }
        }
        initializers.putAll(halves);
        Set<NodeProto> removed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Map<NodeProto, List<NodeProto>> replaced = new java.util.IdentityHashMap<>();
        Set<String> names = new HashSet<>(initializers.keySet());
        producers.keySet().forEach(names::add);
        for (NodeProto mm : g.getNodeList()) {
            if (!mm.getOpType().equals("MatMulInteger") || !mm.getDomain().isEmpty() || mm.getInputCount() != 3) {
                continue;
            }
            NodeProto dq = producers.get(mm.getInput(0));
            TensorProto w = initializers.get(mm.getInput(1));
            List<NodeProto> castUsers = consumers.getOrDefault(mm.getOutput(0), List.of());
            if (dq == null || !dq.getOpType().equals("DynamicQuantizeLinear") || dq.getOutputCount() != 3
                    || !mm.getInput(2).equals(dq.getOutput(2)) || w == null
                    || w.getDataType() != TensorProto.DataType.INT8_VALUE || w.getDimsCount() != 2
                    || castUsers.size() != 1 || !castUsers.get(0).getOpType().equals("Cast")) {
                continue;
            }
            NodeProto cast = castUsers.get(0);
            List<NodeProto> mulUsers = consumers.getOrDefault(cast.getOutput(0), List.of());
            if (mulUsers.size() != 1 || !mulUsers.get(0).getOpType().equals("Mul")) {
                continue;
            }
            NodeProto mul = mulUsers.get(0);
            NodeProto scales = producers.get(mul.getInput(0).equals(cast.getOutput(0)) ? mul.getInput(1)
                    : mul.getInput(0));
            if (scales == null || !scales.getOpType().equals("Mul") || !scales.getInput(0).equals(dq.getOutput(1))
                    || !initializers.containsKey(scales.getInput(1))
                    || consumers.getOrDefault(dq.getOutput(0), List.of()).size() != 1
                    || consumers.getOrDefault(scales.getOutput(0), List.of()).size() != 1) {
                continue;
            }
            String weight = GraphIndex.uniqueName(names, mm.getInput(1) + "_dequantized");
            NodeProto dequantize = NodeProto.newBuilder().setOpType("DequantizeLinear").addInput(mm.getInput(1))
                    .addInput(scales.getInput(1)).addOutput(weight).addAttribute(AttributeProto.newBuilder()
                            .setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)).build();
            NodeProto matmul = NodeProto.newBuilder().setOpType("MatMul").addInput(dq.getInput(0)).addInput(weight)
                    .addOutput(mul.getOutput(0)).build();
            removed.add(dq);
            removed.add(mm);
            removed.add(cast);
            removed.add(scales);
            replaced.put(mul, List.of(dequantize, matmul));
        }
        if (replaced.isEmpty() && halfCasts.isEmpty()) {
            return model;
        }
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            if (replaced.containsKey(n)) {
                nodes.addAll(replaced.get(n));
            } else if (!removed.contains(n) && !halfCasts.contains(n)) {
                nodes.add(n);
            }
        }
        ModelProto.Builder b = model.toBuilder();
        GraphProto.Builder view = b.getGraphBuilder().clearNode().addAllNode(nodes);
        // The float16 constants become float initializers of the Casts' names; a float16 initializer nothing else
        // reads goes.
        Set<String> read = new HashSet<>();
        nodes.forEach(n -> read.addAll(n.getInputList()));
        g.getOutputList().forEach(o -> read.add(o.getName()));
        Set<String> castFrom = new HashSet<>();
        halfCasts.forEach(n -> castFrom.add(n.getInput(0)));
        for (int i = view.getInitializerCount() - 1; i >= 0; i--) {
            String name = view.getInitializer(i).getName();
            if (castFrom.contains(name) && !read.contains(name)) {
                view.removeInitializer(i);
            }
        }
        halves.values().forEach(view::addInitializer);
        return b.build();
    }

    /** Whether {@link #readable} changed the model: it runs layers on integer kernels. */
    public static boolean hasIntegerKernels(ModelProto model) {
        for (NodeProto n : model.getGraph().getNodeList()) {
            if (n.getOpType().equals("MatMulInteger")) {
                return true;
            }
        }
        return false;
    }

    /** Refuses a model whose opset has no per-channel DequantizeLinear (raising it could change other operators). */
    public static void checkOpset(OnnxDenseModel original) {
        if (original.defaultOpset() < MIN_OPSET) {
            throw InputException.usage(original.source(), "imports ONNX opset " + original.defaultOpset() + "; int8 "
                    + "weights with a scale per unit need DequantizeLinear's axis, opset " + MIN_OPSET + " or later "
                    + "(convert the model to a newer opset first)");
        }
    }

    /** The float tensor a {@link GraphIndex#isDequantizedConstant} node writes: {@code (float) (q - zero) * scale}. */
    static TensorProto dequantized(NodeProto node, Map<String, TensorProto> initializers, String name, Path file) {
        TensorProto x = initializers.get(node.getInput(0));
        TensorProto s = initializers.get(node.getInput(1));
        TensorProto z = node.getInputCount() > 2 ? initializers.get(node.getInput(2)) : null;
        String place = GraphIndex.describe(node);
        int[] q = integers(x, file, place);
        float[] scales = OnnxTensors.floats(s, file, place);
        int[] zeros = z == null ? new int[scales.length] : integers(z, file, place);
        long[] dims = OnnxTensors.dims(x);
        if (zeros.length != scales.length) {
            throw new InputException(file, place, "has " + scales.length + " scales but " + zeros.length
                    + " zero points");
        }
        float[] values = new float[q.length];
        if (scales.length == 1) {
            for (int k = 0; k < q.length; k++) {
                values[k] = (float) (q[k] - zeros[0]) * scales[0];
            }
        } else {
            long axis = GraphIndex.intAttribute(node, "axis", 1);
            if (axis < 0) {
                axis += dims.length;
            }
            if (axis < 0 || axis >= dims.length || dims[(int) axis] != scales.length) {
                throw new InputException(file, place, "has " + scales.length + " scales for axis " + axis
                        + " of shape " + java.util.Arrays.toString(dims));
            }
            long inner = 1;
            for (int d = (int) axis + 1; d < dims.length; d++) {
                inner *= dims[d];
            }
            for (int k = 0; k < q.length; k++) {
                int c = (int) ((k / inner) % scales.length);
                values[k] = (float) (q[k] - zeros[c]) * scales[c];
            }
        }
        return OnnxTensors.newTensor(name, OnnxTensors.FLOAT, values, dims);
    }

    /** A float16 tensor's values held in the file, exactly; null for any other tensor. */
    static float[] halfValues(TensorProto t) {
        if (t.getDataType() != TensorProto.DataType.FLOAT16_VALUE || OnnxTensors.isExternal(t)) {
            return null;
        }
        long count = OnnxTensors.elementCount(t);
        if (count < 0 || count > OnnxTensors.MAX_VALUES) {
            return null;
        }
        float[] values = new float[(int) count];
        if (t.hasRawData()) {
            ByteString raw = t.getRawData();
            if (raw.size() != 2L * count) {
                return null;
            }
            for (int k = 0; k < values.length; k++) {
                values[k] = Float16.toFloat((short) ((raw.byteAt(2 * k) & 0xff) | (raw.byteAt(2 * k + 1) << 8)));
            }
        } else {
            if (t.getInt32DataCount() != count) {
                return null;
            }
            for (int k = 0; k < values.length; k++) {
                values[k] = Float16.toFloat((short) t.getInt32Data(k));
            }
        }
        return values;
    }

    private static int[] integers(TensorProto t, Path file, String place) {
        boolean signed = t.getDataType() == TensorProto.DataType.INT8_VALUE;
        if (!signed && t.getDataType() != TensorProto.DataType.UINT8_VALUE) {
            throw new InputException(file, place, "has an input of type " + OnnxTensors.typeName(t.getDataType())
                    + "; only int8 and uint8 are read");
        }
        long count = OnnxTensors.elementCount(t);
        int[] values = new int[(int) Math.max(0, count)];
        if (t.hasRawData()) {
            ByteString raw = t.getRawData();
            if (raw.size() != values.length) {
                throw new InputException(file, place, "holds " + raw.size() + " bytes for " + values.length
                        + " values");
            }
            for (int k = 0; k < values.length; k++) {
                values[k] = signed ? raw.byteAt(k) : raw.byteAt(k) & 0xff;
            }
        } else {
            if (t.getInt32DataCount() != values.length) {
                throw new InputException(file, place, "holds " + t.getInt32DataCount() + " values for "
                        + values.length);
            }
            for (int k = 0; k < values.length; k++) {
                values[k] = t.getInt32Data(k);
            }
        }
        return values;
    }

    /** A float16 tensor of values that are all halves ({@link Int8Quantization#halfStored}). */
    private static TensorProto halfTensor(String name, float[] values, long[] dims) {
        byte[] raw = new byte[2 * values.length];
        for (int k = 0; k < values.length; k++) {
            short h = Float16.toBits(values[k]);
            raw[2 * k] = (byte) h;
            raw[2 * k + 1] = (byte) (h >>> 8);
        }
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT16_VALUE)
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            b.addDims(d);
        }
        return b.build();
    }

    private static NodeProto castToFloat(String input, String output) {
        return NodeProto.newBuilder().setOpType("Cast").addInput(input).addOutput(output).addAttribute(
                AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                        .setI(TensorProto.DataType.FLOAT_VALUE)).build();
    }

    private static TensorProto int8Tensor(String name, byte[] values, long[] dims) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT8_VALUE)
                .setRawData(ByteString.copyFrom(values));
        for (long d : dims) {
            b.addDims(d);
        }
        return b.build();
    }

    /**
     * Removes whatever held a weight: its initializer (and graph input, in old IR versions) or the node writing it.
     * Returns the removed node's inputs, which may now be read by nobody.
     */
    static Set<String> removeProducer(GraphProto.Builder graph, String tensor) {
        Set<String> inputs = new HashSet<>();
        for (int i = graph.getInitializerCount() - 1; i >= 0; i--) {
            if (graph.getInitializer(i).getName().equals(tensor)) {
                graph.removeInitializer(i);
            }
        }
        for (int i = graph.getInputCount() - 1; i >= 0; i--) {
            if (graph.getInput(i).getName().equals(tensor)) {
                graph.removeInput(i);
            }
        }
        for (int i = graph.getNodeCount() - 1; i >= 0; i--) {
            if (graph.getNode(i).getOutputList().contains(tensor)) {
                inputs.addAll(graph.getNode(i).getInputList());
                graph.removeNode(i);
            }
        }
        return inputs;
    }

    /** Removes those of {@code candidates} that are initializers no node reads any more. */
    static void dropUnused(GraphProto.Builder graph, Set<String> candidates) {
        Set<String> read = new HashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            read.addAll(node.getInputList());
            for (AttributeProto a : node.getAttributeList()) {
                if (a.hasG()) {
                    return; // subgraphs may read outer initializers: leave them all
                }
            }
        }
        graph.getOutputList().forEach(o -> read.add(o.getName()));
        Set<String> inputs = new HashSet<>();
        graph.getInputList().forEach(v -> inputs.add(v.getName()));
        for (int i = graph.getInitializerCount() - 1; i >= 0; i--) {
            String name = graph.getInitializer(i).getName();
            if (candidates.contains(name) && !read.contains(name) && !inputs.contains(name)) {
                graph.removeInitializer(i);
            }
        }
    }

    /**
     * The layer's node as a Gemm with alpha 1 and transB=1 (a MatMul becomes the equivalent Gemm without C; its
     * bias stays in its Add). ONNX Runtime's extended optimisations replace DequantizeLinear feeding a weight laid
     * out {@code [inputs, units]} (MatMul, or Gemm with transB=0) with a kernel that computes differently from the
     * network judged (measured on diabetes: outputs 0.02 apart); a {@code [units, inputs]} weight with transB=1 is
     * left alone and gives the judged network's outputs.
     */
    private static void asGemm(GraphProto.Builder graph, String denseOutput) {
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            if (GraphIndex.key(node).equals(denseOutput)) {
                NodeProto.Builder b = node.toBuilder().setOpType("Gemm");
                for (int a = b.getAttributeCount() - 1; a >= 0; a--) {
                    String name = b.getAttribute(a).getName();
                    if (name.equals("alpha") || name.equals("transB")) {
                        b.removeAttribute(a);
                    }
                }
                b.addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT)
                        .setI(1));
                graph.setNode(i, b);
                return;
            }
        }
    }

    /**
     * The layer's bias as float16 through a Cast placed before the node reading it, when the network's bias (as
     * read: Gemm's beta · C, or the Add's operand) is {@link Int8Quantization#halfStored} and the tensor an
     * initializer of one value per unit: for a Gemm, input C (its beta then 1); for a MatMul layer, its Add's
     * operand ({@code binding.bias().addNode()}). Otherwise, or when the node no longer reads it, nothing changes.
     */
    private static void halfBias(GraphProto.Builder graph, LayerBinding binding, Set<String> names, String layer,
            float[] bias, int units, Set<String> orphans) {
        if (!Int8Quantization.halfStored(bias)) {
            return;
        }
        String reader = binding.bias() != null && binding.bias().addNode() != null ? binding.bias().addNode()
                : binding.denseOutput();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            if (!GraphIndex.key(node).equals(reader)) {
                continue;
            }
            boolean gemm = node.getOpType().equals("Gemm");
            int at = -1;
            if (gemm) {
                at = node.getInputCount() > 2 && !node.getInput(2).isEmpty() ? 2 : -1;
            } else if (node.getOpType().equals("Add") && binding.bias() != null) {
                at = node.getInputList().indexOf(binding.bias().slot().tensor());
            }
            if (at < 0) {
                return;
            }
            String given = node.getInput(at);
            TensorProto stored = graph.getInitializerList().stream().filter(t -> t.getName().equals(given))
                    .findFirst().orElse(null);
            if (stored == null || stored.getDataType() != OnnxTensors.FLOAT
                    || OnnxTensors.elementCount(stored) != units) {
                return;
            }
            String half = GraphIndex.uniqueName(names, layer + "_bh");
            String c = GraphIndex.uniqueName(names, layer + "_b");
            graph.addInitializer(halfTensor(half, bias, new long[] {units}));
            NodeProto.Builder b = node.toBuilder().setInput(at, c);
            for (int a = b.getAttributeCount() - 1; a >= 0; a--) {
                if (gemm && b.getAttribute(a).getName().equals("beta")) {
                    b.removeAttribute(a);
                }
            }
            List<NodeProto> nodes = new ArrayList<>(graph.getNodeList());
            nodes.set(i, b.build());
            nodes.add(i, castToFloat(half, c));
            graph.clearNode().addAllNode(nodes);
            orphans.add(given);
            return;
        }
    }

    private static void dropValueInfo(GraphProto.Builder graph, String tensor) {
        for (int i = graph.getValueInfoCount() - 1; i >= 0; i--) {
            if (graph.getValueInfo(i).getName().equals(tensor)) {
                graph.removeValueInfo(i);
            }
        }
    }
}
