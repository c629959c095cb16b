package org.odf2nna.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Progress;
import org.odf2nna.report.ShrinkResult;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.ShrinkFiles;
import org.odf2nna.settings.ShrinkSettings;

/**
 * {@code FileWorkflows.shrink} is one entry for dense chains and graphs: it picks the route from the model (as
 * {@code Inspection.prunesGraphBlocks} says) and the settings, and its result holds the report of the route taken.
 */
class FrontDoorTest {

    private static final Path IRIS = Path.of("models/iris_4-16-16-3_relu.onnx");
    private static final Path IRIS_TEST = Path.of("examples/iris/iris-test.csv");

    @TempDir
    Path dir;

    private static Path kerasEdge(String name) throws Exception {
        return Path.of(FrontDoorTest.class.getResource("/keras-edge/" + name).toURI());
    }

    @Test
    void aDenseChainIsPrunedOnceAtEachEpsilon() {
        ShrinkFiles files = ShrinkFiles.of(IRIS, IRIS_TEST).withOutput(dir.resolve("small.onnx"));
        ShrinkResult r = FileWorkflows.shrink(files, ShrinkSettings.builder().epsilon(0.1).build(), null,
                ModelInputs.NONE, OutputDecoding.DEFAULT, Progress.NONE);
        assertNotNull(r.oneShot());
        assertNull(r.graphRound());
        assertNull(r.progressive());
        assertEquals(1, r.oneShot().outcomes().size());
        assertTrue(Files.isRegularFile(dir.resolve("small.onnx")));
    }

    @Test
    void aGraphWithoutTrainingRowsIsPrunedOneRound() throws Exception {
        Path model = kerasEdge("mnv2_tiny.keras");
        assertTrue(Inspection.prunesGraphBlocks(model));
        Path out = dir.resolve("small.keras");
        ShrinkFiles files = ShrinkFiles.of(model, kerasEdge("rows_tiny.npz")).withOutput(out);
        ShrinkResult r = FileWorkflows.shrink(files, ShrinkSettings.defaults(), null, ModelInputs.NONE,
                OutputDecoding.DEFAULT, Progress.NONE);
        assertNull(r.oneShot());
        assertNull(r.progressive());
        assertNotNull(r.graphRound());
        assertEquals(out.toString(), r.graphRound().output());
        assertTrue(r.graphRound().parametersAfter() < r.graphRound().modelParameters());
    }

    @Test
    void aResultHoldsExactlyOnePart() {
        assertThrows(IllegalArgumentException.class, () -> new ShrinkResult(null, null, null));
        assertFalse(Inspection.prunesGraphBlocks(IRIS));
    }
}
