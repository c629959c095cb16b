package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/** Int8 weights written into a graph built in code, run in ONNX Runtime and read back. */
class Int8WeightsTest {

    static final Path FILE = Path.of("int8.onnx");

    @Test
    void onnxRuntimeComputesTheJudgedNetworkAndStaysWithinTheQuantizationErrorOfTheFloatOne() {
        Random random = new Random(5);
        DenseNetwork net = TestNetworks.random(random, new int[] {6, 20, 10, 3}, Activation.RELU, OutputHead.NONE);
        OnnxDenseModel read = DenseChainReader.read(OnnxModelBuilder.build(net, "x", "y", Map.of()), FILE);
        boolean[] int8 = {true, false, true};
        DenseNetwork quantized = Int8Quantization.quantize(read.network(), int8);
        ModelProto proto = Int8Weights.apply(DenseChainWriter.write(read, quantized), read, quantized, int8);

        long dequantize = proto.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("DequantizeLinear"))
                .count();
        assertEquals(2, dequantize);
        long int8Tensors = proto.getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == TensorProto.DataType.INT8_VALUE && t.getDimsCount() == 2).count();
        assertEquals(2, int8Tensors);
        assertFalse(proto.getGraph().getInitializerList().stream().anyMatch(t -> t.getName().equals("dense_1.weight")),
                "the float weight is gone");

        OnnxDenseModel back = DenseChainReader.read(proto, FILE);
        for (int l = 0; l < 3; l++) {
            assertArrayEquals(quantized.layer(l).weights(), back.network().layer(l).weights(), "layer " + (l + 1));
        }
        int rows = 40;
        float[] x = TestNetworks.gaussian(random, rows * 6, 2);
        float[] actual;
        try (OnnxRunner runner = OnnxRunner.open(proto, back.input(), Device.CPU, FILE)) {
            actual = runner.run(x, rows, 6, List.of("y")).get("y");
        }
        float[] judged = quantized.forward(x, rows);
        float[] asFloat = net.forward(x, rows);
        double[] bound = org.odf2nna.network.Int8QuantizationTest.bound(net, int8, x, rows);
        for (int k = 0; k < judged.length; k++) {
            assertEquals(judged[k], actual[k], 1e-5 + 1e-5 * Math.abs(judged[k]), "output " + k);
            assertTrue(Math.abs(actual[k] - asFloat[k]) <= bound[k] + 1e-4, "output " + k);
        }
    }

    /** New weights for a layer stored as int8 are written as float again; its int8 tensors go with its node. */
    @Test
    void changingAnInt8LayerWritesItAsFloat() {
        Random random = new Random(6);
        DenseNetwork net = TestNetworks.random(random, new int[] {4, 5, 2}, Activation.TANH, OutputHead.SOFTMAX);
        OnnxDenseModel read = DenseChainReader.read(OnnxModelBuilder.build(net, "x", "y", Map.of()), FILE);
        boolean[] all = Int8Quantization.all(read.network());
        DenseNetwork quantized = Int8Quantization.quantize(read.network(), all);
        ModelProto proto = Int8Weights.apply(DenseChainWriter.write(read, quantized), read, quantized, all);
        OnnxDenseModel again = DenseChainReader.read(proto, FILE);
        DenseLayer first = again.network().layer(0);
        float[] w = first.weights();
        w[0] += 0.25f;
        DenseNetwork changed = again.network().withLayers(List.of(
                new DenseLayer(first.inputs(), first.units(), w, first.bias(), first.activation()),
                again.network().layer(1)));
        ModelProto rewritten = DenseChainWriter.write(again, changed);
        long dequantize = rewritten.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("DequantizeLinear")).count();
        assertEquals(1, dequantize, "layer 2 keeps its int8 weights");
        assertEquals(2, rewritten.getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == TensorProto.DataType.INT8_VALUE).count(),
                "layer 1's codes and zero point are gone");
        OnnxDenseModel reread = DenseChainReader.read(rewritten, FILE);
        assertArrayEquals(w, reread.network().layer(0).weights());
        assertArrayEquals(quantized.layer(1).weights(), reread.network().layer(1).weights());
        for (NodeProto node : rewritten.getGraph().getNodeList()) {
            assertTrue(!node.getOpType().equals("DequantizeLinear") || node.getOutput(0).equals("dense_2.weight"));
        }
    }
}
