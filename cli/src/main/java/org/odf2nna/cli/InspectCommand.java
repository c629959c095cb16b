package org.odf2nna.cli;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.api.Cleaning;
import org.odf2nna.api.Messages;
import org.odf2nna.api.Inspection;
import org.odf2nna.report.GraphBlocks;
import org.odf2nna.report.GraphTables;
import org.odf2nna.report.ModelDescription;
import org.odf2nna.report.ReportFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "inspect",
        description = {"Shows how the model is read: input, prefix, dense layers (units, activation, parameters), "
                + "head, the task inferred from it, and the operator types of the graph; for an ONNX graph, the "
                + "blocks sweep prunes (FFNs, heads, streams: the same search as sweep's first round, its attentions "
                + "traced on made-up rows fed as --input and --input-shape say) and why each other layer is in none. "
                + "Exits 3 where there is nothing to prune (no hidden layer and no block), as every command does.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  odf2nna-onnx inspect model.onnx",
            "  odf2nna-onnx inspect model.keras --json"})
final class InspectCommand extends Subcommand {

    @Mixin
    ModelArgument model;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Mixin
    GraphFeedOptions graphInputs;

    @Override
    public Integer call() {
        GraphBlocks blocks = Inspection.describeBlocks(model.path, graphInputs.modelInputs());
        ModelDescription d;
        try {
            d = Inspection.describe(model.path);
        } catch (InputException e) {
            if (blocks == null || e.malformed()) {
                // A model whose shapes contradict each other is refused as it is, whatever blocks it may also have.
                throw e;
            }
            String int8 = blocks.blocks().isEmpty() ? Messages.int8NotPruned(model.path) : null;
            if (int8 != null) {
                // An int8 file on integer kernels (this tool's static form, a quantized graph): read, and said why
                // nothing in it is pruned.
                main.out.print(json ? int8Json(int8) : "Model       " + model.path + "\nInt8        " + int8 + "\n");
                return Main.OK;
            }
            if (blocks.blocks().isEmpty()) {
                // Neither: one line naming what was looked for, and the node that stopped the chain.
                throw new InputException(model.path, null, Messages.noBlocks(model.path),
                        e.kind() == InputException.Kind.USAGE ? e.kind() : InputException.Kind.UNCERTIFIABLE, e);
            }
            // No dense chain at the end, but dense blocks inside: those are what the tool prunes.
            List<String> cleaned = Cleaning.of(model.path);
            main.out.print(json ? GraphTables.json(blocks, cleaned) : "Model       " + model.path + "\n"
                    + cleanedLines(cleaned) + passesLine() + GraphTables.blocks(blocks));
            return Main.OK;
        }
        // Nothing to prune (no hidden layer, no block): described, and exit 3, as sweep, shrink, run and evolve exit.
        int code = d.nothingToPrune() && (blocks == null || blocks.blocks().isEmpty()) ? Main.NOTHING_QUALIFIED
                : Main.OK;
        if (json) {
            main.out.print(blocks == null ? ReportFormat.json(d) : GraphTables.json(d, blocks));
        } else {
            main.out.print(text(d, blocks));
        }
        main.out.flush();
        return code;
    }

    /** The model as text: its summary, its layer table, its operators, the graph's blocks and the notes. */
    private static String text(ModelDescription d, GraphBlocks blocks) {
        StringBuilder s = new StringBuilder();
        s.append(summary(d)).append('\n');
        s.append(layerTable(d));
        s.append("\nOperators   ");
        List<String> ops = new ArrayList<>();
        d.operators().forEach((k, v) -> ops.add(k + " ×" + v));
        s.append(String.join(", ", ops)).append('\n');
        s.append(passesLine());
        if (blocks != null) {
            s.append('\n').append(GraphTables.blocks(blocks));
        }
        if (!d.nothingToPrune() && blocks != null && !blocks.blocks().isEmpty()) {
            s.append("\nNote: sweep and shrink prune the dense chain; dense blocks elsewhere in the graph are pruned "
                    + "when the chain has no hidden layer.\n");
        }
        if (d.nothingToPrune()) {
            s.append(blocks != null && !blocks.blocks().isEmpty()
                    ? "\nNote: the dense chain has no hidden layer; sweep and shrink prune the dense blocks above.\n"
                    : "\nNote: no hidden layer, so there is nothing to prune.\n");
        }
        return s.toString();
    }

    /** The lines before the layer table: model, format, cleaning, input, prefix, head, task, chain, BatchNorm. */
    private static String summary(ModelDescription d) {
        StringBuilder s = new StringBuilder();
        s.append("Model       ").append(d.model()).append('\n');
        s.append("Format      ").append(format(d)).append('\n');
        s.append(cleanedLines(d.cleaned()));
        s.append("Input       ").append(d.front().input()).append(' ').append(d.front().inputShape()).append('\n');
        s.append("Prefix      ").append(d.front().prefix());
        if (!d.front().prefixOperators().isEmpty()) {
            s.append(": ").append(summarise(d.front().prefixOperators())).append(" (kept as is)");
        }
        s.append('\n');
        s.append("Head        ").append(d.chain().head()).append('\n');
        s.append("Task        ").append(d.chain().task()).append(" (inferred; override with --task)\n");
        s.append("Dense chain ").append(d.chain().architecture()).append(", ").append(d.chain().parameters())
                .append(" parameters\n");
        if (d.fromKeras()) {
            // The chain reader's folds, else the cleaning's (a backbone's BatchNormalizations folded into its
            // convolutions, which the Cleaned line counts): never "none" beside "52 BatchNormalizations folded".
            boolean cleaned = d.cleaned().stream().anyMatch(c -> c.contains("BatchNormalization"));
            s.append("BatchNorm   ").append(!d.keras().batchNormsFolded().isEmpty() ? "folded into the dense weights: "
                    + String.join(", ", d.keras().batchNormsFolded()) : cleaned ? "folded into the layers before them "
                    + "(the Cleaned line above)" : "none").append('\n');
        }
        return s.toString();
    }

    /** The model's format as the Format line says it. */
    private static String format(ModelDescription d) {
        if (d.fromKeras()) {
            return d.keras().kerasFile() + " (config read with Gson, weights with jhdf); Keras layers "
                    + String.join(", ", d.chain().layers().stream().map(ModelDescription.Layer::node).toList());
        }
        if (d.format().equals("savedmodel")) {
            return "TensorFlow SavedModel (read with TensorFlow Java, checked against its serving signature)";
        }
        return "ONNX IR " + d.graph().irVersion() + ", opset " + d.graph().opset()
                + (d.graph().producer().isEmpty() ? "" : ", producer " + d.graph().producer());
    }

    /** The dense chain's layers, one row each. */
    private static String layerTable(ModelDescription d) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"layer", d.fromKeras() ? "Keras layer" : "node", "inputs", "units", "activation",
            "parameters", ""});
        for (ModelDescription.Layer l : d.chain().layers()) {
            rows.add(new String[] {Integer.toString(l.layer()), l.node(), Integer.toString(l.inputs()),
                Integer.toString(l.units()), l.activation(), Long.toString(l.parameters()),
                l.hidden() ? "hidden" : "output"});
        }
        StringBuilder table = new StringBuilder();
        for (String[] row : rows) {
            table.append(String.format("  %-5s  %-28s  %6s  %5s  %-22s  %10s  %s%n", (Object[]) row));
        }
        return table.toString();
    }

    /** The cleaning passes every read goes through, in order, those turned off with --no-clean said so. */
    private static String passesLine() {
        List<String> off = Cleaning.off();
        List<String> names = Cleaning.passes().stream()
                .map(p -> off.contains(p.name()) ? p.name() + " (off)" : p.name()).toList();
        return "Cleaning    passes " + String.join(", ", names) + " (--no-clean PASS turns one off)\n";
    }

    /** What the cleaning pass did, one line per pass that changed something; nothing when it changed nothing. */
    private static String cleanedLines(List<String> cleaned) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < cleaned.size(); k++) {
            s.append(k == 0 ? "Cleaned     " : "            ").append(cleaned.get(k)).append('\n');
        }
        return s.toString();
    }

    private static String summarise(List<String> ops) {
        if (ops.size() <= 8) {
            return String.join(", ", ops);
        }
        return String.join(", ", ops.subList(0, 6)) + ", ... (" + ops.size() + " nodes)";
    }

    private String int8Json(String int8) {
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        o.addProperty("model", model.path.toString());
        o.addProperty("int8NotPruned", Flags.render(int8));
        return new com.google.gson.GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o) + "\n";
    }
}
