package org.odf2nna.method;

import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.Setting;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputRange;
import org.odf2nna.settings.InvalidSetting;
import org.odf2nna.settings.Ranking;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.TrainingData;

/**
 * {@code sweep}'s default, progressive pruning ({@link ProgressivePruning}), as one pipeline on rows in memory: the
 * original network, its training and validation rows and the {@link SweepSettings} in; every round and the one chosen
 * out. The command line's {@link Sweeper} reads the model and the CSV rows before it and evaluates, writes and reports
 * after it; the facade's in-memory sweep calls {@link #run(DenseNetwork, TrainingData, TrainingData, SweepSettings,
 * Progress)}.
 */
public final class ProgressiveSweep {

    private final DenseNetwork original;
    private final Retrainer retrainer;
    private final RowsOrigin origin;
    private final SweepSettings settings;
    private final double tolerance;
    private final double ridge;
    private final InputRange inputRange;

    private ProgressiveSweep(DenseNetwork original, Retrainer retrainer, RowsOrigin origin, SweepSettings settings,
            double tolerance, double ridge, InputRange inputRange) {
        this.original = original;
        this.retrainer = retrainer;
        this.origin = origin;
        this.settings = settings;
        this.tolerance = tolerance;
        this.ridge = ridge;
        this.inputRange = inputRange;
    }

    /**
     * Every round, and the one chosen ({@link ProgressivePruning#choose}): the smallest round of the chain that held at
     * its part of the 5% ({@link org.odf2nna.metrics.ChainCertificate}).
     *
     * @param rounds every round, in order
     * @param chosen     index into {@code rounds}, or null when no round kept the promise
     * @param inputRange the range of the training rows at the chain's input, over the original's columns
     * @param clipped    whether the rounds were judged with inputs clipped to it (as the written model clips them)
     * @param outputRange regression: the training targets' range {lo, hi} in the model's units, which every round's
     *                    output was clipped to when judged and which the written model holds
     *                    ({@link org.odf2nna.onnx.OutputClip}); null for classification
     */
    public record Result(List<ProgressivePruning.Round> rounds, Integer chosen, InputRange inputRange,
            boolean clipped, float[] outputRange) {
        public Result {
            rounds = List.copyOf(rounds);
            outputRange = outputRange == null ? null : outputRange.clone();
        }

        /** {@code network} as written: with its output clipped to {@link #outputRange} for regression. */
        public DenseNetwork written(DenseNetwork network) {
            return outputRange == null ? network : org.odf2nna.onnx.OutputClip.network(network, outputRange[0],
                    outputRange[1]);
        }
    }

    /**
     * Prunes {@code original} round by round as {@code settings} say (its progressive schedule, retraining, maximum
     * drop, int8 weights, task and device); each round's network is judged on {@code validation} against the maximum
     * drop, exactly as the command line's sweep judges it.
     *
     * @param training   rows retraining and the refit use (targets optional: without them the teacher labels them)
     * @param validation rows that only choose among the rounds (targets needed for regression; classification without
     *                   them bounds the share of changed predictions)
     * @throws IllegalArgumentException when the rows cannot judge the rounds
     */
    public static Result run(DenseNetwork original, TrainingData training, TrainingData validation,
            SweepSettings settings, Progress progress) {
        requireChainRanking(settings, null);
        Task task = Task.givenOrInferred(settings.task(), original);
        // Rows in memory are arguments: checked before anything is prepared on them.
        if (task == Task.REGRESSION && !TrainingRows.labelled(validation)) {
            throw new IllegalArgumentException("validation rows need targets: a regression model's MSE is bounded "
                    + "on them");
        }
        return prepare(original, null, RetrainingRows.Parts.of(training, validation), RowsOrigin.IN_MEMORY, settings,
                task).run(true, progress);
    }

    /**
     * Refuses a ranking a dense chain's layers have no scores for, before any work: TAYLOR's gradients are taken
     * through a graph's translation only, and ranking a chain by it would otherwise fall to another ranking silently.
     * The one check of it: the file sweep ({@link Sweeper}), the method's run ({@link MethodRun}) and the sweep of rows
     * in memory call it first.
     *
     * @param model the model file the sweep was given (the usage error names it), or null for a network in memory
     *              (an {@link InvalidSetting})
     */
    static void requireChainRanking(SweepSettings settings, java.nio.file.Path model) {
        Ranking ranking = settings.schedule().ranking();
        if (!ranking.usesGradients()) {
            return;
        }
        String message = Setting.RANK.ref() + " " + ranking.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                + " applies to graphs; a dense chain ranks by cost (auto, greedy-cost and head-loss rank as cost "
                + "there), std or impact";
        throw model == null ? new InvalidSetting(message) : InputException.usage(model, message);
    }

    /**
     * Retraining prepared on {@code parts} ({training, validation} rows, named as {@code origin} says), checked that
     * its validation rows can judge the rounds: labelled for regression, and enough of them to certify the maximum
     * drop.
     *
     * @param recordedEpochs the original's training epochs as its file records them, or null
     * @param task           the task, resolved
     */
    static ProgressiveSweep prepare(DenseNetwork original, String recordedEpochs, RetrainingRows.Parts parts,
            RowsOrigin origin, SweepSettings settings, Task task) {
        if (!settings.schedule().progressive()) {
            throw new IllegalArgumentException("the schedule is not progressive");
        }
        Retrainer retrainer = RetrainingSetup.prepare(original, recordedEpochs, settings.retraining(), origin, task,
                parts, settings.device());
        boolean accuracy = task == Task.CLASSIFICATION;
        if (!accuracy && !retrainer.validationLabelled()) {
            throw new InputException(origin.validationFile(), "line 1", "has no target column: bounding a regression "
                    + "model's MSE needs targets on the validation rows (give labelled rows with {{VALIDATION}})");
        }
        double tolerance = settings.maxDrop(task) / 100;
        if (settings.retraining().epochs() == null) {
            retrainer = ProgressivePruning.perRound(retrainer);
        }
        ChainCertificate.Reading reading = ChainCertificate.Reading.of(settings.schedule().promise());
        if (accuracy && !LossBound.certifiable(retrainer.validationRows(), tolerance, reading)) {
            String tooFew = LossBound.tooFew(retrainer.validationRows(), tolerance, reading);
            if (origin.inMemory()) {
                throw new IllegalArgumentException("validation rows: " + tooFew);
            }
            throw InputException.uncertifiable(origin.validationFile(), validationPlace(origin, retrainer),
                    "the validation rows are too few: " + tooFew + "; nothing was written (give more rows the "
                    + "original never saw with {{VALIDATION}}, labels optional, or allow more with {{MAX_DROP}})");
        }
        if (!accuracy) {
            checkBoundedRegression(original, retrainer, origin);
        }
        double ridge = settings.pruning().ridgeFor(retrainer.epochs() > 0);
        // The rows retraining and the refit see (the validation rows held out): what the written model was fitted on.
        InputRange range = retrainer.trainingRange();
        if (range == null) {
            throw new IllegalArgumentException("no rows to take a range over");
        }
        if (settings.clipInputs()) {
            retrainer = retrainer.clipping(range);
        }
        return new ProgressiveSweep(original, retrainer, origin, settings, tolerance, ridge, range);
    }

    /**
     * Regression is judged on outputs clipped to the training targets' range ({@link
     * org.odf2nna.metrics.BoundedRegression}), and the written model holds that clip: the original's last layer must
     * be linear, and every validation target must lie within the range (else refused, naming the row).
     */
    private static void checkBoundedRegression(DenseNetwork original, Retrainer retrainer, RowsOrigin origin) {
        if (!org.odf2nna.onnx.OutputClip.clippable(original)) {
            String message = "a regression model's output is clipped to the training targets' range, so that each "
                    + "row's squared error is bounded, and only a linear last layer without head can hold that clip; "
                    + "this one ends in " + original.layer(original.layers().size() - 1).activation() + " with head "
                    + original.head();
            throw origin.inMemory() ? new IllegalArgumentException(message) : new InputException(null, null, message);
        }
        double[] outside = retrainer.targetOutsideRange();
        if (outside == null) {
            return;
        }
        float[] range = retrainer.outputRange();
        int row = (int) outside[0];
        String message = org.odf2nna.metrics.BoundedRegression.outsideRange(
                org.odf2nna.report.ReportFormat.number(outside[1]),
                org.odf2nna.metrics.BoundedRegression.Range.of(range[0], range[1]));
        if (origin.inMemory()) {
            throw new IllegalArgumentException("validation row " + row + ": " + message);
        }
        String place = origin.validation() != null ? "data row " + (row + 1)
                : "validation row " + (row + 1) + " of the " + retrainer.validationRows() + " held out of it";
        throw InputException.uncertifiable(origin.validationFile(), place, message);
    }

    /** Where in their file the validation rows are: all of it (null), or the rows held out of the training file. */
    private static String validationPlace(RowsOrigin origin, Retrainer retrainer) {
        return origin.validation() != null ? null
                : "the " + retrainer.validationRows() + " validation rows held out of it";
    }

    /** Where in their file the validation rows are, as messages name it (null: the whole validation file). */
    String validationPlace() {
        return validationPlace(origin, retrainer);
    }

    /**
     * Runs the rounds and chooses among them.
     *
     * @param inputsSelectable whether the original's inputs may be dropped too, where the schedule asks (a selection
     *                         is written as a Gather in front of the first layer: only where the chain reads the
     *                         model's own input)
     */
    Result run(boolean inputsSelectable, Progress progress) {
        settings.quantize().checkJudgedInJava();
        List<ProgressivePruning.Round> rounds = ProgressivePruning.run(original, retrainer,
                new ProgressivePruning.Plan(settings.schedule(), settings.blockLimits()),
                tolerance, ridge, inputsSelectable && settings.schedule().inputs(), settings.quantize(), progress);
        Integer chosen = ProgressivePruning.choose(rounds);
        progress.done(ProgressivePruning.JUDGING);
        return new Result(rounds, chosen, inputRange, settings.clipInputs(),
                retrainer.regression() ? retrainer.outputRange() : null);
    }

    /** The retraining each round runs (with at least a round's epochs). */
    Retrainer retrainer() {
        return retrainer;
    }

    /** The least-squares refit's ridge. */
    double ridge() {
        return ridge;
    }
}
