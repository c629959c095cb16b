package org.odf2nna.method;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.Progress;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.prune.FittingRows;
import org.odf2nna.prune.LayerCovariance;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.ReconstructionCost;
import org.odf2nna.prune.RowSource;
import org.odf2nna.report.TrainingSummary;

/**
 * Progressive pruning: each round removes a share of the current network's parameters (the units whose removal the
 * least-squares refit can best make up for, {@link ReconstructionCost}), refits the layers after them, retrains
 * briefly (with the original as teacher) and judges the result on the validation rows. A round that keeps the promise
 * becomes the start of the next; after one that does not, the next round starts again from the last one that did,
 * removing half as much (units only, when the failed round removed inputs: an input that could not go is the likelier
 * culprit), until {@link Schedule#FAILURES_TO_STOP} rounds in a row have failed. Each such retry is one more draw near
 * the tolerance, so a round judged after k failed ones in a row must hold at 1 − 0.05 / (k + 1) instead of 95%
 * ({@link LossBound.Confidence#afterFailures}): at 95% a retry on LeNet-300-100 passed and then lost more than the
 * tolerance on its test half (docs/COMPARISON.md). Under
 * {@link Schedule#strict} the epochs are picked, and whether a round keeps the promise for the search judged, on
 * training rows instead, and the validation rows only confirm ({@link #choose}).
 *
 * <p>Regression, by default: each round's epoch is picked on how closely the validation rows' outputs follow the
 * original's, not on their targets, and the search ends at the first round that does not hold. A few rows carry most
 * of an MSE, so an epoch picked on the targets of the rows that judge, and retries after a failed round (each another
 * draw near the tolerance), passed models that lost more than the tolerance on the other half of the test file
 * (compactiv on three splits of three, docs/COMPARISON.md). Classification keeps both: there they chose larger
 * reductions that held.
 *
 * <p>Tried and left out: holding a layer at its width after a failed round that took from it alone (instead of halving
 * the share). It searched longer, reached iris 4-1-3, and on pole chose a model whose test-half MSE was 33% above the
 * original's while its validation rows showed 14% below: the validation rows both pick the retraining epoch and judge,
 * and many rounds overfit them (docs/COMPARISON.md).
 */
final class ProgressivePruning {

    /** Training rows the unit costs and the least-squares refit of a round look at, at most. */
    static final int FIT_ROWS = 16_384;

    /** Epochs a round retrains at least, whatever share of the original's epochs the options give. */
    static final int MIN_ROUND_EPOCHS = 3;

    private ProgressivePruning() {
    }

    /** Retraining for one round: the options' epochs, at least {@link #MIN_ROUND_EPOCHS}. */
    static Retrainer perRound(Retrainer retrainer) {
        if (retrainer.epochs() >= MIN_ROUND_EPOCHS) {
            return retrainer;
        }
        return retrainer.withEpochs(MIN_ROUND_EPOCHS, retrainer.epochsSource() + " gives " + retrainer.epochs()
                + "; a round retrains at least " + MIN_ROUND_EPOCHS);
    }

    /**
     * One round.
     *
     * @param index       1-based
     * @param start       the network the round started from
     * @param compensated the pruned network after the least-squares refit, before retraining (PWR)
     * @param network     the retrained network (PR)
     * @param inputs      the original's inputs {@code network} reads, ascending
     * @param training    how retraining went
     * @param continued   whether the search went on from this round: its bound held, or under
     *                    {@link Schedule#strict} it changed at most the tolerance's share on the watched training rows
     * @param bound       the loss bound on the validation rows
     */
    record Round(int index, DenseNetwork start, DenseNetwork compensated, DenseNetwork network, int[] inputs,
            TrainingSummary training, boolean continued, LossBound bound) {
    }

    /** Training rows a strict schedule picks epochs and guides the search on, at most. */
    static final int WATCHED_TRAINING_ROWS = 5_000;

    /**
     * The chosen round, or null. The rounds the search went on from form a chain of ever smaller networks; it is
     * walked from the largest, stopping at the first whose bound does not hold. Under {@link Schedule#strict} the
     * chain was fixed without looking at the validation rows, so the walk keeps the bound's 95% for the whole run
     * (fixed-sequence testing); by default every round in it held, and the walk ends at the smallest.
     */
    static Integer choose(List<Round> rounds) {
        Integer chosen = null;
        for (int i = 0; i < rounds.size(); i++) {
            Round r = rounds.get(i);
            if (!r.continued()) {
                continue;
            }
            if (!r.bound().holds()) {
                break;
            }
            chosen = i;
        }
        return chosen;
    }

    /**
     * @param inputs whether the network's inputs are candidates too (only for a network whose chain input is the
     *               model's own input: a selection is written as a Gather in front of the first layer)
     */
    static List<Round> run(DenseNetwork original, Retrainer retrainer, Schedule schedule, double tolerance,
            double ridge, boolean inputs, Progress progress) {
        List<Round> rounds = new ArrayList<>();
        boolean stopAtFirstFailure = !schedule.strict() && retrainer.regression();
        if (schedule.strict()) {
            retrainer = retrainer.watchingTraining(WATCHED_TRAINING_ROWS);
        } else if (retrainer.regression()) {
            retrainer = retrainer.watchingAgreement(original);
        }
        Retrainer.Reference reference = retrainer.reference(original);
        DenseNetwork current = original;
        Retrainer currentRetrainer = retrainer;
        int[] currentInputs = java.util.stream.IntStream.range(0, original.inputs()).toArray();
        double share = schedule.share();
        int failures = 0;
        // After a failed round that removed inputs, the retry from the same start removes units only.
        boolean unitsOnly = false;
        // Selections that already failed from the current start: trying one again would fail again.
        java.util.Set<String> failed = new java.util.HashSet<>();
        for (int index = 1; index <= schedule.maxRounds(); index++) {
            if (minimal(current)) {
                break;
            }
            String label = "round " + index;
            progress.update(label + ": unit costs", 0, -1, null);
            // Unit costs and the refit need the layers' second moments, not every row: a sample keeps rounds quick.
            RowSource rows = currentRetrainer.fittingRows(FIT_ROWS);
            LayerCovariance moments = LayerCovariance.measure(current, rows);
            double[][] columns = inputs && !unitsOnly && current.inputs() > 1
                    ? LayerCovariance.ofColumns(rows, current.inputs()) : null;
            ReconstructionCost.Selection selection = ReconstructionCost.select(current,
                    columns == null ? null : columns[1], moments.covariances(), share, schedule.ranking());
            progress.done(label + ": unit costs");
            String key = java.util.Arrays.toString(selection.keptInputs()) + selection.units();
            if (selection.keptInputs().length == current.inputs() && java.util.Arrays.equals(
                    selection.units().keptUnits(), current.hiddenUnits()) || failed.contains(key)) {
                break;
            }
            progress.update(label + ": least squares", 0, -1, null);
            DenseNetwork start = current;
            Retrainer roundRetrainer = currentRetrainer;
            RowSource roundRows = rows;
            org.odf2nna.prune.UnitStatistics statistics = moments.statistics();
            if (selection.dropsInputs(current)) {
                // The first layer is refitted on the kept inputs, then the units are chosen as usual on top of it.
                start = LeastSquaresCompensation.compensateInputs(current, columns[0], selection.keptInputs(), rows,
                        ridge).network();
                roundRetrainer = currentRetrainer.keepInputs(selection.keptInputs());
                roundRows = roundRetrainer.fittingRows(FIT_ROWS);
                statistics = LayerCovariance.measure(start, roundRows).statistics();
            }
            FittingRows fitting = FittingRows.of(start, roundRows, ModelScan.CACHED_VALUES);
            DenseNetwork compensated = LeastSquaresCompensation.compensate(start, statistics, selection.units(),
                    fitting, ridge).network();
            progress.done(label + ": least squares");
            // The epoch kept is the best on the validation rows (the pruned weights compete as epoch 0; regression: the
            // closest to the original there). Measured on the reference models, this chose larger reductions that held
            // on their test halves; keeping the last epoch, or watching the epochs on held-out training rows, chose
            // smaller ones, and the latter no safer.
            Retrainer.Outcome retrained = roundRetrainer.retrain(compensated, label + " (" + compensated.architecture()
                    + ")", progress);
            DenseNetwork network = retrained.network();
            TrainingSummary training = retrained.summary().withChange(roundRetrainer.changeFrom(reference, network));
            // The attempts at one step (from one start) share its 5%. Strict walks a chain fixed without the
            // validation rows once, which needs no sharing.
            LossBound bound = roundRetrainer.bound(reference, network, tolerance, schedule.strict()
                    ? LossBound.Confidence.STANDARD : LossBound.Confidence.afterFailures(failures));
            if (!Double.isNaN(training.changeFromOriginal())) {
                bound = bound.guardedBy(training.changeFromOriginal());
            }
            // Strict: the search must not look at the validation rows, so what it goes by is how far the round moved
            // from the original on training rows.
            boolean continued = schedule.strict() ? roundRetrainer.watchedChange(reference, network) <= tolerance
                    : bound.holds();
            int[] kept = new int[selection.keptInputs().length];
            for (int k = 0; k < kept.length; k++) {
                kept[k] = currentInputs[selection.keptInputs()[k]];
            }
            rounds.add(new Round(index, current, compensated, network, kept, training, continued, bound));
            if (continued) {
                current = network;
                currentRetrainer = roundRetrainer;
                currentInputs = kept;
                failures = 0;
                failed.clear();
                unitsOnly = false;
            } else {
                failed.add(key);
                unitsOnly = selection.dropsInputs(current);
                failures++;
                share /= 2;
                if (failures >= Schedule.FAILURES_TO_STOP || stopAtFirstFailure) {
                    break;
                }
            }
        }
        return rounds;
    }

    /** Every hidden layer down to one unit: nothing left to remove. */
    private static boolean minimal(DenseNetwork network) {
        for (int units : network.hiddenUnits()) {
            if (units > 1) {
                return false;
            }
        }
        return true;
    }
}
