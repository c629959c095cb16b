package org.odf2nna.onnx;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.network.DenseLayer;
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

    /** Where one call of {@link #apply} writes: the graph, the names taken, and initializers that may be orphaned. */
    private record Target(GraphProto.Builder graph, Set<String> names, Set<String> orphans) {
    }

    /**
     * {@code written} (what {@link DenseChainWriter} or {@link InputSelection} wrote for {@code network} from
     * {@code original}) with the layers marked true stored as int8.
     */
    public static ModelProto apply(ModelProto written, OnnxDenseModel original, DenseNetwork network, boolean[] int8) {
        checkOpset(original);
        ModelProto.Builder model = written.toBuilder();
        GraphProto.Builder graph = model.getGraphBuilder();
        Target target = new Target(graph, takenNames(graph), new HashSet<>());
        List<NodeProto> dequantize = new ArrayList<>();
        List<LayerBinding> layers = original.binding().layers();
        for (int l = 0; l < layers.size(); l++) {
            if (!int8[l]) {
                continue;
            }
            LayerBinding binding = layers.get(l);
            DenseLayer layer = network.layer(l);
            Int8Quantization.Codes codes = Int8Quantization.exactCodes(layer);
            if (codes == null) {
                throw new IllegalArgumentException("layer " + (l + 1) + "'s weights are not int8 values times a scale "
                        + "per unit; quantize the network first");
            }
            String weight = binding.dense().weight().tensor();
            target.orphans().addAll(removeProducer(graph, weight));
            String base = weight.replaceAll("[^A-Za-z0-9_.]", "_");
            String name = "L" + (l + 1);
            if (layer.quantizedInputs()) {
                integerKernels(target, binding, base, name, layer, codes);
                if (binding.bias() != null && binding.bias().addNode() != null) {
                    halfBias(target, binding, name, layer.bias());
                }
            } else {
                weightOnly(target, weight, base, name, layer, codes, dequantize);
                asGemm(graph, binding.dense().output());
                halfBias(target, binding, name, layer.bias());
            }
            dropValueInfo(graph, weight);
        }
        // Constants first: every node after them may read the weights they write.
        List<NodeProto> nodes = new ArrayList<>(dequantize);
        nodes.addAll(graph.getNodeList());
        graph.clearNode().addAllNode(nodes);
        dropUnused(graph, target.orphans());
        return model.build();
    }

    /** Every name the graph uses: initializers, node outputs and names, inputs. */
    static Set<String> takenNames(GraphProto.Builder graph) {
        Set<String> names = new HashSet<>();
        graph.getInitializerList().forEach(t -> names.add(t.getName()));
        for (NodeProto node : graph.getNodeList()) {
            names.addAll(node.getOutputList());
            names.add(node.getName());
        }
        graph.getInputList().forEach(v -> names.add(v.getName()));
        return names;
    }

    /**
     * The weight-only form of one layer: its codes laid out {@code [units, inputs]} and an unnamed DequantizeLinear
     * writing the float weight under its old name, added to {@code constants} (after the Cast of float16 scales it
     * may need), which the caller puts before the nodes reading them.
     */
    private static void weightOnly(Target target, String weight, String base, String layer, DenseLayer dense,
            Int8Quantization.Codes codes, List<NodeProto> constants) {
        int inputs = dense.inputs();
        int units = dense.units();
        byte[] stored = new byte[inputs * units];
        for (int i = 0; i < inputs; i++) {
            for (int j = 0; j < units; j++) {
                stored[j * inputs + i] = codes.codes()[i * units + j];
            }
        }
        String q = GraphIndex.uniqueName(target.names(), base + "_int8");
        String scale = GraphIndex.uniqueName(target.names(), base + "_scale");
        target.graph().addInitializer(Int8Tensors.int8Tensor(q, stored, new long[] {units, inputs}));
        // DequantizeLinear (opset 13) takes float scales only.
        scale = Int8Tensors.scales(target.graph(), target.names(), scale, layer, codes.scales(), new long[] {units},
                constants);
        // No zero point and no node name, both optional: the zero point's absence means 0, and the int8 codes
        // (x) fix DequantizeLinear's input type; they took about 85 bytes per layer and a byte per unit.
        constants.add(Int8Tensors.node("DequantizeLinear", List.of(q, scale), List.of(weight),
                Int8Tensors.intAttribute("axis", 0)));
    }

    /**
     * Replaces the layer's Gemm or MatMul with ONNX Runtime's dynamic int8 form, as its Python quantizer writes it:
     * {@code DynamicQuantizeLinear(x) → MatMulInteger(x_q, W_q [inputs, units], x_zp) → Cast(float) →
     * Mul(·, Mul(x_scale, s))} and, for a Gemm with a bias, {@code Add(·, C)} (a MatMul's own Add stays). ONNX
     * Runtime fuses the chain into one DynamicQuantizeMatMul on CPU (uint8 activations times int8 weights, accumulated
     * in int32); {@link Int8Quantization#dynamicPreActivations} computes the same values.
     */
    private static void integerKernels(Target target, LayerBinding binding, String base, String layer,
            DenseLayer dense, Int8Quantization.Codes codes) {
        GraphProto.Builder graph = target.graph();
        Set<String> names = target.names();
        int at = -1;
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (GraphIndex.key(graph.getNode(i)).equals(binding.dense().output())) {
                at = i;
            }
        }
        NodeProto node = graph.getNode(at);
        String output = node.getOutput(0);
        String q = GraphIndex.uniqueName(names, base + "_int8");
        graph.addInitializer(Int8Tensors.int8Tensor(q, codes.codes(), new long[] {dense.inputs(), dense.units()}));
        List<NodeProto> chain = new ArrayList<>();
        String scale = Int8Tensors.scales(graph, names, GraphIndex.uniqueName(names, base + "_scale"), layer,
                codes.scales(), new long[] {dense.units()}, chain);
        String xq = GraphIndex.uniqueName(names, layer + "_xq");
        String xs = GraphIndex.uniqueName(names, layer + "_xs");
        String xz = GraphIndex.uniqueName(names, layer + "_xz");
        String acc = GraphIndex.uniqueName(names, layer + "_acc");
        String accf = GraphIndex.uniqueName(names, layer + "_accf");
        String s = GraphIndex.uniqueName(names, layer + "_s");
        boolean bias = node.getOpType().equals("Gemm") && node.getInputCount() > 2 && !node.getInput(2).isEmpty();
        String product = bias ? GraphIndex.uniqueName(names, layer + "_y") : output;
        chain.add(Int8Tensors.node("DynamicQuantizeLinear", List.of(node.getInput(0)), List.of(xq, xs, xz)));
        chain.add(Int8Tensors.node("MatMulInteger", List.of(xq, q, xz), List.of(acc)));
        chain.add(Int8Tensors.castToFloat(acc, accf));
        chain.add(Int8Tensors.node("Mul", List.of(xs, scale), List.of(s)));
        chain.add(Int8Tensors.node("Mul", List.of(accf, s), List.of(product)));
        if (bias) {
            String c = gemmBias(target, binding, node, layer, dense.bias(), chain);
            chain.add(Int8Tensors.node("Add", List.of(product, c), List.of(output)));
        }
        List<NodeProto> nodes = new ArrayList<>(graph.getNodeList());
        nodes.remove(at);
        nodes.addAll(at, chain);
        graph.clearNode().addAllNode(nodes);
    }

    /**
     * The tensor a Gemm layer's integer chain adds as its bias, {@code beta · C} as the reader computes it: float16
     * through a Cast added to {@code chain} when {@link Int8Quantization#halfStored} (the network holds these values),
     * else C itself when beta is 1, else a new initializer of {@code beta · C}.
     */
    private static String gemmBias(Target target, LayerBinding binding, NodeProto gemm, String layer,
            float[] networkBias, List<NodeProto> chain) {
        GraphProto.Builder graph = target.graph();
        String given = gemm.getInput(2);
        float beta = NodeAttributes.floatAttribute(gemm, "beta", 1f);
        TensorProto stored = graph.getInitializerList().stream().filter(t -> t.getName().equals(given))
                .findFirst().orElse(null);
        if (stored != null && OnnxTensors.elementCount(stored) == networkBias.length
                && Int8Quantization.halfStored(networkBias)) {
            String half = GraphIndex.uniqueName(target.names(), layer + "_bh");
            String c = GraphIndex.uniqueName(target.names(), layer + "_b");
            graph.addInitializer(Int8Tensors.halfTensor(half, networkBias, new long[] {networkBias.length}));
            chain.add(Int8Tensors.castToFloat(half, c));
            target.orphans().add(given);
            return c;
        }
        if (beta == 1f) {
            return given;
        }
        if (stored == null) {
            throw new IllegalArgumentException("the bias of " + binding.dense().node() + " is not an initializer");
        }
        float[] values = OnnxTensors.floats(stored, null, given);
        for (int k = 0; k < values.length; k++) {
            values[k] = beta * values[k];
        }
        String scaled = GraphIndex.uniqueName(target.names(), layer + "_bias");
        graph.addInitializer(OnnxTensors.newTensor(scaled, OnnxTensors.FLOAT, values, OnnxTensors.dims(stored)));
        target.orphans().add(given);
        return scaled;
    }

    /**
     * The model with each integer-kernel chain {@link #integerKernels} writes read as the dense layer it computes: a
     * DequantizeLinear of its int8 weights (axis 1, a scale per unit) into a MatMul writing the chain's output; the
     * model itself when it has none. The reader reads this form (marking those layers {@code quantizedInputs}) and
     * the writer rewrites it, so the same names come out of both; ONNX Runtime still runs the file as it is.
     */
    public static ModelProto readable(ModelProto model) {
        return Int8Reading.readable(model);
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
            long axis = NodeAttributes.intAttribute(node, "axis", 1);
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
    private static void halfBias(Target target, LayerBinding binding, String layer, float[] bias) {
        GraphProto.Builder graph = target.graph();
        int units = bias.length;
        if (!Int8Quantization.halfStored(bias)) {
            return;
        }
        String reader = binding.bias() != null && binding.bias().addNode() != null ? binding.bias().addNode()
                : binding.dense().output();
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
            String half = GraphIndex.uniqueName(target.names(), layer + "_bh");
            String c = GraphIndex.uniqueName(target.names(), layer + "_b");
            graph.addInitializer(Int8Tensors.halfTensor(half, bias, new long[] {units}));
            NodeProto.Builder b = node.toBuilder().setInput(at, c);
            for (int a = b.getAttributeCount() - 1; a >= 0; a--) {
                if (gemm && b.getAttribute(a).getName().equals("beta")) {
                    b.removeAttribute(a);
                }
            }
            List<NodeProto> nodes = new ArrayList<>(graph.getNodeList());
            nodes.set(i, b.build());
            nodes.add(i, Int8Tensors.castToFloat(half, c));
            graph.clearNode().addAllNode(nodes);
            target.orphans().add(given);
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
