package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.api.Messages;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.api.Inspection;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.GraphOneRound;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.ShrinkResult;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.ShrinkFiles;
import org.odf2nna.settings.ShrinkSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "shrink",
        description = {
            "Scores every hidden unit on the evaluation rows (by the standard deviation of its activation, or "
                    + "with --score impact by how much it moves the next layer), keeps the units scoring above ε, "
                    + "makes up for the removed ones in the next layer (a least-squares refit on the evaluation "
                    + "rows, or with --compensate mean the paper's mean folding), and writes a smaller ONNX model "
                    + "(checked in ONNX Runtime before it is moved into place). Prints the paper's table: "
                    + "parameters, reduction, and the metric of the original (OR) and pruned (PWR, with both "
                    + "compensations) model. With --train, each pruned network is retrained with TensorFlow Java "
                    + "(the paper's PR stage) before it is written.",
            "",
            "With --train and no --epsilon (ONNX output), shrink prunes as sweep does by default: rounds of "
                    + "progressive pruning steered on training rows, then judged once on the validation rows "
                    + "(--validation, or a share held out from --train), and writes the smallest round that holds, "
                    + "each judged at its part of one 5%%: over repeated runs, at most 5%% write a model that then "
                    + "loses more than --max-drop on a new set of as many rows like the validation rows; --eval rows "
                    + "only report. "
                    + "If none does, or the validation rows are too few to certify it, nothing is written and the "
                    + "exit code is 3. Give --epsilon for the paper's one-shot rule.",
            "",
            "On an ONNX graph whose parameters sit in dense blocks (an FFN, attention heads, a Mixer's MLPs), shrink "
                    + "without --train prunes one round as sweep's first (the same blocks, ranking and limits), "
                    + "refitted on the --eval rows and not retrained, and writes it; those rows chose the units, so "
                    + "the accuracy it prints on them only reports. With --train it runs the graph's rounds as sweep "
                    + "does.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  odf2nna-onnx shrink model.onnx --eval test.csv --epsilon 0.01,0.05,0.1 \\",
            "        --report report.json",
            "  odf2nna-onnx shrink model.onnx --eval test.csv --train train.csv \\",
            "        -o model.small.onnx"})
final class ShrinkCommand extends Subcommand {

    @Mixin
    SourceModelArgument model;

    @Option(names = "--eval", required = true, paramLabel = "CSV",
            description = "Evaluation rows (CSV with a header, optionally .gz): units are scored on them, least "
                    + "squares fits on them, and the metrics are computed on them. A file with exactly the model's "
                    + "inputs and no target is accepted (a few thousand unlabelled rows are enough); metrics are then "
                    + "left out.")
    Path eval;

    @Option(names = {"-e", "--epsilon"}, paramLabel = "E", split = ",", converter = EpsilonConverter.class,
            description = "Threshold(s) on the unit score (--score): units scoring > ε are kept; with std, ε is in "
                    + "the units of the activation, with impact in those of the next layer's pre-activation. "
                    + "One value or a comma-separated list, each giving one model (default: 0.05, or progressive "
                    + "pruning with --train).")
    List<Double> epsilons;

    @Mixin
    MaxDropOption maxDrop;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Output ONNX file (default: MODEL-NAME.small.onnx in the current folder), or SavedModel "
                    + "directory with --format savedmodel (default MODEL-NAME.small). With several ε, '.eps<E>' is "
                    + "inserted before '.onnx' (appended for SavedModels).")
    Path output;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "onnx",
            description = "onnx (default), savedmodel (a TensorFlow SavedModel directory with a clean inference "
                    + "graph and a serving_default signature) or keras (a .keras file: the input's own config and "
                    + "weight layout when it is a .keras file, else a new Keras 3 Sequential config). savedmodel and "
                    + "keras: models without an input prefix only.")
    String format;

    @Mixin
    ModelPruningOptions options;

    @Override
    public Integer call() {
        // Text files are cut into the model's token windows first: the task is then next-token.
        Path train = options.data.rows(options.retrain.train, model.path, main.err);
        Path validation = options.data.rows(options.retrain.validation, model.path, main.err);
        Path evalRows = options.data.rows(eval, model.path, main.err);
        boolean graph = options.prunesGraph(this, model.path);
        ModelFormat outputFormat = ModelFormat.parse(format);
        Quantize precision = options.quantize.precision();
        if (options.quantize.int8Ops != null) {
            throw InputException.usage("--int8-ops applies to sweep and convert; shrink writes the standard operators");
        }
        precision.checkFormat(outputFormat);
        // A Keras file with a backbone is pruned as a graph and written back as .keras by its name or --format keras.
        boolean kerasGraph = graph && Inspection.formatOf(model.path) == ModelFormat.KERAS
                && (outputFormat == ModelFormat.KERAS || Main.kerasFileName(output));
        if (outputFormat == ModelFormat.ONNX && !kerasGraph) {
            Main.refuseKerasName(output, "add --format keras to write a .keras file (one-shot ε pruning), or name it "
                    + ".onnx");
        }
        if (kerasGraph && output == null) {
            String name = model.path.getFileName().toString();
            int dot = name.lastIndexOf('.');
            // Written back in its own format: a legacy .h5 as .h5.
            boolean h5 = name.toLowerCase(java.util.Locale.ROOT).endsWith(".h5");
            output = Path.of((dot > 0 ? name.substring(0, dot) : name) + (h5 ? ".small.h5" : ".small.keras"));
        }
        ShrinkSettings.Builder asked = options.clipInputs.applyTo(maxDrop.applyTo(ShrinkSettings.builder()
                .epsilons(epsilons == null ? List.of() : epsilons).format(outputFormat).quantize(precision)
                .task(options.data.task()).device(options.data.device())));
        ShrinkSettings settings = Flags.built(() -> asked.retraining(options.retrain.settings())
                .pruning(options.pruning.options()).build());
        ShrinkFiles files = new ShrinkFiles(model.path, evalRows, train, validation,
                output, options.report.path, options.csv());
        checkRoute(graph, kerasGraph, outputFormat, settings, files);
        java.util.Set<Path> before = Main.existing(files.outputs(settings));
        // FileWorkflows.shrink takes the route itself: progressive rounds, a chain's ε or a graph's one round.
        ShrinkResult result = FileWorkflows.shrink(files, settings, settings.progressive(files)
                ? options.withGraphRounds(settings.sweep(), files.output())
                : options.graphWidths.applyTo(settings.sweep(), files.output()), options.graphInputs.modelInputs(),
                options.graphInputs.decoding(), main.progress());
        if (result.progressive() != null) {
            return progressive(result.progressive(), before);
        }
        if (result.graphRound() != null) {
            return once(result.graphRound(), before);
        }
        return epsilons(result.oneShot(), outputFormat, before);
    }

    /**
     * Refuses, before any work, what the route the model and the settings take does not read: a graph without blocks
     * (exit 3), a graph written in a chain's format, a timing option where nothing is timed, a retraining option
     * without --train.
     */
    private void checkRoute(boolean graph, boolean kerasGraph, ModelFormat outputFormat, ShrinkSettings settings,
            ShrinkFiles files) {
        if (graph) {
            if (Inspection.describeBlocks(model.path).blocks().isEmpty()) {
                throw InputException.uncertifiable(model.path, null, Messages.noBlocks(model.path));
            }
            if (outputFormat != ModelFormat.ONNX && !kerasGraph) {
                throw InputException.usage(model.path, "a graph's dense blocks are written as ONNX, or as .keras when "
                        + "the graph is a Keras file's (--format " + outputFormat.id() + " writes dense chains)");
            }
            if (!settings.progressive(files)) {
                // --epsilon itself was refused by OptionScope: this is shrink without --train, one round.
                OptionScope.checkUntimed(given(), model.path);
            }
            return;
        }
        if (settings.progressive(files)) {
            return;
        }
        if (options.retrain.train == null) {
            OptionScope.checkOneShot(given(), model.path);
        } else {
            // shrink --train at thresholds: each ε retrained and written, none timed.
            OptionScope.checkUntimed(given(), model.path);
        }
    }

    /** A dense chain pruned once at each ε: the paper's table and the files written. */
    private int epsilons(ShrinkReport result, ModelFormat outputFormat, java.util.Set<Path> before) {
        main.out.print(Main.withRecordedMetricWarning(ReportFormat.table(result),
                Messages.recordedMetricWarning(model.path, result.originalMetrics())));
        main.out.println();
        for (EpsilonOutcome o : result.outcomes()) {
            String runtime = outputFormat == ModelFormat.SAVEDMODEL ? "TensorFlow"
                    : outputFormat == ModelFormat.KERAS ? "the Keras reader" : "ONNX Runtime";
            main.out.println("wrote " + o.output() + " (ε=" + ReportFormat.number(o.epsilon()) + ", "
                    + o.network().parameters() + " parameters; loaded back in " + runtime + ", outputs within "
                    + ReportFormat.number(o.maxOutputDifference()) + " of the network's)"
                    + Main.replaced(before, o.output()));
        }
        printNote(Main.writtenFormatNote(model.path, outputFormat, in -> "--format " + in.id() + " writes "
                + (in == ModelFormat.KERAS ? "a .keras file" : in == ModelFormat.SAVEDMODEL ? "a SavedModel" : "ONNX")
                + " instead"));
        printWrote(options.report.path);
        return Main.OK;
    }

    /** shrink without --train on a graph: one round of the sweep's pruning on the --eval rows, refit only. */
    private int once(GraphOneRound r, java.util.Set<Path> before) {
        main.out.println("Model    " + model.path);
        main.out.println("Pruned   one round of " + ReportFormat.number(100 * r.share()) + "% of the block "
                + r.compute().counted() + " (" + r.removed() + " of " + r.blockParameters()
                + " block parameters removed), the units measured and refitted on " + eval
                + "; not retrained (--train and --validation give rounds retrained and judged, as sweep's)");
        main.out.println("Size     the whole model " + r.modelParameters() + " -> " + r.parametersAfter()
                + " parameters (" + ReportFormat.number(100.0 * r.removed() / r.modelParameters()) + "% fewer)");
        main.out.println("Compute  " + r.compute().line());
        GraphOneRound.Rows rows = r.rows();
        main.out.println("Rows     " + (Double.isNaN(rows.originalAccuracy()) ? "" : "original "
                + ReportFormat.percent(rows.originalAccuracy()) + ", pruned "
                + ReportFormat.percent(rows.prunedAccuracy()) + "; ") + rows.changed() + " of " + rows.count()
                + " predictions changed (the rows that chose the units: they report, nothing judged the round)");
        printReplacedNote(before, Path.of(r.output()));
        main.out.println("wrote " + r.output());
        printWrote(options.report.path);
        return Main.OK;
    }

    /** sweep's default on one output: the smallest model whose validation loss stays within --max-drop. */
    private int progressive(SweepReport result, java.util.Set<Path> before) {
        List<String> args = spec.root().commandLine().getParseResult().originalArgs();
        return SweepCommand.printOutcome(this, model.path, before, result, options.report.path,
                in -> "progressive pruning writes ONNX only (--format " + in.id() + " with --epsilon prunes once at that ε); "
                + (in == ModelFormat.KERAS && args.contains("shrink") && args.stream().noneMatch(a -> a.startsWith(
                        "--format")) ? Main.kerasSweepHint(model.path, result.output(), in, args.stream()
                        .map(a -> a.equals("shrink") ? "sweep" : a).toList()) : Main.convertHint(result.output(), in)));
    }
}
