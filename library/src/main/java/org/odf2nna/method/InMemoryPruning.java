package org.odf2nna.method;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.evolve.GaResult;
import org.odf2nna.evolve.MaskedFitness;
import org.odf2nna.evolve.SteadyStateGa;
import org.odf2nna.evolve.UnitSearch;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.UnitStatistics;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.GaSettings;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.Schedule;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.TrainingData;

/**
 * {@code sweep}'s default, progressive pruning ({@link ProgressivePruning}), and {@code evolve}'s search of unit masks,
 * on rows already in memory: the dense chain's inputs and, where known, the targets. Nothing is read or written; the
 * command line's {@link Sweeper} and {@link Evolver} do the same from files and write the chosen model.
 */
public final class InMemoryPruning {

    /** What messages call the rows in memory: retraining reads no file. */
    private static final java.nio.file.Path IN_MEMORY = java.nio.file.Path.of("(training rows)");

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
     * @param judged   the network the search went by and the validation rows judged: {@code network} itself, or with
     *                 int8 weights in the layers {@code int8} marks
     * @param int8     with int8 weights, per layer whether it took them (false: kept float by the per-layer
     *                 fallback); null for float weights
     */
    public record Round(int index, DenseNetwork network, int[] inputs, LossBound bound, TrainingSummary training,
            DenseNetwork judged, boolean[] int8) {
    }

    /**
     * Every round, and the one chosen ({@link ProgressivePruning#choose}): of the rounds the search went on from, the last
     * before the first whose bound does not hold.
     *
     * @param chosen index into {@code rounds}, or -1 when no round kept the promise
     */
    public record Result(List<Round> rounds, int chosen) {
        public Result {
            rounds = List.copyOf(rounds);
        }
    }

    /**
     * Prunes {@code original} round by round as {@code settings} say (its progressive schedule, retraining, maximum
     * drop, int8 weights, task and device); each round's network is judged on {@code validation} against the
     * maximum drop, exactly as the file-level {@link Sweeper} judges it ({@link ProgressivePruning#run} does both).
     *
     * @param training   rows retraining and the refit use (targets optional: without them the teacher labels them)
     * @param validation rows that only choose among the rounds (targets needed for regression; classification without
     *                   them bounds the share of changed predictions)
     */
    public static Result progressive(DenseNetwork original, TrainingData training, TrainingData validation,
            SweepSettings settings, Progress progress) {
        Schedule schedule = settings.schedule();
        if (!schedule.progressive()) {
            throw new IllegalArgumentException("the schedule is not progressive: rows in memory are pruned "
                    + "progressively");
        }
        Task resolved = Task.givenOrInferred(settings.task(), original);
        double maxDrop = settings.maxDrop(resolved);
        RetrainOptions retrain = new RetrainOptions(IN_MEMORY, settings.retraining());
        Device device = settings.device();
        Quantize quantize = settings.quantize();
        if (resolved == Task.REGRESSION && !TrainingRows.labelled(validation)) {
            throw new IllegalArgumentException("validation rows need targets: a regression model's MSE is bounded "
                    + "on them");
        }
        Retrainer retrainer = Retrainer.prepare(original, null, retrain, resolved,
                new TrainingData[] {training, validation}, device);
        if (retrain.retrainEpochs() == null) {
            retrainer = ProgressivePruning.perRound(retrainer);
        }
        if (resolved == Task.CLASSIFICATION && !LossBound.certifiable(retrainer.validationRows(), maxDrop / 100)) {
            throw new IllegalArgumentException("validation rows: " + LossBound.tooFew(retrainer.validationRows(),
                    maxDrop / 100));
        }
        double ridge = settings.pruning().ridgeFor(retrainer.epochs() > 0);
        List<ProgressivePruning.Round> rounds = ProgressivePruning.run(original, retrainer, schedule, maxDrop / 100,
                ridge, schedule.inputs(), quantize, progress);
        List<Round> result = new ArrayList<>();
        for (ProgressivePruning.Round r : rounds) {
            result.add(new Round(r.index(), r.network(), r.inputs(), r.bound(), r.training(), r.judged(),
                    r.int8() == null ? null : r.int8().int8().clone()));
        }
        Integer choice = ProgressivePruning.choose(rounds);
        int chosen = choice == null ? -1 : choice;
        return new Result(result, chosen);
    }

    /**
     * What {@link #evolve} found.
     *
     * @param network     the chosen mask's network: refitted by least squares, then retrained when epochs allow
     * @param compensated the same before retraining
     * @param fitness     the best mask's validation accuracy (or minus its MSE) with mean folding, as searched
     * @param evaluations fitness evaluations run
     */
    public record Evolution(DenseNetwork network, DenseNetwork compensated, double fitness, int evaluations) {
    }

    /**
     * EvoPruneDeepTL's steady-state genetic search over the units of {@code settings.layers()} (numbered from 1 at
     * the input; all when empty), judged on {@code validation} with mean folding; the best mask is refitted by least
     * squares on {@code training} and retrained on it (the original as teacher, as the retraining says).
     */
    public static Evolution evolve(DenseNetwork original, TrainingData training, TrainingData validation,
            EvolveSettings settings, Progress progress) {
        int hidden = original.hiddenLayerCount();
        if (hidden == 0) {
            throw new IllegalArgumentException("the network has no hidden layer to search");
        }
        if (!TrainingRows.labelled(validation)) {
            throw new IllegalArgumentException("validation rows need targets: they score every mask");
        }
        int[] searched = settings.layers().isEmpty() ? java.util.stream.IntStream.range(0, hidden).toArray()
                : settings.layers().stream().mapToInt(Integer::intValue).sorted().distinct().map(l -> l - 1)
                        .toArray();
        for (int layer : searched) {
            if (layer < 0 || layer >= hidden) {
                throw new IllegalArgumentException("layer " + (layer + 1) + ": the network has hidden layers 1 to "
                        + hidden);
            }
        }
        RetrainOptions retrain = new RetrainOptions(IN_MEMORY, settings.retraining());
        Device device = settings.device();
        int population = settings.population();
        Integer evaluations = settings.evaluations();
        double mutation = settings.mutation();
        int threads = settings.threads();
        Task resolved = Task.givenOrInferred(settings.task(), original);
        Retrainer retrainer = Retrainer.prepare(original, null, retrain, resolved,
                new TrainingData[] {training, validation}, device);
        UnitSearch search = new UnitSearch(original, searched,
                UnitStatistics.measure(original, training.inputs(), training.rows(), CHUNK));
        MaskedFitness fitness = new MaskedFitness(search, validation.inputs(), validation.rows(),
                new ValidationScorer(resolved, original.outputs(), original.head(), validation,
                        java.nio.file.Path.of("(validation rows)")));
        int budget = evaluations != null ? evaluations : GaSettings.defaultEvaluations(searched.length);
        GaResult result = SteadyStateGa.run(search.layout(), fitness, new GaSettings(population, budget, mutation,
                retrain.seed(), threads), (done, total, best, active) -> progress.update("evolving", done, total,
                        null));
        progress.done("evolving");
        double ridge = Double.isNaN(settings.ridge()) ? PruningOptions.automaticRidge(retrainer.epochs() > 0)
                : settings.ridge();
        DenseNetwork compensated = LeastSquaresCompensation.compensate(original, search.statistics(),
                search.selection(result.best()), RowSource.of(training.inputs(), training.rows(), training.width(),
                        CHUNK), ridge).network();
        DenseNetwork network = retrainer.epochs() > 0 ? retrainer.retrain(compensated, "retraining", progress)
                .network() : compensated;
        return new Evolution(network, compensated, result.bestFitness(), result.evaluations());
    }

    private static final int CHUNK = 1024;
}
