package org.odf2nna.method;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.Setting;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.metrics.BoundedRegression;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.OutputClip;
import org.odf2nna.report.CheckedConversion;
import org.odf2nna.report.Conversion;
import org.odf2nna.settings.ConvertChecks;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.Task;

/**
 * {@code convert} checked on rows of the user's ({@link ConvertChecks}): the model is converted into a hidden folder
 * beside the output, judged there, and only then moved into place. With validation rows the written model must keep
 * the promise a sweep keeps for one candidate ({@link LossBound} at 95%, regression by {@link BoundedRegression}: at
 * most 5% of such conversions write a model that then loses more than the maximum drop on a new set of as many rows);
 * one that does not is not written. With evaluation rows the original's and the written model's metrics are reported, nothing more.
 */
public final class CheckedConverter {

    private CheckedConverter() {
    }

    /** @param calibration a CSV of training rows to calibrate a static int8 form on, or null */
    public static CheckedConversion convert(Path model, Path output, ModelFormat format, Quantize quantize,
            Path calibration, ConvertChecks checks, Progress progress) {
        if (!checks.any()) {
            Conversion done = Converter.convert(model, output, format, quantize, calibration, checks);
            return new CheckedConversion(done, null, null, null, null, null,
                    int8(done, model, output, calibration, checks));
        }
        boolean graph = format == ModelFormat.ONNX && ModelFiles.formatOf(model) == ModelFormat.ONNX
                && (Int8Conversion.appliesTo(model, format, quantize, calibration) || !denseChain(model));
        OnnxDenseModel original = null;
        if (!graph) {
            try {
                original = ModelFiles.read(model);
            } catch (InputException e) {
                throw InputException.usage(model, "is not a dense chain (" + e.getMessage() + "); "
                        + "rows to evaluate on and " + Setting.VALIDATION.ref() + " judge a converted graph in ONNX "
                        + "only: write ONNX");
            }
        }
        if (format == ModelFormat.SAVEDMODEL) {
            OutputPaths.checkNewDirectory(output, model);
        } else {
            OutputPaths.checkWritable(output, model);
        }
        Path parent = output.toAbsolutePath().normalize().getParent();
        Path folder;
        try {
            folder = AtomicFiles.temporaryFolder(output, () -> Files.createTempDirectory(parent,
                    "." + output.getFileName() + ".convert-"));
        } catch (IOException e) {
            throw new InputException(output, null, "cannot write beside it: " + e.getMessage(), e);
        }
        try {
            Path temp = folder.resolve(output.getFileName().toString());
            Conversion done = Converter.convert(model, temp, format, quantize, calibration, checks);
            Judged judged = graph ? judgeGraph(checks.original() != null ? checks.original() : model, temp, checks,
                    progress)
                    : judgeChain(model, original, temp, checks, progress);
            LossBound bound = judged.bound();
            Task task = judged.task();
            if (bound != null && !bound.holds()) {
                throw InputException.uncertifiable(output, null, "not written: on the validation rows "
                        + checks.validation() + ", " + words(bound, task) + ", so a new set of " + bound.rows()
                        + " rows like them may lose more than " + org.odf2nna.report.ReportFormat.number(
                                100 * bound.tolerance()) + (task == Task.CLASSIFICATION ? " accuracy points" : "% of "
                                + "the MSE") + " (" + bound.rule() + "); convert without {{QUANTIZE}}, or allow more "
                        + "with {{MAX_DROP}}");
            }
            org.odf2nna.report.Int8Judgement int8 = int8(done, model, temp, calibration, checks);
            moveIntoPlace(temp, output);
            return new CheckedConversion(withOutput(done, output), judged.before(), judged.after(), bound,
                    checks.eval() == null ? null : checks.eval().toString(), task.displayName(), int8);
        } finally {
            AtomicFiles.release(folder);
        }
    }

    /** What the rows said: the task judged, the metrics on the evaluation rows and the validation rows' bound. */
    private record Judged(Task task, Metrics before, Metrics after, LossBound bound) {
    }

    /** An int8 ONNX file judged against its float model ({@link Int8Judging}); null for any other conversion. */
    private static org.odf2nna.report.Int8Judgement int8(Conversion done, Path model, Path written, Path calibration,
            ConvertChecks checks) {
        if (!done.int8() || !"onnx".equals(done.format())) {
            return null;
        }
        return Int8Judging.judge(model, written, calibration, checks.task(), checks.timingBatch(), checks.original());
    }

    /** Whether the dense-chain reader takes {@code model}. */
    private static boolean denseChain(Path model) {
        try {
            ModelFiles.read(model);
            return true;
        } catch (InputException e) {
            return false;
        }
    }

    /** Both files run as graphs in ONNX Runtime ({@link GraphConversionCheck}). */
    private static Judged judgeGraph(Path model, Path temp, ConvertChecks checks, Progress progress) {
        GraphConversionCheck.Result r = GraphConversionCheck.check(model, temp, checks, progress);
        return new Judged(r.task(), r.before(), r.after(), r.bound());
    }

    /** Both files read as dense chains and run as the tool runs them. */
    private static Judged judgeChain(Path model, OnnxDenseModel original, Path temp, ConvertChecks checks,
            Progress progress) {
        OnnxDenseModel written = ModelFiles.read(temp);
        Task task = Task.givenOrInferred(checks.task(), original.network());
        LossBound bound = checks.validation() == null ? null : judge(original, written, task, checks, progress);
        Metrics before = null;
        Metrics after = null;
        if (checks.eval() != null) {
            EvalData rows = rows(checks.eval(), checks, ColumnRequest.Target.REQUIRED);
            before = ModelScan.evaluate(new ModelScan.Evaluated(original.model(), original.input(),
                    original.network(), model, original.outputName()), rows.forModel(original), task,
                    checks.device(), progress);
            after = ModelScan.evaluate(new ModelScan.Evaluated(written.model(), written.input(),
                    written.network(), temp, written.outputName()), rows.forModel(written), task, checks.device(),
                    progress);
        }
        return new Judged(task, before, after, bound);
    }

    /** "3 of 500 predictions changed (loss 0.20 points)". */
    private static String words(LossBound bound, Task task) {
        return task == Task.CLASSIFICATION
                ? bound.changed() + " of " + bound.rows() + " predictions changed (loss "
                        + org.odf2nna.report.ReportFormat.number(100 * bound.estimate()) + " points"
                        + (Double.isFinite(bound.certified()) ? ", these rows certify "
                                + org.odf2nna.report.ReportFormat.number(100 * bound.certified()) : "") + ")"
                : "the MSE rose by " + org.odf2nna.report.ReportFormat.number(100 * bound.estimate()) + "%";
    }

    /**
     * The written model judged once on the validation rows against the original: one candidate, the full 5%.
     * Classification without labels counts every changed prediction as a loss.
     */
    static LossBound judge(OnnxDenseModel original, OnnxDenseModel written, Task task, ConvertChecks checks,
            Progress progress) {
        ColumnRequest.Target target = task == Task.REGRESSION ? ColumnRequest.Target.REQUIRED
                : ColumnRequest.Target.OPTIONAL;
        EvalData rows = rows(checks.validation(), checks, target);
        Outputs a = outputs(original, rows.forModel(original), checks, progress);
        Outputs b = outputs(written, rows.forModel(written), checks, progress);
        double tolerance = checks.maxDrop() != null ? checks.maxDrop() / 100 : task.defaultMaxDrop() / 100;
        int n = a.rows();
        if (task == Task.REGRESSION) {
            return regression(original, a, b, tolerance, checks.validation());
        }
        int[] targets = null;
        if (a.targets() != null) {
            targets = new int[n];
            for (int r = 0; r < n; r++) {
                targets[r] = (int) a.targets()[r];
            }
        }
        return LossBound.classification(classes(a, original.network()), classes(b, written.network()), targets,
                tolerance);
    }

    /**
     * Regression, judged as a sweep judges it ({@link BoundedRegression}, a new set of as many rows): both outputs
     * clipped to the training targets' range the original records ({@link OutputClip}, as a sweep writes it).
     * Convert has no training rows of its own, so a model that records no range, or validation targets outside it,
     * are refused.
     */
    private static LossBound regression(OnnxDenseModel original, Outputs a, Outputs b, double tolerance,
            Path validation) {
        float[] recorded = OutputClip.read(original.model());
        if (recorded == null) {
            throw InputException.usage(original.source(), "records no training targets' range ("
                    + OutputClip.METADATA_KEY + ", as a sweep writes it), and a regressor's conversion is "
                    + "judged on outputs clipped to that range; convert without " + Setting.VALIDATION.ref()
                    + " (rows to evaluate on still report the MSE)");
        }
        BoundedRegression.Range range = BoundedRegression.Range.of(recorded[0], recorded[1]);
        int outside = BoundedRegression.firstOutside(a.targets(), a.rows(), range);
        if (outside >= 0) {
            throw InputException.uncertifiable(validation, "data row " + (outside + 1), "target "
                    + org.odf2nna.report.ReportFormat.number(a.targets()[outside]) + " lies outside the training "
                    + "targets' range " + range.words() + " the model records: regression is judged on outputs "
                    + "clipped to that range, and a target outside it cannot be judged so; nothing was written");
        }
        return BoundedRegression.judge(a.values(), b.values(), a.targets(), a.rows(), range, tolerance,
                LossBound.LEVEL, ChainCertificate.Reading.NEW_SET);
    }

    private static EvalData rows(Path file, ConvertChecks checks, ColumnRequest.Target target) {
        return new EvalData(file, ColumnRequest.of(-1, checks.csv().label(), target), checks.csv().inferenceBatch());
    }

    /** A model's outputs on every row, row after row, with the rows' targets (null without). */
    private record Outputs(float[] values, int width, float[] targets, int rows) {
    }

    private static Outputs outputs(OnnxDenseModel model, EvalData data, ConvertChecks checks, Progress progress) {
        DenseNetwork network = model.network();
        // On integer kernels a batch shares one activation range: each row is run alone, as it was checked.
        boolean eachRow = Int8Quantization.integerKernels(network);
        List<float[]> values = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        int rows = 0;
        try (OnnxRunner runner = OnnxRunner.open(model.model(), model.input(), checks.device(), model.source());
             org.odf2nna.data.RowReader reader = data.open(progress)) {
            List<String> out = List.of(model.outputName());
            Batch batch;
            while ((batch = reader.next(data.inferenceBatch())) != null) {
                values.add((eachRow ? runner.runEachRow(batch.features(), batch.rows(), batch.width(), out)
                        : runner.run(batch.features(), batch.rows(), batch.width(), out)).get(model.outputName()));
                if (batch.hasTargets()) {
                    float[] t = new float[batch.rows()];
                    for (int r = 0; r < t.length; r++) {
                        t[r] = (float) batch.targets()[r];
                    }
                    targets.add(t);
                }
                rows += batch.rows();
                progress.update("judging the conversion", reader.bytesRead(), reader.totalBytes(), rows + " rows");
            }
            progress.done("judging the conversion");
            if (rows == 0) {
                throw reader.noDataRows();
            }
        }
        return new Outputs(join(values), network.outputs(), targets.isEmpty() ? null : join(targets), rows);
    }

    private static int[] classes(Outputs o, DenseNetwork network) {
        int[] c = new int[o.rows()];
        int w = o.width();
        for (int r = 0; r < c.length; r++) {
            if (w == 1) {
                float v = o.values()[r];
                c[r] = (network.head() == org.odf2nna.network.OutputHead.SIGMOID ? v > 0.5 : v > 0) ? 1 : 0;
                continue;
            }
            int best = 0;
            for (int j = 1; j < w; j++) {
                if (o.values()[r * w + j] > o.values()[r * w + best]) {
                    best = j;
                }
            }
            c[r] = best;
        }
        return c;
    }

    private static float[] join(List<float[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private static void moveIntoPlace(Path temp, Path output) {
        try {
            if (Files.isDirectory(output)) {
                AtomicFiles.deleteTree(output); // an empty SavedModel folder, checked above
            }
            AtomicFiles.move(temp, output);
        } catch (IOException e) {
            throw new InputException(output, null, "cannot write: " + e.getMessage(), e);
        }
    }

    private static Conversion withOutput(Conversion c, Path output) {
        return c.withOutput(output.toString());
    }
}
