package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.RoundLoop;
import org.odf2nna.graph.GraphSweep.Judgement;
import org.odf2nna.graph.GraphSweep.Judging;
import org.odf2nna.graph.GraphSweep.Rows;
import org.odf2nna.metrics.BoundedRegression;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.metrics.TokenLoss;
import org.odf2nna.metrics.TokenTally;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.SweepReport;

/**
 * A language model's rounds judged by its own measure ({@link org.odf2nna.settings.Task#NEXT_TOKEN}): each validation
 * window's loss is its mean cross-entropy per token predicted against the next tokens, each token's capped at C, and a
 * round holds when the mean window loss rises by at most ln(1 + the perplexity rise allowed) over the original's, by
 * the bounded-loss rule regressors are judged by ({@link BoundedRegression#judgeShift}). With windows of one length
 * the mean of the window means is the mean over tokens, so the bound is on the log-perplexity (docs/promise.md). C is
 * fixed before the validation windows are read: the original's largest cross-entropy on the training windows, rounded
 * up to a whole nat, and at least ln V.
 */
final class GraphTokenJudging {

    /** Output values a run may hold at once (windows × positions × vocabulary): 16 MB of floats. */
    private static final long VALUES_PER_RUN = 4_000_000;

    private GraphTokenJudging() {
    }

    /** What a model gives on windows: each window's mean capped cross-entropy, and the perplexity uncapped. */
    record Measured(double[] windowLosses, Metrics.Tokens metrics, double largest) {

        SweepReport.Judged judged() {
            return SweepReport.Judged.languageModel((int) metrics.windows(), metrics.perplexity(),
                    metrics.accuracy());
        }
    }

    /** The rounds judged under the run's reading, as {@link GraphRegression#judge} judges a regressor's. */
    static Judgement judge(ModelProto original, List<ModelProto> models, Judging how, Rows rows, Progress progress) {
        GraphRows picking = rows.training().first(GraphSweep.PICKING_ROWS);
        Measured onTraining = measure(JudgedForm.FLOAT, original, how, picking, Double.POSITIVE_INFINITY);
        double cap = cap(onTraining);
        GraphRows validation = rows.validation();
        Measured before = measure(JudgedForm.FLOAT, original, how, validation, cap);
        List<Measured> after = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            progress.update(RoundLoop.JUDGING, i, models.size(), null);
            after.add(measure(how.form(), models.get(i), how, validation, cap));
        }
        progress.done(RoundLoop.JUDGING);
        double allowed = allowed(how.settings());
        double[] levels = ChainCertificate.levels(how.settings().promise(), models.size(),
                () -> trainingRises(original, models, how, picking, cap), allowed);
        List<LossBound> bounds = bounds(before, after, cap, allowed, how.settings(), levels);
        ChainCertificate.Verdict verdict = GraphRegression.verdict(bounds, how.settings(), levels);
        GraphRows report = rows.report();
        List<SweepReport.Judged> reported = report == null
                ? java.util.Collections.nCopies(models.size(), null)
                : models.stream().map(m -> measure(how.form(), m, how, report, cap).judged()).toList();
        SweepReport.Judged reportOriginal = report == null ? null
                : measure(JudgedForm.FLOAT, original, how, report, cap).judged();
        return new Judgement(before.judged(), reportOriginal, after.stream().map(Measured::judged).toList(), reported,
                verdict, true,
                bounds.stream().map(LossBound::rule).toList(), null);
    }

    /** ln(1 + p): the rise of the mean cross-entropy per token that a perplexity rise of p allows. */
    static double allowed(GraphRun run) {
        return Math.log1p(run.maxDrop());
    }

    /** C: the original's largest cross-entropy on the training windows, up to a whole nat, at least ln V. */
    static double cap(Measured onTraining) {
        return Math.ceil(Math.max(onTraining.largest(), Math.log(onTraining.metrics().classes())));
    }

    /** Each round's bound at its level; a round the new-set reading did not pick is marked not tested. */
    private static List<LossBound> bounds(Measured before, List<Measured> after, double cap, double allowed,
            GraphRun run, double[] levels) {
        List<java.util.function.DoubleFunction<LossBound>> boundAt = new ArrayList<>();
        for (Measured round : after) {
            boundAt.add(level -> BoundedRegression.judgeShift(before.windowLosses(), round.windowLosses(), cap,
                    allowed, level > 0 ? level : ChainCertificate.ALPHA, run.promise(),
                    "the mean cross-entropy per token (each token's capped at " + BoundedRegression.Range.of(0, cap)
                            .words() + " nats)"));
        }
        return GraphRegression.chainBounds(run, boundAt, levels);
    }

    /** Per round, its mean capped cross-entropy's rise over the original's on training windows: what picks rounds. */
    private static double[] trainingRises(ModelProto original, List<ModelProto> models, Judging how,
            GraphRows picking, double cap) {
        double before = mean(measure(JudgedForm.FLOAT, original, how, picking, cap).windowLosses());
        double[] rises = new double[models.size()];
        for (int i = 0; i < rises.length; i++) {
            rises[i] = mean(measure(how.form(), models.get(i), how, picking, cap).windowLosses()) - before;
        }
        return rises;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / Math.max(1, v.length);
    }

    /**
     * {@code model} in {@code form} on windows of token ids: each window's mean cross-entropy per token predicted
     * (each capped at {@code cap}), the perplexity and accuracy uncapped.
     */
    static Measured measure(JudgedForm form, ModelProto model, Judging how, GraphRows rows, double cap) {
        GraphFeed feed = how.input();
        Device device = how.settings().device();
        ModelProto runnable = BlockStatistics.relaxed(form.apply(model).toBuilder(), feed.data().name()).build();
        String output = model.getGraph().getOutput(0).getName();
        int positions = rows.width();
        int[] targets = TokenLoss.nextTokenTargets(rows.features(), rows.count(), positions);
        TokenTally tally = null;
        try (GraphFeed.Session runner = feed.open(runnable, device, how.file())) {
            // One window first: its output's vocabulary sizes the runs after it.
            int batch = 1;
            for (int start = 0, count; start < rows.count(); start += count) {
                count = Math.min(batch, rows.count() - start);
                OnnxRunner.Out out = runner.runShaped(rows, start, count, List.of(output)).get(output);
                int classes = (int) out.shape()[out.shape().length - 1];
                tally = tally != null ? tally : new TokenTally(classes, head(model, output), false, cap);
                checkTargets(targets, start, count, positions, classes, how.file());
                tally.add(out.values(), count, positions, true, targets, start * positions);
                batch = form.eachRow() ? 1 : (int) Math.max(1, Math.min(1000, VALUES_PER_RUN
                        / ((long) positions * classes)));
            }
        }
        double[] losses = tally.windows().stream().mapToDouble(TokenLoss.Window::meanCappedCrossEntropy).toArray();
        return new Measured(losses, tally.metrics(), tally.largest());
    }

    /** The head the node writing {@code output} applies: logits unless a Softmax or LogSoftmax writes it. */
    private static OutputHead head(ModelProto model, String output) {
        for (var n : model.getGraph().getNodeList()) {
            if (n.getOutputList().contains(output)) {
                return n.getOpType().equals("Softmax") ? OutputHead.SOFTMAX
                        : n.getOpType().equals("LogSoftmax") ? OutputHead.LOG_SOFTMAX : OutputHead.NONE;
            }
        }
        return OutputHead.NONE;
    }

    /** Refuses a window whose token is no class of the output: it cannot be a next-token target. */
    private static void checkTargets(int[] targets, int start, int count, int positions, int classes, Path file) {
        for (int i = start * positions; i < (start + count) * positions; i++) {
            if (targets[i] >= classes) {
                throw new org.odf2nna.InputException(file, "window " + (i / positions + 1) + ", position "
                        + (i % positions + 2), "token id " + targets[i] + " but the output has " + classes
                        + " classes (0.." + (classes - 1) + "), so it cannot be a next-token target");
            }
        }
    }

    /** The choice in words, with the promise it carries. */
    static String promise(int chosen, SweepReport.Round round, SweepReport.Judged original, GraphRun run,
            String rule) {
        return GraphRegression.promiseWords(chosen, round, run, "validation perplexity "
                + GraphRegression.number(round.validation().perplexity()) + " against the original's "
                + GraphRegression.number(original.perplexity()), original.rows(), "windows", "perplexity, each "
                + "token's cross-entropy capped as the rule says", rule);
    }
}
