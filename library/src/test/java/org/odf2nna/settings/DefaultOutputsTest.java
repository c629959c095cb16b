package org.odf2nna.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The names the workflows write to when no output is named: decided here, for every front end. */
class DefaultOutputsTest {

    @Test
    void eachWorkflowNamesItsOutputAfterItsInputWithoutTheExtension() {
        assertEquals(Path.of("mnist-train.general.onnx"), BuildFiles.defaultOutput(Path.of("data/mnist-train.csv.gz")));
        assertEquals(Path.of("Iris.general.onnx"), BuildFiles.defaultOutput(Path.of("Iris.CSV")));
        assertEquals(Path.of("lenet.chosen.onnx"), SweepFiles.defaultOutput(Path.of("/models/lenet.onnx")));
        assertEquals(Path.of("net.evolved.onnx"), EvolveFiles.defaultOutput(Path.of("net.keras")));
        assertEquals(Path.of("digits.small.onnx"), RunFiles.defaultOutput(Path.of("digits.csv")));
        assertEquals(Path.of("out/digits.small.general.onnx"),
                RunFiles.defaultGeneral(Path.of("out/digits.small.onnx")));
        assertEquals(Path.of("saved_model_dir.chosen.onnx"), SweepFiles.defaultOutput(Path.of("saved_model_dir")));
    }

    @Test
    void shrinkNamesOneOutputPerThresholdBesideTheBase() {
        ShrinkFiles files = ShrinkFiles.of(Path.of("m.h5"), Path.of("test.csv"));
        ShrinkSettings two = ShrinkSettings.builder().epsilons(java.util.List.of(0.05, 0.1)).build();
        assertEquals(java.util.List.of(Path.of("m.small.eps0.05.onnx"), Path.of("m.small.eps0.1.onnx")),
                files.outputs(two));
    }
}
