package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.Setting;
import org.odf2nna.evolve.GaResult;
import org.odf2nna.evolve.Mask;
import org.odf2nna.graph.GivenUnitsRound;
import org.odf2nna.graph.GraphEvolve;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.graph.GraphRun;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.EvolveReport;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.EvolveFiles;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.GaSettings;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;

/**
 * {@link Evolver}'s strategy for a graph (an ONNX CNN or transformer, a Keras file with a backbone): EvoPruneDeepTL's
 * genetic search over the units of the graph's blocks ({@link GraphEvolve}), each mask judged on the validation rows by
 * mean folding, the best mask refitted and retrained as a sweep's round, then written (ONNX, or the Keras file's layout
 * for a {@code .keras}/{@code .h5} output) after it reads back. The files, rows and checks are the graph sweep's
 * ({@link GraphSweeper#open}); the search and its settings are the chain evolve's ({@link MaskEvolution#evolve}).
 */
record GraphEvolveStrategy(GraphRetraining retraining) implements EvolveStrategy {

    /**
     * Refuses, in one line and before any work, what evolve on a graph does not read: the chain's layer numbers, the
     * feature search, and training each mask before it is judged.
     */
    static void checkApplies(Path model, EvolveSettings settings) {
        String onGraph = "evolve on a graph searches the units of all its blocks (channels, heads, residual streams), "
                + "each mask judged by mean folding";
        if (!settings.layers().isEmpty()) {
            throw InputException.usage(model, Setting.LAYERS.ref() + " numbers a dense chain's hidden layers; "
                    + onGraph);
        }
        if (settings.selectFeatures()) {
            throw InputException.usage(model, Setting.SELECT_FEATURES.ref() + " searches a dense chain's inputs; "
                    + onGraph + ", and a graph's inputs are never removed");
        }
        if (settings.fitnessEpochs() != 0) {
            throw InputException.usage(model, Setting.FITNESS_EPOCHS.ref() + " trains a dense chain before each "
                    + "mask is judged; " + onGraph);
        }
    }

    /**
     * Runs the search on the graph {@code files} names and writes the best mask's round; {@link #retraining} retrains
     * that round after its refit (end to end by default).
     *
     * @throws InputException USAGE for a setting that does not apply, missing training or validation rows, or a
     *                        regressor; UNCERTIFIABLE for a graph without blocks
     */
    @Override
    public EvolveReport search(EvolveFiles files, EvolveSettings settings, Progress progress) {
        long started = System.nanoTime();
        checkApplies(files.model(), settings);
        SweepFiles sweepFiles = new SweepFiles(files.model(), files.train(), files.validation(), files.eval(),
                files.output(), files.report(), null, files.csv());
        GraphSweeper.Opened opened = GraphSweeper.open(sweepFiles, sweepSettings(settings, retraining),
                ModelInputs.NONE, OutputDecoding.DEFAULT, "evolve", progress);
        GraphRows training = opened.read().training();
        GraphRows validation = opened.read().validation();
        GraphRun run = GraphRun.of(opened.settings(), opened.settings().schedule().shareFor(validation.count()));
        progress.update("measuring the blocks' units on " + files.train(), 0, -1, null);
        GraphEvolve.Search search = GraphEvolve.prepare(new GivenUnitsRound.Original(opened.proto(), files.model(),
                opened.feed()), training, validation, run);
        progress.done("measuring the blocks' units on " + files.train());
        GaSettings ga = MaskEvolution.ga(settings, search.masks().layout().segmentCount(), settings.ga().threads(),
                true);
        GaResult found = MaskEvolution.evolve(search.masks().layout(), search, ga, Task.CLASSIFICATION, "units",
                progress);
        GivenUnitsRound.Made made = GraphEvolve.round(search, found.best(), training, progress);
        ModelProto round = made.model();
        ModelProto written = GraphEvolve.written(search, round);
        GraphSweeper.writeModel(files.model(), files.output(), written, progress);
        return EvolveReport.ofGraph(new EvolveReport.GraphRun(files.model().toString(),
                files.output().toString(), new EvolveReport.Rows(files.train().toString(),
                        training.first(run.statisticsRows()).count(), files.validation().toString(),
                        validation.labelled(), files.eval() == null ? null : files.eval().toString())),
                searchReport(search, ga, found), Evolver.generations(found, Task.CLASSIFICATION),
                outcome(search, found.best(), round, opened.read().report()), new EvolveReport.GraphRound(
                        retrainedAs(run, made), made.notes(), (System.nanoTime() - started) / 1e9));
    }

    /**
     * The sweep's settings a graph's evolve runs its round under: the retraining (seed, batch, patience), the device,
     * the compensation of the best mask's refit, and the graph retraining given.
     */
    static SweepSettings sweepSettings(EvolveSettings settings, GraphRetraining retraining) {
        return SweepSettings.builder().retraining(settings.retraining()).device(settings.device())
                .task(settings.task()).pruning(new PruningOptions(PruningOptions.DEFAULT.score(),
                        settings.refit().compensation(), PruningOptions.DEFAULT.ridge()))
                .graphRetraining(retraining).build();
    }

    /** How the best mask's round was retrained, in words: end to end only where it ran. */
    private static String retrainedAs(GraphRun run, GivenUnitsRound.Made made) {
        return made.endToEnd() ? run.retraining().describe() : run.endToEnd() ? "sequential refit alone (end to end "
                + "was asked for and did not run: see the notes)" : "sequential refit alone";
    }

    private static EvolveReport.Search searchReport(GraphEvolve.Search search, GaSettings ga, GaResult found) {
        return new EvolveReport.Search(search.masks().layout().segmentCount(), search.masks().layout().length(),
                Evolver.ga(ga), Evolver.effort(found));
    }

    /** The best mask's widths, the sizes before and after, and the accuracies, measured in the canonical form. */
    private static EvolveReport.Outcome outcome(GraphEvolve.Search search, Mask best, ModelProto round,
            GraphRows eval) {
        Path file = search.from().file();
        ModelProto canonical = search.canonical();
        List<String> widths = new ArrayList<>();
        List<String> kept = search.masks().widths(best);
        for (int s = 0; s < kept.size(); s++) {
            widths.add(search.masks().names().get(s) + " " + kept.get(s));
        }
        long[] macs = GraphSweeper.multiplyAdds(canonical, round, file, search.from().feed().oneRow(
                search.validation(), 0));
        GraphRows validation = search.validation();
        SweepReport.Judged original = search.judged(canonical, validation);
        EvolveReport.Judgements judged = new EvolveReport.Judgements(original,
                search.judged(search.meanFolded(best), validation), search.judged(round, validation),
                eval == null ? null : search.judged(canonical, eval), eval == null ? null : search.judged(round, eval));
        return new EvolveReport.Outcome(best.toString(), new EvolveReport.GraphOutcome(widths,
                search.parameters(canonical), search.parameters(round), macs[0], macs[1], judged));
    }
}
