package org.odf2nna.method;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.onnx.OnnxModelBuilder;
import org.odf2nna.onnx.OnnxProduct;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.odf2nna.prune.NormalEquations;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.UnitStatistics;

/**
 * Not a test: times one wide layer's refit (its sums in ONNX Runtime, then its solve) beside a plain matrix
 * multiplication of the same size in the same process, in CPU seconds of the process (docs/research/PERFORMANCE.md, "Wide
 * layers"). Runs only when asked:
 * {@code ./mvnw -q -B -o test -pl library -Dtest=WideRefitProfile -Dodf2nna.wideProfile=4096,10000}.
 */
class WideRefitProfile {

    private static double cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    @Test
    void profile() throws OrtException {
        String asked = System.getProperty("odf2nna.wideProfile");
        assumeTrue(asked != null, "a profile, run only with -Dodf2nna.wideProfile=WIDTH,ROWS");
        String[] parts = asked.split(",");
        int width = Integer.parseInt(parts[0]);
        int rows = Integer.parseInt(parts[1]);
        Random random = new Random(1);
        DenseNetwork network = TestNetworks.random(random, new int[] {28, width, width, width, 2}, Activation.RELU,
                OutputHead.SOFTMAX);
        float[] x = TestNetworks.gaussian(random, rows * 28, 1.0);
        float[] h = TestNetworks.gaussian(random, rows * width, 1.0);
        System.out.printf("width %d, rows %d, %d processors%n", width, rows, Runtime.getRuntime().availableProcessors());
        // weights() copies: take it once, outside the timed parts.
        float[] w1 = network.layer(1).weights();
        double floatGemm = timed(String.format("float Gemm %dx%d by %dx%d (ORT)", rows, width, width, width),
                () -> floatGemm(h, rows, width, w1));
        double[] hd = new double[rows * width];
        double[] wd = new double[width * width];
        for (int i = 0; i < hd.length; i++) {
            hd[i] = h[i];
        }
        for (int i = 0; i < wd.length; i++) {
            wd[i] = w1[i];
        }
        double doubleGemm;
        try (OnnxProduct product = OnnxProduct.open()) {
            double[] a = hd;
            doubleGemm = timed(String.format("double MatMul %dx%d by %dx%d (ORT)", rows, width, width, width),
                    () -> product.multiply(a, rows, width, wd, width));
            timed(String.format("double MatMul %dx%d by %dx%d (ORT)", width, width, width, width),
                    () -> product.multiply(wd, width, width, wd, width));
        }
        hd = null;
        int block = 1024;
        timed(String.format("float Gram of %d columns over %d rows, blocks of %d, summed in double (ORT)", width, rows,
                block), () -> gram(h, rows, width, block, true));
        timed(String.format("double Gram of %d columns over %d rows, blocks of %d (ORT)", width, rows, block),
                () -> gram(h, rows, width, block, false));

        int[] kept = new int[width * 9 / 10];
        for (int j = 0; j < kept.length; j++) {
            kept[j] = j;
        }
        RowSource source = RowSource.of(x, rows, 28, 1024);
        UnitStatistics statistics = UnitStatistics.measure(network, x, rows, 1024);
        // Layer 3 refitted from layer 2's kept outputs, nothing dropped before: the wide network's first refit.
        double[] means = statistics.mean(1);
        DenseLayer next = network.layer(2);
        float[] prior = new float[kept.length * next.units()];
        float[] nextWeights = next.weights();
        for (int j = 0; j < kept.length; j++) {
            System.arraycopy(nextWeights, kept[j] * next.units(), prior, j * next.units(), next.units());
        }
        double[] featureShift = new double[kept.length];
        for (int j = 0; j < kept.length; j++) {
            featureShift[j] = means[kept[j]];
        }
        double[] targetShift = new double[next.units()];
        int[] allFirst = java.util.stream.IntStream.range(0, width).toArray();
        List<DenseLayer> prunedLayers = List.of(network.layer(0), network.layer(1).keepUnits(kept));
        double[] weights = null;
        for (boolean inFloat : new boolean[] {false, true}) {
            String kind = inFloat ? "float" : "double";
            OnnxRefitSums sums = new OnnxRefitSums(network, source, rows, Device.CPU, Path.of("profile.onnx"), true,
                    inFloat ? 0 : Integer.MAX_VALUE);
            NormalEquations fromOriginal = new NormalEquations(featureShift, targetShift);
            double gramSums = timed(String.format("refit sums of layer 3 from the original's %s Gram (%d kept of %d, "
                    + "%d targets; forward pass and G·W included)", kind, kept.length, width, next.units()),
                    () -> sums.accumulateOriginal(1, kept, means, allFirst, prunedLayers, fromOriginal));
            NormalEquations bothChains = new NormalEquations(featureShift, targetShift);
            timed(String.format("refit sums of layer 3 over both chains, %s HᵀH and HᵀZ (forward passes included)",
                    kind), () -> sums.accumulate(1, allFirst, prunedLayers, bothChains));
            NormalEquations.Solution[] solution = new NormalEquations.Solution[1];
            double solve;
            try (var product = sums.products()) {
                solve = timed(String.format("solve (%d x %d, %d right-hand sides)", kept.length + 1, kept.length + 1,
                        next.units()), () -> solution[0] = fromOriginal.solve(prior, next.bias(), 1e-6, product));
            }
            System.out.printf("%s sums and solve: %.2f CPU s = %.2f float Gemms = %.2f double MatMuls%n", kind,
                    gramSums + solve, (gramSums + solve) / floatGemm, (gramSums + solve) / doubleGemm);
            if (weights == null) {
                weights = solution[0].weights();
            } else {
                double largest = 0;
                double worst = 0;
                for (int i = 0; i < weights.length; i++) {
                    largest = Math.max(largest, Math.abs(weights[i]));
                    worst = Math.max(worst, Math.abs(weights[i] - solution[0].weights()[i]));
                }
                System.out.printf("float Gram against double: weights differ by up to %.3g (%.2g of the largest)%n",
                        worst, worst / largest);
            }
        }
    }

    private interface Step {
        void run() throws OrtException;
    }

    /** Runs {@code step}, prints and returns its CPU seconds (the whole process's: ONNX Runtime's threads too). */
    private static double timed(String what, Step step) throws OrtException {
        double c = cpu();
        long wall = System.nanoTime();
        step.run();
        double spent = cpu() - c;
        System.out.printf("%s: %.2f CPU s (%.2f s wall)%n", what, spent, (System.nanoTime() - wall) / 1e9);
        return spent;
    }

    private static void floatGemm(float[] a, int rows, int inner, float[] b) throws OrtException {
        int cols = b.length / inner;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(product(1, false).toByteArray(), options);
             OnnxTensor ta = OnnxTensor.createTensor(env, FloatBuffer.wrap(a), new long[] {rows, inner});
             OnnxTensor tb = OnnxTensor.createTensor(env, FloatBuffer.wrap(b), new long[] {inner, cols});
             OrtSession.Result result = session.run(Map.of("a", ta, "b", tb))) {
            result.get(0);
        }
    }

    /** AᵀA over blocks of rows, each block's product (float or double) added into a double sum. */
    private static void gram(float[] h, int rows, int width, int block, boolean inFloat) throws OrtException {
        double[] sum = new double[width * width];
        try (OrtSession session = OrtEnvironment.getEnvironment().createSession(product(inFloat ? 1 : 11, true)
                .toByteArray(), new OrtSession.SessionOptions())) {
            double[] doubles = inFloat ? null : new double[block * width];
            for (int from = 0; from < rows; from += block) {
                int n = Math.min(block, rows - from);
                java.nio.Buffer buffer;
                if (inFloat) {
                    buffer = FloatBuffer.wrap(h, from * width, n * width).slice();
                } else {
                    for (int i = 0; i < n * width; i++) {
                        doubles[i] = h[from * width + i];
                    }
                    buffer = java.nio.DoubleBuffer.wrap(doubles, 0, n * width);
                }
                OrtEnvironment env = OrtEnvironment.getEnvironment();
                long[] shape = {n, width};
                try (OnnxTensor t = buffer instanceof FloatBuffer f ? OnnxTensor.createTensor(env, f, shape)
                        : OnnxTensor.createTensor(env, (java.nio.DoubleBuffer) buffer, shape);
                     OrtSession.Result result = session.run(Map.of("a", t, "b", t))) {
                    OnnxTensor out = (OnnxTensor) result.get(0);
                    if (inFloat) {
                        FloatBuffer values = out.getFloatBuffer();
                        for (int i = 0; i < sum.length; i++) {
                            sum[i] += values.get(i);
                        }
                    } else {
                        java.nio.DoubleBuffer values = out.getDoubleBuffer();
                        for (int i = 0; i < sum.length; i++) {
                            sum[i] += values.get(i);
                        }
                    }
                }
            }
        }
    }

    /** One Gemm (transA when asked) of elements of ONNX type {@code type}. */
    private static ModelProto product(int type, boolean transA) {
        NodeProto.Builder gemm = NodeProto.newBuilder().setOpType("Gemm").setName("Gemm").addInput("a").addInput("b")
                .addOutput("c");
        if (transA) {
            gemm.addAttribute(org.odf2nna.onnx.proto.OnnxProto.AttributeProto.newBuilder().setName("transA")
                    .setType(org.odf2nna.onnx.proto.OnnxProto.AttributeProto.AttributeType.INT).setI(1));
        }
        GraphProto.Builder graph = GraphProto.newBuilder().setName("gemm")
                .addInput(typed("a", type)).addInput(typed("b", type)).addOutput(typed("c", type)).addNode(gemm);
        return ModelProto.newBuilder().setIrVersion(OnnxModelBuilder.IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxModelBuilder.OPSET))
                .setGraph(graph).build();
    }

    private static ValueInfoProto typed(String name, int type) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type))).build();
    }
}
