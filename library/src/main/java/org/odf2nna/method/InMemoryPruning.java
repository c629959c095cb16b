package org.odf2nna.method;

import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.evolve.GaResult;
import org.odf2nna.evolve.MaskedFitness;
import org.odf2nna.evolve.SteadyStateGa;
import org.odf2nna.evolve.UnitSearch;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.UnitStatistics;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.GaSettings;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.TrainingData;

/**
 * {@code evolve}'s search of unit masks on rows already in memory: the dense chain's inputs and, where known, the
 * targets. Nothing is read or written; the command line's {@link Evolver} does the same from files and writes the
 * chosen model. ({@code sweep}'s in-memory pipeline is {@link ProgressiveSweep}.)
 */
public final class InMemoryPruning {

    private InMemoryPruning() {
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
        Device device = settings.device();
        int population = settings.population();
        Integer evaluations = settings.evaluations();
        double mutation = settings.mutation();
        int threads = settings.threads();
        Task resolved = Task.givenOrInferred(settings.task(), original);
        Retrainer retrainer = Retrainer.prepare(original, null, settings.retraining(), RowsOrigin.IN_MEMORY, resolved,
                new TrainingData[] {training, validation}, device);
        UnitSearch search = new UnitSearch(original, searched,
                UnitStatistics.measure(original, training.inputs(), training.rows(), CHUNK));
        MaskedFitness fitness = new MaskedFitness(search, validation.inputs(), validation.rows(),
                new ValidationScorer(resolved, original.outputs(), original.head(), validation,
                        java.nio.file.Path.of("(validation rows)")));
        int budget = evaluations != null ? evaluations : GaSettings.defaultEvaluations(searched.length);
        GaResult result = SteadyStateGa.run(search.layout(), fitness, new GaSettings(population, budget, mutation,
                settings.retraining().seed(), threads), (done, total, best, active) -> progress.update("evolving", done, total,
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
