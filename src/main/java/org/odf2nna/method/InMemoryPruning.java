package org.odf2nna.method;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.metrics.Task;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.tf.TrainingData;

/**
 * {@code sweep}'s default, progressive pruning ({@link ProgressivePruning}), on rows already in memory: the dense
 * chain's inputs and, where known, the targets. Nothing is read or written; the command line's {@link Sweeper} does
 * the same from files and writes the chosen model.
 */
public final class InMemoryPruning {

    private InMemoryPruning() {
    }

    /**
     * One round of the schedule.
     *
     * @param index    1-based
     * @param network  the retrained network the round ended with
     * @param inputs   the original's inputs {@code network} reads, ascending
     * @param bound    its loss bound on the validation rows (it holds or not)
     * @param training how its retraining went
     */
    public record Round(int index, DenseNetwork network, int[] inputs, LossBound bound, TrainingSummary training) {
    }

    /**
     * Every round, and the smallest network whose bound holds.
     *
     * @param chosen index into {@code rounds}, or -1 when no round kept the promise
     */
    public record Result(List<Round> rounds, int chosen) {
        public Result {
            rounds = List.copyOf(rounds);
        }
    }

    /**
     * Prunes {@code original} round by round; each round's network is judged on {@code validation} against the
     * tolerance ({@code maxDrop} accuracy points for classification, percent of the original's MSE for regression).
     *
     * @param training   rows retraining and the refit use (targets optional: without them the teacher labels them)
     * @param validation rows that pick the retraining epoch and judge each round (targets needed for regression)
     * @param task       the task, or null to infer it from the network
     */
    public static Result progressive(DenseNetwork original, TrainingData training, TrainingData validation,
            RetrainOptions retrain, Schedule schedule, double maxDrop, Task task, Device device, Progress progress) {
        if (!schedule.progressive()) {
            throw new IllegalArgumentException("the schedule is not progressive");
        }
        if (!(maxDrop >= 0) || Double.isInfinite(maxDrop)) {
            throw new IllegalArgumentException("the maximum drop must be a finite number >= 0, got " + maxDrop);
        }
        Task resolved = Task.givenOrInferred(task, original);
        if (resolved == Task.REGRESSION && !TrainingRows.labelled(validation)) {
            throw new IllegalArgumentException("validation rows need targets: a regression model's MSE is bounded "
                    + "on them");
        }
        Retrainer retrainer = Retrainer.prepare(original, null, retrain, resolved,
                new TrainingData[] {training, validation}, device);
        if (retrain.retrainEpochs() == null) {
            retrainer = ProgressivePruning.perRound(retrainer);
        }
        double ridge = PruningOptions.DEFAULT.ridgeFor(retrainer.epochs() > 0);
        List<ProgressivePruning.Round> rounds = ProgressivePruning.run(original, retrainer, schedule, maxDrop / 100,
                ridge, schedule.inputs(), progress);
        List<Round> result = new ArrayList<>();
        int chosen = -1;
        for (ProgressivePruning.Round r : rounds) {
            result.add(new Round(r.index(), r.network(), r.inputs(), r.bound(), r.training()));
            if (r.bound().holds() && (chosen < 0
                    || r.network().parameterCount() < result.get(chosen).network().parameterCount())) {
                chosen = result.size() - 1;
            }
        }
        return new Result(result, chosen);
    }
}
