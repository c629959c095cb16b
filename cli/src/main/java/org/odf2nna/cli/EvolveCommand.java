package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.api.Messages;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.api.Inspection;
import org.odf2nna.report.EvolveReport;
import org.odf2nna.report.GraphTables;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.settings.EvolveFiles;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.GaSettings;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.RetrainSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "evolve",
        description = {
            "EvoPruneDeepTL: a steady-state genetic algorithm searches which hidden units (or, with "
                    + "--select-features, which input features) to keep. A mask is judged by the validation metric "
                    + "of the network it leaves, each dropped unit's mean output folded into the next layer, on "
                    + "training rows held out for validation. The best mask becomes a physically smaller network "
                    + "(least-squares refit of the next layer, or --compensate mean), which is retrained with TensorFlow Java and written as an ONNX model checked in ONNX Runtime. "
                    + "The evaluation rows only give the OR, PWR and PR figures; nothing is chosen on them.",
            "",
            "On a graph (an ONNX CNN or transformer, a Keras file with a backbone) the units of every block "
                    + "(channels, heads, a residual stream's channels) are searched at once, each mask judged on the "
                    + "--validation rows by the accuracy of the graph it leaves (means folded, run in ONNX Runtime); "
                    + "the best mask is refitted towards the original and retrained end to end as a sweep's round "
                    + "(--graph-* options), and written as ONNX, or as .keras/.h5 in a Keras input's layout.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  odf2nna-onnx evolve model.onnx --eval test.csv --train train.csv",
            "  odf2nna-onnx evolve cnn.keras --train train.npz --validation val.npz \\",
            "        -o small.keras"})
final class EvolveCommand extends Subcommand {

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "ONNX model, Keras file (.keras or .h5) or TensorFlow SavedModel directory (never modified); "
                    + "the output is ONNX (a graph from a Keras file: also .keras or .h5).")
    Path model;

    @Option(names = "--eval", paramLabel = "CSV",
            description = "Test rows (CSV with a header, optionally .gz): the original (OR), pruned (PWR) and "
                    + "retrained (PR) models are measured on them. Without a target column the metrics are left out. "
                    + "Needed for a dense chain; on a graph, optional: the original and the written model measured.")
    Path eval;

    @Option(names = "--layers", paramLabel = "L", split = ",",
            description = "Hidden layers whose units are searched, numbered from 1 at the input (default: all "
                    + "hidden layers).")
    List<Integer> layers;

    @Option(names = "--select-features",
            description = "Search the model's input features instead of units (feature selection): the written "
                    + "model takes fewer inputs and records the kept CSV column names, by which eval and shrink "
                    + "then read CSV files. Needs a model whose first dense layer reads the graph input.")
    boolean selectFeatures;

    @Option(names = "--population", paramLabel = "N", defaultValue = "" + GaSettings.DEFAULT_POPULATION,
            description = "Individuals of the genetic algorithm (default: ${DEFAULT-VALUE}).")
    int population;

    @Option(names = "--evaluations", paramLabel = "N",
            description = "Fitness evaluations, the initial population included; masks seen before are not "
                    + "evaluated again (default: " + GaSettings.DEFAULT_EVALUATIONS + ", or "
                    + GaSettings.DEFAULT_EVALUATIONS_SEVERAL_LAYERS + " when several layers (or several blocks of a "
                    + "graph) are searched).")
    Integer evaluations;

    @Option(names = "--mutation", paramLabel = "P", defaultValue = "" + GaSettings.DEFAULT_MUTATION,
            description = "Chance that a child has one bit flipped (default: ${DEFAULT-VALUE}).")
    double mutation;

    @Option(names = "--fitness-epochs", paramLabel = "N", defaultValue = "0",
            description = "Epochs of training before each fitness measurement; 0 measures the masked network with "
                    + "mean folding only, which is fast and runs on all cores (default: ${DEFAULT-VALUE}).")
    int fitnessEpochs;

    @Option(names = "--threads", paramLabel = "N",
            description = "Fitness evaluations run at once (default: the number of cores). The result does not "
                    + "depend on it.")
    Integer threads;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Output ONNX file, or .keras/.h5 for a graph read from a Keras file (default: "
                    + "MODEL-NAME.evolved.onnx in the current folder).")
    Path output;

    @Mixin
    TfThreadsOption tfThreads;

    @Mixin
    ReportOption report;

    @Mixin
    CompensationCliOptions compensation;

    @Mixin
    DataOptions data;

    @Mixin
    AcceptChanceOption chance;

    @Mixin
    RetrainCliOptions retrain;

    /** Whether {@code model} is a graph with blocks; a model that cannot be read is left to evolve's own reading. */
    private static boolean isGraph(Path model) {
        try {
            return Inspection.prunesGraphBlocks(model);
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public Integer call() {
        boolean graph = isGraph(model);
        OptionScope.check(given(), model, graph);
        if (!graph && chance.acceptChance) {
            throw InputException.usage(model, "--accept-chance applies to evolve on a graph, which refuses validation "
                    + "rows its original is at chance on; evolve on a dense chain does not check them");
        }
        RetrainSettings retrainSettings = retrain.settings();
        if (retrainSettings == null) {
            throw InputException.usage("evolve needs --train CSV: fitness is measured on part of the training rows, "
                    + "and the best network is retrained on them");
        }
        // Text files are cut into the model's token windows first: the task is then next-token.
        Path train = data.rows(retrain.train, model, main.err);
        Path validation = data.rows(retrain.validation, model, main.err);
        Path evalRows = data.rows(eval, model, main.err);
        EvolveSettings.Builder asked = EvolveSettings.builder().layers(layers == null ? List.of() : layers)
                .selectFeatures(selectFeatures).population(population).evaluations(evaluations).mutation(mutation)
                .fitnessEpochs(fitnessEpochs).retraining(retrainSettings).task(data.task()).device(data.device())
                .compensation(compensation.compensation()).ridge(compensation.ridge());
        if (threads != null) {
            asked.threads(threads);
        }
        EvolveSettings settings = Flags.built(asked::build);
        Path out = output != null ? output : EvolveFiles.defaultOutput(model);
        EvolveFiles files = new EvolveFiles(model, train, validation, evalRows, out, report.path,
                chance.applyTo(data.csv()));
        java.util.Set<Path> before = Main.existing(List.of(out));
        if (!graph) {
            Main.refuseKerasName(output, Main.writesOnnxOnly("evolve"));
        }
        // One entry for both kinds: the library picks the search as isGraph did (a chain does not read the retraining).
        GraphRetraining graphRetraining = graph ? retrain.graphRetraining() : GraphRetraining.DEFAULT;
        EvolveReport result = FileWorkflows.evolve(files, settings, graphRetraining, main.progress());
        if (result.graphRun() != null) {
            printGraph(result, before);
        } else {
            printChain(result, before);
        }
        printWrote(report.path);
        return Main.OK;
    }

    /** evolve on a dense chain: the table, the written model, a note for a model read from another format. */
    private void printChain(EvolveReport result, java.util.Set<Path> before) {
        main.out.print(Main.withRecordedMetricWarning(ReportFormat.table(result),
                Messages.recordedMetricWarning(model, result.originalMetrics())));
        main.out.println();
        EvolveReport.Outcome o = result.outcome();
        main.out.println("wrote " + o.output() + " (" + o.kept().network().parameters() + " parameters; loaded back in "
                + "ONNX "
                + "Runtime, outputs within " + ReportFormat.number(o.maxOutputDifference()) + " of the network's)"
                + Main.replaced(before, o.output()));
        printNote(Main.writtenFormatNote(model, org.odf2nna.settings.ModelFormat.ONNX,
                in -> "evolve writes ONNX only; " + Main.convertHint(o.output(), in)));
    }

    /** evolve on a graph's blocks: the table, the replaced-file note, the Keras note. */
    private void printGraph(EvolveReport result, java.util.Set<Path> before) {
        main.out.print(GraphTables.evolve(result));
        String output = result.graphRun().output();
        printReplacedNote(before, Path.of(output));
        ModelPruningOptions.printKerasBack(this, model, output);
    }
}
