package org.odf2nna.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.InputRange;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.InputClip;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.ShrinkSettings;
import org.odf2nna.settings.SweepSettings;

/** The in-memory sweep with clipped inputs: the range it returns and the ONNX bytes it writes. */
class SweptClipTest {

    /** 3 inputs → 8 tanh units, four distinct ones twice each → 1. */
    private static DenseNetwork network() {
        Random r = new Random(5);
        float[] w1 = new float[3 * 8];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                float w = (float) r.nextGaussian();
                w1[i * 8 + j] = w;
                w1[i * 8 + j + 4] = w;
            }
        }
        float[] w2 = new float[8];
        for (int j = 0; j < 8; j++) {
            w2[j] = (float) r.nextGaussian();
        }
        return new DenseNetwork(InputPrefix.NONE, List.of(new DenseLayer(3, 8, w1, new float[8], Activation.TANH),
                new DenseLayer(8, 1, w2, new float[1], Activation.IDENTITY)), OutputHead.NONE);
    }

    private static Rows rows(DenseNetwork network, long seed, int n) {
        Random r = new Random(seed);
        float[] x = new float[n * 3];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) (r.nextDouble() * 2 - 1);
        }
        float[] y = network.forward(x, n);
        for (int k = 0; k < n; k++) {
            y[k] += (float) (r.nextGaussian() * 0.05);
        }
        return Rows.of(x, 3).withTargets(y);
    }

    @Test
    void theRangeIsTheTrainingRowsAndTheBytesClip() throws Exception {
        DenseNetwork network = network();
        Rows training = rows(network, 1, 800);
        Rows validation = rows(network, 2, 400);
        SweepSettings settings = SweepSettings.builder().clipInputs(true).maxRounds(1).inputs(false)
                .retraining(RetrainSettings.builder().epochs(1).seed(0).build()).build();

        Swept swept = Odf2nna.sweep(network, training, validation, settings);

        assertTrue(swept.clipped());
        assertEquals(InputRange.of(training.features(), 800, 3), swept.inputRange());
        Swept.Round round = swept.rounds().get(0);
        ModelProto proto = ModelProto.parseFrom(swept.onnx(round));
        assertEquals(List.of("Max", "Min"), proto.getGraph().getNodeList().stream().limit(2)
                .map(NodeProto::getOpType).toList());
        InputClip.Recorded recorded = InputClip.read(proto);
        assertNotNull(recorded);
        assertTrue(recorded.clipped());
        assertEquals(swept.inputRange().columns(round.inputs()), recorded.range());
        // Without clipping, the bytes record the range and leave the graph as Round.onnx() writes it.
        Swept plain = Odf2nna.sweep(network, training, validation, SweepSettings.builder().maxRounds(1).inputs(false)
                .retraining(RetrainSettings.builder().epochs(1).seed(0).build()).build());
        assertFalse(plain.clipped());
        ModelProto unclipped = ModelProto.parseFrom(plain.onnx(plain.rounds().get(0)));
        // A regression round's bytes clip its output to the training targets' range (the model the promise speaks
        // of, BoundedRegression): Round.onnx()'s graph, then one Clip.
        List<NodeProto> nodes = unclipped.getGraph().getNodeList();
        List<NodeProto> before = ModelProto.parseFrom(plain.rounds().get(0).onnx()).getGraph().getNodeList();
        assertEquals(before.stream().map(NodeProto::getName).toList(), nodes.subList(0, nodes.size() - 1).stream()
                .map(NodeProto::getName).toList());
        NodeProto clip = nodes.get(nodes.size() - 1);
        assertEquals("Clip", clip.getOpType());
        assertEquals(List.of("output"), clip.getOutputList(), "the clipped output keeps the output's name");
        assertFalse(InputClip.read(unclipped).clipped());
    }

    @Test
    void shrinkInMemoryRefusesIt() {
        DenseNetwork network = network();
        Rows rows = rows(network, 1, 50);
        assertThrows(IllegalArgumentException.class, () -> Odf2nna.shrink(network, rows,
                ShrinkSettings.builder().clipInputs(true).build()));
    }
}
