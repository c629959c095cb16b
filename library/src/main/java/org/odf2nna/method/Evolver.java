package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.Progress;
import org.odf2nna.evolve.GaResult;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.report.EvolveReport;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.settings.EvolveFiles;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.GaSettings;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.Task;

/**
 * {@code evolve}'s one front door, EvoPruneDeepTL on a model file: it picks the search for the model (a dense chain's,
 * {@link ChainEvolveStrategy}, or a graph's blocks', {@link GraphEvolveStrategy}, as sweep and shrink pick their side:
 * {@link GraphSweeper#appliesTo(Path)}), runs it, and writes the report. The report's shared parts (the search's
 * settings, its effort, the best individual after each generation) are made here for both.
 */
public final class Evolver {

    private Evolver() {
    }

    /**
     * Runs evolve on the model {@code files} names as {@code settings} say, with a graph's best mask retrained end to
     * end ({@link GraphRetraining#DEFAULT}), and writes the best network (and the report, when named).
     */
    public static EvolveReport run(EvolveFiles files, EvolveSettings settings, Progress progress) {
        return run(files, settings, GraphRetraining.DEFAULT, progress);
    }

    /**
     * Runs evolve on the model {@code files} names: a graph's search when the model is a graph with blocks, the dense
     * chain's otherwise; {@code retraining} retrains a graph's best mask (a chain retrains as {@code settings} say).
     */
    public static EvolveReport run(EvolveFiles files, EvolveSettings settings, GraphRetraining retraining,
            Progress progress) {
        return run(files, settings, strategyFor(files.model(), retraining), progress);
    }

    /** Runs {@code strategy}'s search on the model {@code files} names, and writes the report when one is named. */
    public static EvolveReport run(EvolveFiles files, EvolveSettings settings, EvolveStrategy strategy,
            Progress progress) {
        EvolveReport report = strategy.search(files, settings, progress);
        if (files.report() != null) {
            AtomicFiles.writeString(files.report(), ReportFormat.json(report));
        }
        return report;
    }

    /**
     * The graph's search for a graph with blocks, the chain's otherwise; a model that cannot be read goes to the
     * chain's search, whose reading says why.
     */
    public static EvolveStrategy strategyFor(Path model, GraphRetraining retraining) {
        return isGraph(model) ? EvolveStrategy.graph(retraining) : EvolveStrategy.chain();
    }

    private static boolean isGraph(Path model) {
        try {
            return GraphSweeper.appliesTo(model);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The best individual after each generation, its fitness as the report's figure. */
    static List<EvolveReport.Generation> generations(GaResult result, Task task) {
        List<EvolveReport.Generation> generations = new ArrayList<>();
        for (GaResult.Generation g : result.generations()) {
            generations.add(new EvolveReport.Generation(g.generation(), g.evaluations(),
                    ValidationScorer.figure(g.bestFitness(), task), g.bestActive()));
        }
        return generations;
    }

    /** The search's settings as the report gives them. */
    static EvolveReport.Ga ga(GaSettings ga) {
        return new EvolveReport.Ga(ga.population(), ga.evaluations(), ga.mutationProbability(), ga.seed(),
                ga.threads());
    }

    /** What the search spent, as the report gives it. */
    static EvolveReport.Effort effort(GaResult result) {
        return new EvolveReport.Effort(result.evaluations(), result.cacheHits(), result.children(), result.stalled());
    }
}
