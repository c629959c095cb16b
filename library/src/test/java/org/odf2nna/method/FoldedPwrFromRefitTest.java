package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.data.Batch;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxModelBuilder;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.Pruner;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.prune.UnitStatistics;
import org.odf2nna.settings.Task;

/**
 * The mean-folded network's PWR measured in the last refit's pass is the PWR of its own pass over the same held rows,
 * and riding leaves the refit as it was.
 */
class FoldedPwrFromRefitTest {

    private static final Path FILE = Path.of("built-in-test.onnx");

    @Test
    void classificationPwrFromTheRefitsPassIsTheSeparatePasss() {
        DenseNetwork network = TestNetworks.random(new Random(29), new int[] {10, 30, 24, 16, 3}, Activation.RELU,
                OutputHead.SOFTMAX);
        // Units dropped from the first layer on (only the first layer shared), and from layer 2 or 3 on (the chain
        // shared up to the first refitted layer).
        for (int intact = 0; intact <= 2; intact++) {
            check(network, Task.CLASSIFICATION, intact, 50 + intact);
        }
        DenseNetwork binary = TestNetworks.random(new Random(31), new int[] {8, 20, 14, 2}, Activation.TANH,
                OutputHead.NONE);
        check(binary, Task.CLASSIFICATION, 0, 60);
    }

    @Test
    void regressionPwrFromTheRefitsPassIsTheSeparatePasss() {
        DenseNetwork network = TestNetworks.random(new Random(37), new int[] {7, 25, 20, 1}, Activation.TANH,
                OutputHead.NONE);
        check(network, Task.REGRESSION, 0, 70);
        check(network, Task.REGRESSION, 1, 71);
    }

    @Test
    void withoutTheTargetsPassNothingRides() {
        DenseNetwork network = TestNetworks.random(new Random(41), new int[] {10, 30, 24, 16, 3}, Activation.RELU,
                OutputHead.SOFTMAX);
        Case c = Case.of(network, Task.CLASSIFICATION, 0, 80);
        FoldedPwrFromRefit riding = new FoldedPwrFromRefit(Pruner.prune(network, c.statistics(), c.chosen()), c.held(),
                Task.CLASSIFICATION);
        OnnxRefitSums sums = new OnnxRefitSums(network, c.source(), c.rows(), Device.CPU, FILE).riding(riding);
        LeastSquaresCompensation.compensate(network, c.statistics(), c.chosen(), sums, 1e-6);
        assertNull(riding.metrics(), "the last refit ran the whole original, without the mean-folded network");
    }

    private static void check(DenseNetwork network, Task task, int intactLayers, long seed) {
        Case c = Case.of(network, task, intactLayers, seed);
        DenseNetwork meanFolded = Pruner.prune(network, c.statistics(), c.chosen());
        OnnxRefitSums sums = new OnnxRefitSums(network, c.source(), c.rows(), Device.CPU, FILE)
                .withOutputTargets(c.targets());
        FoldedPwrFromRefit riding = new FoldedPwrFromRefit(meanFolded, c.held(), task);
        LeastSquaresCompensation.Result ridden = LeastSquaresCompensation.compensate(network, c.statistics(),
                c.chosen(), sums.riding(riding), 1e-6);
        LeastSquaresCompensation.Result alone = LeastSquaresCompensation.compensate(network, c.statistics(),
                c.chosen(), sums, 1e-6);
        for (int l = 0; l < network.layers().size(); l++) {
            assertArrayEquals(alone.network().layer(l).weights(), ridden.network().layer(l).weights(),
                    "layer " + (l + 1) + "'s weights with the rider");
            assertArrayEquals(alone.network().layer(l).bias(), ridden.network().layer(l).bias());
        }
        InputSignature input = new InputSignature("x", TensorProto.DataType.FLOAT_VALUE,
                new long[] {-1, network.inputs()});
        Metrics separate = ModelScan.evaluateTogether(List.of(new ModelScan.Evaluated(OnnxModelBuilder.build(
                meanFolded, "x", "y", Map.of()), input, meanFolded, FILE, "y")), null, c.held(), task, Device.CPU,
                Progress.NONE).get(0);
        Metrics rode = riding.metrics();
        assertNotNull(rode, "the mean-folded network rode on the last refit's pass");
        assertEquals(separate, rode, "intact layers " + intactLayers);
    }

    /**
     * 2,100 Gaussian rows held in batches of 256 with targets from the network's own outputs (noisy), their
     * statistics, a selection keeping every unit of the first intact layers, the output layer's targets made batch
     * by batch as the scoring pass makes them, and the rows in refit blocks of 300 (not lined up with the batches).
     */
    private record Case(int rows, UnitStatistics statistics, UnitSelection chosen, HeldRows held,
            OutputTargets targets, RowSource source) {
        static Case of(DenseNetwork network, Task task, int intactLayers, long seed) {
            Random random = new Random(seed);
            int rows = 2100;
            int width = network.inputs();
            float[] x = TestNetworks.gaussian(random, rows * width, 1.0);
            UnitStatistics statistics = UnitStatistics.measure(network, x, rows, 256);
            List<UnitSelection.Layer> layers = new ArrayList<>();
            for (int l = 0; l < network.hiddenLayerCount(); l++) {
                int units = network.layer(l).units();
                List<Integer> kept = new ArrayList<>();
                for (int j = 0; j < units; j++) {
                    if (l < intactLayers || random.nextDouble() < 0.6 || j == 0) {
                        kept.add(j);
                    }
                }
                layers.add(new UnitSelection.Layer(kept.stream().mapToInt(Integer::intValue).toArray(), units,
                        false));
            }
            UnitSelection chosen = new UnitSelection(layers);
            OutputTargets.Builder made = new OutputTargets.Builder(network.outputLayer(), Long.MAX_VALUE);
            List<Batch> batches = new ArrayList<>();
            int last = network.hiddenLayerCount() - 1;
            for (int from = 0; from < rows; from += 256) {
                int n = Math.min(256, rows - from);
                float[] features = java.util.Arrays.copyOfRange(x, from * width, (from + n) * width);
                float[] h = features;
                for (int l = 0; l <= last; l++) {
                    h = network.layer(l).forward(h, n);
                }
                made.add(h, n);
                float[] out = network.forward(features, n);
                double[] targets = new double[n];
                long[] lines = new long[n];
                for (int r = 0; r < n; r++) {
                    lines[r] = from + r + 2;
                    targets[r] = target(out, r, network.outputs(), task, random);
                }
                batches.add(new Batch(features, n, width, targets, lines));
            }
            HeldRows held = new HeldRows(Path.of("rows.csv"), "label", batches, rows);
            return new Case(rows, statistics, chosen, held, made.build(), RowSource.of(x, rows, width, 300));
        }

        /** The network's own answer, another class or noise added for one row in five. */
        private static double target(float[] out, int row, int outputs, Task task, Random random) {
            if (task == Task.REGRESSION) {
                return out[row] + 0.1 * random.nextGaussian();
            }
            int best = 0;
            for (int j = 1; j < outputs; j++) {
                best = out[row * outputs + j] > out[row * outputs + best] ? j : best;
            }
            int classes = Math.max(2, outputs);
            return random.nextDouble() < 0.2 ? random.nextInt(classes) : best;
        }
    }
}
