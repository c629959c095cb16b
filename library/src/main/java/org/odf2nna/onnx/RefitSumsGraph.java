package org.odf2nna.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.odf2nna.BuildInfo;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * A graph that computes, over a batch of chain-input rows, the sums one layer's least-squares refit needs, so that
 * ONNX Runtime's own MatMul does the rank-k updates (double precision, at matrix-multiply speed) instead of a loop in
 * Java: H, the pruned network's outputs of hidden layer l (the original's kept first-layer columns, then the pruned
 * layers 1..l), and Z, the original's pre-activations of layer l+1, each shifted by a constant per column; outputs
 * {@link #HH} = HᵀH (a Gemm of H with itself, so not always symmetric to the last bit), {@link #H_SUM} = 1ᵀH,
 * {@link #HZ} = HᵀZ, {@link #Z_SUM} = 1ᵀZ and {@link #ZZ} = the column sums of Z², all double. The two chains run
 * in float, as the models they stand for do. The Gram products of wide features ({@link #FLOAT_PRODUCT_WIDTH}) are
 * made in float over the block of rows and cast to double, so that only the sums across blocks are double.
 */
public final class RefitSumsGraph {

    public static final String INPUT = "rows";
    public static final String HH = "hh";
    public static final String H_SUM = "h_sum";
    public static final String HZ = "hz";
    public static final String Z_SUM = "z_sum";
    public static final String ZZ = "zz";
    public static final List<String> OUTPUTS = List.of(HH, H_SUM, HZ, Z_SUM, ZZ);
    /**
     * Features at least this many have their Gram products made in float over each block of rows (the shifted values
     * rounded to float, the block's products cast to double and summed across blocks in double): at 4,096 wide a
     * double Gram took about twice a float one. Narrower layers, every shared model's among them, keep double
     * products and the refits they always had.
     */
    public static final int FLOAT_PRODUCT_WIDTH = 1024;

    private RefitSumsGraph() {
    }

    /** The graph's input: float rows of {@code width} chain-input values. */
    public static InputSignature input(int width) {
        return new InputSignature(INPUT, OnnxTensors.FLOAT, new long[] {-1, width});
    }

    /** Whether every layer can be written as a Gemm and an ONNX activation (no simulated integer kernels). */
    public static boolean expressible(DenseNetwork network) {
        for (DenseLayer layer : network.layers()) {
            if (layer.quantizedInputs()) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param original     the original network (layers 0..layer+1 are run)
     * @param firstKept    the kept units of its first hidden layer
     * @param pruned       the pruned network's layers 0..layer (layer 0 is not run: its outputs are {@code firstKept}'s
     *                     columns of the original's)
     * @param layer        0-based hidden layer whose pruned outputs are the features
     * @param featureShift one value per feature, subtracted before the sums
     * @param targetShift  one value per target (layer+1's units), subtracted before the sums
     * @param floatProducts HᵀH and HᵀZ in float per block (see {@link #FLOAT_PRODUCT_WIDTH}), else in double
     */
    public static ModelProto build(DenseNetwork original, int[] firstKept, List<DenseLayer> pruned, int layer,
            double[] featureShift, double[] targetShift, boolean floatProducts) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("odf2nna_refit_sums");
        graph.addInput(floatRows(INPUT, original.inputs()));
        String x = INPUT;
        String first = null;
        for (int l = 0; l <= layer + 1; l++) {
            DenseLayer w = original.layer(l);
            x = gemm(graph, "original_" + l, w, x);
            if (l <= layer) {
                x = activate(graph, "original_" + l, w.activation(), x);
            }
            if (l == 0) {
                first = x;
            }
        }
        String h = prunedChain(graph, first, firstKept, pruned, layer).get(layer);
        return sums(graph, shifted(graph, "h", h, featureShift), shifted(graph, "z", x, targetShift), floatProducts);
    }

    /** {@link #onTargets}'s second input: the targets Z, double rows of the next layer's units. */
    public static final String TARGETS = "targets";

    /**
     * {@link #build} with the targets Z given as a second input ({@link #TARGETS}, double, shifted here) instead of
     * computed by the original's chain: only the original's first layer (whose kept columns start the pruned chain)
     * and the pruned chain run.
     */
    public static ModelProto onTargets(DenseNetwork original, int[] firstKept, List<DenseLayer> pruned, int layer,
            double[] featureShift, double[] targetShift, boolean floatProducts) {
        return onTargets(original, firstKept, pruned, layer, featureShift, targetShift, floatProducts, null);
    }

    /** {@link #onTargets}'s output of its {@link Rider}: the rider's outputs, float rows, its head applied. */
    public static final String RIDER = "rider_outputs";

    /**
     * A pruned network run beside the sums, from the pruned chain's hidden layer {@code shared} (its layers 0..shared
     * are the chain's) to its output: another compensation of the same units (mean folding beside a refit), whose
     * outputs ride on the pass instead of a pass of their own.
     */
    public record Rider(DenseNetwork network, int shared) {
    }

    /**
     * {@link #onTargets} with {@code rider} (or null) run beside: its outputs as {@link #RIDER}, as its own graph
     * computes them from the chain input (the output layer's activation and the head included).
     */
    public static ModelProto onTargets(DenseNetwork original, int[] firstKept, List<DenseLayer> pruned, int layer,
            double[] featureShift, double[] targetShift, boolean floatProducts, Rider rider) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("odf2nna_refit_sums_on_targets");
        graph.addInput(floatRows(INPUT, original.inputs()));
        graph.addInput(rows(TARGETS, OnnxTensors.DOUBLE, targetShift.length));
        DenseLayer w = original.layer(0);
        String first = activate(graph, "original_0", w.activation(), gemm(graph, "original_0", w, INPUT));
        List<String> chain = prunedChain(graph, first, firstKept, pruned, layer);
        String zd = "z/shifted";
        graph.addInitializer(doubles("z.shift", targetShift));
        graph.addNode(node("Sub", "z/Sub", List.of(TARGETS, "z.shift"), zd));
        ModelProto sums = sums(graph, shifted(graph, "h", chain.get(layer), featureShift), zd, floatProducts);
        return rider == null ? sums : withRider(sums, chain.get(rider.shared()), rider);
    }

    /** {@code sums} with the rider's layers after {@code from} and its head, its outputs a float output. */
    private static ModelProto withRider(ModelProto sums, String from, Rider rider) {
        GraphProto.Builder graph = sums.getGraph().toBuilder();
        DenseNetwork network = rider.network();
        String x = from;
        for (int l = rider.shared() + 1; l < network.layers().size(); l++) {
            DenseLayer layer = network.layer(l);
            x = activate(graph, "rider_" + l, layer.activation(), gemm(graph, "rider_" + l, layer, x));
        }
        switch (network.head()) {
            case SOFTMAX, LOG_SOFTMAX -> graph.addNode(node(network.head() == org.odf2nna.network.OutputHead.SOFTMAX
                    ? "Softmax" : "LogSoftmax", "rider/head", List.of(x), RIDER).addAttribute(AttributeProto
                    .newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(-1)));
            case SIGMOID -> graph.addNode(node("Sigmoid", "rider/head", List.of(x), RIDER));
            default -> graph.addNode(node("Identity", "rider/head", List.of(x), RIDER));
        }
        graph.addOutput(rows(RIDER, OnnxTensors.FLOAT, network.outputs()));
        return sums.toBuilder().setGraph(graph).build();
    }

    /**
     * The pruned chain to hidden layer {@code layer}: the first layer's kept columns, then its layers 1..layer; the
     * name of each hidden layer's outputs, 0..layer.
     */
    private static List<String> prunedChain(GraphProto.Builder graph, String first, int[] firstKept,
            List<DenseLayer> pruned, int layer) {
        graph.addInitializer(int64("first_kept", firstKept));
        graph.addNode(node("Gather", "pruned_0/Gather", List.of(first, "first_kept"), "pruned_0/out")
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                        .setI(1)));
        List<String> outputs = new java.util.ArrayList<>(List.of("pruned_0/out"));
        String h = "pruned_0/out";
        for (int l = 1; l <= layer; l++) {
            DenseLayer w = pruned.get(l);
            h = activate(graph, "pruned_" + l, w.activation(), gemm(graph, "pruned_" + l, w, h));
            outputs.add(h);
        }
        return outputs;
    }

    /** The refit's sums of the shifted features {@code hd} and targets {@code zd}: the model of {@link #OUTPUTS}. */
    private static ModelProto sums(GraphProto.Builder graph, String hd, String zd, boolean floatProducts) {
        graph.addInitializer(int64("axis0", new int[] {0}));
        // Gemm with transA reads H as it lies: no transposed copy of the block.
        String hp = floatProducts ? cast(graph, "h/float", hd, OnnxTensors.FLOAT) : hd;
        String zp = floatProducts ? cast(graph, "z/float", zd, OnnxTensors.FLOAT) : zd;
        gramProduct(graph, "hh", hp, hp, HH, floatProducts);
        gramProduct(graph, "hz", hp, zp, HZ, floatProducts);
        graph.addNode(sum(H_SUM, hd));
        graph.addNode(sum(Z_SUM, zd));
        graph.addNode(node("Mul", "z/Square", List.of(zd, zd), "z/squared"));
        graph.addNode(sum(ZZ, "z/squared"));
        return model(graph, OUTPUTS);
    }

    /** {@link #originalGram}'s outputs: AᵀA of the shifted outputs A, and their column sums 1ᵀA, double. */
    public static final String GRAM = "gram";
    public static final String UNIT_SUM = "unit_sum";
    public static final List<String> GRAM_OUTPUTS = List.of(GRAM, UNIT_SUM);

    /**
     * A graph that runs the original alone up to hidden layer {@code layer}'s outputs A (float, as the model runs),
     * shifted by {@code shift} in double, and gives {@link #GRAM} = AᵀA over all its units and {@link #UNIT_SUM} = 1ᵀA:
     * when nothing was dropped before that layer, every sum of its refit (kept columns, and the next layer's
     * pre-activations, a linear map of A) follows from these two.
     *
     * @param floatProduct AᵀA in float per block (see {@link #FLOAT_PRODUCT_WIDTH}), else in double
     */
    public static ModelProto originalGram(DenseNetwork original, int layer, double[] shift, boolean floatProduct) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("odf2nna_original_gram");
        graph.addInput(floatRows(INPUT, original.inputs()));
        String x = INPUT;
        for (int l = 0; l <= layer; l++) {
            DenseLayer w = original.layer(l);
            x = activate(graph, "original_" + l, w.activation(), gemm(graph, "original_" + l, w, x));
        }
        String a = shifted(graph, "a", x, shift);
        graph.addInitializer(int64("axis0", new int[] {0}));
        String ap = floatProduct ? cast(graph, "a/float", a, OnnxTensors.FLOAT) : a;
        gramProduct(graph, "gram", ap, ap, GRAM, floatProduct);
        graph.addNode(sum(UNIT_SUM, a));
        return model(graph, GRAM_OUTPUTS);
    }

    /** {@link #blockGram}'s input and its second output, the block's mean of every column. */
    public static final String ACTIVATIONS = "activations";
    public static final String BLOCK_MEAN = "block_mean";
    public static final List<String> BLOCK_GRAM_OUTPUTS = List.of(GRAM, BLOCK_MEAN);

    /** {@link #blockGram}'s input: float rows of {@code width} activations. */
    public static InputSignature activations(int width) {
        return new InputSignature(ACTIVATIONS, OnnxTensors.FLOAT, new long[] {-1, width});
    }

    /**
     * A graph over a block of activations A (float rows of {@code width}, as the scoring pass gets them) that gives
     * their mean μ and {@link #GRAM} = (A − μ)ᵀ(A − μ) in double: blocks centred on their own means merge exactly
     * (Chan et al.), so the scoring pass can take a layer's Gram matrix before the means of all rows are known.
     */
    public static ModelProto blockGram(int width) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("odf2nna_block_gram");
        graph.addInput(floatRows(ACTIVATIONS, width));
        graph.addNode(node("Cast", "a/Cast", List.of(ACTIVATIONS), "a/double").addAttribute(AttributeProto
                .newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(OnnxTensors.DOUBLE)));
        graph.addNode(node("ReduceMean", "a/ReduceMean", List.of("a/double"), "a/mean").addAttribute(
                ints("axes", 0)));
        graph.addNode(node("Sub", "a/Sub", List.of("a/double", "a/mean"), "a/centred"));
        graph.addNode(transposedProduct("gram/Gemm", "a/centred", "a/centred", GRAM));
        graph.addInitializer(int64("mean_shape", new int[] {width}));
        graph.addNode(node("Reshape", "a/Reshape", List.of("a/mean", "mean_shape"), BLOCK_MEAN));
        return model(graph, BLOCK_GRAM_OUTPUTS);
    }

    private static AttributeProto ints(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS).addInts(value)
                .build();
    }

    /** The model of {@code graph} with {@code outputs} as its double outputs. */
    private static ModelProto model(GraphProto.Builder graph, List<String> outputs) {
        for (String out : outputs) {
            graph.addOutput(ValueInfoProto.newBuilder().setName(out).setType(TypeProto.newBuilder()
                    .setTensorType(TypeProto.Tensor.newBuilder().setElemType(OnnxTensors.DOUBLE))));
        }
        return ModelProto.newBuilder().setIrVersion(OnnxModelBuilder.IR_VERSION)
                .setProducerName(BuildInfo.NAME).setProducerVersion(BuildInfo.version())
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxModelBuilder.OPSET))
                .setGraph(graph).build();
    }

    /** The layer's Gemm (weights {@code [inputs, units]}, bias), float. */
    private static String gemm(GraphProto.Builder graph, String name, DenseLayer layer, String in) {
        graph.addInitializer(OnnxTensors.newTensor(name + ".weight", OnnxTensors.FLOAT, layer.weights(),
                new long[] {layer.inputs(), layer.units()}));
        graph.addInitializer(OnnxTensors.newTensor(name + ".bias", OnnxTensors.FLOAT, layer.bias(),
                new long[] {layer.units()}));
        String out = name + "/pre";
        graph.addNode(node("Gemm", name + "/Gemm", List.of(in, name + ".weight", name + ".bias"), out));
        return out;
    }

    private static String activate(GraphProto.Builder graph, String name, Activation activation, String in) {
        if (activation.kind() == Activation.Kind.IDENTITY) {
            return in;
        }
        String out = name + "/out";
        graph.addNode(OnnxModelBuilder.activationNode(graph, activation, name, in, out));
        return out;
    }

    /** Cast to double and subtract the shift. */
    private static String shifted(GraphProto.Builder graph, String name, String in, double[] shift) {
        graph.addNode(node("Cast", name + "/Cast", List.of(in), name + "/double").addAttribute(AttributeProto
                .newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(OnnxTensors.DOUBLE)));
        graph.addInitializer(doubles(name + ".shift", shift));
        graph.addNode(node("Sub", name + "/Sub", List.of(name + "/double", name + ".shift"), name + "/shifted"));
        return name + "/shifted";
    }

    /** A double vector initializer. */
    private static TensorProto doubles(String name, double[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            buffer.putDouble(v);
        }
        buffer.flip();
        return TensorProto.newBuilder().setName(name).setDataType(OnnxTensors.DOUBLE).addDims(values.length)
                .setRawData(ByteString.copyFrom(buffer)).build();
    }

    /** Aᵀ·B into {@code out} (double): one Gemm in the inputs' type, cast to double when that is float. */
    private static void gramProduct(GraphProto.Builder graph, String name, String a, String b, String out,
            boolean inFloat) {
        if (!inFloat) {
            graph.addNode(transposedProduct(name + "/Gemm", a, b, out));
            return;
        }
        graph.addNode(transposedProduct(name + "/Gemm", a, b, name + "/float"));
        graph.addNode(node("Cast", name + "/Cast", List.of(name + "/float"), out).addAttribute(castTo(
                OnnxTensors.DOUBLE)));
    }

    private static String cast(GraphProto.Builder graph, String out, String in, int type) {
        graph.addNode(node("Cast", out + "/Cast", List.of(in), out).addAttribute(castTo(type)));
        return out;
    }

    private static AttributeProto castTo(int type) {
        return AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(type).build();
    }

    /** Aᵀ·B as one Gemm (transA = 1). */
    private static NodeProto.Builder transposedProduct(String name, String a, String b, String out) {
        return node("Gemm", name, List.of(a, b), out).addAttribute(AttributeProto.newBuilder().setName("transA")
                .setType(AttributeProto.AttributeType.INT).setI(1));
    }

    private static NodeProto sum(String out, String in) {
        return node("ReduceSum", out + "/ReduceSum", List.of(in, "axis0"), out).addAttribute(AttributeProto
                .newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)).build();
    }

    private static NodeProto.Builder node(String op, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output);
    }

    private static TensorProto int64(String name, int[] values) {
        return OnnxTensors.int64Vector(name, java.util.Arrays.stream(values).asLongStream().toArray());
    }

    private static ValueInfoProto floatRows(String name, int width) {
        return rows(name, OnnxTensors.FLOAT, width);
    }

    /** An input of rows of {@code width} values of {@code elementType}, any number of rows. */
    private static ValueInfoProto rows(String name, int elementType, int width) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elementType).setShape(shape))).build();
    }
}
