package org.odf2nna.cli;

import java.nio.file.Path;
import org.odf2nna.api.Inspection;
import org.odf2nna.settings.CsvReading;
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
     * in one line any option given on {@code command}'s line that the model's kind does not read. The workflows pick
     * their route themselves by the same test ({@code FileWorkflows.sweep}, {@code shrink}); the command line asks it
     * for the options it refuses and the output names it checks before any work.
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
     * {@code settings} with what only a graph's rounds read (the widths' multiple and the budget for {@code output},
     * the retraining after each round's refit) and the timing: a dense chain reads none of the graph's, and refuses
     * their options ({@link OptionScope}).
     */
    SweepSettings withGraphRounds(SweepSettings settings, Path output) {
        return graphWidths.applyTo(settings.withLatency(latency.check()), output)
                .withGraphRetraining(retrain.graphRetraining());
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
