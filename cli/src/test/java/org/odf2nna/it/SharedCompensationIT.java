package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.CsvReader;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.prune.EpsilonRule;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.prune.UnitStatistics;
import org.odf2nna.settings.PruningOptions;

/**
 * Issue 8's acceptance on the reference models: least-squares compensation, fitted on the training part of the
 * train split, beats mean folding on the test split where pruning is aggressive, and refits LeNet-300-100 on 10,000
 * rows (in seconds; the time is printed).
 */
class SharedCompensationIT {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} at ε={1}")
    @CsvSource({
        "mnist_lenet300-100_relu, 0.853",
        "pole_26-32-32-32-1_relu, 0.5",
        "spambase_57-64-64-64-2_relu, 0.7"})
    void leastSquaresBeatsMeanFoldingOnTheTestSplit(String name, String epsilon) throws Exception {
        Path root = Shared.require();
        String dataset = name.substring(0, name.indexOf('_'));
        Path train = dataset.equals("mnist") ? root.resolve("data/mnist-train.csv.gz")
                : root.resolve("data/splits/" + dataset + "-train.csv");
        Path report = dir.resolve("report.json");
        // sweep fits least squares on the training part of the split; no retraining, so PWR is the compensation alone
        Shared.Result run = Shared.launch(dir, "-q", "sweep", root.resolve("models/" + name + ".onnx").toString(),
                "--eval", Shared.testSplit(root, name).toString(), "--train", train.toString(),
                "--retrain-epochs", "0", "--epsilon", epsilon, "-o", dir.resolve("small.onnx").toString(),
                "--report", report.toString());
        // Without retraining this ε may not keep the promise, so the sweep may write no model (exit 3); its table
        // still reports both compensations, which is what is compared here.
        assertTrue(run.exitCode() == 0 || run.exitCode() == 3, run.toString());
        JsonObject table = JsonParser.parseString(Files.readString(report)).getAsJsonObject().getAsJsonObject("table");
        JsonObject outcome = table.getAsJsonArray("outcomes").get(0).getAsJsonObject();
        JsonObject mean = outcome.getAsJsonObject("prunedMeanFolding");
        JsonObject lsq = outcome.getAsJsonObject("prunedLeastSquares");
        double reduction = outcome.get("reductionPercent").getAsDouble();
        System.out.printf(Locale.ROOT, "%s at ε=%s (%.1f%% fewer parameters, %s): test PWR mean folding %s, least "
                + "squares %s (original %s)%n", name, epsilon, reduction,
                outcome.getAsJsonObject("network").get("architecture").getAsString(), mean, lsq,
                table.getAsJsonObject("originalMetrics"));
        assertTrue(reduction > 30, "an aggressive ε: " + reduction);
        if (mean.has("accuracy")) {
            assertTrue(lsq.get("accuracy").getAsDouble() > mean.get("accuracy").getAsDouble(), lsq + " vs " + mean);
        } else {
            assertTrue(lsq.get("mse").getAsDouble() < mean.get("mse").getAsDouble(), lsq + " vs " + mean);
        }
        // fitted on the training part only: the validation rows and the test rows are not among the fitting rows
        JsonObject settings = table.getAsJsonObject("compensation");
        assertEquals(table.getAsJsonObject("retraining").get("trainRows").getAsLong(),
                settings.get("fitRows").getAsLong());
    }

    /**
     * The refit's time is printed, not asserted: a machine busy with other work made any bound either loose or flaky,
     * and speed is what the benchmarks measure (docs/research/PERFORMANCE.md). The limit only stops a refit that hangs.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void leNetCompensatesTenThousandRows() {
        Path root = Shared.require();
        DenseNetwork network = DenseChainReader.read(root.resolve("models/mnist_lenet300-100_relu.onnx")).network();
        int width = network.inputs();
        List<float[]> batches = new ArrayList<>();
        int rows = 0;
        try (CsvReader reader = CsvReader.open(root.resolve("data/mnist-test.csv.gz"),
                ColumnRequest.of(width, null, ColumnRequest.Target.OPTIONAL))) {
            Batch batch;
            while ((batch = reader.next(1000)) != null) {
                batches.add(Arrays.copyOf(batch.features(), batch.rows() * width));
                rows += batch.rows();
            }
        }
        assertEquals(10_000, rows);
        float[] x = new float[rows * width];
        for (int b = 0; b < batches.size(); b++) {
            System.arraycopy(batches.get(b), 0, x, b * 1000 * width, batches.get(b).length);
        }
        UnitStatistics stats = UnitStatistics.measure(network, x, rows, 1000);
        UnitSelection selection = EpsilonRule.select(stats.stds(), 0.853);
        long start = System.nanoTime();
        LeastSquaresCompensation.Result result = LeastSquaresCompensation.compensate(network, stats, selection,
                RowSource.of(x, rows, width, 1000), PruningOptions.DEFAULT_RIDGE);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "LeNet-300-100, 10,000 rows, %s: refit %.2f s, sums in plain Java (%d available "
                + "processors)%n", result.network().architecture(), seconds, Runtime.getRuntime().availableProcessors());
        assertEquals(2, result.layers().size());
        for (LeastSquaresCompensation.LayerFit fit : result.layers()) {
            assertTrue(fit.leastSquaresError() < fit.meanFoldingError(), fit.toString());
        }
    }
}
