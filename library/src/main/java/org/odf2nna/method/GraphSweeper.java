package org.odf2nna.method;

import java.io.IOException;
import java.nio.file.Path;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.Setting;
import org.odf2nna.graph.BlockFinder;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.graph.GraphSweep;
import org.odf2nna.graph.RoundForm;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.GraphBlocks;
import org.odf2nna.report.GraphSweepReport;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;

/**
 * {@code sweep} (and {@code shrink} with training rows) on an ONNX graph whose dense chain has no hidden layer: the
 * rounds run over the graph's dense blocks ({@link GraphSweep}) with the files and settings of the dense-chain sweep,
 * and the chosen model is written as ONNX, verified by running it.
 */
public final class GraphSweeper {

    private GraphSweeper() {
    }

    /**
     * Whether {@code model} is pruned through its dense blocks: an ONNX file whose dense chain at the end has no hidden
     * layer (or no chain is found), so the chain's own pipeline has nothing to prune.
     */
    public static boolean appliesTo(Path model) {
        if (ModelFiles.formatOf(model) != ModelFormat.ONNX) {
            return false;
        }
        ModelProto proto = OnnxModelFile.read(model);
        try {
            if (DenseChainReader.read(proto, model).network().layers().size() >= 2) {
                return false;
            }
        } catch (InputException e) {
            // No dense chain at the end: the graph's blocks are all there is. A graph without any that ONNX Runtime
            // runs is said to have none (exit 3); one it cannot run keeps the chain reader's message, which names
            // the node or the initializer at fault.
            try {
                if (!BlockFinder.find(proto, model).isEmpty()) {
                    return true;
                }
                try (org.odf2nna.onnx.OnnxRunner runs = org.odf2nna.onnx.OnnxRunner.open(proto,
                        GraphRows.dataInput(proto, model), org.odf2nna.Device.CPU, model)) {
                    return true;
                }
            } catch (RuntimeException unreadable) {
                throw e;
            }
        }
        // One dense layer at the end: blocks inside are pruned; without any, the chain's own message stands.
        return !BlockFinder.find(proto, model).isEmpty();
    }

    /**
     * Why the dense chain reader refuses {@code model} (its one line, without the file), or null when it reads a chain:
     * said beside "no dense blocks" so that a graph with neither learns what kept its layers from being a chain.
     */
    public static String chainRefusal(Path model) {
        try {
            DenseChainReader.read(OnnxModelFile.read(model), model);
            return null;
        } catch (InputException e) {
            return e.getMessage();
        }
    }

    /** The message for a graph with no dense blocks and no dense chain with a hidden layer. */
    public static String noBlocks(Path model) {
        String chain = chainRefusal(model);
        return "has no dense blocks (a MatMul, Gemm or 1x1 Conv, an activation, a second such layer) and its dense "
                + "chain no hidden layer" + (chain == null ? "" : " (the chain reader: " + chain + ")")
                + "; nothing to prune";
    }

    /** The dense blocks of an ONNX file, or null for a model in another format. */
    public static GraphBlocks describe(Path model) {
        if (ModelFiles.formatOf(model) != ModelFormat.ONNX) {
            return null;
        }
        return GraphSweep.describe(OnnxModelFile.read(model), model);
    }

    /** Runs the sweep from files, each round retrained end to end, and writes the chosen model and the report. */
    public static GraphSweepReport sweep(SweepFiles files, SweepSettings settings, Progress progress) {
        return sweep(files, settings, GraphRetraining.DEFAULT, progress);
    }

    /**
     * Runs the sweep from files and writes the chosen model and the report.
     *
     * @param retraining what retrains each round's graph after the sequential refit (batch size, seed, patience and
     *                   distillation from {@code settings.retraining()})
     */
    public static GraphSweepReport sweep(SweepFiles files, SweepSettings settings, GraphRetraining retraining,
            Progress progress) {
        Path model = files.model();
        ModelProto proto = OnnxModelFile.read(model);
        InputSignature input = GraphRows.dataInput(proto, model);
        if (BlockFinder.find(proto, model).isEmpty()) {
            throw InputException.uncertifiable(model, null, noBlocks(model));
        }
        if (files.train() == null) {
            throw InputException.usage(model, Setting.TRAIN.ref() + " is needed: a graph's blocks are measured on "
                    + "training rows");
        }
        if (settings.quantize() != org.odf2nna.settings.Quantize.NONE && !settings.quantize().integerKernels()) {
            GraphInt8Rounds.of(settings.quantize(), proto, model, input, null);
        }
        if (files.validation() == null) {
            throw InputException.usage(model, Setting.VALIDATION.ref() + " is needed: a graph's rounds are judged "
                    + "on validation rows the training never saw");
        }
        Path output = files.output();
        if (output != null && output.toAbsolutePath().normalize().equals(model.toAbsolutePath().normalize())) {
            throw InputException.usage(output, "is the input model; write the pruned model elsewhere");
        }
        String label = files.csv() == null ? null : files.csv().label();
        int width = input.valuesPerRow();
        GraphSweep.Settings defaults = GraphSweep.Settings.defaults(0.1);
        GraphRows training = GraphRows.read(files.train(), width, label, retraining.endToEnd()
                ? Math.max(defaults.statisticsRows(), retraining.rows()) : defaults.statisticsRows());
        GraphRows validation = GraphRows.read(files.validation(), width, label, Integer.MAX_VALUE);
        GraphRows report = files.test() == null ? null : GraphRows.read(files.test(), width, label,
                Integer.MAX_VALUE);
        double share = settings.schedule().shareFor(validation.count());
        double maxDrop = settings.maxDrop() != null ? settings.maxDrop() / 100.0 : 0.01;
        GraphSweep.Settings s = new GraphSweep.Settings(share, maxDrop, defaults.ranking(), defaults.compensation(),
                defaults.statisticsRows(), defaults.samples(), settings.device(), retraining, settings.retraining());
        RoundForm form = GraphInt8Rounds.of(settings.quantize(), proto, model, input, training);
        GraphSweep.Outcome outcome = GraphSweep.sweep(proto, model, training, validation, report, s, form, progress);
        GraphSweepReport result = outcome.report().withNotes(GraphInt8Rounds.notes(form, Converter.bytes(model),
                outcome.chosen() == null ? 0 : outcome.chosen().getSerializedSize()));
        if (outcome.chosen() != null && output != null) {
            AtomicFiles.writeBytes(output, outcome.chosen().toByteArray(), written -> {
                try {
                    OnnxModelFile.read(written);
                } catch (InputException e) {
                    throw new IOException("the written model does not read back: " + e.getMessage(), e);
                }
            });
            result = result.withOutput(output.toString());
        }
        if (files.report() != null) {
            AtomicFiles.writeString(files.report(), ReportFormat.json(result));
        }
        return result;
    }
}
