package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.api.Rows;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.prune.LayerCovariance;
import org.odf2nna.prune.ReconstructionCost;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.settings.BlockLimits;
import org.odf2nna.settings.BuildSettings;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.Ranking;
import org.odf2nna.settings.RunFiles;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;

/** A dense chain's rounds under {@link BlockLimits} (issue 58): no hidden layer gutted in a round, kept layers kept. */
class ChainBlockLimitsTest {

    @Test
    void aRoundTakesAtMostItsShareOfEachLayerAndNothingFromAKeptOne() {
        Random random = new Random(7);
        DenseNetwork network = TestNetworks.random(random, new int[] {6, 12, 9, 3}, Activation.RELU,
                OutputHead.NONE);
        float[] x = TestNetworks.gaussian(random, 300 * 6, 1);
        LayerCovariance moments = LayerCovariance.measure(network, RowSource.of(x, 300, 6, 64));
        UnitSelection unlimited = ReconstructionCost.select(network, null, moments.covariances(), 0.999,
                Ranking.COST).units();
        assertEquals(1, unlimited.layers().get(0).keptCount(), "without limits a layer goes down to one unit");
        int[] most = ProgressivePruning.most(network, network, BlockLimits.DEFAULT, Set.of(1));
        assertArrayEquals(new int[] {6, 0}, most, "half of 12; the kept layer none");
        UnitSelection limited = ReconstructionCost.select(network, null, moments.covariances(), 0.999, Ranking.COST,
                most).units();
        assertEquals(6, limited.layers().get(0).keptCount());
        assertEquals(9, limited.layers().get(1).keptCount());
        // A layer at its floor (max(2, 10% of 12) = 2) gives nothing more.
        DenseNetwork narrow = TestNetworks.random(random, new int[] {6, 2, 9, 3}, Activation.RELU, OutputHead.NONE);
        assertEquals(0, ProgressivePruning.most(network, narrow, BlockLimits.DEFAULT, Set.of())[0]);
    }

    @Test
    void keptLayersAreNamedByNumberOrNodeAndAnUnknownNameIsRefused() {
        List<String> nodes = List.of("dense_1/Gemm", "dense_2/Gemm", "dense_3/Gemm");
        assertEquals(Set.of(0, 1), ProgressivePruning.keptLayers(List.of("1", "dense_2/Gemm"), 2, nodes, null));
        InputException e = assertThrows(InputException.class,
                () -> ProgressivePruning.keptLayers(List.of("dense_3/Gemm"), 2, nodes, Path.of("m.onnx")));
        assertEquals(InputException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("1 dense_1/Gemm, 2 dense_2/Gemm") && !e.getMessage().contains("\n"),
                e.getMessage());
    }

    @Test
    void aChainRefusesTheTaylorRankingAtTheSweepsEntryBeforeAnyWork() {
        SweepSettings taylor = SweepSettings.builder().ranking(Ranking.TAYLOR).build();
        // In memory: refused before the rows are looked at (one validation row would be too few to certify).
        Random random = new Random(3);
        DenseNetwork network = TestNetworks.random(random, new int[] {4, 8, 3}, Activation.RELU, OutputHead.NONE);
        Rows rows = Rows.of(TestNetworks.gaussian(random, 100 * 4, 1), 4);
        IllegalArgumentException inMemory = assertThrows(IllegalArgumentException.class,
                () -> Odf2nna.sweep(network, rows, Rows.of(new float[4], 4), taylor));
        assertTrue(inMemory.getMessage().contains("taylor applies to graphs")
                && !inMemory.getMessage().contains("\n"), inMemory.getMessage());
        // From files: a usage error naming the model, before the (absent) model or rows are read.
        Path model = Path.of("absent", "chain.onnx");
        InputException fromFile = assertThrows(InputException.class, () -> Sweeper.run(SweepFiles.of(model,
                Path.of("absent", "train.csv"), null, Path.of("absent", "out.onnx")), taylor, Progress.NONE));
        assertEquals(InputException.Kind.USAGE, fromFile.kind());
        assertEquals(model, fromFile.file());
        assertTrue(fromFile.getMessage().contains("taylor applies to graphs"), fromFile.getMessage());
        // run: before the general model is built, naming where it would go.
        Path general = Path.of("absent", "general.onnx");
        InputException run = assertThrows(InputException.class, () -> MethodRun.run(new RunFiles(
                Path.of("absent", "train.csv"), Path.of("absent", "test.csv"), general, Path.of("absent", "small.onnx"),
                null, null, CsvReading.DEFAULT), BuildSettings.builder().build(), taylor, Progress.NONE));
        assertEquals(InputException.Kind.USAGE, run.kind());
        assertEquals(general, run.file());
    }
}
