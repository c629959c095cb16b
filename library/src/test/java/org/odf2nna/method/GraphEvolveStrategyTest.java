package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.evolve.Mask;
import org.odf2nna.graph.BlockFinder;
import org.odf2nna.graph.BlockMasks;
import org.odf2nna.graph.Decoder;
import org.odf2nna.graph.DenseBlock;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.graph.GraphSweep;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.report.EvolveReport;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.EvolveFiles;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.RetrainSettings;

/**
 * evolve on a graph (issue 70): the tiny Keras MobileNetV2 of {@code keras-edge} (two residual streams, two blocks of
 * their own), its blocks' units searched as one mask, the best mask refitted, retrained end to end and written as ONNX
 * and as .keras; the same seed gives the same file. Run through {@link Evolver#run}'s front door, which picks the
 * graph's search ({@link GraphEvolveStrategy}) for this model.
 */
class GraphEvolveStrategyTest {

    private static Path resource(String name) {
        try {
            return Path.of(GraphEvolveStrategyTest.class.getResource("/keras-edge/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Path MODEL = resource("mnv2_tiny.keras");
    private static final Path TRAIN = resource("rows_tiny.npz");
    private static final Path VALIDATION = resource("rows_tiny_b.npz");

    @TempDir
    Path dir;

    private static EvolveSettings settings(long seed) {
        return EvolveSettings.builder().retraining(RetrainSettings.builder().seed(seed).build()).population(8)
                .evaluations(40).threads(2).build();
    }

    private EvolveReport evolve(String output, long seed) {
        return Evolver.run(new EvolveFiles(MODEL, TRAIN, VALIDATION, null, dir.resolve(output), null,
                CsvReading.DEFAULT), settings(seed), GraphRetraining.DEFAULT, Progress.NONE);
    }

    @Test
    void theFrontDoorPicksTheGraphsSearchForAGraphAndTheChainsForADenseChain() throws IOException {
        assertTrue(Evolver.strategyFor(MODEL, GraphRetraining.DEFAULT) instanceof GraphEvolveStrategy);
        Path chain = TestModels.save(TestModels.dense(6, 12, 10, 3).seed(7).build().model(), dir, "chain.onnx");
        assertTrue(Evolver.strategyFor(chain, GraphRetraining.DEFAULT) instanceof ChainEvolveStrategy);
        assertTrue(Evolver.strategyFor(dir.resolve("absent.onnx"), GraphRetraining.DEFAULT)
                instanceof ChainEvolveStrategy, "a model that cannot be read goes to the chain's reading");
    }

    @Test
    void theBestMaskIsWrittenSmallerRunsInOnnxRuntimeAndTheSameSeedGivesTheSameFile() throws IOException {
        EvolveReport a = evolve("a.onnx", 7);
        EvolveReport.GraphOutcome o = a.outcome().graph();
        assertTrue(o.parametersAfter() < o.parametersBefore(), o.parametersAfter() + " of " + o.parametersBefore());
        assertTrue(o.multiplyAddsAfter() > 0 && o.multiplyAddsAfter() < o.multiplyAddsBefore(),
                o.multiplyAddsAfter() + " of " + o.multiplyAddsBefore());
        assertEquals(40, a.search().ga().budget(), "the budget is the evaluations asked for");
        assertTrue(a.search().effort().evaluations() <= 40 && a.search().effort().evaluations() >= 8,
                a.search().effort().toString());
        // Two residual streams share their channels: fewer segments than blocks, every bit one unit.
        List<DenseBlock> blocks = BlockFinder.find(ModelReader.read(MODEL).graph(), MODEL);
        assertTrue(a.search().blocks() < blocks.size(), a.search().blocks() + " segments, " + blocks.size()
                + " blocks");
        String mask = a.outcome().mask();
        assertTrue(Mask.parse(mask).activeCount() < Mask.parse(mask).length(), mask);
        String retraining = a.graphRound().retraining();
        assertTrue(retraining.startsWith("end to end"), retraining);

        // The written file, run afresh in ONNX Runtime: fewer weights, and the accuracy the report gives.
        Path out = dir.resolve("a.onnx");
        ModelProto written = OnnxModelFile.read(out);
        assertTrue(weights(written) < weights(ModelReader.read(MODEL).graph()), "fewer weights in the file");
        GraphFeed feed = GraphFeed.of(written, out);
        GraphRows rows = GraphRows.read(VALIDATION, 0, feed, null, Integer.MAX_VALUE);
        int[] predicted = GraphSweep.predict(written, out, feed, rows, Device.CPU, new Decoder(OutputDecoding.DEFAULT));
        int right = 0;
        for (int r = 0; r < predicted.length; r++) {
            right += predicted[r] == rows.labels()[r] ? 1 : 0;
        }
        assertEquals(o.judgements().written().accuracy(), (double) right / predicted.length, 1e-12);

        EvolveReport b = evolve("b.onnx", 7);
        assertEquals(mask, b.outcome().mask());
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(dir.resolve("b.onnx")), "same seed, same bytes");
    }

    @Test
    void aKerasInputIsWrittenBackAsKerasWithNarrowerLayers() throws IOException {
        EvolveReport r = evolve("small.keras", 3);
        Path out = dir.resolve("small.keras");
        assertEquals(out.toString(), r.graphRun().output());
        assertNotNull(ModelFiles.readKeras(out).backbone(), "read back as a Keras file with a backbone");
        ModelProto back = ModelReader.read(out).graph();
        assertTrue(weights(back) < weights(ModelReader.read(MODEL).graph()), "fewer weights in the .keras");
        assertFalse(r.outcome().graph().widths().isEmpty());
    }

    @Test
    void aStreamsBlocksDropTheSameChannels() {
        List<DenseBlock> blocks = BlockFinder.find(ModelReader.read(MODEL).graph(), MODEL);
        BlockMasks masks = BlockMasks.of(blocks);
        boolean[] bits = new boolean[masks.layout().length()];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = i % 3 != 0;
        }
        List<boolean[]> drop = masks.dropped(Mask.of(bits));
        int tied = 0;
        for (int b = 0; b < blocks.size(); b++) {
            int start = masks.layout().start(masks.segmentOf()[b]);
            for (int c = 0; c < blocks.get(b).sizes().width(); c++) {
                assertEquals(!bits[start + c], drop.get(b)[c], "block " + b + " channel " + c);
            }
            for (int o = 0; o < b; o++) {
                if (blocks.get(b).tied() && blocks.get(b).stream().equals(blocks.get(o).stream())) {
                    assertArrayEquals(drop.get(o), drop.get(b));
                    tied++;
                }
            }
        }
        assertTrue(tied >= 1, "the tiny MobileNetV2 has a residual stream read by several blocks");
        assertThrows(IllegalArgumentException.class, () -> masks.dropped(Mask.of(new boolean[bits.length])),
                "a mask that empties a block");
    }

    @Test
    void whatAGraphDoesNotReadIsRefusedBeforeAnyWork() {
        Path out = dir.resolve("never.onnx");
        for (EvolveSettings s : List.of(EvolveSettings.builder().retraining(RetrainSettings.DEFAULT).layers(1).build(),
                EvolveSettings.builder().retraining(RetrainSettings.DEFAULT).fitnessEpochs(2).build())) {
            InputException e = assertThrows(InputException.class, () -> Evolver.run(new EvolveFiles(MODEL,
                    dir.resolve("absent.npz"), VALIDATION, null, out, null, CsvReading.DEFAULT), s,
                    GraphRetraining.DEFAULT, Progress.NONE));
            assertTrue(e.getMessage().contains("evolve on a graph searches the units of all its blocks"),
                    e.getMessage());
        }
        assertFalse(Files.exists(out));
    }

    /** Values in a model's initializers. */
    private static long weights(ModelProto model) {
        return model.getGraph().getInitializerList().stream().mapToLong(t -> Arrays.stream(dims(t)).reduce(1,
                (x, y) -> x * y)).sum();
    }

    private static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }
}
