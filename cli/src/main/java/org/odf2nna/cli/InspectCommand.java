package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.method.ModelFiles;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.settings.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Shows how the model is read: input, prefix, dense layers (units, activation, parameters), "
                + "head, the task inferred from it, and the operator types of the graph.",
            "", "Example: odf2nna-onnx inspect model.onnx", ""})
final class InspectCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model, Keras file (.keras or .h5) or TensorFlow SavedModel directory.")
    Path model;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    /**
     * One dense layer as inspect shows it: {@code node} is the ONNX node, or for a Keras file the Keras layer's own
     * name ({@code dense_6}).
     */
    record Layer(int layer, String node, int inputs, int units, String activation, long parameters, boolean hidden) {
    }

    /** The model as inspect shows it. */
    record Description(String model, String format, long irVersion, long opset, String producer, String input,
            String inputShape,
            String prefix, List<String> prefixOperators, String head, String task, int outputs, String architecture,
            long parameters, List<Layer> layers, Map<String, Integer> operators, List<String> batchNormsFolded) {
    }

    @Override
    public Integer call() {
        OnnxDenseModel read = ModelFiles.read(model);
        org.odf2nna.keras.KerasModel keras = ModelFiles.readKeras(model);
        Description d = describe(read, keras);
        if (json) {
            main.out.print(ReportFormat.json(d));
            return Main.OK;
        }
        StringBuilder s = new StringBuilder();
        s.append("Model       ").append(d.model()).append('\n');
        if (keras != null) {
            s.append("Format      ").append(keras.describe()).append(" (config read with Gson, weights with jhdf); "
                    + "Keras layers ").append(String.join(", ", keras.layerNames())).append('\n');
        } else if (d.format().equals("savedmodel")) {
            s.append("Format      TensorFlow SavedModel (read with TensorFlow Java, checked against its serving "
                    + "signature)\n");
        } else {
            s.append("Format      ONNX IR ").append(d.irVersion()).append(", opset ").append(d.opset());
            if (!d.producer().isEmpty()) {
                s.append(", producer ").append(d.producer());
            }
            s.append('\n');
        }
        s.append("Input       ").append(d.input()).append(' ').append(d.inputShape()).append('\n');
        s.append("Prefix      ").append(d.prefix());
        if (!d.prefixOperators().isEmpty()) {
            s.append(": ").append(summarise(d.prefixOperators())).append(" (kept as is)");
        }
        s.append('\n');
        s.append("Head        ").append(d.head()).append('\n');
        s.append("Task        ").append(d.task()).append(" (inferred; override with --task)\n");
        s.append("Dense chain ").append(d.architecture()).append(", ").append(d.parameters()).append(" parameters\n");
        if (keras != null) {
            s.append("BatchNorm   ").append(d.batchNormsFolded().isEmpty() ? "none"
                    : "folded into the dense weights: " + String.join(", ", d.batchNormsFolded())).append('\n');
        }
        s.append('\n');
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"layer", keras != null ? "Keras layer" : "node", "inputs", "units", "activation",
            "parameters", ""});
        for (Layer l : d.layers()) {
            rows.add(new String[] {Integer.toString(l.layer()), l.node(), Integer.toString(l.inputs()),
                Integer.toString(l.units()), l.activation(), Long.toString(l.parameters()),
                l.hidden() ? "hidden" : "output"});
        }
        StringBuilder table = new StringBuilder();
        for (String[] row : rows) {
            table.append(String.format("  %-5s  %-28s  %6s  %5s  %-22s  %10s  %s%n", (Object[]) row));
        }
        s.append(table);
        s.append("\nOperators   ");
        List<String> ops = new ArrayList<>();
        d.operators().forEach((k, v) -> ops.add(k + " ×" + v));
        s.append(String.join(", ", ops)).append('\n');
        if (read.network().hiddenLayerCount() == 0) {
            s.append("\nNote: no hidden layer, so there is nothing to prune.\n");
        }
        main.out.print(s);
        return Main.OK;
    }

    /** @param keras the Keras file {@code read} was converted from, or null */
    static Description describe(OnnxDenseModel read, org.odf2nna.keras.KerasModel keras) {
        ModelProto proto = read.model();
        DenseNetwork network = read.network();
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < network.layers().size(); l++) {
            DenseLayer layer = network.layer(l);
            layers.add(new Layer(l + 1, keras != null ? keras.layerNames().get(l) : read.layerNodes().get(l),
                    layer.inputs(), layer.units(),
                    layer.activation().kind() == org.odf2nna.network.Activation.Kind.IDENTITY ? "none"
                            : layer.activation().toString(), layer.parameterCount(), l < network.hiddenLayerCount()));
        }
        Task task = Task.infer(network.outputs(), network.head());
        String taskText = task == Task.CLASSIFICATION
                ? "classification (" + Task.classCount(network.outputs()) + " classes)" : "regression";
        String prefix;
        switch (network.prefix().kind()) {
            case NONE:
                prefix = "none";
                break;
            case PREPROCESSING:
                prefix = "preprocessing";
                break;
            default:
                prefix = "backbone";
                break;
        }
        String head = network.head() == OutputHead.NONE
                ? (task == Task.CLASSIFICATION ? "none (logits)" : "none (values)")
                : network.head().displayName();
        String format = ModelFiles.formatOf(read.source()).id();
        return new Description(read.source().toString(), format, proto.getIrVersion(), read.defaultOpset(),
                (proto.getProducerName() + " " + proto.getProducerVersion()).trim(), read.input().name(),
                read.input().describeShape(), prefix, network.prefix().operations(), head, taskText,
                network.outputs(), network.architecture(), network.parameterCount(), layers, read.operatorCounts(),
                keras == null ? List.of() : keras.folds().stream().map(org.odf2nna.keras.KerasModel.Fold::describe)
                        .toList());
    }

    private static String summarise(List<String> ops) {
        if (ops.size() <= 8) {
            return String.join(", ", ops);
        }
        return String.join(", ", ops.subList(0, 6)) + ", ... (" + ops.size() + " nodes)";
    }
}
