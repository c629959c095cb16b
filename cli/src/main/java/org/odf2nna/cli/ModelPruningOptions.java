package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.Set;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.api.Inspection;
import org.odf2nna.report.SweepReport;
import org.odf2nna.report.SweepTables;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import picocli.CommandLine.Mixin;

/**
 * The options sweep and shrink both read, declared once: the data and device, retraining (a chain's and a graph's),
 * unit scores and compensation, int8, input clipping, the JSON report, and how a graph is fed.
 */
final class ModelPruningOptions {

    @Mixin
    ReportOption report;

    @Mixin
    DataOptions data;

    @Mixin
    AcceptChanceOption chance;

    @Mixin
    RetrainCliOptions retrain;

    @Mixin
    PruningCliOptions pruning;

    @Mixin
    QuantizeOption quantize;

    @Mixin
    ClipInputsOption clipInputs;

    @Mixin
    GraphInputOptions graphInputs;

    @Mixin
    LatencyOptions latency;

    @Mixin
    TfThreadsOption tfThreads;

    @Mixin
    GraphWidthOptions graphWidths;

    /**
     * Whether {@code model} is pruned by its graph's dense blocks (its dense chain has no hidden layer), after refusing
     * in one line any option given on {@code command}'s line that the model's kind does not read.
     */
    boolean prunesGraph(Subcommand command, Path model) {
        boolean graph = Inspection.prunesGraphBlocks(model, graphInputs.modelInputs());
        OptionScope.check(command.given(), model, graph);
        return graph;
    }

    /** How every CSV file of the run is read, --accept-chance included. */
    CsvReading csv() {
        return chance.applyTo(data.csv());
    }

    /**
     * sweep (and shrink --train) on an ONNX graph whose dense chain has no hidden layer: rounds over its dense blocks.
     * Exit 3 with one line when it has none, or when no round keeps the promise.
     *
     * @param before the outputs that existed before the run
     */
    int sweepGraph(Subcommand command, SweepFiles files, SweepSettings settings, Set<Path> before) {
        SweepReport result = FileWorkflows.sweepGraph(files, graphWidths.applyTo(settings.withLatency(
                latency.check()), files.output()), retrain.graphRetraining(), graphInputs.modelInputs(),
                graphInputs.decoding(), command.main.progress());
        command.main.out.print(SweepTables.sweep(result));
        if (result.output() != null) {
            command.printReplacedNote(before, Path.of(result.output()));
            printKerasBack(command, files.model(), result.output());
        }
        command.printWrote(files.report());
        return result.output() == null ? Main.NOTHING_QUALIFIED : Main.OK;
    }

    /**
     * A Keras file's pruned graph written as ONNX ({@code out}): the note naming the command that writes it back in the
     * Keras file's layout, which runs as printed; nothing for another input or output.
     */
    static void printKerasBack(Subcommand command, Path model, String out) {
        if (out.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")
                && Inspection.formatOf(model) == org.odf2nna.settings.ModelFormat.KERAS) {
            String back = model.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".h5") ? ".h5"
                    : ".keras";
            command.printNote("'odf2nna-onnx convert " + out + " -o " + out.substring(0, out.length() - 5) + back
                    + "' writes it back as " + back + " in " + model.getFileName() + "'s layout");
        }
    }
}
