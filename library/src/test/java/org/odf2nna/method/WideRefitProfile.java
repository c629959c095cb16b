package org.odf2nna.method;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
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

/**
 * Not a test: times one wide layer's refit (its sums in ONNX Runtime, then its solve) beside a plain matrix
 * multiplication of the same size in the same process, in CPU seconds of the process (docs/PERFORMANCE.md, "Wide
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
        DenseNetwork network = TestNetworks.random(random, new int[] {28, width, width, 2}, Activation.RELU,
                OutputHead.SOFTMAX);
        float[] x = TestNetworks.gaussian(random, rows * 28, 1.0);
        float[] h = TestNetworks.gaussian(random, rows * width, 1.0);
        System.out.printf("width %d, rows %d%n", width, rows);

        double c = cpu();
        floatGemm(h, rows, width, network.layer(1).weights());
        // weights() copies: take it once, outside the loops below.
        System.out.printf("float Gemm %dx%d by %dx%d (ORT): %.2f CPU s%n", rows, width, width, width, cpu() - c);
        double[] hd = new double[rows * width];
        double[] wd = new double[width * width];
        for (int i = 0; i < hd.length; i++) {
            hd[i] = h[i];
        }
        float[] w1 = network.layer(1).weights();
        for (int i = 0; i < wd.length; i++) {
            wd[i] = w1[i];
        }
        try (OnnxProduct product = OnnxProduct.open()) {
            c = cpu();
            product.multiply(hd, rows, width, wd, width);
            System.out.printf("double MatMul %dx%d by %dx%d (ORT): %.2f CPU s%n", rows, width, width, width,
                    cpu() - c);
            c = cpu();
            product.multiply(wd, width, width, wd, width);
            System.out.printf("double MatMul %dx%d by %dx%d (ORT): %.2f CPU s%n", width, width, width, width,
                    cpu() - c);
        }
        hd = null;

        int[] kept = new int[width * 9 / 10];
        for (int j = 0; j < kept.length; j++) {
            kept[j] = j;
        }
        DenseNetwork pruned = network.withLayers(List.of(network.layer(0).keepUnits(kept), network.layer(1),
                network.layer(2)));
        List<DenseLayer> prunedLayers = new ArrayList<>(pruned.layers());
        OnnxRefitSums sums = new OnnxRefitSums(network, RowSource.of(x, rows, 28, 1024), rows, Device.CPU,
                Path.of("profile.onnx"));
        DenseLayer next = network.layer(1);
        NormalEquations equations = new NormalEquations(new double[kept.length], new double[next.units()]);
        c = cpu();
        sums.accumulate(0, kept, prunedLayers.subList(0, 1), equations);
        System.out.printf("refit sums of layer 2 (%d kept of %d, %d targets, forward pass included): %.2f CPU s%n",
                kept.length, width, next.units(), cpu() - c);
        float[] prior = new float[kept.length * next.units()];
        float[] nextWeights = next.weights();
        for (int j = 0; j < kept.length; j++) {
            System.arraycopy(nextWeights, kept[j] * next.units(), prior, j * next.units(), next.units());
        }
        try (var product = sums.products()) {
            c = cpu();
            NormalEquations.Solution solution = equations.solve(prior, next.bias(), 1e-6, product);
            System.out.printf("solve (%s, %d x %d, %d right-hand sides): %.2f CPU s%n", solution.solver(),
                    kept.length + 1, kept.length + 1, next.units(), cpu() - c);
        }
    }

    private static void floatGemm(float[] a, int rows, int inner, float[] b) throws OrtException {
        int cols = b.length / inner;
        GraphProto.Builder graph = GraphProto.newBuilder().setName("gemm")
                .addInput(floats("a")).addInput(floats("b")).addOutput(floats("c"))
                .addNode(NodeProto.newBuilder().setOpType("Gemm").setName("Gemm").addInput("a").addInput("b")
                        .addOutput("c"));
        ModelProto model = ModelProto.newBuilder().setIrVersion(OnnxModelBuilder.IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxModelBuilder.OPSET))
                .setGraph(graph).build();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(model.toByteArray(), options);
             OnnxTensor ta = OnnxTensor.createTensor(env, FloatBuffer.wrap(a), new long[] {rows, inner});
             OnnxTensor tb = OnnxTensor.createTensor(env, FloatBuffer.wrap(b), new long[] {inner, cols});
             OrtSession.Result result = session.run(Map.of("a", ta, "b", tb))) {
            result.get(0);
        }
    }

    private static ValueInfoProto floats(String name) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(1))).build();
    }
}
