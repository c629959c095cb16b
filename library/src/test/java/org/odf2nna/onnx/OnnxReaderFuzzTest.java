package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.prune.EpsilonRule;
import org.odf2nna.prune.Pruner;
import org.odf2nna.prune.RunningMoments;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.prune.UnitStatistics;

/**
 * Coverage-guided fuzzing of the ONNX side: bytes → {@link OnnxModelFile} → {@link DenseChainReader} →
 * pruning → {@link DenseChainWriter} → reading the written model again → {@link ScoringGraph}.
 *
 * <p>The invariant: whatever the bytes, the only exception that may come out is an {@link InputException}
 * whose message names the file; and a model that was read can be written back, unchanged or pruned, and
 * read again as the network that was written. Any other exception, an OutOfMemoryError or a hang is a
 * bug. In a normal test run this replays the seeds and findings under
 * {@code src/test/resources/org/odf2nna/onnx/OnnxReaderFuzzTestInputs}; with {@code JAZZER_FUZZ=1} it
 * fuzzes (see docs/research/ROBUSTNESS.md).
 */
class OnnxReaderFuzzTest {

    /** A folder with the model's name and one external data file the fuzzer can point tensors at. */
    static final Path DIR = fuzzFolder();
    static final Path FILE = DIR.resolve("fuzz.onnx");

    @FuzzTest(maxDuration = "30s")
    void readPruneWrite(byte[] bytes) {
        OnnxDenseModel model;
        try {
            model = DenseChainReader.read(OnnxModelFile.parse(bytes, FILE), FILE);
        } catch (InputException e) {
            assertNamesTheFile(e);
            return;
        }
        DenseNetwork network = model.network();

        // Unchanged, the network is written and read back as itself.
        ModelProto same = DenseChainWriter.write(model, network);
        assertEquals(network.architecture(), reread(same).architecture());

        // Pruned at the median unit spread, the smaller network is written and read back. (Activations or
        // folded biases that overflow are refused by ModelScan and Shrinker before this point.)
        if (network.hiddenLayerCount() > 0) {
            UnitStatistics statistics = statistics(network);
            if (finite(statistics)) {
                UnitSelection selection = EpsilonRule.select(statistics.stds(), median(statistics));
                DenseNetwork pruned = Pruner.prune(network, statistics, selection);
                if (pruned.firstNonFiniteLayer() < 0) {
                    ModelProto written = DenseChainWriter.write(model, pruned);
                    assertEquals(pruned.architecture(), reread(written).architecture());
                }
            }
        }

        // The scoring graph exposes every hidden activation.
        List<String> wanted = new ArrayList<>(model.hiddenUnitOutputs());
        wanted.add(model.outputName());
        ModelProto scoring = ScoringGraph.exposing(model, wanted);
        assertTrue(scoring.getGraph().getOutputCount() >= wanted.size());
    }

    private static DenseNetwork reread(ModelProto written) {
        try {
            return DenseChainReader.read(OnnxModelFile.parse(written.toByteArray(), FILE), FILE).network();
        } catch (InputException e) {
            throw new AssertionError("a model this tool wrote is not read back: " + e.getMessage(), e);
        }
    }

    /** Unit statistics from a plain-Java forward pass over a few fixed rows. */
    private static UnitStatistics statistics(DenseNetwork network) {
        int rows = 3;
        float[] x = TestModels.randomRows(1, rows, network.inputs());
        List<float[]> hidden = network.hiddenOutputs(x, rows);
        List<RunningMoments> moments = new ArrayList<>();
        for (int l = 0; l < network.hiddenLayerCount(); l++) {
            RunningMoments m = new RunningMoments(network.layer(l).units());
            m.add(hidden.get(l), rows);
            moments.add(m);
        }
        return UnitStatistics.of(moments);
    }

    private static boolean finite(UnitStatistics statistics) {
        for (int l = 0; l < statistics.layerCount(); l++) {
            for (double v : statistics.mean(l)) {
                if (!Double.isFinite(v)) {
                    return false;
                }
            }
            for (double v : statistics.std(l)) {
                if (!Double.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static double median(UnitStatistics statistics) {
        List<Double> all = new ArrayList<>();
        for (double[] s : statistics.stds()) {
            for (double v : s) {
                if (Double.isFinite(v)) {
                    all.add(v);
                }
            }
        }
        all.sort(null);
        return all.isEmpty() ? 0 : all.get(all.size() / 2);
    }

    static void assertNamesTheFile(InputException e) {
        assertTrue(e.getMessage() != null && e.getMessage().startsWith(FILE.toString()),
                () -> "message does not start with the file: " + e.getMessage());
    }

    private static Path fuzzFolder() {
        try {
            Path dir = Files.createTempDirectory("onnx-fuzz");
            dir.toFile().deleteOnExit();
            dir.resolve("weights.bin").toFile().deleteOnExit();
            byte[] data = new byte[4096];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 31 + 7);
            }
            Files.write(dir.resolve("weights.bin"), data);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
