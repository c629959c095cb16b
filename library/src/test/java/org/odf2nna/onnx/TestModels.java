package org.odf2nna.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.odf2nna.Device;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Builds small dense ONNX models in code, in the many shapes exporters produce them, together with an
 * independent plain-Java reference of what the graph computes.
 *
 * <pre>{@code
 * TestModels.Built m = TestModels.dense(4, 8, 6, 3)
 *         .style(TestModels.Style.MATMUL_ADD).activation(TestModels.Act.tanh())
 *         .head(TestModels.Head.SOFTMAX).build();
 * double[] expected = m.reference(rows, n);   // graph semantics, evaluated in double
 * }</pre>
 *
 * <p>{@code widths} are {@code [chain inputs, hidden..., outputs]}; the prefix decides the graph input
 * shape in front of the chain. Tensor and node names are fixed so that tests can find them: layer
 * {@code n} (1-based) has the dense node {@code fc<n>}, weight {@code fc<n>.weight}, bias
 * {@code fc<n>.bias}, activation node {@code act<n>} writing {@code h<n>}, and so on.
 */
public final class TestModels {

    public static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    public static final int DOUBLE = TensorProto.DataType.DOUBLE_VALUE;

    /** How a layer's linear part is written. */
    public enum Style {
        /** Gemm(x, W[units, inputs], C) with transB=1, as PyTorch exports nn.Linear. */
        GEMM_TRANS_B,
        /** Gemm(x, W[inputs, units], C) with transB=0, as tf2onnx/keras2onnx export Dense. */
        GEMM,
        /** Gemm with transB=1 and alpha, beta different from 1 (set with {@link Builder#gemmScale}). */
        GEMM_ALPHA_BETA,
        /** Gemm without its C input (opset 11+). */
        GEMM_NO_BIAS,
        /** MatMul(x, W[inputs, units]) then Add(product, bias). */
        MATMUL_ADD,
        /** MatMul(x, W) then Add(bias, product): the bias on the left. */
        MATMUL_ADD_LEFT,
        /** MatMul(x, W) and no bias at all. */
        MATMUL_NO_BIAS;

        boolean hasBias() {
            return this != GEMM_NO_BIAS && this != MATMUL_NO_BIAS;
        }

        boolean isGemm() {
            return this == GEMM_TRANS_B || this == GEMM || this == GEMM_ALPHA_BETA || this == GEMM_NO_BIAS;
        }

        boolean transposed() {
            return this == GEMM_TRANS_B || this == GEMM_ALPHA_BETA || this == GEMM_NO_BIAS;
        }
    }

    /** Where constant tensors of the dense chain are kept. */
    public enum Storage {
        /** Initializers with raw_data. */
        RAW,
        /** Initializers with float_data / double_data. */
        TYPED,
        /** Constant nodes with a {@code value} tensor attribute (raw_data). */
        CONSTANT_NODE,
        /** Initializers named {@code NAME_stored}, read through an Identity node writing {@code NAME}, as PyTorch does. */
        IDENTITY_OF_INITIALIZER
    }

    public enum Head { NONE, SOFTMAX, LOG_SOFTMAX, SIGMOID }

    /** Where a BatchNormalization sits in a layer block. */
    public enum Norm { NONE, BEFORE_ACTIVATION, AFTER_ACTIVATION }

    /** What the graph does to its input before the dense chain. */
    public enum Prefix {
        NONE,
        /** Input [N, 1, 2, 2] (chain width 4), Flatten(axis=1). */
        FLATTEN,
        /** Sub(x, mean) then Div(., std), with constant vectors. */
        SUB_DIV,
        /** Sin(x): not a preprocessing step, so a backbone. */
        SIN,
        /** Input [N, 1, 2, 2], a 1x1 Conv to chain-width/4 channels, then Flatten: a backbone. */
        CONV,
        /** Reshape(x, [1, -1]): a graph that only ever takes one row at a time. */
        RESHAPE_ONE_ROW
    }

    /**
     * An activation node as it is written into the graph. {@code alpha}/{@code beta} are the ONNX
     * attributes (Clip: min and max; Selu: alpha and gamma; PRelu: the slope); null means "attribute not
     * written, ONNX default applies".
     */
    public record Act(String op, Float alpha, Float beta) {

        public static Act none() {
            return new Act("", null, null);
        }

        public static Act relu() {
            return new Act("Relu", null, null);
        }

        public static Act leakyRelu(Float alpha) {
            return new Act("LeakyRelu", alpha, null);
        }

        public static Act elu(Float alpha) {
            return new Act("Elu", alpha, null);
        }

        public static Act selu(Float alpha, Float gamma) {
            return new Act("Selu", alpha, gamma);
        }

        public static Act sigmoid() {
            return new Act("Sigmoid", null, null);
        }

        public static Act tanh() {
            return new Act("Tanh", null, null);
        }

        public static Act softplus() {
            return new Act("Softplus", null, null);
        }

        public static Act hardSigmoid(Float alpha, Float beta) {
            return new Act("HardSigmoid", alpha, beta);
        }

        public static Act clip(Float min, Float max) {
            return new Act("Clip", min, max);
        }

        /** PRelu with a single shared slope. */
        public static Act prelu(float slope) {
            return new Act("PRelu", slope, null);
        }

        /** The Identity operator used as an activation (reads as no activation). */
        public static Act identityNode() {
            return new Act("Identity", null, null);
        }

        public boolean isNone() {
            return op.isEmpty();
        }

        private double a(double fallback) {
            return alpha == null ? fallback : alpha;
        }

        private double b(double fallback) {
            return beta == null ? fallback : beta;
        }

        /** The ONNX operator's definition, evaluated in double. */
        public double apply(double x) {
            switch (op) {
                case "":
                case "Identity":
                    return x;
                case "Relu":
                    return Math.max(0, x);
                case "LeakyRelu":
                    return x >= 0 ? x : a(0.01f) * x;
                case "PRelu":
                    return x >= 0 ? x : alpha * x;
                case "Elu":
                    return x >= 0 ? x : a(1.0) * (Math.exp(x) - 1);
                case "Selu":
                    return b(1.05070102214813232421875) * (x > 0 ? x : a(1.67326319217681884765625) * (Math.exp(x) - 1));
                case "Sigmoid":
                    return 1 / (1 + Math.exp(-x));
                case "Tanh":
                    return Math.tanh(x);
                case "Softplus":
                    return x > 30 ? x : Math.log(1 + Math.exp(x));
                case "HardSigmoid":
                    return Math.max(0, Math.min(1, a(0.2f) * x + b(0.5f)));
                case "Clip":
                    return Math.max(a(Double.NEGATIVE_INFINITY), Math.min(b(Double.POSITIVE_INFINITY), x));
                default:
                    throw new IllegalStateException("unknown activation " + op);
            }
        }

        /** The activation the reader should find, with ONNX's defaults filled in. */
        public Activation expected() {
            switch (op) {
                case "":
                case "Identity":
                    return Activation.IDENTITY;
                case "Relu":
                    return Activation.RELU;
                case "LeakyRelu":
                    return new Activation(Activation.Kind.LEAKY_RELU, alpha == null ? 0.01f : alpha, 0);
                case "PRelu":
                    return new Activation(Activation.Kind.LEAKY_RELU, alpha, 0);
                case "Elu":
                    return new Activation(Activation.Kind.ELU, alpha == null ? 1f : alpha, 0);
                case "Selu":
                    return new Activation(Activation.Kind.SELU, alpha == null ? 1.67326319217681884765625f : alpha,
                            beta == null ? 1.05070102214813232421875f : beta);
                case "Sigmoid":
                    return Activation.SIGMOID;
                case "Tanh":
                    return Activation.TANH;
                case "Softplus":
                    return Activation.SOFTPLUS;
                case "HardSigmoid":
                    return new Activation(Activation.Kind.HARD_SIGMOID, alpha == null ? 0.2f : alpha,
                            beta == null ? 0.5f : beta);
                case "Clip":
                    return new Activation(Activation.Kind.CLIP, alpha == null ? Float.NEGATIVE_INFINITY : alpha,
                            beta == null ? Float.POSITIVE_INFINITY : beta);
                default:
                    throw new IllegalStateException("unknown activation " + op);
            }
        }
    }

    /** One layer's specification and, after {@link Builder#build()}, its stored values. */
    public static final class LayerSpec {
        int units;
        Style style;
        Act act;
        Norm norm = Norm.NONE;
        boolean dropout;
        boolean identity;
        boolean identityBeforeBias;
        int[] dead = new int[0];
        float alpha = 1f;
        float beta = 1f;

        /** Weights as the math uses them, {@code w[i][j]} for input i, unit j, exactly as stored. */
        double[][] w;
        /** The bias tensor's values as stored (before beta), or null when the layer has none. */
        double[] c;
        /** BatchNormalization scale, B, mean, var and epsilon. */
        double[] bnScale;
        double[] bnShift;
        double[] bnMean;
        double[] bnVar;
        float bnEpsilon = 1e-3f;

        public Style style() {
            return style;
        }

        public Act act() {
            return act;
        }

        public Norm norm() {
            return norm;
        }

        public int units() {
            return units;
        }

        /** Weight [input][unit] as stored (before alpha). */
        public double weight(int input, int unit) {
            return w[input][unit];
        }

        /** The bias tensor's values as stored (before beta); zeros when the layer has no bias. */
        public double[] storedBias() {
            return c == null ? new double[units] : c.clone();
        }

        public float alpha() {
            return alpha;
        }

        public float beta() {
            return beta;
        }

        /** BatchNormalization as {@code y = scale * x + shift}, in double. */
        public double[][] bnScaleShift() {
            return scaleShift(this);
        }
    }

    private TestModels() {
    }

    public static Builder dense(int... widths) {
        return new Builder(widths);
    }

    /** Saves a model into {@code dir} (typically a JUnit {@code @TempDir}). */
    public static Path save(ModelProto model, Path dir, String name) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, model.toByteArray());
        return file;
    }

    /** Seeded rows of uniform values in [-2, 2), row-major. */
    public static float[] randomRows(long seed, int rows, int width) {
        Random r = new Random(seed);
        float[] x = new float[rows * width];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) (r.nextDouble() * 4 - 2);
        }
        return x;
    }

    public static final class Builder {
        private final int[] widths;
        private final List<LayerSpec> layers = new ArrayList<>();
        private long opset = 13;
        private long irVersion = -1;
        private long seed = 42;
        private Storage storage = Storage.RAW;
        private Prefix prefix = Prefix.NONE;
        private Head head = Head.NONE;
        private boolean doubles;
        private boolean fullDoublePrecision;
        private boolean fixedBatch;
        private boolean valueInfo;
        private boolean named = true;
        private boolean docs;
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private boolean trainingDropout;

        Builder(int... widths) {
            if (widths.length < 2) {
                throw new IllegalArgumentException("need at least input and output widths");
            }
            this.widths = widths.clone();
            for (int l = 0; l + 1 < widths.length; l++) {
                LayerSpec s = new LayerSpec();
                s.units = widths[l + 1];
                s.style = Style.GEMM_TRANS_B;
                s.act = l + 2 < widths.length ? Act.relu() : Act.none();
                layers.add(s);
            }
        }

        public Builder opset(long v) {
            opset = v;
            return this;
        }

        public Builder irVersion(long v) {
            irVersion = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder storage(Storage v) {
            storage = v;
            return this;
        }

        public Builder prefix(Prefix v) {
            prefix = v;
            return this;
        }

        public Builder head(Head v) {
            head = v;
            return this;
        }

        /** A float64 model: DOUBLE input, weights and outputs (weights hold float-representable values). */
        public Builder doubles() {
            doubles = true;
            return this;
        }

        /** A float64 model whose weights use the full double precision (not representable as floats). */
        public Builder fullDoublePrecision() {
            doubles = true;
            fullDoublePrecision = true;
            return this;
        }

        /** Input [1, ...] and output [1, outputs]: a graph exported with a batch of one. */
        public Builder fixedBatch() {
            fixedBatch = true;
            return this;
        }

        /** Adds value_info entries with shapes for the chain's inner tensors. */
        public Builder valueInfo() {
            valueInfo = true;
            return this;
        }

        public Builder unnamedNodes() {
            named = false;
            return this;
        }

        /** Doc strings on the model, the graph and every node. */
        public Builder docStrings() {
            docs = true;
            return this;
        }

        public Builder metadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        /** Every layer in this style. */
        public Builder style(Style s) {
            layers.forEach(l -> l.style = s);
            return this;
        }

        /** Layer {@code layer} (0-based) in this style. */
        public Builder style(int layer, Style s) {
            layers.get(layer).style = s;
            return this;
        }

        /** Gemm alpha and beta of layer {@code layer} (switches it to {@link Style#GEMM_ALPHA_BETA}). */
        public Builder gemmScale(int layer, float alpha, float beta) {
            LayerSpec s = layers.get(layer);
            s.style = Style.GEMM_ALPHA_BETA;
            s.alpha = alpha;
            s.beta = beta;
            return this;
        }

        /** Every hidden layer's activation. */
        public Builder activation(Act a) {
            for (int l = 0; l + 1 < layers.size(); l++) {
                layers.get(l).act = a;
            }
            return this;
        }

        public Builder activation(int layer, Act a) {
            layers.get(layer).act = a;
            return this;
        }

        public Builder norm(int layer, Norm n) {
            layers.get(layer).norm = n;
            return this;
        }

        /** An inference-mode Dropout after layer {@code layer}'s activation. */
        public Builder dropout(int layer) {
            layers.get(layer).dropout = true;
            return this;
        }

        /** Dropouts get a constant training_mode input set to true (opset 12+): an invalid model for us. */
        public Builder trainingDropout() {
            trainingDropout = true;
            return this;
        }

        /** An Identity node between layer {@code layer}'s dense op and its activation. */
        public Builder identity(int layer) {
            layers.get(layer).identity = true;
            return this;
        }

        /** An Identity node between layer {@code layer}'s MatMul and its bias Add. */
        public Builder identityBeforeBias(int layer) {
            layers.get(layer).identityBeforeBias = true;
            return this;
        }

        /** Units of layer {@code layer} that get bias -1000: dead under ReLU (always 0). */
        public Builder dead(int layer, int... units) {
            layers.get(layer).dead = units.clone();
            return this;
        }

        public Built build() {
            return new Generator(this).generate();
        }
    }

    /** The prefix a model was generated with, and its constants ({@code (x - a) / b} for {@link Prefix#SUB_DIV}). */
    record BuiltPrefix(Prefix kind, double[] a, double[] b) {
    }

    /** A generated model with its specification. */
    public static final class Built {
        private final ModelProto model;
        private final int[] widths;
        private final List<LayerSpec> layers;
        private final Prefix prefix;
        private final Head head;
        private final boolean doubles;
        private final long[] inputDims;
        private final double[] prefixA;
        private final double[] prefixB;

        Built(ModelProto model, int[] widths, List<LayerSpec> layers, BuiltPrefix prefix, Head head, boolean doubles,
                long[] inputDims) {
            this.model = model;
            this.widths = widths;
            this.layers = layers;
            this.prefix = prefix.kind();
            this.head = head;
            this.doubles = doubles;
            this.inputDims = inputDims;
            this.prefixA = prefix.a();
            this.prefixB = prefix.b();
        }

        public ModelProto model() {
            return model;
        }

        /** {@code [chain inputs, hidden..., outputs]}. */
        public int[] widths() {
            return widths.clone();
        }

        public int[] hiddenUnits() {
            return Arrays.copyOfRange(widths, 1, widths.length - 1);
        }

        public int outputs() {
            return widths[widths.length - 1];
        }

        public int chainWidth() {
            return widths[0];
        }

        /** Values per data row the graph input takes. */
        public int inputWidth() {
            long n = 1;
            for (int d = 1; d < inputDims.length; d++) {
                n *= inputDims[d];
            }
            return (int) n;
        }

        /** Graph input dims; -1 for a symbolic batch. */
        public long[] inputDims() {
            return inputDims.clone();
        }

        public LayerSpec layer(int l) {
            return layers.get(l);
        }

        public int layerCount() {
            return layers.size();
        }

        public Head head() {
            return head;
        }

        public boolean isDouble() {
            return doubles;
        }

        /** What the reader should report as the prefix. */
        public InputPrefix expectedPrefix() {
            switch (prefix) {
                case NONE:
                    return InputPrefix.NONE;
                case FLATTEN:
                    return new InputPrefix(InputPrefix.Kind.PREPROCESSING, List.of("Flatten"));
                case SUB_DIV: {
                    // (x - mean) / std as x * (1 / std) + (-mean / std), computed in float as the reader does.
                    float[] scale = new float[prefixA.length];
                    float[] shift = new float[prefixA.length];
                    for (int k = 0; k < scale.length; k++) {
                        scale[k] = 1f / (float) prefixB[k];
                        shift[k] = -(float) prefixA[k] / (float) prefixB[k];
                    }
                    return new InputPrefix(InputPrefix.Kind.PREPROCESSING, List.of("Sub", "Div"),
                            new InputPrefix.Affine(scale, shift));
                }
                case SIN:
                    return new InputPrefix(InputPrefix.Kind.BACKBONE, List.of("Sin"));
                case CONV:
                    return new InputPrefix(InputPrefix.Kind.BACKBONE, List.of("Conv", "Flatten"));
                case RESHAPE_ONE_ROW:
                    return new InputPrefix(InputPrefix.Kind.PREPROCESSING, List.of("Reshape"));
                default:
                    throw new IllegalStateException();
            }
        }

        public OutputHead expectedHead() {
            switch (head) {
                case SOFTMAX:
                    return OutputHead.SOFTMAX;
                case LOG_SOFTMAX:
                    return OutputHead.LOG_SOFTMAX;
                case SIGMOID:
                    return OutputHead.SIGMOID;
                default:
                    return OutputHead.NONE;
            }
        }

        /**
         * The network the reader should find: alpha and beta multiplied in (in float, as a float graph
         * computes them), BatchNormalization folded in double (compare those with a tolerance).
         */
        public DenseNetwork expectedNetwork() {
            List<DenseLayer> out = new ArrayList<>();
            double[] inScale = null;
            double[] inShift = null;
            for (int l = 0; l < layers.size(); l++) {
                LayerSpec s = layers.get(l);
                int inputs = widths[l];
                int units = s.units;
                double[][] w = new double[inputs][units];
                double[] b = new double[units];
                for (int i = 0; i < inputs; i++) {
                    for (int j = 0; j < units; j++) {
                        w[i][j] = (float) s.w[i][j] * s.alpha;
                    }
                }
                for (int j = 0; j < units; j++) {
                    b[j] = s.c == null ? 0 : (float) ((float) s.c[j] * s.beta);
                }
                if (inScale != null) {
                    for (int j = 0; j < units; j++) {
                        for (int i = 0; i < inputs; i++) {
                            b[j] += inShift[i] * w[i][j];
                            w[i][j] *= inScale[i];
                        }
                    }
                    inScale = null;
                    inShift = null;
                }
                if (s.norm == Norm.BEFORE_ACTIVATION || (s.norm == Norm.AFTER_ACTIVATION && s.act.isNone())) {
                    double[][] ss = s.bnScaleShift();
                    for (int j = 0; j < units; j++) {
                        for (int i = 0; i < inputs; i++) {
                            w[i][j] *= ss[0][j];
                        }
                        b[j] = b[j] * ss[0][j] + ss[1][j];
                    }
                } else if (s.norm == Norm.AFTER_ACTIVATION) {
                    double[][] ss = s.bnScaleShift();
                    inScale = ss[0];
                    inShift = ss[1];
                }
                float[] wf = new float[inputs * units];
                float[] bf = new float[units];
                for (int i = 0; i < inputs; i++) {
                    for (int j = 0; j < units; j++) {
                        wf[i * units + j] = (float) w[i][j];
                    }
                }
                for (int j = 0; j < units; j++) {
                    bf[j] = (float) b[j];
                }
                out.add(new DenseLayer(inputs, units, wf, bf, s.act.expected()));
            }
            return new DenseNetwork(expectedPrefix(), out, expectedHead());
        }

        /** What the prefix makes of {@code rows} input rows: the chain input, in double. */
        public double[] chainInput(float[] x, int rows) {
            int in = inputWidth();
            int chain = widths[0];
            double[] out = new double[rows * chain];
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < chain; k++) {
                    double v;
                    switch (prefix) {
                        case SUB_DIV:
                            v = ((double) x[r * in + k] - prefixA[k]) / prefixB[k];
                            if (!doubles) {
                                v = (float) ((float) (x[r * in + k] - (float) prefixA[k]) / (float) prefixB[k]);
                            }
                            break;
                        case SIN:
                            v = Math.sin(x[r * in + k]);
                            break;
                        case CONV: {
                            int channel = k / 4;
                            int pixel = k % 4;
                            v = prefixA[channel] * x[r * in + pixel] + prefixB[channel];
                            break;
                        }
                        default:
                            v = x[r * in + k];
                            break;
                    }
                    out[r * chain + k] = v;
                }
            }
            return out;
        }

        /** The graph's output for {@code rows} rows of graph input, from the ONNX definitions, in double. */
        public double[] reference(float[] x, int rows) {
            return referenceFromChain(chainInput(x, rows), rows);
        }

        /** The graph's output for rows of chain input. */
        public double[] referenceFromChain(double[] chain, int rows) {
            double[] h = chain;
            for (int l = 0; l < layers.size(); l++) {
                h = layerOutput(l, h, rows, true);
            }
            return applyHead(h, rows, outputs());
        }

        /** Each hidden layer's unit outputs (after the activation, before a following normalisation). */
        public List<double[]> hiddenReference(float[] x, int rows) {
            List<double[]> out = new ArrayList<>();
            double[] h = chainInput(x, rows);
            for (int l = 0; l + 1 < layers.size(); l++) {
                out.add(layerOutput(l, h, rows, false));
                h = layerOutput(l, h, rows, true);
            }
            return out;
        }

        private double[] layerOutput(int l, double[] x, int rows, boolean withPostNorm) {
            LayerSpec s = layers.get(l);
            int inputs = widths[l];
            int units = s.units;
            double[] out = new double[rows * units];
            double[][] ss = s.norm == Norm.NONE ? null : s.bnScaleShift();
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < units; j++) {
                    double z = 0;
                    for (int i = 0; i < inputs; i++) {
                        z += x[r * inputs + i] * s.w[i][j];
                    }
                    z = s.alpha * z + (s.c == null ? 0 : s.beta * s.c[j]);
                    if (s.norm == Norm.BEFORE_ACTIVATION) {
                        z = ss[0][j] * z + ss[1][j];
                    }
                    z = s.act.apply(z);
                    if (s.norm == Norm.AFTER_ACTIVATION && (withPostNorm || s.act.isNone())) {
                        z = ss[0][j] * z + ss[1][j];
                    }
                    out[r * units + j] = z;
                }
            }
            return out;
        }

        private double[] applyHead(double[] y, int rows, int width) {
            double[] out = y.clone();
            for (int r = 0; r < rows; r++) {
                int base = r * width;
                switch (head) {
                    case SIGMOID:
                        for (int j = 0; j < width; j++) {
                            out[base + j] = 1 / (1 + Math.exp(-y[base + j]));
                        }
                        break;
                    case SOFTMAX:
                    case LOG_SOFTMAX: {
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < width; j++) {
                            max = Math.max(max, y[base + j]);
                        }
                        double sum = 0;
                        for (int j = 0; j < width; j++) {
                            sum += Math.exp(y[base + j] - max);
                        }
                        for (int j = 0; j < width; j++) {
                            double logP = y[base + j] - max - Math.log(sum);
                            out[base + j] = head == Head.SOFTMAX ? Math.exp(logP) : logP;
                        }
                        break;
                    }
                    default:
                        break;
                }
            }
            return out;
        }
    }

    /** Scale and shift of the layer's BatchNormalization, {@code y = scale * x + shift}. */
    private static double[][] scaleShift(LayerSpec s) {
        double[] scale = new double[s.units];
        double[] shift = new double[s.units];
        for (int j = 0; j < s.units; j++) {
            scale[j] = s.bnScale[j] / Math.sqrt(s.bnVar[j] + s.bnEpsilon);
            shift[j] = s.bnShift[j] - s.bnMean[j] * scale[j];
        }
        return new double[][] {scale, shift};
    }

    private static final class Generator {
        final Builder spec;
        final Random random;
        final int type;
        final GraphProto.Builder graph = GraphProto.newBuilder();

        Generator(Builder spec) {
            this.spec = spec;
            this.random = new Random(spec.seed);
            this.type = spec.doubles ? DOUBLE : FLOAT;
        }

        long batch() {
            return spec.fixedBatch ? 1 : -1;
        }

        Built generate() {
            int[] widths = spec.widths;
            long[] inputDims;
            switch (spec.prefix) {
                case FLATTEN:
                    if (widths[0] != 4) {
                        throw new IllegalArgumentException("the Flatten prefix takes [N,1,2,2]: chain width 4");
                    }
                    inputDims = new long[] {batch(), 1, 2, 2};
                    break;
                case CONV:
                    if (widths[0] % 4 != 0) {
                        throw new IllegalArgumentException("the Conv prefix needs a chain width divisible by 4");
                    }
                    inputDims = new long[] {batch(), 1, 2, 2};
                    break;
                default:
                    inputDims = new long[] {batch(), widths[0]};
                    break;
            }
            graph.setName("dense_test_graph");
            graph.addInput(valueInfo("x", type, inputDims));

            double[] prefixA = null;
            double[] prefixB = null;
            String t = "x";
            switch (spec.prefix) {
                case FLATTEN:
                    t = node("Flatten", "flatten", List.of(t), "x_flat", attr("axis", 1));
                    break;
                case SUB_DIV:
                    prefixA = new double[widths[0]];
                    prefixB = new double[widths[0]];
                    for (int k = 0; k < widths[0]; k++) {
                        prefixA[k] = (float) (random.nextDouble() - 0.5);
                        prefixB[k] = (float) (0.5 + random.nextDouble());
                    }
                    graph.addInitializer(tensor("norm.mean", prefixA, false, widths[0]));
                    graph.addInitializer(tensor("norm.std", prefixB, false, widths[0]));
                    t = node("Sub", "sub", List.of(t, "norm.mean"), "x_centred");
                    t = node("Div", "div", List.of(t, "norm.std"), "x_scaled");
                    break;
                case SIN:
                    t = node("Sin", "sin", List.of(t), "x_sin");
                    break;
                case CONV: {
                    int channels = widths[0] / 4;
                    prefixA = new double[channels];
                    prefixB = new double[channels];
                    for (int c = 0; c < channels; c++) {
                        prefixA[c] = (float) (random.nextDouble() * 2 - 1);
                        prefixB[c] = (float) (random.nextDouble() - 0.5);
                    }
                    graph.addInitializer(tensor("conv.weight", prefixA, false, channels, 1, 1, 1));
                    graph.addInitializer(tensor("conv.bias", prefixB, false, channels));
                    t = node("Conv", "conv", List.of(t, "conv.weight", "conv.bias"), "x_conv",
                            AttributeProto.newBuilder().setName("kernel_shape").setType(AttributeProto.AttributeType.INTS)
                                    .addInts(1).addInts(1).build());
                    t = node("Flatten", "flatten", List.of(t), "x_flat", attr("axis", 1));
                    break;
                }
                case RESHAPE_ONE_ROW:
                    graph.addInitializer(TensorProto.newBuilder().setName("one_row").setDataType(
                            TensorProto.DataType.INT64_VALUE).addDims(2).addInt64Data(1).addInt64Data(-1));
                    t = node("Reshape", "reshape", List.of(t, "one_row"), "x_row");
                    break;
                default:
                    break;
            }
            if (spec.valueInfo && !t.equals("x")) {
                graph.addValueInfo(valueInfo(t, type, new long[] {batch(), widths[0]}));
            }

            for (int l = 0; l < spec.layers.size(); l++) {
                t = layer(l, t, widths[l]);
            }
            int outputs = widths[widths.length - 1];
            String out = "y";
            switch (spec.head) {
                case SOFTMAX:
                    t = node("Softmax", "softmax", List.of(t), out);
                    break;
                case LOG_SOFTMAX:
                    t = node("LogSoftmax", "log_softmax", List.of(t), out);
                    break;
                case SIGMOID:
                    t = node("Sigmoid", "sigmoid_head", List.of(t), out);
                    break;
                default:
                    renameLastOutput(t, out);
                    t = out;
                    break;
            }
            graph.addOutput(valueInfo(t, type, new long[] {batch(), outputs}));
            if (spec.docs) {
                graph.setDocString("graph doc");
            }
            long ir = spec.irVersion >= 0 ? spec.irVersion : defaultIr(spec.opset);
            if (ir < 4) {
                for (TensorProto init : graph.getInitializerList()) {
                    graph.addInput(valueInfo(init.getName(), init.getDataType(),
                            init.getDimsList().stream().mapToLong(Long::longValue).toArray()));
                }
            }
            ModelProto.Builder model = ModelProto.newBuilder()
                    .setIrVersion(ir)
                    .setProducerName("odf2nna-tests")
                    .setProducerVersion("1.2.3")
                    .setDomain("org.odf2nna.test")
                    .setModelVersion(7)
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(spec.opset))
                    .setGraph(graph);
            if (spec.docs) {
                model.setDocString("model doc");
            }
            spec.metadata.forEach((k, v) -> model.addMetadataProps(
                    StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
            return new Built(model.build(), widths.clone(), List.copyOf(spec.layers),
                    new BuiltPrefix(spec.prefix, prefixA, prefixB), spec.head, spec.doubles, inputDims);
        }

        private static long defaultIr(long opset) {
            if (opset <= 8) {
                return 3;
            }
            if (opset <= 10) {
                return 5;
            }
            if (opset == 11) {
                return 6;
            }
            if (opset <= 14) {
                return 7;
            }
            return 8;
        }

        /** Writes layer {@code l} reading {@code in}; returns the block's output tensor. */
        private String layer(int l, String in, int inputs) {
            LayerSpec s = spec.layers.get(l);
            int n = l + 1;
            int units = s.units;
            if (s.style == Style.GEMM_NO_BIAS && spec.opset < 11) {
                throw new IllegalArgumentException("Gemm without C needs opset 11");
            }
            if (s.dead.length > 0 && !s.style.hasBias()) {
                throw new IllegalArgumentException("dead units need a bias");
            }
            s.w = new double[inputs][units];
            double scale = 1.5 / Math.sqrt(inputs);
            for (int i = 0; i < inputs; i++) {
                for (int j = 0; j < units; j++) {
                    s.w[i][j] = value((random.nextDouble() * 2 - 1) * scale);
                }
            }
            if (s.style.hasBias()) {
                s.c = new double[units];
                for (int j = 0; j < units; j++) {
                    s.c[j] = value(random.nextDouble() - 0.5);
                }
                for (int j : s.dead) {
                    s.c[j] = -1000;
                }
            } else {
                s.c = null;
            }
            if (s.norm != Norm.NONE) {
                s.bnScale = new double[units];
                s.bnShift = new double[units];
                s.bnMean = new double[units];
                s.bnVar = new double[units];
                for (int j = 0; j < units; j++) {
                    s.bnScale[j] = value(0.5 + random.nextDouble());
                    s.bnShift[j] = value(random.nextDouble() - 0.5);
                    s.bnMean[j] = value(random.nextDouble() - 0.5);
                    s.bnVar[j] = value(0.5 + 1.5 * random.nextDouble());
                }
            }

            String weight = "fc" + n + ".weight";
            String bias = "fc" + n + ".bias";
            double[] stored = new double[inputs * units];
            for (int i = 0; i < inputs; i++) {
                for (int j = 0; j < units; j++) {
                    if (s.style.transposed()) {
                        stored[j * inputs + i] = s.w[i][j];
                    } else {
                        stored[i * units + j] = s.w[i][j];
                    }
                }
            }
            long[] wDims = s.style.transposed() ? new long[] {units, inputs} : new long[] {inputs, units};
            constant(weight, stored, wDims);
            String t;
            if (s.style.isGemm()) {
                List<String> gemmInputs = new ArrayList<>(List.of(in, weight));
                if (s.style.hasBias()) {
                    constant(bias, s.c, units);
                    gemmInputs.add(bias);
                }
                List<AttributeProto> attrs = new ArrayList<>();
                if (s.style.transposed()) {
                    attrs.add(attr("transB", 1));
                }
                if (s.style == Style.GEMM) {
                    attrs.add(attr("transB", 0));
                }
                if (s.style == Style.GEMM_ALPHA_BETA) {
                    attrs.add(floatAttr("alpha", s.alpha));
                    attrs.add(floatAttr("beta", s.beta));
                }
                t = node("Gemm", "fc" + n, gemmInputs, "fc" + n + "_out", attrs.toArray(new AttributeProto[0]));
            } else {
                t = node("MatMul", "fc" + n, List.of(in, weight), "fc" + n + "_mm");
                if (s.style.hasBias()) {
                    addValueInfo(t, units);
                    if (s.identityBeforeBias) {
                        t = node("Identity", "id" + n + "_mm", List.of(t), "fc" + n + "_mm_id");
                        addValueInfo(t, units);
                    }
                    constant(bias, s.c, units);
                    List<String> addInputs = s.style == Style.MATMUL_ADD_LEFT ? List.of(bias, t) : List.of(t, bias);
                    t = node("Add", "fc" + n + "_add", addInputs, "fc" + n + "_out");
                }
            }
            addValueInfo(t, units);
            if (s.identity) {
                t = node("Identity", "id" + n, List.of(t), "fc" + n + "_id");
                addValueInfo(t, units);
            }
            if (s.norm == Norm.BEFORE_ACTIVATION) {
                t = batchNorm(s, n, t);
            }
            if (!s.act.isNone()) {
                t = activation(s.act, n, t);
            }
            if (s.norm == Norm.AFTER_ACTIVATION) {
                t = batchNorm(s, n, t);
            }
            if (s.dropout) {
                List<String> dropoutInputs = new ArrayList<>(List.of(t));
                List<AttributeProto> attrs = new ArrayList<>();
                if (spec.opset >= 12 && spec.trainingDropout) {
                    graph.addInitializer(scalar("drop" + n + ".ratio", 0.5));
                    graph.addInitializer(TensorProto.newBuilder().setName("drop" + n + ".training")
                            .setDataType(TensorProto.DataType.BOOL_VALUE).addInt32Data(1));
                    dropoutInputs.add("drop" + n + ".ratio");
                    dropoutInputs.add("drop" + n + ".training");
                } else if (spec.opset < 12) {
                    attrs.add(floatAttr("ratio", 0.25f));
                }
                t = node("Dropout", "drop" + n, dropoutInputs, "drop" + n + "_out", attrs.toArray(new AttributeProto[0]));
                addValueInfo(t, units);
            }
            return t;
        }

        private String batchNorm(LayerSpec s, int n, String in) {
            String p = "bn" + n;
            constant(p + ".scale", s.bnScale, s.units);
            constant(p + ".bias", s.bnShift, s.units);
            constant(p + ".mean", s.bnMean, s.units);
            constant(p + ".var", s.bnVar, s.units);
            String t = node("BatchNormalization", p, List.of(in, p + ".scale", p + ".bias", p + ".mean", p + ".var"),
                    p + "_out", floatAttr("epsilon", s.bnEpsilon));
            addValueInfo(t, s.units);
            return t;
        }

        private String activation(Act a, int n, String in) {
            String name = "act" + n;
            String out = "h" + n;
            List<AttributeProto> attrs = new ArrayList<>();
            List<String> inputs = new ArrayList<>(List.of(in));
            switch (a.op()) {
                case "Clip":
                    if (spec.opset < 11) {
                        if (a.alpha() != null) {
                            attrs.add(floatAttr("min", a.alpha()));
                        }
                        if (a.beta() != null) {
                            attrs.add(floatAttr("max", a.beta()));
                        }
                    } else {
                        inputs.add(a.alpha() == null ? "" : scalarInitializer(name + ".min", a.alpha()));
                        if (a.beta() != null) {
                            inputs.add(scalarInitializer(name + ".max", a.beta()));
                        }
                    }
                    break;
                case "PRelu":
                    graph.addInitializer(tensor(name + ".slope", new double[] {a.alpha()}, false, 1));
                    inputs.add(name + ".slope");
                    break;
                case "Selu":
                    if (a.alpha() != null) {
                        attrs.add(floatAttr("alpha", a.alpha()));
                    }
                    if (a.beta() != null) {
                        attrs.add(floatAttr("gamma", a.beta()));
                    }
                    break;
                default:
                    if (a.alpha() != null) {
                        attrs.add(floatAttr("alpha", a.alpha()));
                    }
                    if (a.beta() != null) {
                        attrs.add(floatAttr("beta", a.beta()));
                    }
                    break;
            }
            String t = node(a.op(), name, inputs, out, attrs.toArray(new AttributeProto[0]));
            addValueInfo(t, spec.layers.get(n - 1).units);
            return t;
        }

        private String scalarInitializer(String name, float value) {
            graph.addInitializer(scalar(name, value));
            return name;
        }

        private TensorProto scalar(String name, double value) {
            return tensor(name, new double[] {value}, false);
        }

        /** The last node's output becomes {@code out} (and its value_info entry is dropped). */
        private void renameLastOutput(String from, String to) {
            int last = graph.getNodeCount() - 1;
            NodeProto node = graph.getNode(last);
            if (!node.getOutput(0).equals(from)) {
                throw new IllegalStateException("last node does not write " + from);
            }
            graph.setNode(last, node.toBuilder().setOutput(0, to));
            for (int i = graph.getValueInfoCount() - 1; i >= 0; i--) {
                if (graph.getValueInfo(i).getName().equals(from)) {
                    graph.removeValueInfo(i);
                }
            }
        }

        private void addValueInfo(String tensor, int units) {
            if (spec.valueInfo) {
                graph.addValueInfo(valueInfo(tensor, type, new long[] {batch(), units}));
            }
        }

        private double value(double v) {
            if (spec.fullDoublePrecision) {
                return v;
            }
            return (float) v;
        }

        /** A constant of the dense chain, stored as the model's storage option says. */
        private void constant(String name, double[] values, long... dims) {
            if (spec.storage == Storage.CONSTANT_NODE) {
                TensorProto t = tensor(name, values, false, dims);
                node("Constant", name + "_const", List.of(), name,
                        AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                                .setT(t).build());
            } else if (spec.storage == Storage.IDENTITY_OF_INITIALIZER) {
                graph.addInitializer(tensor(name + "_stored", values, false, dims));
                node("Identity", name + "_copy", List.of(name + "_stored"), name);
            } else {
                graph.addInitializer(tensor(name, values, spec.storage == Storage.TYPED, dims));
            }
        }

        private void constant(String name, double[] values, int units) {
            constant(name, values, new long[] {units});
        }

        private TensorProto tensor(String name, double[] values, boolean typed, long... dims) {
            TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(type);
            for (long d : dims) {
                b.addDims(d);
            }
            if (typed) {
                for (double v : values) {
                    if (type == FLOAT) {
                        b.addFloatData((float) v);
                    } else {
                        b.addDoubleData(v);
                    }
                }
            } else {
                b.setRawData(raw(values, type));
            }
            return b.build();
        }

        private String node(String op, String name, List<String> inputs, String output, AttributeProto... attrs) {
            NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).addAllInput(inputs).addOutput(output);
            if (spec.named) {
                b.setName(name);
            }
            if (spec.docs) {
                b.setDocString("doc of " + name);
            }
            for (AttributeProto a : attrs) {
                b.addAttribute(a);
            }
            graph.addNode(b);
            return output;
        }
    }

    // ---- running models and comparing numbers ----

    /** Runs {@code model} in ONNX Runtime (through {@link OnnxRunner}) and returns the requested outputs. */
    public static Map<String, float[]> runOrt(ModelProto model, InputSignature input, float[] rows, int n,
            int width, List<String> outputs) {
        try (OnnxRunner runner = OnnxRunner.open(model, input, Device.CPU, Path.of("test-model.onnx"))) {
            return runner.run(rows, n, width, outputs);
        }
    }

    /** Runs {@code model} and returns its single output {@code output}. */
    public static float[] runOrt(ModelProto model, InputSignature input, float[] rows, int n, int width,
            String output) {
        return runOrt(model, input, rows, n, width, List.of(output)).get(output);
    }

    /** Asserts {@code |actual - expected| <= tolerance * max(1, |expected|)} element-wise. */
    public static void assertClose(double[] expected, float[] actual, double tolerance, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": expected " + expected.length + " values, got " + actual.length);
        }
        for (int k = 0; k < expected.length; k++) {
            double allowed = tolerance * Math.max(1, Math.abs(expected[k]));
            if (!(Math.abs(actual[k] - expected[k]) <= allowed)) {
                throw new AssertionError(what + ": value " + k + " is " + actual[k] + ", expected " + expected[k]
                        + " (tolerance " + allowed + ")");
            }
        }
    }

    public static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertClose(toDoubles(expected), actual, tolerance, what);
    }

    public static double[] toDoubles(float[] values) {
        double[] d = new double[values.length];
        for (int k = 0; k < d.length; k++) {
            d[k] = values[k];
        }
        return d;
    }

    public static float[] toFloats(double[] values) {
        float[] f = new float[values.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) values[k];
        }
        return f;
    }

    // ---- small proto helpers, also for tests that edit generated models ----

    public static ByteString raw(double[] values, int type) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * (type == FLOAT ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            if (type == FLOAT) {
                buffer.putFloat((float) v);
            } else {
                buffer.putDouble(v);
            }
        }
        buffer.flip();
        return ByteString.copyFrom(buffer);
    }

    public static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    public static AttributeProto floatAttr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    public static ValueInfoProto valueInfo(String name, int elementType, long[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elementType).setShape(shape))).build();
    }

    /** A FLOAT initializer with raw data. */
    public static TensorProto floatTensor(String name, float[] values, long... dims) {
        double[] d = new double[values.length];
        for (int k = 0; k < d.length; k++) {
            d[k] = values[k];
        }
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(FLOAT).setRawData(raw(d, FLOAT));
        for (long dim : dims) {
            b.addDims(dim);
        }
        return b.build();
    }

    /** The values of a FLOAT or DOUBLE tensor (raw or typed), as doubles; for assertions. */
    public static double[] values(TensorProto t) {
        int n = 1;
        for (long d : t.getDimsList()) {
            n *= (int) d;
        }
        double[] out = new double[n];
        if (t.hasRawData()) {
            ByteBuffer buffer = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < n; k++) {
                out[k] = t.getDataType() == FLOAT ? buffer.getFloat() : buffer.getDouble();
            }
        } else if (t.getDataType() == FLOAT) {
            for (int k = 0; k < n; k++) {
                out[k] = t.getFloatData(k);
            }
        } else {
            for (int k = 0; k < n; k++) {
                out[k] = t.getDoubleData(k);
            }
        }
        return out;
    }

    public static TensorProto initializer(ModelProto model, String name) {
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getName().equals(name) || t.getName().equals(name + "_stored")) {
                return t;
            }
        }
        for (NodeProto n : model.getGraph().getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getOutput(0).equals(name)) {
                return n.getAttribute(0).getT();
            }
        }
        return null;
    }

    public static NodeProto nodeNamed(ModelProto model, String name) {
        for (NodeProto n : model.getGraph().getNodeList()) {
            if (n.getName().equals(name)) {
                return n;
            }
        }
        return null;
    }
}
