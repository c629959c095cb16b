package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.prune.Pruner;

class InputSelectionTest {

    @Test
    void theModelKeepsItsInputAndReadsOnlyTheKeptColumns() {
        OnnxDenseModel model = DenseChainReader.read(TestModels.dense(6, 8, 5, 3).build().model(), Path.of("m.onnx"));
        int[] kept = {0, 2, 5};
        double[] means = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
        DenseNetwork narrowed = Pruner.pruneInputs(model.network(), means, kept);
        ModelProto written = InputSelection.write(model, narrowed, kept);

        OnnxDenseModel reread = DenseChainReader.read(written, Path.of("small.onnx"));
        assertEquals(6, reread.featuresPerRow(), "callers still feed every column");
        assertTrue(reread.network().prefix().operations().contains("Gather"), reread.network().prefix().toString());
        assertEquals(narrowed.parameterCount(), reread.network().parameterCount());

        Random random = new Random(2);
        int rows = 20;
        float[] x = new float[rows * 6];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] picked = new float[rows * kept.length];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < kept.length; k++) {
                picked[r * kept.length + k] = x[r * 6 + kept[k]];
            }
        }
        float[] expected = narrowed.forward(picked, rows);
        float[] actual = TestModels.runOrt(written, reread.input(), x, rows, 6, reread.outputName());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5, "value " + i);
        }
    }

    @Test
    void everyInputKeptWritesTheGraphAsBefore() {
        OnnxDenseModel model = DenseChainReader.read(TestModels.dense(4, 5, 2).build().model(), Path.of("m.onnx"));
        assertEquals(DenseChainWriter.write(model, model.network()),
                InputSelection.write(model, model.network(), new int[] {0, 1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> InputSelection.write(model, model.network(), new int[] {0}));
    }
}
