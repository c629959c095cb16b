package org.odf2nna.method;

import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.prune.EpsilonRule;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.Pruner;
import org.odf2nna.prune.RefitSums;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.prune.UnitStatistics;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.settings.Compensation;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.ShrinkSettings;
import org.odf2nna.tf.TrainingData;

/**
 * {@code shrink}'s one-shot pruning at a threshold ε, on a network in memory: the units whose score is at most ε go
 * ({@link EpsilonRule}), the next layer is compensated by mean folding ({@link Pruner}) and, where fitting rows are
 * given, by a least-squares refit on them ({@link LeastSquaresCompensation}); the compensation chosen gives the pruned
 * network, which is then retrained when asked. The command line's {@link Shrinker} scores the original in ONNX Runtime
 * before it, and measures and writes every ε's networks around it; the facade's in-memory shrink calls
 * {@link #run(DenseNetwork, TrainingData, TrainingData, ShrinkSettings, Progress)}.
 */
public final class EpsilonPruning {

    /** Rows per chunk when measuring unit statistics and refitting in plain Java. */
    private static final int CHUNK = 1024;

    private final DenseNetwork original;
    private final UnitStatistics statistics;
    private final List<double[]> scores;
    private final Compensation compensation;
    private final RefitSums fitting;
    private final double ridge;
    /** The rows the mean-folded network's PWR is judged on, when it may ride on the last refit's pass, or null. */
    private final PwrRows pwrRows;

    /** Held evaluation rows with targets, which are the fitting rows in the same order, and the task they judge. */
    record PwrRows(HeldRows held, org.odf2nna.settings.Task task) {
    }

    /**
     * @param statistics   the original's unit statistics on the scoring rows (mean folding folds their means)
     * @param scores       every hidden unit's score, per hidden layer, that ε is compared with
     * @param compensation the compensation the pruned network gets
     * @param fitting      the sums of the rows least squares fits on, or null to refit nothing (then
     *                     {@code compensation} must be mean folding)
     * @param ridge        the least-squares refit's ridge
     */
    EpsilonPruning(DenseNetwork original, UnitStatistics statistics, List<double[]> scores, Compensation compensation,
            RefitSums fitting, double ridge) {
        this(original, statistics, scores, compensation, fitting, ridge, null);
    }

    /**
     * @param pwrRows the fitting rows as held evaluation rows: the mean-folded network's PWR is then measured in the
     *                last refit's pass where that pass runs on the scoring pass's targets ({@link FoldedPwrFromRefit}); or null
     */
    EpsilonPruning(DenseNetwork original, UnitStatistics statistics, List<double[]> scores, Compensation compensation,
            RefitSums fitting, double ridge, PwrRows pwrRows) {
        if (compensation == Compensation.LSQ && fitting == null) {
            throw new IllegalStateException("least squares has no rows to fit on");
        }
        this.original = original;
        this.statistics = statistics;
        this.scores = scores;
        this.compensation = compensation;
        this.fitting = fitting;
        this.ridge = ridge;
        this.pwrRows = pwrRows;
    }

    /**
     * One threshold's pruning, before retraining.
     *
     * @param epsilon    the threshold
     * @param selection  the units kept, per hidden layer
     * @param meanFolded the network with the removed units' mean outputs folded into the next layer's bias
     * @param refit      the same refitted by least squares, or null when no fitting rows were given
     * @param pruned     the network the compensation chosen gives: {@code refit}'s or {@code meanFolded}
     * @param meanFoldedPwr {@code meanFolded}'s metrics on the held rows, measured in the last refit's pass, or null
     *                   (not measured there)
     */
    public record Pruned(double epsilon, UnitSelection selection, DenseNetwork meanFolded,
            LeastSquaresCompensation.Result refit, DenseNetwork pruned, org.odf2nna.metrics.Metrics meanFoldedPwr) {
    }

    /**
     * One threshold's pruning and what retraining made of it.
     *
     * @param pruned   the pruning before retraining
     * @param network  the pruned network retrained (or {@code pruned.pruned()} when nothing was retrained)
     * @param training how retraining went, or null when nothing was retrained
     */
    public record Result(Pruned pruned, DenseNetwork network, TrainingSummary training) {
    }

    /**
     * Prunes {@code original} once at the one threshold of {@code settings}: its units scored on {@code scoring}
     * ({@code settings.pruning()}'s score), with least squares the refit fitted on the same rows; when
     * {@code training} is given and {@code settings.retraining()} is set with epochs (20 unless given), the pruned
     * network is retrained on it, the original as teacher, in the model's own coordinates
     * ({@link #retrain(DenseNetwork, DenseNetwork, TrainingData, RetrainSettings, Device)}).
     *
     * @param training rows to retrain on (targets optional: without them the teacher labels them), or null
     * @throws IllegalArgumentException when {@code settings} hold more than one threshold
     */
    public static Result run(DenseNetwork original, TrainingData scoring, TrainingData training,
            ShrinkSettings settings, Progress progress) {
        if (settings.thresholds().size() != 1) {
            throw new IllegalArgumentException("settings: one epsilon for a network in memory, got "
                    + settings.thresholds());
        }
        RetrainSettings retraining = settings.retraining();
        boolean retrains = training != null && retraining != null && retraining.epochs(null).count() > 0;
        UnitStatistics statistics = UnitStatistics.measure(original, scoring.inputs(), scoring.rows(), CHUNK);
        Compensation compensation = settings.pruning().compensation();
        RefitSums fitting = compensation == Compensation.LSQ ? OnnxRefitSums.of(original,
                RowSource.of(scoring.inputs(), scoring.rows(), scoring.width(), CHUNK), scoring.rows(),
                settings.device(), OnnxRefitSums.IN_MEMORY) : null;
        Pruned pruned = new EpsilonPruning(original, statistics, statistics.scores(settings.pruning().score(),
                original), compensation, fitting, settings.pruning().ridgeFor(retrains))
                .prune(settings.thresholds().get(0), progress);
        return retrain(pruned, retrains ? RetrainingSetup.inModelCoordinates(original, retraining, training,
                settings.device()) : null, progress);
    }

    /**
     * Retrains {@code start}, a pruned form of {@code original} with the same inputs and outputs, on {@code training}
     * as the in-memory shrink does: in the model's own coordinates, the original as teacher as
     * {@code settings.distillation()} says (rows without targets train on the teacher alone), a share of the rows
     * picking the best epoch.
     *
     * @return the retrained network, or {@code start} when the settings ask for 0 epochs
     */
    public static DenseNetwork retrain(DenseNetwork original, DenseNetwork start, TrainingData training,
            RetrainSettings settings, Device device) {
        if (settings.epochs(null).count() == 0) {
            return start;
        }
        return RetrainingSetup.inModelCoordinates(original, settings, training, device)
                .retrain(start, "", Progress.NONE).network();
    }

    /** Selects the units at {@code epsilon} and compensates for the rest. */
    Pruned prune(double epsilon, Progress progress) {
        UnitSelection selection = EpsilonRule.select(scores, epsilon);
        DenseNetwork meanFolded = Pruner.prune(original, statistics, selection);
        LeastSquaresCompensation.Result refit = null;
        FoldedPwrFromRefit riding = null;
        if (fitting != null) {
            String step = "least squares " + label(epsilon);
            progress.update(step, 0, -1, null);
            RefitSums sums = fitting;
            if (pwrRows != null && fitting instanceof OnnxRefitSums onnx && onnx.onOutputTargets()
                    && FoldedPwrFromRefit.possible(pwrRows.held())) {
                riding = new FoldedPwrFromRefit(meanFolded, pwrRows.held(), pwrRows.task());
                sums = onnx.riding(riding);
            }
            refit = LeastSquaresCompensation.compensate(original, statistics, selection, sums, ridge);
            progress.done(step);
        }
        return new Pruned(epsilon, selection, meanFolded, refit,
                compensation == Compensation.LSQ ? refit.network() : meanFolded,
                riding == null ? null : riding.metrics());
    }

    /** Retrains {@code pruned}'s network as {@code retrainer} says (null: kept as pruned). */
    static Result retrain(Pruned pruned, Retrainer retrainer, Progress progress) {
        if (retrainer == null) {
            return new Result(pruned, pruned.pruned(), null);
        }
        Retrainer.Outcome retrained = retrainer.retrain(pruned.pruned(), label(pruned.epsilon()), progress);
        return new Result(pruned, retrained.network(), retrained.summary());
    }

    /** How progress and messages name a threshold. */
    static String label(double epsilon) {
        return "ε=" + ReportFormat.number(epsilon);
    }
}
