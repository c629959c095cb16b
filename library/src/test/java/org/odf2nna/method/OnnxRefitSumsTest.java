package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.prune.FittingRows;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.prune.UnitStatistics;

/** The refit from sums made in ONNX Runtime is the refit from sums made in plain Java, within float rounding. */
class OnnxRefitSumsTest {

    private static UnitSelection selection(Random random, int[] units) {
        List<UnitSelection.Layer> layers = new ArrayList<>();
        for (int n : units) {
            List<Integer> kept = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                if (random.nextDouble() < 0.6) {
                    kept.add(j);
                }
            }
            if (kept.isEmpty()) {
                kept.add(0);
            }
            layers.add(new UnitSelection.Layer(kept.stream().mapToInt(Integer::intValue).toArray(), n, false));
        }
        return new UnitSelection(layers);
    }

    private static void check(DenseNetwork network, int rows, int batch, long seed) {
        Random random = new Random(seed);
        float[] x = TestNetworks.gaussian(random, rows * network.inputs(), 1.0);
        UnitStatistics statistics = UnitStatistics.measure(network, x, rows, 256);
        UnitSelection chosen = selection(random, network.hiddenUnits());
        RowSource source = RowSource.of(x, rows, network.inputs(), batch);
        LeastSquaresCompensation.Result java = LeastSquaresCompensation.compensate(network, statistics, chosen,
                FittingRows.streamed(network, source), 1e-6);
        LeastSquaresCompensation.Result onnx = LeastSquaresCompensation.compensate(network, statistics, chosen,
                new OnnxRefitSums(network, source, rows, Device.CPU, Path.of("built-in-test.onnx")), 1e-6);
        assertSameRefit(network, java, onnx);
    }

    /** Every weight and bias within 1e-6 of the largest weight, the same solvers, residuals within 1e-5 relative. */
    private static void assertSameRefit(DenseNetwork network, LeastSquaresCompensation.Result java,
            LeastSquaresCompensation.Result onnx) {
        assertEquals(java.layers().size(), onnx.layers().size());
        for (int l = 0; l < network.layers().size(); l++) {
            DenseLayer a = java.network().layer(l);
            DenseLayer b = onnx.network().layer(l);
            assertEquals(a.inputs(), b.inputs());
            assertEquals(a.units(), b.units());
            double scale = 1e-3;
            for (float w : a.weights()) {
                scale = Math.max(scale, Math.abs(w));
            }
            assertTrue(maxDifference(a.weights(), b.weights()) <= 1e-6 * scale, "layer " + (l + 1) + " weights differ "
                    + "by " + maxDifference(a.weights(), b.weights()) + " (largest weight " + scale + ")");
            assertTrue(maxDifference(a.bias(), b.bias()) <= 1e-6 * scale, "layer " + (l + 1) + " bias differs by "
                    + maxDifference(a.bias(), b.bias()));
        }
        for (int l = 0; l < java.layers().size(); l++) {
            assertEquals(java.layers().get(l).rows(), onnx.layers().get(l).rows());
            assertEquals(java.layers().get(l).solver(), onnx.layers().get(l).solver());
            assertEquals(java.layers().get(l).leastSquaresError(), onnx.layers().get(l).leastSquaresError(),
                    1e-5 * Math.max(1e-9, java.layers().get(l).leastSquaresError()));
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    @Test
    void reluChainRefitsAsInJava() {
        DenseNetwork network = TestNetworks.random(new Random(3), new int[] {12, 40, 30, 20, 3}, Activation.RELU,
                OutputHead.SOFTMAX);
        // Blocks of rows that do not line up with the batches: the sums do not depend on how the rows are cut.
        check(network, 3000, 700, 11);
    }

    @Test
    void integerKernelsAreSummedInPlainJavaAndFloatLayersInOnnxRuntime() {
        DenseNetwork network = TestNetworks.random(new Random(7), new int[] {6, 12, 10, 2}, Activation.RELU,
                OutputHead.SOFTMAX);
        RowSource rows = RowSource.of(new float[60], 10, 6, 10);
        assertTrue(OnnxRefitSums.of(network, rows, 10, Device.CPU, OnnxRefitSums.IN_MEMORY) instanceof OnnxRefitSums);
        // ONNX Runtime's dynamic quantization takes one range per batch, the simulated kernels one per row.
        DenseNetwork int8 = Int8Quantization.quantize(network, new boolean[] {false, true, false}, true);
        assertTrue(OnnxRefitSums.of(int8, rows, 10, Device.CPU, OnnxRefitSums.IN_MEMORY) instanceof FittingRows);
    }

    /**
     * While nothing has been dropped before a layer, its sums come from the original's Gram matrix of that layer
     * (one pass of the original alone); the pass over both chains and two Gram products gives the same refit.
     */
    private static void checkFromOriginal(DenseNetwork network, int intactLayers, long seed) {
        Random random = new Random(seed);
        int rows = 2000;
        float[] x = TestNetworks.gaussian(random, rows * network.inputs(), 1.0);
        UnitStatistics statistics = UnitStatistics.measure(network, x, rows, 256);
        UnitSelection drawn = selection(random, network.hiddenUnits());
        List<UnitSelection.Layer> layers = new ArrayList<>(drawn.layers());
        for (int l = 0; l < intactLayers; l++) {
            int units = network.layer(l).units();
            layers.set(l, new UnitSelection.Layer(java.util.stream.IntStream.range(0, units).toArray(), units, false));
        }
        UnitSelection chosen = new UnitSelection(layers);
        assertTrue(chosen.layer(intactLayers).dropped().length > 0, "the first refitted layer drops units");
        RowSource source = RowSource.of(x, rows, network.inputs(), 300);
        LeastSquaresCompensation.Result sequential = LeastSquaresCompensation.compensate(network, statistics, chosen,
                new OnnxRefitSums(network, source, rows, Device.CPU, Path.of("built-in-test.onnx"), false), 1e-6);
        LeastSquaresCompensation.Result fromOriginal = LeastSquaresCompensation.compensate(network, statistics, chosen,
                new OnnxRefitSums(network, source, rows, Device.CPU, Path.of("built-in-test.onnx"), true), 1e-6);
        assertSameRefit(network, sequential, fromOriginal);
    }

    @Test
    void firstLayerRefitFromTheOriginalsGramIsTheSequentialRefit() {
        DenseNetwork network = TestNetworks.random(new Random(13), new int[] {10, 30, 24, 16, 3}, Activation.RELU,
                OutputHead.SOFTMAX);
        checkFromOriginal(network, 0, 21);
    }

    @Test
    void laterLayerRefitFromTheOriginalsGramIsTheSequentialRefit() {
        // Nothing dropped in the first two hidden layers: the first refit is of layer 4, from layer 3's outputs.
        DenseNetwork network = TestNetworks.random(new Random(17), new int[] {10, 30, 24, 16, 3}, Activation.RELU,
                OutputHead.SOFTMAX);
        checkFromOriginal(network, 2, 22);
        DenseNetwork tanh = TestNetworks.random(new Random(19), new int[] {7, 25, 25, 1}, Activation.TANH,
                OutputHead.NONE);
        checkFromOriginal(tanh, 1, 23);
    }

    /** 2,100 Gaussian rows, their statistics, and a selection that keeps every unit of the first intact layers. */
    private record FusedCase(int rows, float[] x, UnitStatistics statistics, UnitSelection chosen) {
        static FusedCase of(DenseNetwork network, int intactLayers, long seed) {
            Random random = new Random(seed);
            int rows = 2100;
            float[] x = TestNetworks.gaussian(random, rows * network.inputs(), 1.0);
            UnitStatistics statistics = UnitStatistics.measure(network, x, rows, 256);
            List<UnitSelection.Layer> layers = new ArrayList<>(selection(random, network.hiddenUnits()).layers());
            for (int l = 0; l < intactLayers; l++) {
                int units = network.layer(l).units();
                int[] all = java.util.stream.IntStream.range(0, units).toArray();
                layers.set(l, new UnitSelection.Layer(all, units, false));
            }
            UnitSelection chosen = new UnitSelection(layers);
            assertTrue(chosen.layer(intactLayers).dropped().length > 0,
                    "layer " + (intactLayers + 1) + " drops units");
            return new FusedCase(rows, x, statistics, chosen);
        }
    }

    /**
     * The last layer's refit on the output layer's targets as the scoring pass makes them (from the last hidden
     * layer's outputs, batch by batch) gives the refit of the pass that runs the whole original beside the pruned
     * chain, within 1e-6 of the largest weight, whichever layers drop units before it.
     */
    private static void checkOnOutputTargets(DenseNetwork network, int intactLayers, long seed) {
        FusedCase c = FusedCase.of(network, intactLayers, seed);
        int rows = c.rows();
        float[] x = c.x();
        UnitStatistics statistics = c.statistics();
        UnitSelection chosen = c.chosen();
        // The scoring pass's batches (256 rows) do not line up with the refit's blocks (300 rows).
        OutputTargets.Builder made = new OutputTargets.Builder(network.outputLayer(), Long.MAX_VALUE);
        int last = network.hiddenLayerCount() - 1;
        for (int from = 0; from < rows; from += 256) {
            int n = Math.min(256, rows - from);
            float[] h = java.util.Arrays.copyOfRange(x, from * network.inputs(), (from + n) * network.inputs());
            for (int l = 0; l <= last; l++) {
                h = network.layer(l).forward(h, n);
            }
            made.add(h, n);
        }
        OutputTargets targets = made.build();
        assertEquals(rows, targets.rows());
        RowSource source = RowSource.of(x, rows, network.inputs(), 300);
        Path file = Path.of("built-in-test.onnx");
        LeastSquaresCompensation.Result sequential = LeastSquaresCompensation.compensate(network, statistics, chosen,
                new OnnxRefitSums(network, source, rows, Device.CPU, file, false), 1e-6);
        LeastSquaresCompensation.Result fused = LeastSquaresCompensation.compensate(network, statistics, chosen,
                new OnnxRefitSums(network, source, rows, Device.CPU, file).withOutputTargets(targets), 1e-6);
        assertSameRefit(network, sequential, fused);
    }

    @Test
    void lastRefitOnTheScoringPassTargetsWhereTheFirstLayerDropsUnits() {
        DenseNetwork network = TestNetworks.random(new Random(29), new int[] {10, 30, 24, 16, 3}, Activation.RELU,
                OutputHead.SOFTMAX);
        checkOnOutputTargets(network, 0, 31);
        DenseNetwork tanh = TestNetworks.random(new Random(37), new int[] {7, 25, 20, 1}, Activation.TANH,
                OutputHead.NONE);
        checkOnOutputTargets(tanh, 0, 32);
    }

    @Test
    void lastRefitOnTheScoringPassTargetsWhereTheFirstLayerKeepsAll() {
        DenseNetwork network = TestNetworks.random(new Random(41), new int[] {10, 30, 24, 16, 3}, Activation.RELU,
                OutputHead.SOFTMAX);
        // Layer 1 keeps all (the first refit from the original's Gram matrix of layer 2), and the case where only
        // the last hidden layer drops units: its refit, the only one, takes the targets in place of the Gram matrix.
        checkOnOutputTargets(network, 1, 33);
        checkOnOutputTargets(network, 2, 34);
    }

    /**
     * Both fused sums as the scoring pass takes them, batch by batch: the first refit on the Gram matrix of its
     * layer's outputs ({@link LayerGrams}, every hidden layer's taken, blocks centred on their own means and merged),
     * the last on the output layer's targets; the same refit as the sequential passes within 1e-6 of the largest weight.
     */
    private static void checkFused(DenseNetwork network, int intactLayers, long seed) {
        FusedCase c = FusedCase.of(network, intactLayers, seed);
        int rows = c.rows();
        float[] x = c.x();
        UnitStatistics statistics = c.statistics();
        UnitSelection chosen = c.chosen();
        java.util.Map<Integer, LayerGrams.Accumulator> grams = new java.util.TreeMap<>();
        OutputTargets.Builder targets = new OutputTargets.Builder(network.outputLayer(), Long.MAX_VALUE);
        try {
            for (int l = 0; l < network.hiddenLayerCount(); l++) {
                grams.put(l, new LayerGrams.Accumulator(network.layer(l).units(), Device.CPU));
            }
            for (int from = 0; from < rows; from += 256) {
                int n = Math.min(256, rows - from);
                float[] h = java.util.Arrays.copyOfRange(x, from * network.inputs(), (from + n) * network.inputs());
                for (int l = 0; l < network.hiddenLayerCount(); l++) {
                    h = network.layer(l).forward(h, n);
                    grams.get(l).add(h, n);
                }
                targets.add(h, n);
            }
        } finally {
            grams.values().forEach(LayerGrams.Accumulator::close);
        }
        RowSource source = RowSource.of(x, rows, network.inputs(), 300);
        Path file = Path.of("built-in-test.onnx");
        LeastSquaresCompensation.Result sequential = LeastSquaresCompensation.compensate(network, statistics, chosen,
                new OnnxRefitSums(network, source, rows, Device.CPU, file, false), 1e-6);
        OnnxRefitSums fused = new OnnxRefitSums(network, source, rows, Device.CPU, file)
                .withLayerGrams(LayerGrams.of(grams));
        assertSameRefit(network, sequential, LeastSquaresCompensation.compensate(network, statistics, chosen, fused,
                1e-6));
        assertSameRefit(network, sequential, LeastSquaresCompensation.compensate(network, statistics, chosen,
                fused.withOutputTargets(targets.build()), 1e-6));
    }

    @Test
    void fusedSumsGiveTheSequentialRefitWhereTheFirstLayerDropsUnits() {
        DenseNetwork network = TestNetworks.random(new Random(47), new int[] {10, 30, 24, 16, 3}, Activation.RELU,
                OutputHead.SOFTMAX);
        checkFused(network, 0, 51);
        DenseNetwork tanh = TestNetworks.random(new Random(53), new int[] {7, 25, 20, 1}, Activation.TANH,
                OutputHead.NONE);
        checkFused(tanh, 0, 52);
    }

    @Test
    void fusedSumsGiveTheSequentialRefitWhereTheFirstLayerKeepsAll() {
        DenseNetwork network = TestNetworks.random(new Random(59), new int[] {10, 30, 24, 16, 3}, Activation.RELU,
                OutputHead.SOFTMAX);
        checkFused(network, 1, 54);
        checkFused(network, 2, 55);
    }

    /**
     * Blocks centred on their own means and merged give the Gram matrix about any shift as a sum in double over all
     * the rows does, where the columns' means are large against their spreads (an uncentred sum would lose them).
     */
    @Test
    void blockGramsMergeIntoTheGramOfAllRows() {
        Random random = new Random(61);
        int rows = 1000;
        int width = 7;
        float[] a = new float[rows * width];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (1000 + (i % width) + 0.01 * random.nextGaussian());
        }
        double[] shift = new double[width];
        for (int j = 0; j < width; j++) {
            shift[j] = 1000 + j + 0.003;
        }
        double[] expected = new double[width * width];
        double[] expectedSums = new double[width];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < width; i++) {
                double di = a[r * width + i] - shift[i];
                expectedSums[i] += di;
                for (int j = 0; j < width; j++) {
                    expected[i * width + j] += di * (a[r * width + j] - shift[j]);
                }
            }
        }
        LayerGrams.Gram gram;
        try (LayerGrams.Accumulator accumulator = new LayerGrams.Accumulator(width, Device.CPU)) {
            // Blocks of unequal sizes.
            for (int from = 0, n = 1; from < rows; from += n, n = Math.min(rows - from, n * 3)) {
                accumulator.add(java.util.Arrays.copyOfRange(a, from * width, (from + n) * width), n);
            }
            gram = accumulator.build();
        }
        assertEquals(rows, gram.rows());
        double[] sums = new double[width];
        double[] about = gram.about(shift, sums);
        for (int i = 0; i < width * width; i++) {
            assertEquals(expected[i], about[i], 1e-9 * Math.abs(expected[i * 0 + (i / width) * (width + 1)]));
        }
        for (int i = 0; i < width; i++) {
            assertEquals(expectedSums[i], sums[i], 1e-9 * rows);
        }
    }

    /**
     * The shifted matrix is the Gram's own, moved in place: a second ε's first refit (the same unit means) gets the
     * same values bit for bit as the first did, which are those of a copy shifted from the centred matrix; another
     * shift gets the matrix about that shift.
     */
    @Test
    void theGramShiftedInPlaceGivesEveryEpsilonTheSameMatrix() {
        Random random = new Random(67);
        int width = 5;
        long rows = 300;
        double[] centred = new double[width * width];
        double[] mean = new double[width];
        for (int i = 0; i < width; i++) {
            mean[i] = 10 + random.nextGaussian();
            for (int j = 0; j <= i; j++) {
                centred[i * width + j] = centred[j * width + i] = (i == j ? rows : 0) + random.nextGaussian();
            }
        }
        double[] shift = new double[width];
        double[] other = new double[width];
        for (int i = 0; i < width; i++) {
            shift[i] = mean[i] + 0.01 * random.nextGaussian();
            other[i] = mean[i] + 0.5 * random.nextGaussian();
        }
        // The copy the refit took before: the centred matrix cloned, then n(μ − s)(μ − s)ᵀ added.
        double[] copied = centred.clone();
        for (int i = 0; i < width; i++) {
            for (int j = 0; j < width; j++) {
                copied[i * width + j] += rows * (mean[i] - shift[i]) * (mean[j] - shift[j]);
            }
        }
        LayerGrams.Gram gram = new LayerGrams.Gram(centred.clone(), mean, rows);
        double[] sums = new double[width];
        double[] first = gram.about(shift, sums).clone();
        assertArrayEquals(copied, first);
        double[] again = gram.about(shift.clone(), new double[width]);
        assertArrayEquals(first, again);
        double[] moved = gram.about(other, sums);
        for (int i = 0; i < width; i++) {
            assertEquals(rows * (mean[i] - other[i]), sums[i], 1e-12 * rows);
            for (int j = 0; j < width; j++) {
                double expected = centred[i * width + j] + rows * (mean[i] - other[i]) * (mean[j] - other[j]);
                assertEquals(expected, moved[i * width + j], 1e-9 * Math.abs(expected));
            }
        }
    }

    /** A matrix is let go after its last use (the solve that follows does not hold it), and not before. */
    @Test
    void aGramIsLetGoAfterItsLastUse() {
        double[] mean = {1, 2};
        LayerGrams.Gram gram = new LayerGrams.Gram(new double[] {2, 0, 0, 2}, mean, 10);
        LayerGrams taken = LayerGrams.taken(java.util.Map.of(1, gram)).usedAtMost(2);
        taken.of(1).about(mean, new double[2]);
        taken.of(1).used();
        assertTrue(taken.of(1) != null, "let go after one use of two");
        taken.of(1).about(mean, new double[2]);
        taken.of(1).used();
        assertEquals(null, taken.of(1), "kept after its last use");
    }

    @Test
    void targetsForOtherRowsAreRefused() {
        DenseNetwork network = TestNetworks.random(new Random(43), new int[] {4, 6, 2}, Activation.RELU,
                OutputHead.SOFTMAX);
        OutputTargets.Builder made = new OutputTargets.Builder(network.outputLayer(), Long.MAX_VALUE);
        made.add(network.layer(0).forward(new float[4 * 5], 5), 5);
        OnnxRefitSums sums = new OnnxRefitSums(network, RowSource.of(new float[4 * 6], 6, 4, 6), 6, Device.CPU,
                OnnxRefitSums.IN_MEMORY);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> sums.withOutputTargets(made.build()));
        // Past the limit of values held, none are kept.
        OutputTargets.Builder small = new OutputTargets.Builder(network.outputLayer(), 8);
        small.add(network.layer(0).forward(new float[4 * 5], 5), 5);
        assertEquals(null, small.build());
    }

    @Test
    void tanhChainRefitsAsInJava() {
        DenseNetwork network = TestNetworks.random(new Random(5), new int[] {7, 25, 25, 1}, Activation.TANH,
                OutputHead.NONE);
        check(network, 1500, 1024, 12);
    }

    /**
     * Gram products in float per block of rows (what layers from {@link org.odf2nna.onnx.RefitSumsGraph
     * #FLOAT_PRODUCT_WIDTH} features get), summed in double across blocks: the refit is the double one's within
     * FLOAT_BOUND of the largest weight, with the same solvers, on both routes (the original's Gram and both chains).
     */
    @Test
    void floatGramProductsPerBlockRefitAsDoubleOnesWithinTheirBound() {
        DenseNetwork network = TestNetworks.random(new Random(29), new int[] {12, 120, 90, 60, 3}, Activation.RELU,
                OutputHead.SOFTMAX);
        Random random = new Random(31);
        int rows = 4000;
        float[] x = TestNetworks.gaussian(random, rows * network.inputs(), 1.0);
        UnitStatistics statistics = UnitStatistics.measure(network, x, rows, 256);
        UnitSelection drawn = selection(random, network.hiddenUnits());
        List<UnitSelection.Layer> layers = new ArrayList<>(drawn.layers());
        // The first layer intact: the first refit takes the original's Gram, the later ones both chains.
        layers.set(0, new UnitSelection.Layer(java.util.stream.IntStream.range(0, 120).toArray(), 120, false));
        UnitSelection chosen = new UnitSelection(layers);
        RowSource source = RowSource.of(x, rows, network.inputs(), 700);
        Path file = Path.of("built-in-test.onnx");
        LeastSquaresCompensation.Result inDouble = LeastSquaresCompensation.compensate(network, statistics, chosen,
                new OnnxRefitSums(network, source, rows, Device.CPU, file, true, Integer.MAX_VALUE), 1e-6);
        LeastSquaresCompensation.Result inFloat = LeastSquaresCompensation.compensate(network, statistics, chosen,
                new OnnxRefitSums(network, source, rows, Device.CPU, file, true, 0), 1e-6);
        double worst = 0;
        for (int l = 0; l < network.layers().size(); l++) {
            DenseLayer a = inDouble.network().layer(l);
            DenseLayer b = inFloat.network().layer(l);
            double scale = 1e-3;
            for (float w : a.weights()) {
                scale = Math.max(scale, Math.abs(w));
            }
            worst = Math.max(worst, Math.max(maxDifference(a.weights(), b.weights()), maxDifference(a.bias(),
                    b.bias())) / scale);
        }
        System.out.printf(java.util.Locale.ROOT, "float Gram products against double: %.3g of the largest weight%n",
                worst);
        assertTrue(worst <= FLOAT_BOUND, "float Gram products change the refit by " + worst + " of the largest weight");
        // Not the same sums bit for bit: the float path ran.
        assertTrue(worst > 0, "the float and double Gram products gave the same weights");
        for (int l = 0; l < inDouble.layers().size(); l++) {
            assertEquals(inDouble.layers().get(l).solver(), inFloat.layers().get(l).solver());
            double a = inDouble.layers().get(l).leastSquaresError();
            assertEquals(a, inFloat.layers().get(l).leastSquaresError(), 1e-4 * Math.max(a, 1e-12));
        }
    }

    /** How far, relative to the largest weight, a refit from float Gram products may be from the double one. */
    private static final double FLOAT_BOUND = 1e-4;
}
