package org.odf2nna.method;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.metrics.Task;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Initialization;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.DenseChainWriter;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.prune.EpsilonGrid;
import org.odf2nna.prune.UnitScore;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.SweepChart;
import org.odf2nna.report.SweepReport;

/**
 * The trade-off across ε, and the model chosen from it.
 *
 * <p>Units are scored on the training rows; every ε's pruned network is retrained; and the model chosen
 * is the smallest whose retrained validation metric is within the allowed drop of the original's on the
 * same validation rows (held out from the training rows). The test rows only ever measure: OR, PWR, PR.
 */
public final class Sweeper {

    private Sweeper() {
    }

    public static SweepReport run(SweepOptions options, Progress progress) {
        OutputPaths.checkWritable(options.output(), options.model(), options.test().file(), options.retrain().train(),
                options.retrain().validation());
        if (options.report() != null) {
            OutputPaths.checkWritable(options.report(), options.model(), options.test().file(),
                    options.retrain().train(), options.retrain().validation());
        }
        OnnxDenseModel model = ModelFiles.read(options.model());
        DenseNetwork network = model.network();
        if (network.hiddenLayerCount() == 0) {
            throw new InputException(options.model(), "layer 1 (node '" + model.layerNodes().get(0) + "')",
                    "is the only dense layer: a network without hidden layers has no units to prune");
        }
        Task task = options.task() != null ? options.task() : Task.infer(network.outputs(), network.head());
        EvalData trainRows = new EvalData(options.retrain().train(), ColumnRequest.of(-1,
                options.test().columns().label(), ColumnRequest.Target.REQUIRED), options.test().batchSize())
                .forModel(model);

        Retrainer retrainer = Retrainer.prepare(model, options.retrain(), task, trainRows, options.device(), progress);
        ScanResult scores = ModelScan.scan(model, trainRows, null, options.device(), progress);
        List<Double> epsilons = options.epsilons();
        String grid;
        if (epsilons.isEmpty()) {
            UnitScore score = options.pruning().score();
            epsilons = EpsilonGrid.fromSpread(score.scores(scores.statistics(), network), options.steps());
            grid = "derived from the spread of the unit " + (score == UnitScore.STD ? "standard deviations"
                    : "impact scores") + " on the training rows (" + options.steps()
                    + " steps, each removing a different share of the units)";
        } else {
            grid = "given";
        }
        if (epsilons.isEmpty()) {
            throw new InputException(options.model(), null, "has no spread in its unit scores to derive ε values "
                    + "from; give them with --epsilon");
        }

        Path folder = options.output().toAbsolutePath().getParent();
        Path work;
        try {
            work = Files.createTempDirectory(folder, "." + options.output().getFileName() + ".sweep-");
        } catch (IOException e) {
            throw new InputException(options.output(), null, "cannot write beside it: " + e.getMessage(), e);
        }
        try {
            List<Path> outputs = new ArrayList<>();
            for (int e = 0; e < epsilons.size(); e++) {
                outputs.add(work.resolve("eps" + e + ".onnx"));
            }
            ShrinkOptions shrink = new ShrinkOptions(options.model(), options.test(), trainRows, epsilons, outputs,
                    null, task, options.device(), options.retrain(), ModelFormat.ONNX, options.pruning());
            // Least squares fits on the training part only: the validation rows that choose stay unseen.
            Shrinker.Prepared prepared = new Shrinker.Prepared(scores, retrainer, retrainer.fittingRows(),
                    "the training part of " + options.retrain().train() + " (the validation rows held out)",
                    retrainer.fittingRowCount());
            ShrinkReport table = Shrinker.run(shrink, progress, prepared);
            double original = table.retraining().originalValidationMetric();
            boolean accuracy = task == Task.CLASSIFICATION;
            Integer chosen = choose(table, original, options.maxDrop(), accuracy);
            String choice = explain(table, chosen, original, options.maxDrop(), accuracy);
            String written = null;
            SweepReport.Scratch scratch = null;
            if (chosen != null) {
                move(outputs.get(chosen), options.output());
                written = options.output().toString();
                if (options.compareScratch()) {
                    scratch = scratch(model, options, retrainer, task, progress);
                }
            }
            ShrinkReport relabelled = relabel(table, outputs, chosen, written);
            SweepReport report = new SweepReport(relabelled, grid, options.maxDrop(),
                    accuracy ? "accuracy points" : "% of MSE", original, chosen, choice, written, scratch, List.of());
            if (options.chart() != null) {
                List<String> charts = SweepChart.write(report, options.chart()).stream().map(Path::toString).toList();
                report = new SweepReport(relabelled, grid, options.maxDrop(), report.maxDropUnit(), original, chosen,
                        choice, written, scratch, charts);
            }
            if (options.report() != null) {
                AtomicFiles.writeString(options.report(), ReportFormat.json(report));
            }
            return report;
        } finally {
            deleteTree(work);
        }
    }

    /** The smallest model within the allowed drop; ties go to the better validation figure. */
    static Integer choose(ShrinkReport table, double original, double maxDrop, boolean accuracy) {
        Integer best = null;
        for (int i = 0; i < table.outcomes().size(); i++) {
            EpsilonOutcome o = table.outcomes().get(i);
            double v = o.training().validationAfter();
            boolean within = accuracy ? v >= original - maxDrop / 100 - 1e-12 : v <= original * (1 + maxDrop / 100);
            // A classifier must not have changed its predictions more than that either: accuracy on a small
            // validation set is coarse, the share of changed predictions is not (see Retrainer.changeFrom).
            // Regression needs no such guard: validation MSE is already a smooth figure, and two equally good
            // regressors differ by about twice their MSE, so the guard would refuse every retrained model.
            if (accuracy) {
                within &= o.training().changeFromOriginal() <= maxDrop / 100 + 1e-12;
            }
            if (!within) {
                continue;
            }
            if (best == null) {
                best = i;
                continue;
            }
            EpsilonOutcome b = table.outcomes().get(best);
            long p = o.network().parameters();
            long bp = b.network().parameters();
            double bv = b.training().validationAfter();
            if (p < bp || (p == bp && (accuracy ? v > bv : v < bv))) {
                best = i;
            }
        }
        return best;
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
                    + ReportFormat.number(maxDrop) + "% of the training rows" : "") + "; nothing was written (allow "
                    + "more with --max-drop, or retrain longer)";
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

    /** The chosen topology from Glorot-initialised weights, trained with the retraining's own budget. */
    private static SweepReport.Scratch scratch(OnnxDenseModel model, SweepOptions options, Retrainer retrainer,
            Task task, Progress progress) {
        DenseNetwork chosen = DenseChainReader.read(options.output()).network();
        DenseNetwork initial = withActivations(Initialization.glorotUniform(chosen.widths(),
                chosen.layer(0).activation(), chosen.head(), options.retrain().seed()), chosen);
        // Glorot's weights are drawn for the standardised coordinates the trainer works in, as for build.
        Retrainer.Outcome trained = retrainer.retrain(retrainer.fromTrainingCoordinates(initial), "from scratch",
                progress);
        ModelProto written = DenseChainWriter.write(model, trained.network());
        EvalData test = options.test().forModel(model);
        Metrics metrics = ModelScan.evaluate(written, model.input(), trained.network(), test, task,
                options.device(), progress, options.output(), model.outputName());
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
            try {
                Files.move(verified, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(verified, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new InputException(target, null, "cannot write: " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A hidden leftover folder beside the output is all that can remain.
        }
    }
}
