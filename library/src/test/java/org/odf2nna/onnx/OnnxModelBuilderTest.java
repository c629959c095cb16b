package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.network.TestNetworks;

class OnnxModelBuilderTest {

    @Test
    void builtModelsReadBackAsTheSameNetworkAndRunInOnnxRuntime() {
        Random random = new Random(9);
        List<Activation> activations = List.of(Activation.RELU, Activation.leakyRelu(0.2f), Activation.elu(0.5f),
                Activation.selu(1.5f, 1.1f), Activation.SIGMOID, Activation.TANH, Activation.SOFTPLUS,
                Activation.hardSigmoid(0.25f, 0.4f), Activation.clip(-1f, 2f));
        for (Activation a : activations) {
            for (OutputHead head : OutputHead.values()) {
                DenseNetwork net = TestNetworks.random(random, new int[] {3, 6, 5, 4}, a, head);
                ModelProto model = OnnxModelBuilder.build(net, "features", "scores", Map.of("k", "v"));
                OnnxDenseModel read = DenseChainReader.read(model, Path.of("built.onnx"));
                assertEquals(net.head(), read.network().head());
                for (int l = 0; l < net.layers().size(); l++) {
                    assertEquals(net.layer(l).activation(), read.network().layer(l).activation(), a + " " + head);
                    assertArrayEquals(net.layer(l).weights(), read.network().layer(l).weights());
                    assertArrayEquals(net.layer(l).bias(), read.network().layer(l).bias());
                }
                float[] x = TestNetworks.gaussian(random, 20 * 3, 2);
                float[] expected = net.forward(x, 20);
                try (OnnxRunner runner = OnnxRunner.open(model, read.input(), Device.CPU, Path.of("built.onnx"))) {
                    float[] actual = runner.run(x, 20, 3, List.of("scores")).get("scores");
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i], actual[i], 1e-5 + 1e-5 * Math.abs(expected[i]), a + " " + head);
                    }
                }
                assertEquals("v", model.getMetadataProps(0).getValue());
            }
        }
    }
}
