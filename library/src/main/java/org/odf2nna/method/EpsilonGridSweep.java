package org.odf2nna.method;

import static org.odf2nna.method.Sweeper.choose;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.method.Sweeper.Sweep;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Initialization;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.DenseChainWriter;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.InputSelection;
import org.odf2nna.prune.EpsilonGrid;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.SweepChart;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;
import org.odf2nna.settings.UnitScore;

/**
 * The ε-grid schedule of a chain sweep ({@link Sweeper}): every ε's network pruned, retrained and written into a work
 * folder, the smallest within the allowed drop chosen and moved to the output, the report and chart written; and a
 * network of the chosen shape trained from scratch to compare with. Its own room because the progressive schedule,
 * the default, shares none of the grid's steps.
 */
final class EpsilonGridSweep {

    private EpsilonGridSweep() {
    }

    /**
     * The ε grid: every ε's network pruned, retrained and written into a work folder; the chosen one moved to the
     * output, the report and chart written.
     */
    static SweepReport epsilonGrid(Sweep options, OnnxDenseModel model, EvalData trainRows,
            Retrainer retrainer, ScanResult scores, Progress progress) {
        SweepFiles files = options.files();
        SweepSettings settings = options.settings();
        Task task = options.resolvedTask();
        Grid thresholds = thresholds(options, scores, model.network());
        List<Double> epsilons = thresholds.epsilons();
        Path work = workFolder(options);
        try {
            List<Path> outputs = new ArrayList<>();
            for (int e = 0; e < epsilons.size(); e++) {
                outputs.add(work.resolve("eps" + e + ".onnx"));
            }
            // Scored on the training rows, written as float ONNX into the work folder, with no report of its own.
            ShrinkOptions shrink = new ShrinkOptions(files.model(), options.test(), trainRows, epsilons, outputs, null,
                    task, settings.device(), options.retrain(), ModelFormat.ONNX, settings.pruning(), Quantize.NONE);
            // Least squares fits on the training part only: the validation rows that choose stay unseen.
            Shrinker.Prepared prepared = new Shrinker.Prepared(scores, retrainer, retrainer.fittingRows(),
                    "the training part of " + options.retrain().train() + " (the validation rows held out)",
                    retrainer.fittingRowCount());
            ShrinkReport table = Shrinker.run(shrink, progress, prepared);
            double original = table.retraining().originalValidationMetric();
            ValidationLeakCheck.noteAboveReport(retrainer, model.network(), files.validation(), table.originalMetrics(),
                    files.test(), progress);
            boolean accuracy = task == Task.CLASSIFICATION;
            Integer chosen = choose(table, original, options.maxDrop(), accuracy);
            String choice = explain(table, chosen, original, options.maxDrop(), accuracy);
            String written = null;
            SweepReport.Scratch scratch = null;
            if (chosen != null) {
                move(outputs.get(chosen), files.output());
                written = files.output().toString();
                if (settings.compareScratch()) {
                    scratch = scratch(model, options, retrainer, task, progress, null);
                }
            }
            ShrinkReport relabelled = relabel(table, outputs, chosen, written);
            SweepReport report = new SweepReport(relabelled, thresholds.description(), new SweepReport.Decision(
                    options.maxDrop(), accuracy ? "accuracy points" : "% of MSE", original, chosen, choice), written,
                    scratch, List.of(), null);
            return writeReportFiles(report, files);
        } finally {
            AtomicFiles.release(work);
            retrainer.release();
        }
    }

    /** The ε grid's chart and JSON report, where named: the report as returned, its charts listed. */
    private static SweepReport writeReportFiles(SweepReport report, SweepFiles files) {
        if (files.chart() != null) {
            List<String> charts = SweepChart.write(report, files.chart()).stream().map(Path::toString).toList();
            report = report.withCharts(charts);
        }
        if (files.report() != null) {
            AtomicFiles.writeString(files.report(), ReportFormat.json(report));
        }
        return report;
    }

    /** The ε values the sweep tries, and how they were come by (the report's words). */
    private record Grid(List<Double> epsilons, String description) {
    }

    /** The ε values given, or derived from the spread of the unit scores on the training rows. */
    private static Grid thresholds(Sweep options, ScanResult scores, DenseNetwork network) {
        List<Double> epsilons = options.settings().epsilons();
        String grid;
        if (epsilons.isEmpty()) {
            UnitScore score = options.settings().pruning().score();
            epsilons = EpsilonGrid.fromSpread(scores.statistics().scores(score, network), options.settings().steps());
            grid = "derived from the spread of the unit " + (score == UnitScore.STD ? "standard deviations"
                    : "impact scores") + " on the training rows (" + options.settings().steps()
                    + " steps, each removing a different share of the units)";
        } else {
            grid = "given";
        }
        if (epsilons.isEmpty()) {
            throw new InputException(options.files().model(), null, "has no spread in its unit scores to derive ε "
                    + "values from; give them with {{EPSILON}}");
        }
        return new Grid(epsilons, grid);
    }

    /** A hidden folder beside the output, where every ε's model is written before one is chosen. */
    private static Path workFolder(Sweep options) {
        Path folder = options.files().output().toAbsolutePath().getParent();
        try {
            return AtomicFiles.temporaryFolder(options.files().output(), () -> Files.createTempDirectory(folder,
                    "." + options.files().output().getFileName() + ".sweep-"));
        } catch (IOException e) {
            throw new InputException(options.files().output(), null, "cannot write beside it: " + e.getMessage(), e);
        }
    }

    private static String explain(ShrinkReport table, Integer chosen, double original, double maxDrop,
            boolean accuracy) {
        String reference = accuracy
                ? String.format(Locale.ROOT, "validation accuracy at least %s (the original's %s minus %s points)",
                        ReportFormat.percent(original - maxDrop / 100), ReportFormat.percent(original),
                        ReportFormat.number(maxDrop))
                : String.format(Locale.ROOT, "validation MSE at most %s (the original's %s plus %s%%)",
                        ReportFormat.number(original * (1 + maxDrop / 100)), ReportFormat.number(original),
                        ReportFormat.number(maxDrop));
        if (chosen == null) {
            return "no pruned model reached " + reference + (accuracy ? " while changing the class of at most "
                    + ReportFormat.number(maxDrop) + "% of the training rows" : "") + "; no pruned model was written (allow "
                    + "more with {{MAX_DROP}}, or retrain longer)";
        }
        EpsilonOutcome o = table.outcomes().get(chosen);
        double v = o.training().validationAfter();
        String change = accuracy
                ? ReportFormat.percent(o.training().changeFromOriginal()) + " of the training rows change class"
                : "its predictions moved by " + ReportFormat.percent(o.training().changeFromOriginal())
                        + " of the original's MSE";
        if (!accuracy) {
            return String.format(Locale.ROOT, "ε=%s: the smallest model (%d parameters, %.1f%% fewer) with %s; its "
                    + "validation MSE is %s", ReportFormat.number(o.epsilon()), o.network().parameters(),
                    o.reductionPercent(), reference, ReportFormat.number(v));
        }
        return String.format(Locale.ROOT, "ε=%s: the smallest model (%d parameters, %.1f%% fewer) with %s and at most "
                + "%s%% of the training rows changing class; its validation accuracy is %s and %s",
                ReportFormat.number(o.epsilon()), o.network().parameters(), o.reductionPercent(), reference,
                ReportFormat.number(maxDrop), ReportFormat.percent(v), change);
    }

    /**
     * The chosen topology from Glorot-initialised weights, trained with the retraining's own budget.
     *
     * @param inputs the original's inputs the chosen network reads (a progressive round may drop some), or null: all
     */
    static SweepReport.Scratch scratch(OnnxDenseModel model, Sweep options, Retrainer retrainer,
            Task task, Progress progress, int[] inputs) {
        DenseNetwork chosen = DenseChainReader.read(options.files().output()).network();
        boolean selected = inputs != null && inputs.length < model.network().inputs();
        if (selected && chosen.inputs() != inputs.length) {
            throw new IllegalStateException("the chosen network reads " + chosen.inputs() + " inputs, its round "
                    + inputs.length);
        }
        // A network that reads fewer inputs trains on those columns only.
        Retrainer training = selected ? retrainer.keepInputs(inputs) : retrainer;
        DenseNetwork initial = withActivations(Initialization.glorotUniform(chosen.widths(),
                chosen.layer(0).activation(), chosen.head(), options.settings().retraining().seed()), chosen);
        // Glorot's weights are drawn for the standardised coordinates the trainer works in, as for build.
        Retrainer.Outcome trained = training.retrain(training.fromTrainingCoordinates(initial), "from scratch",
                progress);
        ModelProto written = selected ? InputSelection.write(model, trained.network(), inputs)
                : DenseChainWriter.write(model, trained.network());
        EvalData test = options.test().forModel(model);
        Metrics metrics = ModelScan.evaluate(new ModelScan.Evaluated(written, model.input(), trained.network(),
                options.files().output(), model.outputName()), test, task, options.settings().device(), progress);
        return new SweepReport.Scratch(trained.network().architecture(), trained.network().parameterCount(), metrics,
                trained.summary());
    }

    /** Each layer keeps the chosen network's own activation (they may differ from layer to layer). */
    private static DenseNetwork withActivations(DenseNetwork initial, DenseNetwork like) {
        List<DenseLayer> layers = new ArrayList<>();
        for (int l = 0; l < initial.layers().size(); l++) {
            DenseLayer a = initial.layer(l);
            layers.add(new DenseLayer(a.inputs(), a.units(), a.weights(), a.bias(), like.layer(l).activation()));
        }
        return new DenseNetwork(like.prefix(), layers, like.head());
    }

    /** Outcomes name their files: the chosen one its final path, the others none (they are not kept). */
    private static ShrinkReport relabel(ShrinkReport table, List<Path> outputs, Integer chosen, String written) {
        List<EpsilonOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < table.outcomes().size(); i++) {
            outcomes.add(table.outcomes().get(i).withOutput(chosen != null && chosen == i ? written : null));
        }
        return table.withOutcomes(outcomes);
    }

    private static void move(Path verified, Path target) {
        try {
            org.odf2nna.io.AtomicFiles.move(verified, target);
        } catch (IOException e) {
            throw new InputException(target, null, "cannot write: " + e.getMessage(), e);
        }
    }
}
