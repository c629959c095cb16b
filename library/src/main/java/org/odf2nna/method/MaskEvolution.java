package org.odf2nna.method;

import java.util.Locale;
import org.odf2nna.InputException;
import org.odf2nna.Memory;
import org.odf2nna.Setting;
import org.odf2nna.Progress;
import org.odf2nna.evolve.FeatureSearch;
import org.odf2nna.evolve.Fitness;
import org.odf2nna.evolve.GaResult;
import org.odf2nna.evolve.Mask;
import org.odf2nna.evolve.MaskLayout;
import org.odf2nna.evolve.MaskSearch;
import org.odf2nna.evolve.MaskedFitness;
import org.odf2nna.evolve.SteadyStateGa;
import org.odf2nna.evolve.UnitSearch;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.RunningMoments;
import org.odf2nna.prune.UnitStatistics;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.settings.Compensation;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.GaSettings;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.TrainingData;

/**
 * {@code evolve}'s pipeline on rows in memory, EvoPruneDeepTL: a steady-state genetic search over which hidden units
 * (or input features) to keep, each mask judged on the validation rows (by mean folding, or after a few epochs of
 * training); the best mask made a network (least-squares refit on the training rows, or mean folding) and retrained
 * with the original as teacher, as the retraining says. The command line's evolve on a dense chain
 * ({@link Evolver}'s {@link ChainEvolveStrategy}) reads the model and the CSV
 * rows before it, measures the networks on the test rows between the search and the retraining, and writes after it;
 * the facade's in-memory evolve calls {@link #run(DenseNetwork, TrainingData, TrainingData, EvolveSettings,
 * Progress)}.
 */
public final class MaskEvolution {

    /** Rows per chunk when measuring unit means and refitting in plain Java. */
    private static final int CHUNK = 4096;

    private final MaskSearch search;
    private final Fitness fitness;
    private final GaSettings ga;
    private final Retrainer retrainer;
    private final FitRows fit;
    private final EvolveSettings settings;
    private final Task task;
    private final Compensation compensation;

    private MaskEvolution(MaskSearch search, Fitness fitness, GaSettings ga, Retrainer retrainer, FitRows fit,
            EvolveSettings settings, Task task, Compensation compensation) {
        this.search = search;
        this.fitness = fitness;
        this.ga = ga;
        this.retrainer = retrainer;
        this.fit = fit;
        this.settings = settings;
        this.task = task;
        this.compensation = compensation;
    }

    /**
     * What is searched and how: the command line takes it from the settings; rows in memory search units only, judge
     * masks by mean folding and refit the best by least squares.
     *
     * @param layers        the 0-based hidden layers whose units are searched, or null to search the input features
     * @param fitnessEpochs epochs each mask trains before it is judged (0: judged by mean folding)
     * @param compensation  how the best mask becomes a network
     */
    record Plan(int[] layers, int fitnessEpochs, Compensation compensation) {
    }

    /**
     * What the search found, before retraining.
     *
     * @param best       the best mask
     * @param ga         the search: its best fitness (validation accuracy, or minus the MSE), evaluations, generations
     * @param meanFolded the best mask's network by mean folding, as the search judged it
     * @param refit      the same refitted by least squares on the training rows, or null when not asked for
     * @param pruned     the network the compensation chosen gives: {@code refit} or {@code meanFolded}
     */
    public record Found(Mask best, GaResult ga, DenseNetwork meanFolded, DenseNetwork refit, DenseNetwork pruned) {
    }

    /**
     * What the pipeline gives: the search's find and the network it becomes.
     *
     * @param found    the search and the best mask's networks before retraining
     * @param network  the best mask's network retrained (or {@code found.pruned()} when nothing was retrained)
     * @param training how retraining went, or null when nothing was retrained
     */
    public record Result(Found found, DenseNetwork network, TrainingSummary training) {
    }

    /**
     * The search over the units of {@code settings.layers()} (numbered from 1 at the input; all when empty) of
     * {@code original}, each mask judged on {@code validation} by mean folding; the best mask is refitted by least
     * squares on {@code training} and retrained on it when the retraining has epochs. {@code selectFeatures},
     * {@code fitnessEpochs} and {@code compensation} do not apply to rows in memory ({@link Plan}).
     *
     * @throws IllegalArgumentException when the network has no hidden layer, a layer asked for is not one, or the
     *                                  validation rows have no targets
     */
    public static Result run(DenseNetwork original, TrainingData training, TrainingData validation,
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
        Task task = Task.givenOrInferred(settings.task(), original);
        MaskEvolution evolution = prepare(original, null, RetrainingRows.Parts.of(training, validation),
                RowsOrigin.IN_MEMORY, settings, task, new Plan(searched, 0, Compensation.LSQ));
        Found found = evolution.search(false, progress);
        return evolution.retrainer.epochs() > 0 ? evolution.retrain(found, null, progress)
                : new Result(found, found.pruned(), null);
    }

    /**
     * The training part the search space is measured on and least squares fits on: in memory, or (null) streamed from
     * disk by the retraining ({@link Retrainer#fittingRows}), a batch at a time.
     */
    private record FitRows(TrainingData inMemory, Retrainer streamed) {

        /** The rows, {@code batch} at a time when in memory (streamed rows come in the retraining's batches). */
        RowSource source(int batch) {
            return inMemory != null ? RowSource.of(inMemory.inputs(), inMemory.rows(), inMemory.width(), batch)
                    : streamed.fittingRows();
        }

        int rows() {
            return inMemory != null ? inMemory.rows() : streamed.fittingRowCount();
        }
    }

    /**
     * Retraining prepared on {@code parts} ({training, validation} rows, named as {@code origin} says; the training
     * rows in memory or on disk, as {@link RetrainingRows#loadParts} loads them), the search space measured on the
     * training rows, and how masks are judged on the validation rows. The validation rows are held in memory: every
     * mask's fitness reads all of them ({@link MaskedFitness}); rows on disk are deleted when the retrainer is
     * {@link Retrainer#release}d.
     *
     * @param recordedEpochs the original's training epochs as its file records them, or null
     * @param task           the task, resolved
     * @param plan           what is searched, how masks are judged, and how the best becomes a network
     */
    static MaskEvolution prepare(DenseNetwork original, String recordedEpochs, RetrainingRows.Parts parts,
            RowsOrigin origin, EvolveSettings settings, Task task, Plan plan) {
        Retrainer retrainer = RetrainingSetup.prepare(original, recordedEpochs, settings.retraining(), origin, task,
                parts, settings.device());
        try {
            return prepare(original, retrainer, parts.inMemory(), origin, settings, task, plan);
        } catch (RuntimeException e) {
            retrainer.release();
            throw e;
        }
    }

    /** The same with the retraining prepared ({@code inMemory}: the {training, validation} rows, or null: streamed). */
    private static MaskEvolution prepare(DenseNetwork original, Retrainer retrainer, TrainingData[] inMemory,
            RowsOrigin origin, EvolveSettings settings, Task task, Plan plan) {
        int[] layers = plan.layers();
        FitRows fit = new FitRows(inMemory == null ? null : inMemory[0], inMemory == null ? retrainer : null);
        MaskSearch search = space(original, layers, fit);
        Fitness fitness;
        int threads;
        if (plan.fitnessEpochs() == 0) {
            // Held out of streamed rows, the validation rows are kept in training coordinates only: mapped back.
            TrainingData validation = inMemory != null ? inMemory[1] : retrainer.judgedInModelCoordinates();
            checkFitnessRowsFit(search, validation.rows(), origin, Memory::fits);
            fitness = new MaskedFitness(search, validation.inputs(), validation.rows(), new ValidationScorer(task,
                    original.outputs(), original.head(), validation, origin));
            threads = settings.ga().threads();
        } else {
            // One mask at a time: every TensorFlow session shares the process's one-thread pool (TfSessions),
            // so sessions run side by side give the same weights but no speed-up (measured).
            int epochs = plan.fitnessEpochs();
            fitness = mask -> {
                Retrainer r = search instanceof FeatureSearch f ? retrainer.keepInputs(f.kept(mask)) : retrainer;
                return r.fineTunedFitness(search.apply(mask), epochs);
            };
            threads = 1;
        }
        GaSettings ga = ga(settings, layers == null ? 1 : layers.length, threads, !origin.inMemory());
        return new MaskEvolution(search, fitness, ga, retrainer, fit, settings, task, plan.compensation());
    }

    /**
     * The genetic search's settings: those asked for, the budget by default for {@code segments} searched segments
     * (layers, or a graph's blocks), seeded by the retraining's seed.
     *
     * @param threads       fitness evaluations run at once
     * @param refuseShort   whether a default budget below the population is refused (files) rather than left to the
     *                      search (rows in memory)
     */
    static GaSettings ga(EvolveSettings settings, int segments, int threads, boolean refuseShort) {
        EvolveSettings.Ga asked = settings.ga();
        int budget = asked.evaluations() != null ? asked.evaluations() : GaSettings.defaultEvaluations(segments);
        if (budget < asked.population() && refuseShort) {
            throw InputException.usage("{{EVALUATIONS}} " + budget + " does not cover the initial population of "
                    + asked.population());
        }
        return new GaSettings(asked.population(), budget, asked.mutation(), settings.retraining().seed(), threads);
    }

    /**
     * The genetic search over {@code layout}, judged by {@code fitness}, telling {@code progress} the best validation
     * figure and how many of the {@code unit} it keeps as it goes: the chain's search and a graph's alike.
     */
    static GaResult evolve(MaskLayout layout, Fitness fitness, GaSettings ga, Task task, String unit,
            Progress progress) {
        String metric = metric(task);
        int bits = layout.length();
        GaResult result = SteadyStateGa.run(layout, fitness, ga, (done, total, best, active) ->
                progress.update("evolving", done, total, String.format(Locale.ROOT, "best validation %s %s, %d/%d %s",
                        metric, task == Task.REGRESSION ? ReportFormat.number(-best) : ReportFormat.percent(best),
                        active, bits, unit)));
        progress.done("evolving");
        return result;
    }

    /**
     * Refuses, in one line, validation rows whose activations the fitness cannot hold: {@link MaskedFitness} keeps
     * every validation row's outputs of the first searched layer (or its inputs) in memory, since every mask is judged
     * on all of them; streamed training rows do not bound that, so the heap is asked first.
     *
     * @param fits whether the heap can give so many bytes ({@link Memory#fits})
     */
    static void checkFitnessRowsFit(MaskSearch search, int rows, RowsOrigin origin,
            java.util.function.LongPredicate fits) {
        boolean units = search instanceof UnitSearch;
        int width = units ? search.network().layer(search.firstChangedLayer()).units() : search.network().inputs();
        long needed = 4L * rows * width;
        if (fits.test(needed)) {
            return;
        }
        String what = units ? "layer " + (search.firstChangedLayer() + 1) + "'s " + width + " outputs"
                : "its " + width + " inputs";
        throw origin.inTraining(null, String.format(Locale.ROOT, "the search judges every mask on all %d validation "
                + "rows and keeps %s for each in memory: about %s, more than the %s Java has free; hold out fewer with "
                + "%s, give fewer rows to validate on with %s, or give Java more memory (ODF2NNA_HEAP=%dg)", rows,
                what, Memory.megabytes(needed), Memory.megabytes(Memory.available()), Setting.VALIDATION_SHARE.ref(),
                Setting.VALIDATION.ref(), Memory.suggestedHeapGigabytes(needed)));
    }

    /** The search space: the input features (judged by folding their training means), or the searched units. */
    private static MaskSearch space(DenseNetwork network, int[] layers, FitRows fit) {
        if (layers == null) {
            RunningMoments moments = new RunningMoments(network.inputs());
            if (fit.inMemory() != null) {
                // In one batch, as always: the moments' shifts depend on the batches.
                moments.add(fit.inMemory().inputs(), fit.rows());
            } else {
                fit.source(CHUNK).forEachBatch(moments::add);
            }
            return new FeatureSearch(network, moments.mean());
        }
        return new UnitSearch(network, layers, UnitStatistics.measure(network, fit.source(CHUNK)));
    }

    /**
     * Runs the genetic search, reporting the best validation figure as it goes, and makes the best mask a network.
     *
     * @param bothCompensations whether to refit by least squares even when the compensation chosen is mean folding
     *                          (to report both)
     */
    Found search(boolean bothCompensations, Progress progress) {
        GaResult result = evolve(search.layout(), fitness, ga, task, unit(), progress);
        Mask best = result.best();
        // The search judged masks by mean folding; the chosen mask becomes a network by the chosen compensation.
        // Least squares fits on the training rows, never the validation rows.
        DenseNetwork meanFolded = search.apply(best);
        boolean lsq = compensation == Compensation.LSQ;
        DenseNetwork refit = lsq || bothCompensations ? leastSquares(best, progress) : null;
        return new Found(best, result, meanFolded, refit, lsq ? refit : meanFolded);
    }

    /** The best mask made a network by a least-squares refit on the training rows. */
    private DenseNetwork leastSquares(Mask best, Progress progress) {
        DenseNetwork network = search.network();
        progress.update("least squares", 0, -1, null);
        double ridge = Double.isNaN(settings.refit().ridge())
                ? PruningOptions.automaticRidge(retrainer.epochs() > 0) : settings.refit().ridge();
        RowSource fitRows = fit.source(CHUNK);
        DenseNetwork refit = search instanceof FeatureSearch f
                ? LeastSquaresCompensation.compensateInputs(network, f.inputMeans(), f.kept(best), fitRows,
                        ridge).network()
                : LeastSquaresCompensation.compensate(network, ((UnitSearch) search).statistics(),
                        ((UnitSearch) search).selection(best), OnnxRefitSums.of(network, fitRows, fit.rows(),
                                settings.device(), OnnxRefitSums.IN_MEMORY), ridge).network();
        progress.done("least squares");
        return refit;
    }

    /**
     * Retrains the network {@code found} gives.
     *
     * @param keptFeatures the input features the network reads (feature search), or null: all of them
     */
    Result retrain(Found found, int[] keptFeatures, Progress progress) {
        Retrainer.Outcome retrained = (keptFeatures != null ? retrainer.keepInputs(keptFeatures) : retrainer)
                .retrain(found.pruned(), "best mask", progress);
        return new Result(found, retrained.network(), retrained.summary());
    }

    /** The search space, for the report. */
    MaskSearch space() {
        return search;
    }

    /** The search's settings, for the report. */
    GaSettings ga() {
        return ga;
    }

    /** The retraining, for the report. */
    Retrainer retrainer() {
        return retrainer;
    }

    /** What the search's fitness is, in the report's words. */
    static String metric(Task task) {
        return task == Task.REGRESSION ? "mse" : "accuracy";
    }

    /** What the search keeps or drops, in the report's words. */
    String unit() {
        return search instanceof FeatureSearch ? "features" : "units";
    }
}
