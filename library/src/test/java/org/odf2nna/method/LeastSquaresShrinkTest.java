package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.prune.EpsilonRule;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.prune.UnitStatistics;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.Compensation;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.Schedule;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;
import org.odf2nna.settings.UnitScore;
import org.odf2nna.tf.TrainingData;

/** Where least squares gets its rows in shrink and sweep, on the repository's example models. */
class LeastSquaresShrinkTest {

    static final Path DIGITS = Path.of("models/digits_8x8-128-64-10_relu.onnx");
    static final Path DIGITS_TEST = Path.of("examples/digits/digits-test.csv.gz");
    static final Path IRIS = Path.of("models/iris_4-16-16-3_relu.onnx");

    @TempDir
    Path dir;

    private static EvalData rows(Path csv, ColumnRequest.Target target) {
        return new EvalData(csv, ColumnRequest.of(-1, null, target), 100);
    }

    private static float[] concatenate(RowSource source, int width) {
        List<float[]> parts = new ArrayList<>();
        int[] rows = new int[1];
        source.forEachBatch((x, n) -> {
            parts.add(java.util.Arrays.copyOf(x, n * width));
            rows[0] += n;
        });
        float[] all = new float[rows[0] * width];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    @Test
    void scoringRowsAreKeptOrStreamedThroughThePrefixAlike() {
        OnnxDenseModel model = ModelFiles.read(DIGITS);
        EvalData data = rows(DIGITS_TEST, ColumnRequest.Target.OPTIONAL).forModel(model);
        ScanResult scan = ModelScan.scan(model, data, Task.CLASSIFICATION, Device.CPU, Progress.NONE, true);
        int width = model.network().inputs();
        float[] held = concatenate(scan.chainRows(), width);
        float[] streamed = concatenate(ModelScan.streamed(model, data, Device.CPU), width);
        assertArrayEquals(held, streamed);
        // ... and they are the chain input the retraining loads through the prefix (an independent path)
        TrainingData loaded = TrainingRows.load(model, data, Task.CLASSIFICATION, Device.CPU, Progress.NONE);
        assertEquals(scan.statistics().rows(), loaded.rows());
        assertArrayEquals(java.util.Arrays.copyOf(loaded.inputs(), loaded.rows() * width), held);
        // without asking, nothing is kept
        assertEquals(null, ModelScan.scan(model, data, Task.CLASSIFICATION, Device.CPU, Progress.NONE).chainRows());
    }

    @Test
    void shrinkWritesTheRefitOnTheEvaluationRows() {
        Path out = dir.resolve("digits.onnx");
        EvalData eval = rows(DIGITS_TEST, ColumnRequest.Target.OPTIONAL);
        ShrinkOptions options = MethodTestData.shrink(DIGITS, eval, List.of(0.6), List.of(out), null, null,
                new PruningOptions(UnitScore.STD, Compensation.LSQ, 1e-6));
        ShrinkReport report = Shrinker.run(options, Progress.NONE);

        // the same refit, computed here from the chain input and plain-Java statistics
        OnnxDenseModel model = ModelFiles.read(DIGITS);
        DenseNetwork network = model.network();
        TrainingData x = TrainingRows.load(model, eval.forModel(model), Task.CLASSIFICATION, Device.CPU,
                Progress.NONE);
        UnitStatistics stats = UnitStatistics.measure(network, x.inputs(), x.rows(), 512);
        UnitSelection selection = EpsilonRule.select(stats.stds(), 0.6);
        assertEquals(report.outcomes().get(0).unitsKept(),
                java.util.Arrays.stream(selection.keptUnits()).boxed().toList());
        DenseNetwork expected = LeastSquaresCompensation.compensate(network, stats, selection,
                RowSource.of(x.inputs(), x.rows(), network.inputs(), 256), 1e-6).network();
        DenseNetwork written = DenseChainReader.read(out).network();
        assertEquals(expected.architecture(), written.architecture());
        float[] a = expected.forward(x.inputs(), x.rows());
        float[] b = written.forward(x.inputs(), x.rows());
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(a[i])));
        }
        assertTrue(worst < 1e-3, "written model vs the refit computed here: " + worst);
        assertEquals(x.rows(), report.compensation().fitRows());
    }

    @Test
    void sweepFitsOnTheTrainingPartOnly() {
        Path train = Path.of("examples/iris/iris-train.csv");
        RetrainSettings retrain = RetrainSettings.builder().epochs(1).batchSize(16).learningRate(0.001f).seed(0)
                .validationShare(0.25).patience(0).distillation(Distillation.NONE).build();
        SweepSettings settings = SweepSettings.builder().schedule(Schedule.EPSILON).retraining(retrain)
                .epsilons(List.of(0.3, 1.0)).steps(8).maxDrop(1.0).build();
        SweepFiles files = SweepFiles.of(IRIS, train, Path.of("examples/iris/iris-test.csv"),
                dir.resolve("chosen.onnx")).withCsv(new CsvReading(null, 100));
        SweepReport report = Sweeper.run(files, settings, Progress.NONE);
        ShrinkReport table = report.table();
        assertEquals(table.retraining().rows().trainRows(), table.compensation().fitRows(),
                "the validation rows that choose are not fitted on");
        assertEquals(120 - Math.round(120 * 0.25), table.compensation().fitRows());
        assertTrue(table.compensation().fitData().contains("training part"), table.compensation().fitData());
        for (var o : table.outcomes()) {
            assertEquals(o.prunedLeastSquares(), o.pruned(), "least squares is the default");
        }
    }
}
