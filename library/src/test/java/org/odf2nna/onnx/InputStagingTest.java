package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** Runs fed from this thread's staging buffers compute what ONNX Runtime's own copies give, and keep none. */
class InputStagingTest {

    private static final InputSignature INPUT = new InputSignature("x",
            org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.FLOAT_VALUE, new long[] {-1, 28});

    @Test
    void stagedRunsGiveWhatOnnxRuntimesOwnCopyGives() throws OrtException {
        Random random = new Random(3);
        ModelProto first = model(random);
        ModelProto second = model(random);
        float[] rows = TestNetworks.gaussian(random, 300 * 28, 1.0);
        try (OnnxRunner a = OnnxRunner.open(first, INPUT, Device.CPU, Path.of("a.onnx"));
             OnnxRunner b = OnnxRunner.open(second, INPUT, Device.CPU, Path.of("b.onnx"))) {
            // Batches that grow (the buffer with them) and shrink, two sessions fed in turn from one thread.
            for (int n : new int[] {1, 7, 64, 300, 5, 299}) {
                float[] batch = java.util.Arrays.copyOf(rows, n * 28);
                assertArrayEquals(copied(first, batch, n), a.run(batch, n, 28, List.of("y")).get("y"), "a, " + n);
                assertArrayEquals(copied(second, batch, n), b.run(batch, n, 28, List.of("y")).get("y"), "b, " + n);
            }
        }
    }

    @Test
    void castTensorsHoldTheFloatValuesCastInTheirSlotOrWithout() throws OrtException {
        float[] data = {9f, 3f, 0f, -2f, 7f, 1f};
        // Slot 0 is staged; slot SLOTS has no buffer and builds its own.
        for (int slot : new int[] {0, InputStaging.SLOTS}) {
            try (OnnxTensor l = InputStaging.cast(slot, data, 1, 4, new long[] {2, 2}, OnnxJavaType.INT64)) {
                assertArrayEquals(new long[][] {{3, 0}, {-2, 7}}, (long[][]) l.getValue(), "int64, slot " + slot);
            }
            try (OnnxTensor i = InputStaging.cast(slot, data, 1, 4, new long[] {4}, OnnxJavaType.INT32)) {
                assertArrayEquals(new int[] {3, 0, -2, 7}, (int[]) i.getValue(), "int32, slot " + slot);
            }
            try (OnnxTensor b = InputStaging.cast(slot, data, 1, 4, new long[] {4}, OnnxJavaType.BOOL)) {
                assertArrayEquals(new boolean[] {true, false, true, true}, (boolean[]) b.getValue(),
                        "bool, slot " + slot);
            }
        }
    }

    @Test
    void runsLeaveNoCopiesOfTheirRowsOutsideTheHeap() {
        Random random = new Random(5);
        float[] batch = TestNetworks.gaussian(random, 1024 * 28, 1.0);
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        try (OnnxRunner runner = OnnxRunner.open(model(random), INPUT, Device.CPU, Path.of("m.onnx"))) {
            runner.run(batch, 1024, 28, List.of("y"));
            long before = direct.getMemoryUsed();
            for (int i = 0; i < 200; i++) {
                runner.run(batch, 1024, 28, List.of("y"));
            }
            // ONNX Runtime's own copies were 112 KB a run, freed only by the garbage collector: 22 MB for 200 runs.
            long grown = direct.getMemoryUsed() - before;
            assertTrue(grown < 1024 * 28 * Float.BYTES, "direct memory grew by " + grown + " bytes over 200 runs");
        }
    }

    @Test
    void runsWithASecondDoubleInputGiveWhatOnnxRuntimesOwnCopiesGiveAndKeepNone() throws OrtException {
        Random random = new Random(7);
        DenseNetwork network = TestNetworks.random(random, new int[] {28, 16, 12, 3}, Activation.RELU,
                OutputHead.SOFTMAX);
        int[] kept = {0, 2, 3, 5, 8, 9, 11, 15};
        List<org.odf2nna.network.DenseLayer> pruned = List.of(network.layer(0).keepUnits(kept),
                network.layer(1).keepInputs(kept));
        double[] featureShift = new double[12];
        double[] targetShift = new double[3];
        ModelProto sums = RefitSumsGraph.onTargets(network, kept, pruned, 1, featureShift, targetShift, false);
        Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
        shapes.put(RefitSumsGraph.HH, new long[] {12, 12});
        shapes.put(RefitSumsGraph.H_SUM, new long[] {12});
        shapes.put(RefitSumsGraph.HZ, new long[] {12, 3});
        shapes.put(RefitSumsGraph.Z_SUM, new long[] {3});
        shapes.put(RefitSumsGraph.ZZ, new long[] {3});
        float[] rows = TestNetworks.gaussian(random, 1024 * 28, 1.0);
        double[] targets = new double[1024 * 3];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = random.nextGaussian();
        }
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        try (OnnxRunner runner = OnnxRunner.open(sums, RefitSumsGraph.input(28), Device.CPU, Path.of("s.onnx"));
             PinnedDoubles out = PinnedDoubles.of(shapes)) {
            for (int n : new int[] {1, 300, 1024, 7}) {
                runner.runInto(rows, n, 28, RefitSumsGraph.TARGETS, targets, 3, out, null);
                Map<String, double[]> expected = copiedSums(sums, rows, targets, n);
                for (String name : RefitSumsGraph.OUTPUTS) {
                    double[] got = new double[expected.get(name).length];
                    out.get(name).get(0, got);
                    assertArrayEquals(expected.get(name), got, name + ", " + n + " rows");
                }
            }
            long before = direct.getMemoryUsed();
            for (int i = 0; i < 200; i++) {
                runner.runInto(rows, 1024, 28, RefitSumsGraph.TARGETS, targets, 3, out, null);
            }
            // ONNX Runtime's own copies were 112 + 24 KB a run, freed only by the garbage collector: 27 MB for 200.
            long grown = direct.getMemoryUsed() - before;
            assertTrue(grown < 1024 * 28 * Float.BYTES, "direct memory grew by " + grown + " bytes over 200 runs");
        }
    }

    @Test
    void productsOfInputsTooLargeToKeepGiveEJMLsProductsAndFreeTheirBuffers() {
        // 2,100 × 2,100 doubles: 35 MB, over the buffers a thread keeps, so each product stages into one of its own.
        int n = 2100;
        Random random = new Random(11);
        double[] a = new double[n * n];
        double[] b = new double[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextGaussian();
            b[i] = random.nextGaussian();
        }
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        long before = direct.getMemoryUsed();
        double[] product;
        try (OnnxProduct onnx = OnnxProduct.open()) {
            product = onnx.multiply(a, n, n, b, n);
            onnx.multiplyTransposed(a, n, n, b, n);
            onnx.multiply(a, n, n, b, n);
        }
        // Three products of two 35 MB inputs each: 210 MB that ONNX Runtime's copies left to the collector.
        long grown = direct.getMemoryUsed() - before;
        assertTrue(grown < (long) n * n * Double.BYTES, "direct memory grew by " + grown + " bytes");
        // A few entries against the plain sums (ONNX Runtime's blocking sums in another order).
        for (int[] at : new int[][] {{0, 0}, {17, 2099}, {2099, 5}, {1000, 1000}}) {
            double expected = 0;
            for (int k = 0; k < n; k++) {
                expected += a[at[0] * n + k] * b[k * n + at[1]];
            }
            org.junit.jupiter.api.Assertions.assertEquals(expected, product[at[0] * n + at[1]], 1e-9);
        }
    }

    /**
     * A product with float weights widened as they are staged (no double copy of them on the heap) is the product of
     * the widened copy, bit for bit, in ONNX Runtime (staged and, past 32 MB, in a slot of its own) and in EJML.
     */
    @Test
    void productsOfWidenedWeightsAreThoseOfTheirDoubleCopy() {
        Random random = new Random(13);
        for (int n : new int[] {30, 2100}) {
            int m = 3;
            double[] a = new double[n * n];
            float[] w = new float[n * m];
            double[] wide = new double[w.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = random.nextGaussian();
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) random.nextGaussian();
                wide[i] = w[i];
            }
            try (OnnxProduct onnx = OnnxProduct.open()) {
                assertArrayEquals(onnx.multiply(a, n, n, wide, m), onnx.multiplyWidened(a, n, n, w, m), "" + n);
            }
            assertArrayEquals(org.odf2nna.prune.DenseProduct.EJML.multiply(a, n, n, wide, m),
                    org.odf2nna.prune.DenseProduct.EJML.multiplyWidened(a, n, n, w, m), "EJML, " + n);
        }
    }

    /**
     * A model over {@link OnnxRunner#DIRECT_MODEL_BYTES} is handed to ONNX Runtime from a direct buffer, freed once
     * the session is open: the session computes what one made from the model's byte[] computes, and no direct memory
     * of the model's size is left behind.
     */
    @Test
    void largeModelsOpenFromAFreedDirectBufferAndComputeTheSame() throws OrtException {
        Random random = new Random(17);
        DenseNetwork network = TestNetworks.random(random, new int[] {28, 3000, 3000, 2}, Activation.RELU,
                OutputHead.SOFTMAX);
        ModelProto large = OnnxModelBuilder.build(network, "x", "y", Map.of());
        assertTrue(large.getSerializedSize() > OnnxRunner.DIRECT_MODEL_BYTES, "the model is not large enough");
        float[] rows = TestNetworks.gaussian(random, 50 * 28, 1.0);
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        long before = direct.getMemoryUsed();
        try (OnnxRunner runner = OnnxRunner.open(large, INPUT, Device.CPU, Path.of("large.onnx"))) {
            long grown = direct.getMemoryUsed() - before;
            assertTrue(grown < large.getSerializedSize() / 2, "direct memory grew by " + grown + " bytes");
            assertArrayEquals(copied(large, rows, 50), runner.run(rows, 50, 28, List.of("y")).get("y"));
        }
    }

    /** The sums graph's outputs when ONNX Runtime copies both inputs from the Java arrays itself. */
    private static Map<String, double[]> copiedSums(ModelProto model, float[] rows, double[] targets, int n)
            throws OrtException {
        try (OrtSession session = OnnxRunner.environment().createSession(model.toByteArray());
             OnnxTensor x = OnnxTensor.createTensor(OnnxRunner.environment(), FloatBuffer.wrap(rows, 0, n * 28),
                     new long[] {n, 28});
             OnnxTensor z = OnnxTensor.createTensor(OnnxRunner.environment(),
                     java.nio.DoubleBuffer.wrap(targets, 0, n * 3), new long[] {n, 3});
             OrtSession.Result result = session.run(Map.of(RefitSumsGraph.INPUT, x, RefitSumsGraph.TARGETS, z))) {
            Map<String, double[]> values = new java.util.HashMap<>();
            for (String name : RefitSumsGraph.OUTPUTS) {
                values.put(name, ((OnnxTensor) result.get(name).orElseThrow()).getDoubleBuffer().array());
            }
            return values;
        }
    }

    private static ModelProto model(Random random) {
        DenseNetwork network = TestNetworks.random(random, new int[] {28, 16, 2}, Activation.RELU,
                OutputHead.SOFTMAX);
        return OnnxModelBuilder.build(network, "x", "y", Map.of());
    }

    /** The outputs of a session fed a tensor that ONNX Runtime copies from the Java array itself. */
    private static float[] copied(ModelProto model, float[] rows, int n) throws OrtException {
        try (OrtSession session = OnnxRunner.environment().createSession(model.toByteArray());
             OnnxTensor tensor = OnnxTensor.createTensor(OnnxRunner.environment(), FloatBuffer.wrap(rows, 0, n * 28),
                     new long[] {n, 28});
             OrtSession.Result result = session.run(Map.of("x", tensor))) {
            return ((OnnxTensor) result.get(0)).getFloatBuffer().array();
        }
    }
}
