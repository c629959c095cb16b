package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.odf2nna.InputException;
import org.odf2nna.api.ExportFiles;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.api.Messages;
import org.odf2nna.report.SweepTables;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sweep",
        description = {
            "Prunes a model in rounds and writes the smallest that keeps a promise: each round removes --share of "
                    + "the parameters (the units the least-squares refit best makes up for), refits and retrains "
                    + "towards the original, steered on training rows; the rounds are then judged once on the "
                    + "validation rows. By default (--promise population) they are tested in order, each at the "
                    + "whole 5%%, up to the first that fails, and the last that holds is written: over repeated runs, "
                    + "at most 5%% write a model whose accuracy on the data the validation rows come from is more "
                    + "than --max-drop below the original's (without labels: whose predictions differ from the "
                    + "original's on more than --max-drop percent of such data). --promise new-set speaks of a new "
                    + "set of as many rows instead, its 5%% shared by at most 5 rounds picked on training rows. With "
                    + "--eval, OR, PWR and PR are reported on those rows (they choose nothing), with a chart of "
                    + "metric against parameters. --paper (or --epsilon) runs the paper's grid of ε instead.",
            "",
            "Hugging Face rows (np.savez of a tokenizer's return_tensors='np' output and labels, or "
                    + "dataset.to_parquet): each input is fed from the array or column named after it, no flag needed.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  odf2nna-onnx sweep model.onnx --eval test.csv --train train.csv \\",
            "        --validation new.csv -o small.onnx",
            "  odf2nna-onnx sweep bert.onnx --train train.npz --validation validation.npz \\",
            "        --eval test.parquet -o bert.small.onnx"})
final class SweepCommand extends Subcommand {

    @Mixin
    ModelArgument model;

    @Option(names = "--eval", paramLabel = "CSV",
            description = "Test rows: OR, PWR and PR are measured on them, and they are never used to choose. "
                    + "Progressive rounds run without them (the table then has no report columns); the ε grid "
                    + "(--paper, --epsilon), --chart and --compare-scratch of a dense chain need them.")
    Path eval;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Where the chosen model goes (default: MODEL-NAME.chosen.onnx in the current folder).")
    Path output;

    @Option(names = "--also", paramLabel = "FILE",
            description = "Another file of the same export, written beside the output under its own name with the "
                    + "chosen model's weights (repeatable): a Hugging Face decoder's decoder_with_past_model.onnx or "
                    + "optimum's decoder_model_merged.onnx beside decoder_model.onnx. Each is checked to hold the "
                    + "model's weights before the sweep; weights are found by their values. Where one takes a "
                    + "key/value cache, the attention heads are kept (the cache's shape fixes them) and only the MLP "
                    + "units are pruned.")
    List<Path> also = List.of();

    @Mixin
    SweepCliOptions sweep;

    @Mixin
    ModelPruningOptions options;

    @Override
    public Integer call() {
        // Text files are cut into the model's token windows first: the task is then next-token.
        Path train = options.data.rows(options.retrain.train, model.path, main.err);
        Path validation = options.data.rows(options.retrain.validation, model.path, main.err);
        Path evalRows = options.data.rows(eval, model.path, main.err);
        // The option scope of the model's kind (FileWorkflows.sweep takes the same route itself).
        boolean graph = options.prunesGraph(this, model.path);
        Quantize precision = options.quantize.precision();
        if (output != null && output.getFileName() != null
                && output.getFileName().toString().toLowerCase(java.util.Locale.ROOT).matches(".*\\.(keras|h5)")) {
            precision.checkFormat(ModelFormat.KERAS);
        }
        boolean kerasOut = !graph && Main.kerasOutput(model.path, output);
        // A graph (a Keras file with a backbone among them) says itself whether it writes a Keras name.
        if (!kerasOut && !graph) {
            Main.refuseKerasName(output, Main.writesOnnxOnly("sweep"));
        }
        Path out = output == null ? SweepFiles.defaultOutput(model.path) : output;
        ExportFiles exportFiles = checkAlso(graph, out);
        // A Keras file reads every column: its sweep keeps the inputs (a Gather has no Keras layer).
        SweepSettings settings = Flags.built(() -> options.clipInputs.applyTo(sweep.settings().inputs(!kerasOut
                && !sweep.keepInputs)).retraining(options.retrain.required()).pruning(options.pruning.options())
                .quantize(precision).int8Operators(options.quantize.operators()).task(options.data.task())
                .device(options.data.device()).latency(options.latency.check()).build());
        if (kerasOut) {
            Main.checkKerasSweep(settings, output);
        }
        // A chain's chart plots the --eval metric: without those rows, the default chart is left out (one asked for
        // by --chart is refused by the library, in one line).
        Path chart = !graph && eval == null && sweep.chart == null ? null : sweep.chart(out);
        SweepFiles files = new SweepFiles(model.path, train, validation, evalRows, out,
                options.report.path, chart, options.csv());
        Set<Path> before = Main.existing(java.util.List.of(out));
        SweepReport result = FileWorkflows.sweep(files, options.withGraphRounds(settings, out),
                options.graphInputs.modelInputs(), options.graphInputs.decoding(), main.progress());
        int code = printOutcome(this, model.path, before, result, options.report.path,
                in -> Main.kerasSweepHint(model.path, result.output(), in, spec.root().commandLine().getParseResult()
                        .originalArgs()));
        if (exportFiles != null && code == Main.OK) {
            writeAlso(exportFiles, out, before);
        }
        return code;
    }

    /**
     * Writes the --also files beside {@code out}; where one cannot take the written weights, the main output goes too
     * (unless it was there before the run), so that the files of an export are written all or none.
     */
    private void writeAlso(ExportFiles exportFiles, Path out, Set<Path> before) {
        try {
            for (Path written : exportFiles.writeBeside(out)) {
                main.out.println("Wrote  " + written + " (" + out.getFileName() + "'s weights)");
            }
        } catch (InputException e) {
            if (before.contains(out)) {
                throw e;
            }
            try {
                java.nio.file.Files.deleteIfExists(out);
            } catch (java.io.IOException ignored) {
                // Said below as it stands: the message names the file either way.
            }
            throw new InputException(null, null, e.getMessage() + "; " + out + " removed with them: the files of an "
                    + "export are written all or none", e.kind(), e);
        }
    }

    /**
     * The --also files checked before any work (null without them); where one takes a key/value cache, the attention
     * blocks are kept ({@code --keep-block attention}), with a note saying so.
     */
    private ExportFiles checkAlso(boolean graph, Path out) {
        if (also.isEmpty()) {
            return null;
        }
        if (!graph || !out.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
            throw InputException.usage(model.path, "--also writes the other files of an ONNX graph's export beside "
                    + "an ONNX output; " + (graph ? "this sweep writes " + out.getFileName()
                    : "this model is swept as a dense chain"));
        }
        ExportFiles files = ExportFiles.check(model.path, also, out);
        List<Path> cache = files.withCache();
        if (!cache.isEmpty()) {
            sweep.keepBlocks = java.util.stream.Stream.concat(sweep.keepBlocks.stream(),
                    java.util.stream.Stream.of(ExportFiles.KEEP_ATTENTION)).toList();
            printNote("Note: attention heads kept (--keep-block " + ExportFiles.KEEP_ATTENTION + "): the cache "
                    + "shapes of " + cache.get(0).getFileName() + " ([batch, heads, past, head_dim]) fix them; MLP "
                    + "units pruned alone");
        }
        return files;
    }

    /**
     * What sweep, and shrink --train without --epsilon, print of a sweep, a chain's or a graph's: its table (a chain's
     * with any warning on the recorded metric), the notes on the chosen model's file and the report's; and the exit
     * code, {@link Main#NOTHING_QUALIFIED} where no model kept the promise (nothing written).
     *
     * @param before the outputs that existed before the run
     * @param whyOnnx a chain's: the end of the note that the model was written as ONNX, for the format {@code model}
     *                is in (a graph's written ONNX from a Keras file is said by the command that writes it back)
     */
    static int printOutcome(Subcommand command, Path model, Set<Path> before, SweepReport result, Path report,
            Function<ModelFormat, String> whyOnnx) {
        if (result.onGraph()) {
            command.main.out.print(SweepTables.sweep(result));
            if (result.output() != null) {
                command.printReplacedNote(before, Path.of(result.output()));
                ModelPruningOptions.printKerasBack(command, model, result.output());
            }
        } else {
            command.main.out.print(Main.withRecordedMetricWarning(SweepTables.sweep(result),
                    Messages.recordedMetricWarning(model, result.table().originalMetrics())));
            command.printReplacedNote(before, result.output());
            if (result.output() != null) {
                command.printNote(Main.writtenFormatNote(model, result.output().toLowerCase(java.util.Locale.ROOT)
                        .endsWith(".keras") ? ModelFormat.KERAS : ModelFormat.ONNX, whyOnnx));
            }
        }
        command.printWrote(report);
        return result.output() == null ? Main.NOTHING_QUALIFIED : Main.OK;
    }
}
