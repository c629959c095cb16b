package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
