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
        for (NodeProto node : proto.getGraph().getNodeList()) {
            if (node.getOpType().equals("DequantizeLinear")) {
                assertEquals(2, node.getInputCount(), "codes and scales; the zero point's absence means 0");
                assertEquals("", node.getName());
            }
        }
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

    /** Files written with an explicit int8 zero point of 0 (this tool's earlier form) read as the same weights. */
    @Test
    void anExplicitZeroPointReadsTheSame() {
        Random random = new Random(7);
        DenseNetwork net = TestNetworks.random(random, new int[] {3, 4, 2}, Activation.RELU, OutputHead.NONE);
        OnnxDenseModel read = DenseChainReader.read(OnnxModelBuilder.build(net, "x", "y", Map.of()), FILE);
        boolean[] all = Int8Quantization.all(read.network());
        DenseNetwork quantized = Int8Quantization.quantize(read.network(), all);
        ModelProto proto = Int8Weights.apply(DenseChainWriter.write(read, quantized), read, quantized, all);
        ModelProto.Builder withZeros = proto.toBuilder();
        var graph = withZeros.getGraphBuilder();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            if (node.getOpType().equals("DequantizeLinear")) {
                TensorProto scale = proto.getGraph().getInitializerList().stream()
                        .filter(t -> t.getName().equals(node.getInput(1))).findFirst().orElseThrow();
                String zero = node.getInput(0) + "_zero_point";
                graph.addInitializer(TensorProto.newBuilder().setName(zero)
                        .setDataType(TensorProto.DataType.INT8_VALUE).addDims(scale.getDims(0))
                        .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[(int) scale.getDims(0)])));
                graph.setNode(i, node.toBuilder().addInput(zero));
            }
        }
        OnnxDenseModel back = DenseChainReader.read(withZeros.build(), FILE);
        for (int l = 0; l < 2; l++) {
            assertArrayEquals(quantized.layer(l).weights(), back.network().layer(l).weights(), "layer " + (l + 1));
        }
        assertTrue(withZeros.build().getSerializedSize() > proto.getSerializedSize());
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
        assertEquals(1, rewritten.getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == TensorProto.DataType.INT8_VALUE).count(),
                "layer 1's codes are gone");
        assertEquals(1, rewritten.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().endsWith("_scale")).count(), "layer 1's scales are gone");
        OnnxDenseModel reread = DenseChainReader.read(rewritten, FILE);
        assertArrayEquals(w, reread.network().layer(0).weights());
        assertArrayEquals(quantized.layer(1).weights(), reread.network().layer(1).weights());
        for (NodeProto node : rewritten.getGraph().getNodeList()) {
            assertTrue(!node.getOpType().equals("DequantizeLinear") || node.getOutput(0).equals("dense_2.weight"));
        }
    }
}
