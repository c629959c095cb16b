package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.Ranking;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.DetectorDistillation;
import org.odf2nna.tf.GraphRetrainer;
import org.odf2nna.tf.InputPacking;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.TrainingResult;
import org.odf2nna.tf.TranslationCheck;
import org.odf2nna.tf.ops.UnsupportedOperatorException;

/**
 * End-to-end retraining after each round's compensation, on training rows alone ({@link GraphRetrainer}: the
 * pruned blocks' initializers trained, the rest of the graph constant, distilled from the original). When the
 * graph cannot be translated (an operator outside the translation, or a translation that differs from ONNX
 * Runtime) it says so once in a note and every round keeps its sequential refit.
 */
final class RoundRetraining {
    private final GraphRun settings;
    private final GraphRows rows;
    private final GraphFeed feed;
    private final List<String> notes = new ArrayList<>();
    private TrainingResult.Epoch lastBest;
    private ModelProto lastRefitted;
    private float[] teacherOutputs;
    private ModelProto lastResult;
    private boolean fellBack;
    /** Whether the default ranking fell back to the cost because the graph is a detector. */
    private boolean detectorByCost;
    /** Rounds that may go without retraining before it is tried again (0: every round is retrained). */
    private int patience;
    /** Rounds gone without retraining since the last that was retrained. */
    private int waiting;
    /** Why the last round went without retraining, or null when it was retrained (cleared by reading). */
    private String lastSkip;
    /** The original's classes on the rows the refits are checked on ({@link #refitLoss}), made once. */
    private int[] originalClasses;
    private double retrainingSeconds;
    private int retrainedRounds;
    private int keptRefit;
    /** Retrainings in a row that kept epoch 0: one ends a classifier's tries, two a regressor's. */
    private int keptInARow;
    private final List<Integer> skippedRounds = new ArrayList<>();
    /** What each gentle try bought, in words, for the note. */
    private final List<String> retries = new ArrayList<>();
    /** Whether a gentle try kept the refitted values: no round is tried again after it. */
    private boolean gentleKeptRefit;
    /** The refitted graph {@link #checkedLoss} was last computed for, and its loss. */
    private ModelProto checked;
    private double checkedLoss;

    /** @param rows the training rows it runs on, or null when it does not run */
    RoundRetraining(GraphRun settings, GraphRows rows, GraphFeed feed) {
        this.settings = settings;
        this.rows = rows;
        this.feed = feed;
    }

    /**
     * Whether {@code feed}'s rows can be retrained on: one float input, or several inputs (token ids among them)
     * whose batch is each one's first axis, packed side by side ({@link #packing}).
     */
    static boolean feeds(GraphFeed feed) {
        return feed.retrainable();
    }

    /**
     * How the inputs lie in a retraining row: null for one float input, else the data input then every other
     * input, each with its row shape.
     */
    static InputPacking packing(GraphFeed feed) {
        if (feed.singleFloatInput()) {
            return null;
        }
        List<InputPacking.Part> parts = new ArrayList<>();
        long[] data = feed.data().shape();
        parts.add(new InputPacking.Part(feed.data().name(), feed.data().elementType(),
                java.util.Arrays.copyOfRange(data, 1, data.length)));
        for (GraphFeed.Side side : feed.sides()) {
            long[] shape = side.shape();
            parts.add(new InputPacking.Part(side.name(), side.elementType(),
                    java.util.Arrays.copyOfRange(shape, 1, shape.length)));
        }
        return new InputPacking(parts);
    }

    /** The rows with every input's values packed as {@code packing} lays them out (constants repeated). */
    static float[] packed(GraphRows rows, GraphFeed feed, InputPacking packing) {
        List<float[]> values = new ArrayList<>();
        values.add(rows.features());
        for (GraphFeed.Side side : feed.sides()) {
            if (side.constant() != null) {
                float[] c = new float[rows.count() * side.valuesPerRow()];
                java.util.Arrays.fill(c, side.constant().floatValue());
                values.add(c);
            } else {
                values.add(rows.side(side.name()));
            }
        }
        return InputPacking.pack(packing, values, rows.count());
    }

    /**
     * The targets retraining reads: a regressor's values, else the class ids, or null without labels; a language
     * model's next token at every position of its windows (the last position's below 0: not counted).
     */
    static float[] labels(GraphRows rows, GraphRun settings) {
        if (settings.nextToken()) {
            int[] next = org.odf2nna.metrics.TokenLoss.nextTokenTargets(rows.features(), rows.count(), rows.width());
            float[] labels = new float[next.length];
            for (int i = 0; i < next.length; i++) {
                labels[i] = next[i];
            }
            return labels;
        }
        float[] labels = settings.regression() ? rows.targets() : null;
        if (rows.labels() != null) {
            labels = new float[rows.count()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = rows.labels()[i];
            }
        }
        return labels;
    }

    /** The rows retraining runs on, or null when it does not run. */
    GraphRows rows() {
        return rows;
    }

    boolean active() {
        return rows != null && !fellBack;
    }

    /** Whether end-to-end retraining was asked for but did not run (an operator not translated, say). */
    boolean fellBack() {
        return fellBack;
    }

    /** The ranking the rounds used: as set, or the cost where the default had no gradients ({@link #gradients}). */
    Ranking ranking(List<DenseBlock> blocks) {
        Ranking set = settings.ranking(blocks);
        return set.usesGradients() && settings.rankingByDefault() && (!active() || detectorByCost) ? Ranking.COST
                : set;
    }

    /**
     * Taylor's loss gradients on the round's start {@code current}, on the retraining's rows ({@code stats}
     * without retraining); null where the default ranking falls back to the cost: rounds that do not retrain end
     * to end, or a graph whose translation cannot take the gradients (the report's notes say so once).
     */
    Map<String, float[]> gradients(ModelProto original, ModelProto current, Path file, GraphRows stats) {
        if (settings.rankingByDefault() && !active()) {
            return null;
        }
        if (settings.rankingByDefault() && DetectorDistillation.recognise(original) != null) {
            // Taylor's gradients are a classifier's or regressor's loss's: a detector ranks by cost.
            detectorByCost = true;
            return null;
        }
        try {
            return TaylorImportance.gradients(original, current, file, rows != null ? rows : stats, feed,
                    settings);
        } catch (UnsupportedOperatorException | GraphRetrainer.TranslationMismatch e) {
            if (!settings.rankingByDefault()) {
                throw e;
            }
            fellBack = true;
            notes.add(e.getMessage() + "; the rounds rank by cost and keep the sequential block refit");
            return null;
        }
    }

    List<String> notes() {
        List<String> all = new ArrayList<>(notes);
        if (rows != null && retrainedRounds + skippedRounds.size() > 0) {
            all.add(spent());
        }
        return all;
    }

    /**
     * The part of the round's bound a refit may use up alone and still go without retraining: a quarter. With the
     * whole bound, the tour's Mixer (a maximum drop of 3 points) skipped round 3's retraining and lost it (10
     * validation rows lost where the retrained round lost 6).
     */
    static final double REFIT_SHARE_OF_BOUND = 0.25;

    /** Rows of the retraining's the refits are checked on before a round goes without retraining. */
    static final int CHECK_REFIT_ROWS = 1000;

    /**
     * Time well spent (issue 69): whether the round whose refitted graph is {@code refitted} is retrained end to
     * end. Every round is, until a retraining keeps its refitted values (epoch 0): it bought nothing then, so the
     * next rounds go without it while their refit alone stays well within the round's bound (at most a quarter
     * of the allowed loss, as accuracy lost against the original's on {@value #CHECK_REFIT_ROWS} of the
     * retraining's rows, {@link #refitLoss}). A classifier's rounds go so from then on: only a refit that loses
     * more than that quarter is retrained (on the torchvision ResNet-18 of docs/research/PERFORMANCE.md every retraining
     * after the first kept epoch 0 too, and the one that retried after a round cost 50 CPU seconds). A regressor
     * has no such check: it waits {@link #patience} rounds and is tried again, and a second retraining in a row
     * that keeps epoch 0 ends its tries. A retraining that keeps a later epoch sets the patience back to 0 (every
     * round retrained). The rounds are still made on training rows alone, before any validation row is read, so
     * the certificate is as sound as with every round retrained.
     */
    boolean worthRetraining(ModelProto original, ModelProto refitted, Path file, int round) {
        if (patience == 0 || waiting >= patience) {
            return true;
        }
        double lost = checkedLoss(original, refitted, file);
        if (lost > settings.maxDrop() * REFIT_SHARE_OF_BOUND) {
            return true;
        }
        waiting++;
        skippedRounds.add(round);
        lastSkip = String.format(java.util.Locale.ROOT, "not retrained: the last retraining kept the refitted "
                + "values and this refit loses %.2f%% accuracy on the training rows it was checked on", 100 * lost);
        return false;
    }

    /**
     * The accuracy that {@code refitted} loses against the original's on the first {@value #CHECK_REFIT_ROWS}
     * retraining rows (rows it gets wrong that the original got right, less the converse, as a share; at least 0),
     * what the round's bound is about; without labels, the share whose class (the argmax of the first output) it
     * changes. 0 for a regressor (patience alone decides), and infinite when the graph cannot be run so (retrained
     * then). On the torchvision ResNet-18 of docs/research/PERFORMANCE.md the later rounds change 1 to 3 in 1,000 of the
     * original's predictions, as many right as wrong: counted as changes, each was retrained, and kept epoch 0.
     */
    private double refitLoss(ModelProto original, ModelProto refitted, Path file) {
        if (settings.regression()) {
            return 0;
        }
        if (settings.nextToken()) {
            // A language model's classes are per position, which this check does not read: it is retrained.
            return Double.POSITIVE_INFINITY;
        }
        GraphRows check = rows.first(CHECK_REFIT_ROWS);
        Decoder classes = new Decoder(new org.odf2nna.settings.OutputDecoding(
                org.odf2nna.settings.OutputDecoding.Kind.CLASS, org.odf2nna.settings.OutputDecoding.DEFAULT_THRESHOLD,
                0));
        try {
            if (originalClasses == null) {
                originalClasses = GraphSweep.predict(original, file, feed, check, settings.device(), classes);
            }
            int[] now = GraphSweep.predict(refitted, file, feed, check, settings.device(), classes);
            return loss(originalClasses, now, check.labels());
        } catch (RuntimeException e) {
            return Double.POSITIVE_INFINITY;
        }
    }

    /** Accuracy lost from {@code before} to {@code now} against {@code labels} (at least 0), or changes without. */
    static double loss(int[] before, int[] now, int[] labels) {
        int lost = 0;
        for (int i = 0; i < now.length; i++) {
            if (labels == null) {
                lost += now[i] != before[i] ? 1 : 0;
            } else {
                lost += (before[i] == labels[i] ? 1 : 0) - (now[i] == labels[i] ? 1 : 0);
            }
        }
        return Math.max(0, lost) / (double) Math.max(1, now.length);
    }

    /** Records a retraining of {@code seconds} that kept {@code epoch}, and what the next rounds do. */
    void retrained(double seconds, Integer epoch) {
        retrainingSeconds += seconds;
        retrainedRounds++;
        waiting = 0;
        if (epoch != null && epoch == 0) {
            keptRefit++;
            keptInARow++;
            // A classifier's refit is checked every round (refitLoss), which retrains it when that could matter;
            // a regressor has no such check, and tries once more after a round.
            patience = keptInARow >= 2 || !settings.regression() ? Integer.MAX_VALUE : 1;
        } else {
            keptInARow = 0;
            patience = 0;
        }
    }

    /**
     * Told of each round's refitted graph and what its retraining made of it (the same graph when it did not
     * retrain, or kept epoch 0): {@link #refitOf} answers for the last one.
     */
    void made(ModelProto refitted, ModelProto result) {
        lastRefitted = refitted;
        lastResult = result;
    }

    /**
     * The refit's own graph that {@code model}, the last round's result, holds the weights of: itself when it was
     * not retrained (or the retraining kept the refitted values), else null (a retrained graph is no refit's), as
     * for any other model.
     */
    ModelProto refitOf(ModelProto model) {
        return model == lastResult && lastResult != null && lastResult.equals(lastRefitted) ? lastRefitted : null;
    }

    /**
     * The original's first output on the retraining rows, made once in ONNX Runtime (the user's runtime, against
     * which the translation is checked), or null when it cannot be had so or the output is a head's (a final
     * Softmax, LogSoftmax or Sigmoid, which the teacher's values are taken before): TensorFlow computes it then.
     */
    float[] teacher(ModelProto original, Path file) {
        if (settings.nextToken()) {
            // Its logits per position (V values each) are computed batch by batch in TensorFlow, never held whole.
            return null;
        }
        String out = original.getGraph().getOutput(0).getName();
        boolean head = original.getGraph().getNodeList().stream().anyMatch(n -> n.getOutputList().contains(out)
                && org.odf2nna.tf.OnnxTfGraph.HEADS.contains(n.getOpType()));
        if (head) {
            // The teacher is taken before a final Softmax, LogSoftmax or Sigmoid: TensorFlow's translation knows
            // where, as it always did.
            return null;
        }
        if (teacherOutputs == null) {
            try {
                teacherOutputs = GraphSweep.outputs(original, file, feed, rows, settings.device());
            } catch (RuntimeException e) {
                return null;
            }
        }
        return teacherOutputs;
    }

    /** Why the last round went without retraining, or null when it did not; cleared by reading. */
    String takeSkip() {
        String why = lastSkip;
        lastSkip = null;
        return why;
    }

    /** What retraining cost and bought, in one note. */
    private String spent() {
        String skipped = skippedRounds.isEmpty() ? "" : "; round" + (skippedRounds.size() == 1 ? " " : "s ")
                + String.join(", ", skippedRounds.stream().map(r -> r == 0 ? "the half step" : String.valueOf(r))
                .toList()) + " went without it "
                + "(the last retraining had kept the refitted values and their refit alone stayed within the "
                + "round's bound on the training rows)";
        String rule = patience < Integer.MAX_VALUE ? "" : settings.regression() ? "; after two retrainings in a "
                + "row kept the refitted values, no round was retrained again" : "; once a retraining had kept the "
                + "refitted values, a round was retrained only when its refit alone lost more than a quarter of its "
                + "bound";
        return String.format(java.util.Locale.ROOT, "end-to-end retraining ran in %d round%s, %.0f s in all on "
                + "%d TensorFlow thread%s; it kept the refitted values (epoch 0) in %d of them, which it changed "
                + "nothing in%s", retrainedRounds, retrainedRounds == 1 ? "" : "s", retrainingSeconds,
                org.odf2nna.tf.TfSessions.intraOpThreads(), org.odf2nna.tf.TfSessions.intraOpThreads() == 1 ? ""
                : "s", keptRefit, skipped + rule) + (retries.isEmpty() ? "" : "; " + String.join("; ", retries));
    }

    /** The seconds every retraining took, in all. */
    double retrainingSeconds() {
        return retrainingSeconds;
    }

    /**
     * The epoch kept by the last {@link #retrain} (0: the refitted values), or null when it did not retrain;
     * cleared by reading.
     */
    Integer take() {
        Integer e = lastBest == null ? null : lastBest.epoch();
        lastBest = null;
        return e;
    }

    /**
     * The last {@link #retrain}'s kept epoch as its held-out training rows scored it (accuracy or MSE, and the
     * loss), or null when it did not retrain; not cleared. The heads' control reports it (docs/research/COMPARISON.md).
     */
    TrainingResult.Epoch heldOut() {
        return lastBest;
    }

    /**
     * How a round's retraining is tried (issue 82). Every round's first try runs the whole schedule: stopping it at
     * its first epoch that did not beat the refit (as the rest rule once did) cut the shared ViT's rounds off in the
     * one-cycle schedule's high-rate middle, where epoch 1 is often worse than the refit and epoch 2, annealed, better;
     * those rounds kept epoch 0, failed on validation and ended the chain at 38.6% where every round retrained reached
     * 73.8%. A try that keeps the refitted values while the refit fails its check ({@link #worthRetrying}) is tried
     * once more from the refit at a quarter of the learning rate.
     */
    enum Attempt {
        /** The settings' schedule, learning rate and patience. */
        FIRST(1f),
        /** From the refit again at {@link #GENTLE_RATE} of the learning rate, the same schedule and patience. */
        GENTLE(GENTLE_RATE);

        private final float rate;

        Attempt(float rate) {
            this.rate = rate;
        }

        /** The share of the learning rate this try runs at. */
        float rate() {
            return rate;
        }
    }

    /** {@link Attempt#GENTLE}'s share of the learning rate. */
    static final float GENTLE_RATE = 0.25f;

    /**
     * Whether a round whose retraining just kept the refitted values (epoch 0) is tried again ({@link Attempt#GENTLE}):
     * when its refit alone loses more than a quarter of the round's bound on the training rows it is checked on (the
     * check that decides whether a resting chain retrains at all, {@link #refitLoss}), and no gentle try before it
     * kept epoch 0 too (retraining then cannot help this graph: a CNN whose refits are as good as retraining makes
     * them pays for one gentle try, not one a round). The rounds are still made on training rows alone, before any
     * validation row is read: the certificate is as sound as without retries.
     */
    boolean worthRetrying(ModelProto original, ModelProto refitted, Path file) {
        if (gentleKeptRefit || settings.regression() || lastBest == null || lastBest.epoch() != 0) {
            return false;
        }
        return checkedLoss(original, refitted, file) > settings.maxDrop() * REFIT_SHARE_OF_BOUND;
    }

    /** Sets the epoch the last retraining kept, as {@link #retrain} does: for tests of the rules above. */
    void kept(TrainingResult.Epoch epoch) {
        lastBest = epoch;
    }

    /** {@link #refitLoss} of {@code refitted}, computed once per refitted graph. */
    private double checkedLoss(ModelProto original, ModelProto refitted, Path file) {
        if (checked == null || checked != refitted) {
            checkedLoss = refitLoss(original, refitted, file);
            checked = refitted;
        }
        return checkedLoss;
    }

    /** Records what a gentle try of {@code round} bought: the epoch it kept (0: the refitted values again). */
    void retried(int round, Integer epoch) {
        boolean bought = epoch != null && epoch != 0;
        gentleKeptRefit |= !bought;
        retries.add(String.format(java.util.Locale.ROOT, "%s kept the refitted values and its refit lost more than "
                + "a quarter of its bound: retrained again at a quarter of the learning rate, which %s",
                round == 0 ? "the half step" : "round " + round, bought ? "kept epoch " + epoch
                : "kept them too (no round was tried again after it)"));
    }

    /** The training images' labelled boxes, or null when their file holds none. */
    private DetectorDistillation.Boxes boxes() {
        return rows.boxes() == null ? null : new DetectorDistillation.Boxes(rows.boxes(), rows.boxesPerRow());
    }

        /** A language model's windows the translation is checked on (each of them is many rows of logits). */
    static final int CHECK_WINDOWS = 16;

    ModelProto retrain(ModelProto original, ModelProto pruned, Path file, DenseTrainer.EpochListener listener,
            Attempt attempt) {
        GraphRetraining r = settings.retraining();
        RetrainSettings with = settings.retrain();
        // A regressor trains on its one output value's squared error against the targets.
        Loss loss = settings.regression() ? Loss.MEAN_SQUARED_ERROR : Loss.SOFTMAX_CROSS_ENTROPY;
        GraphRetrainer.Settings s = new GraphRetrainer.Settings(loss, new TrainingOptions(
                r.epochs(), r.batchSize(), r.learningRate() * attempt.rate(), with.seed(), with.patience(),
                settings.device()),
                with.distillation(), with.validationShare(), settings.nextToken() ? CHECK_WINDOWS : GraphRounds.CHECK_ROWS,
                TranslationCheck.DEFAULT_TOLERANCE,
                r.schedule());
        float[] labels = labels(rows, settings);
        InputPacking packing = packing(feed);
        // A detector's images held as bytes go to the trainer as bytes (one input: no packing).
        byte[] pixels = packing == null ? rows.pixels() : null;
        float[] inputs = pixels != null ? null : packing == null ? rows.features() : packed(rows, feed, packing);
        java.util.Set<String> weights = r.scope() == GraphRetraining.Scope.ALL ? GraphRounds.weights(pruned)
                : GraphRounds.trainable(pruned, file);
        DetectorDistillation.Output detector = DetectorDistillation.recognise(original);
        try {
            GraphRetrainer.Rows fed = new GraphRetrainer.Rows(inputs, labels, rows.count(), packing,
                    teacher(original, file), pixels);
            // A detector is distilled from the original's boxes and scores per anchor, its labelled boxes added.
            GraphRetrainer.Retrained out = detector != null
                    ? DetectorDistillation.retrain(original, pruned, weights, fed, boxes(), s, detector, listener)
                    : GraphRetrainer.retrain(original, pruned, weights, fed, s, listener);
            lastBest = out.history().stream().filter(e -> e.epoch() == out.bestEpoch()).findFirst()
                    .orElse(null);
            return out.model();
        } catch (UnsupportedOperatorException | GraphRetrainer.TranslationMismatch e) {
            fellBack = true;
            notes.add(e.getMessage() + "; end-to-end retraining skipped, every round keeps the sequential "
                    + "block refit");
            return pruned;
        }
    }
}
