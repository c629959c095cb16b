package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Setting;
import org.odf2nna.Progress;
import org.odf2nna.RoundLoop;
import org.odf2nna.metrics.BoundedRegression;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.OutputClip;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.Task;

/**
 * A graph regressor's rounds judged as a dense chain's are ({@link BoundedRegression}): one output value per row, both
 * models' outputs clipped to the training targets' range, each round's rise of the MSE over the original's bounded by
 * the empirical-Bernstein rule at its level under the reading, validation targets outside the range refused, and the
 * written model holding the same Clip with the range recorded ({@link OutputClip}). The label-free reading does not
 * apply: a regressor is judged against its rows' targets.
 */
public final class GraphRegression {

    private GraphRegression() {
    }

    /**
     * Whether a graph is judged as a regressor: {@code task} when given, else whether its first output holds one value
     * per row (a shape of [N] or [N, 1]) that no Sigmoid or Softmax writes (a one-output classifier's head).
     */
    public static boolean regressor(ModelProto model, Task task) {
        if (task != null) {
            return task == Task.REGRESSION;
        }
        ValueInfoProto out = model.getGraph().getOutput(0);
        if (!out.getType().hasTensorType() || !out.getType().getTensorType().hasShape()) {
            return false;
        }
        List<TensorShapeProto.Dimension> dims = out.getType().getTensorType().getShape().getDimList();
        boolean oneValue = dims.size() == 1 || dims.size() == 2 && dims.get(1).hasDimValue()
                && dims.get(1).getDimValue() == 1;
        if (!oneValue) {
            return false;
        }
        for (NodeProto n : model.getGraph().getNodeList()) {
            if (n.getOutputList().contains(out.getName())) {
                return !List.of("Sigmoid", "Softmax", "LogSoftmax", "ArgMax").contains(n.getOpType());
            }
        }
        return true;
    }

    /**
     * Refuses a graph judged as a regressor whose first output's shape says it holds more than one value per row (a
     * shape left open is checked when the rows run).
     */
    public static void checkOutput(ModelProto model, Path file) {
        ValueInfoProto out = model.getGraph().getOutput(0);
        if (!out.getType().hasTensorType() || !out.getType().getTensorType().hasShape()) {
            return;
        }
        long values = 1;
        List<TensorShapeProto.Dimension> dims = out.getType().getTensorType().getShape().getDimList();
        for (int d = 1; d < dims.size(); d++) {
            values *= dims.get(d).hasDimValue() ? dims.get(d).getDimValue() : 1;
        }
        if (values != 1) {
            throw InputException.usage(file, "output '" + out.getName() + "' holds " + values + " values per row; a "
                    + "regressor is judged on one value per row (" + Setting.TASK.ref() + " regression)");
        }
    }

    /** The range of the training rows' targets: what every output is clipped to. */
    public static BoundedRegression.Range range(GraphRows training) {
        if (training.targets() == null) {
            throw new IllegalArgumentException("a regressor's training rows need targets");
        }
        return BoundedRegression.trainingRange(training.targets(), training.count());
    }

    /**
     * Refuses rows whose target lies outside {@code range}, or rows without targets, in one line naming the file and
     * the data row ({@link BoundedRegression#outsideRange}).
     *
     * @param what the rows in words ("the validation rows")
     */
    public static void checkTargets(GraphRows rows, BoundedRegression.Range range, Path file, String what) {
        if (rows.targets() == null) {
            throw InputException.usage(file, what + " have no targets: a regressor is judged against its rows' "
                    + "targets (the label-free reading does not apply to regression)");
        }
        int r = BoundedRegression.firstOutside(rows.targets(), rows.count(), range);
        if (r >= 0) {
            throw InputException.uncertifiable(file, "data row " + (r + 1),
                    BoundedRegression.outsideRange(
                    org.odf2nna.report.ReportFormat.number(rows.targets()[r]), range));
        }
    }

    /** The model as written: its first output clipped to {@code range}, the range recorded. */
    static ModelProto clipped(ModelProto model, BoundedRegression.Range range) {
        return OutputClip.apply(model, model.getGraph().getOutput(0).getName(), (float) range.lo(),
                (float) range.hi());
    }

    /** Each row's one output value of {@code model} in {@code form}. */
    static float[] values(JudgedForm form, ModelProto model, Path file, GraphFeed feed, GraphRows rows,
            Device device) {
        ModelProto runnable = BlockStatistics.relaxed(form.apply(model).toBuilder(), feed.data().name()).build();
        String output = model.getGraph().getOutput(0).getName();
        float[] values = new float[rows.count()];
        int batch = form.eachRow() ? 1 : 1000;
        try (GraphFeed.Session runner = feed.open(runnable, device, file)) {
            for (int start = 0; start < rows.count(); start += batch) {
                int count = Math.min(batch, rows.count() - start);
                OnnxRunner.Out out = runner.runShaped(rows, start, count, List.of(output)).get(output);
                if (out.values().length != count) {
                    throw new InputException(file, "output '" + output + "'", "gives " + out.values().length / count
                            + " values per row; a regressor is judged on one value per row");
                }
                System.arraycopy(out.values(), 0, values, start, count);
            }
        }
        return values;
    }

    /**
     * The rounds judged under the run's reading: population, in order at the whole 5% up to the first that fails;
     * new set, at equal parts of the 5% on the rounds picked by their MSE rise on training rows.
     */
    static GraphSweep.Judgement judge(ModelProto original, List<ModelProto> models, GraphSweep.Judging how,
            GraphSweep.Rows rows, Progress progress) {
        BoundedRegression.Range range = range(rows.training());
        GraphRows validation = rows.validation();
        float[] before = values(JudgedForm.FLOAT, original, how.file(), how.input(), validation, how.settings().device());
        List<float[]> after = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            progress.update(RoundLoop.JUDGING, i, models.size(), null);
            after.add(values(how.form(), models.get(i), how.file(), how.input(), validation, how.settings().device()));
        }
        progress.done(RoundLoop.JUDGING);
        double[] levels = ChainCertificate.levels(how.settings().promise(), models.size(),
                () -> trainingRises(original, models, how, rows.training(), range), how.settings().maxDrop());
        List<LossBound> bounds = bounds(before, after, validation, range, how.settings(), levels);
        ChainCertificate.Verdict verdict = verdict(bounds, how.settings(), levels);
        List<SweepReport.Judged> judged = after.stream().map(a -> judged(a, validation, range)).toList();
        List<SweepReport.Judged> reported = rows.report() == null
                ? java.util.Collections.nCopies(models.size(), null) : models.stream().map(m -> judged(values(
                        how.form(), m, how.file(), how.input(), rows.report(), how.settings().device()), rows.report(),
                        range)).toList();
        SweepReport.Judged reportOriginal = rows.report() == null ? null : judged(values(JudgedForm.FLOAT,
                original, how.file(), how.input(), rows.report(), how.settings().device()), rows.report(), range);
        return new GraphSweep.Judgement(judged(before, validation, range), reportOriginal, judged, reported,
                verdict, true,
                bounds.stream().map(LossBound::rule).toList(), range);
    }

    /**
     * Each round's bound at its level, judged as a chain's rounds are ({@link ChainCertificate#judge}); a round the
     * new-set reading did not pick (level 0) is measured at the whole 5% for the table and marked not tested.
     */
    private static List<LossBound> bounds(float[] before, List<float[]> after, GraphRows validation,
            BoundedRegression.Range range, GraphRun run, double[] levels) {
        List<java.util.function.DoubleFunction<LossBound>> boundAt = new ArrayList<>();
        for (float[] round : after) {
            boundAt.add(level -> BoundedRegression.judge(before, round, validation.targets(), validation.count(),
                    range, run.maxDrop(), level > 0 ? level : ChainCertificate.ALPHA, run.promise()));
        }
        return chainBounds(run, boundAt, levels);
    }

    /**
     * Each round's bound judged at its level as a chain's rounds are ({@link ChainCertificate#judge}); a round the
     * new-set reading did not pick (level 0) marked not tested. Shared by the regression and language-model judges.
     */
    static List<LossBound> chainBounds(GraphRun run, List<java.util.function.DoubleFunction<LossBound>> boundAt,
            double[] levels) {
        List<LossBound> bounds = new ArrayList<>(ChainCertificate.judge(run.promise(), boundAt, levels));
        for (int i = 0; i < bounds.size(); i++) {
            if (levels[i] == 0) {
                bounds.set(i, bounds.get(i).notTested("not tested: not among the rounds picked on the training rows"));
            }
        }
        return bounds;
    }

    /**
     * The verdict on the rounds' bounds: the last that holds is chosen; under the population reading a round after
     * one that fails is not tested, its level set to 0 in {@code levels}.
     */
    static ChainCertificate.Verdict verdict(List<LossBound> bounds, GraphRun run, double[] levels) {
        boolean[] holds = new boolean[bounds.size()];
        for (int i = 0; i < bounds.size(); i++) {
            holds[i] = bounds.get(i).holds();
            if (run.promise() == ChainCertificate.Reading.POPULATION && i > 0 && !holds[i - 1]) {
                levels[i] = 0;
            }
        }
        int chosen = ChainCertificate.lastHolding(holds.length, i -> holds[i]);
        return new ChainCertificate.Verdict(chosen, holds, levels);
    }

    /** Per round, its MSE's relative rise over the original's on training rows, outputs clipped: what picks rounds. */
    private static double[] trainingRises(ModelProto original, List<ModelProto> models, GraphSweep.Judging how,
            GraphRows training, BoundedRegression.Range range) {
        GraphRows rows = training.first(GraphSweep.PICKING_ROWS);
        double before = mse(values(JudgedForm.FLOAT, original, how.file(), how.input(), rows, how.settings().device()),
                rows, range);
        double[] rises = new double[models.size()];
        for (int i = 0; i < rises.length; i++) {
            double after = mse(values(how.form(), models.get(i), how.file(), how.input(), rows,
                    how.settings().device()), rows, range);
            rises[i] = before > 0 ? after / before - 1 : (after > 0 ? Double.POSITIVE_INFINITY : 0);
        }
        return rises;
    }

    /** The MSE of outputs clipped to the range. */
    static double mse(float[] outputs, GraphRows rows, BoundedRegression.Range range) {
        double sum = 0;
        for (int r = 0; r < rows.count(); r++) {
            double d = range.clip(outputs[r]) - rows.targets()[r];
            sum += d * d;
        }
        return sum / Math.max(1, rows.count());
    }

    private static SweepReport.Judged judged(float[] outputs, GraphRows rows, BoundedRegression.Range range) {
        return new SweepReport.Judged(rows.count(), Double.NaN, 0, 0, mse(outputs, rows, range));
    }

    /** The choice in words, with the promise it carries (as the dense-chain sweep states a regressor's). */
    static String promise(int chosen, SweepReport.Round round, SweepReport.Judged original, GraphRun run,
            String rule) {
        return promiseWords(chosen, round, run, "validation MSE " + number(round.validation().mse())
                + " against the original's " + number(original.mse()), original.rows(), "rows", "MSE, outputs "
                + "clipped to the training targets' range as the written model clips them", rule);
    }

    /**
     * A chosen round in words with the promise it carries, for a regressor or a language model: {@code figures}
     * compares its validation figure with the original's, {@code count} validation {@code unit} (rows, windows) were
     * judged (a new set is as many), {@code whose} names what the promise bounds.
     */
    static String promiseWords(int chosen, SweepReport.Round round, GraphRun run, String figures, int count,
            String unit, String whose, String rule) {
        ChainCertificate.Reading reading = run.promise();
        String where = reading == ChainCertificate.Reading.POPULATION
                ? "on the data the validation " + unit + " come from"
                : "on a new set of " + count + " " + unit + " drawn like the validation " + unit;
        return String.format(Locale.ROOT, "round %d (%d parameters, %.1f%% fewer; %.1f%% of the block parameters), the "
                + "last round that holds %s: %s. The promise (%s reading): over repeated runs, at most 5%% write a "
                + "model whose %s, is more than %s%% above the original's %s. Rule: %s",
                chosen + 1, round.size().parameters(), round.size().reductionPercent(),
                round.size().blockReductionPercent(), GraphSweepChoice.heldAt(reading), figures, reading.option(), whose,
                org.odf2nna.report.ReportFormat.number(100 * run.maxDrop()), where, rule);
    }

    static String number(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
