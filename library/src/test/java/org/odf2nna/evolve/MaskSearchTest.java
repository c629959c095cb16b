package org.odf2nna.evolve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.RowMajor;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.prune.Pruner;
import org.odf2nna.prune.RunningMoments;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.prune.UnitStatistics;

class MaskSearchTest {

    private static final int ROWS = 300;

    private final Random random = new Random(21);
    private final DenseNetwork network = TestNetworks.random(random, new int[] {6, 10, 8, 7, 3}, Activation.RELU,
            OutputHead.SOFTMAX);
    private final float[] rows = TestNetworks.gaussian(random, ROWS * 6, 1.0);

    @Test
    void statisticsMeasuredInChunksEqualOnePass() {
        UnitStatistics chunked = UnitStatistics.measure(network, rows, ROWS, 7);
        List<float[]> hidden = network.hiddenOutputs(rows, ROWS);
        for (int l = 0; l < 3; l++) {
            RunningMoments m = new RunningMoments(network.layer(l).units());
            m.add(hidden.get(l), ROWS);
            assertArrayEquals(m.mean(), chunked.mean(l), 1e-9);
            assertArrayEquals(m.standardDeviation(), chunked.std(l), 1e-9);
        }
        assertEquals(ROWS, chunked.rows());
    }

    @Test
    void unitMaskSelectsTheSearchedLayersOnly() {
        UnitStatistics stats = UnitStatistics.measure(network, rows, ROWS, 64);
        UnitSearch search = new UnitSearch(network, new int[] {0, 2}, stats);
        assertArrayEquals(new int[] {10, 7}, search.layout().segments());
        Mask mask = Mask.parse("1011000010" + "0100100");
        UnitSelection selection = search.selection(mask);
        assertArrayEquals(new int[] {0, 2, 3, 8}, selection.layer(0).kept());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, selection.layer(1).kept(), "layer 2 is not searched");
        assertArrayEquals(new int[] {1, 4}, selection.layer(2).kept());
        DenseNetwork pruned = search.apply(mask);
        assertEquals("6-4-8-2-3", pruned.architecture());
        assertEquals(Pruner.prune(network, stats, selection), pruned);
        assertEquals(0, search.firstChangedLayer());
        assertEquals(network, search.apply(Mask.all(17)).withLayers(network.layers()), "same prefix and head");
        assertArrayEquals(network.forward(rows, ROWS), search.apply(Mask.all(17)).forward(rows, ROWS), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> search.apply(Mask.parse("0000000000" + "0100100")),
                "a layer without units");
        assertThrows(IllegalArgumentException.class, () -> new UnitSearch(network, new int[] {2, 1}, stats));
        assertThrows(IllegalArgumentException.class, () -> new UnitSearch(network, new int[] {3}, stats),
                "the output layer is not a hidden layer");
    }

    @Test
    void maskedFitnessOnlyRunsTheChangedLayersButScoresTheWholeNetwork() {
        UnitStatistics stats = UnitStatistics.measure(network, rows, ROWS, 64);
        MaskedFitness.Scorer sumOfSquares = (outputs, n) -> {
            double s = 0;
            for (int k = 0; k < n * 3; k++) {
                s += outputs[k] * (double) outputs[k] * (k % 3 + 1);
            }
            return s;
        };
        UnitSearch later = new UnitSearch(network, new int[] {1, 2}, stats);
        assertEquals(1, later.firstChangedLayer());
        MaskedFitness fitness = new MaskedFitness(later, rows, ROWS, sumOfSquares);
        for (String bits : List.of("10101010" + "1110000", "00000001" + "0000001", "11111111" + "1111111")) {
            Mask mask = Mask.parse(bits);
            float[] full = later.apply(mask).forward(rows, ROWS);
            // the same arithmetic as the whole pruned network, to the bit
            assertEquals(sumOfSquares.score(full, ROWS), fitness.evaluate(mask), 0.0, bits);
        }
        UnitSearch first = new UnitSearch(network, new int[] {0, 2}, stats);
        MaskedFitness fromInput = new MaskedFitness(first, rows, ROWS, sumOfSquares);
        for (String bits : List.of("1010101011" + "1110000", "0000000100" + "0000001")) {
            Mask mask = Mask.parse(bits);
            float[] full = first.apply(mask).forward(rows, ROWS);
            assertEquals(sumOfSquares.score(full, ROWS), fromInput.evaluate(mask), 0.0, bits);
        }
    }

    @Test
    void featureMaskFoldsDroppedInputsAsTheirMeans() {
        double[] means = {0.5, -1, 2, 0, 0.25, 3};
        FeatureSearch search = new FeatureSearch(network, means);
        Mask mask = Mask.parse("101001");
        assertArrayEquals(new int[] {0, 2, 5}, search.kept(mask));
        DenseNetwork pruned = search.apply(mask);
        assertEquals("3-10-8-7-3", pruned.architecture());
        // the pruned network on the kept columns equals the original with the dropped columns set to their means
        float[] kept = RowMajor.keepColumns(rows, ROWS, 6, new int[] {0, 2, 5});
        float[] filled = rows.clone();
        for (int r = 0; r < ROWS; r++) {
            for (int i : new int[] {1, 3, 4}) {
                filled[r * 6 + i] = (float) means[i];
            }
        }
        assertArrayEquals(network.forward(filled, ROWS), pruned.forward(kept, ROWS), 1e-5f);
        MaskedFitness.Scorer first = (outputs, n) -> outputs[0] + outputs[n * 3 - 1];
        MaskedFitness fitness = new MaskedFitness(search, rows, ROWS, first);
        float[] outputs = pruned.forward(kept, ROWS);
        assertEquals(first.score(outputs, ROWS), fitness.evaluate(mask), 0.0);
        assertThrows(IllegalArgumentException.class, () -> search.apply(Mask.parse("000000")));
        assertThrows(IllegalArgumentException.class, () -> new FeatureSearch(network, new double[5]));
    }

    @Test
    void prunedInputsTakeTheirMeansIntoTheBias() {
        double[] means = {1, 2, 3, 4, 5, 6};
        DenseNetwork pruned = Pruner.pruneInputs(network, means, new int[] {1, 4});
        float[] b = pruned.layer(0).bias();
        float[] original = network.layer(0).bias();
        for (int u = 0; u < 10; u++) {
            double expected = original[u];
            for (int i : new int[] {0, 2, 3, 5}) {
                expected += network.layer(0).weight(i, u) * means[i];
            }
            assertEquals(expected, b[u], 1e-5, "bias of unit " + u);
            assertEquals(network.layer(0).weight(1, u), pruned.layer(0).weight(0, u));
            assertEquals(network.layer(0).weight(4, u), pruned.layer(0).weight(1, u));
        }
        assertEquals(network.layers().subList(1, 4), pruned.layers().subList(1, 4), "later layers untouched");
        assertEquals(Arrays.asList(network.hiddenUnits()[0], 8, 7),
                Arrays.stream(pruned.hiddenUnits()).boxed().toList());
    }
}
