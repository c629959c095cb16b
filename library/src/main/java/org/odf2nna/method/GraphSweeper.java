package org.odf2nna.method;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.Setting;
import org.odf2nna.graph.BlockFinder;
import org.odf2nna.graph.CausalLanguageModel;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.GraphRegression;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.graph.GraphRun;
import org.odf2nna.graph.GraphSweep;
import org.odf2nna.graph.JudgedForm;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.GraphBlocks;
import org.odf2nna.report.SweepReport;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.SweepChart;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;

/**
 * {@code sweep} (and {@code shrink} with training rows) on an ONNX graph whose dense chain has no hidden layer: the
 * rounds run over the graph's dense blocks ({@link GraphSweep}) with the files and settings of the dense-chain sweep,
 * and the chosen model is written as ONNX, verified by running it.
 */
public final class GraphSweeper {

    private GraphSweeper() {
    }

    /**
     * Whether {@code model} is pruned through its dense blocks: an ONNX file whose graph holds blocks beyond the hidden
     * layers of a dense chain at its end (a chain without hidden layers, no chain at all, or a chain after convolution
     * or attention blocks), so that the graph's blocks are what there is to prune. A dense network alone (each hidden
     * layer a block of the chain) keeps the chain's own pipeline.
     */
    public static boolean appliesTo(Path model) {
        return appliesTo(model, ModelInputs.NONE);
    }

    /** {@link #appliesTo(Path)} for a graph whose inputs are fed as {@code inputs} says. */
    public static boolean appliesTo(Path model, ModelInputs inputs) {
        if (!isGraph(model)) {
            return false;
        }
        ModelProto proto = ModelReader.read(model).graph();
        int hidden;
        try {
            hidden = DenseChainReader.read(proto, model).network().layers().size() - 1;
        } catch (InputException e) {
            if (e.malformed()) {
                // Shapes no runtime could run: bad input (exit 1), said as the chain reader says it.
                throw e;
            }
            // No dense chain at the end: the graph's blocks are all there is, when ONNX Runtime runs it. A graph
            // without any that it runs is said to have none (exit 3); one it cannot load (weights shorter than their
            // shape, external data missing or outside the model's folder) keeps the chain reader's message, which
            // names the node or the initializer at fault, blocks or not.
            boolean blocks;
            org.odf2nna.onnx.InputSignature data = null;
            try {
                blocks = BlockFinder.hasBlocks(proto, model);
                try {
                    data = GraphFeed.resolve(proto, model, inputs, List.of()).data();
                } catch (InputException unresolved) {
                    // Inputs the rows will say (an open size, another input): ONNX Runtime loads it when they are read;
                    // but a graph input the chain reader found feeding a layer's weight is said as it says it.
                    boolean weightInput = e.weightInput();
                    if (!blocks || weightInput) {
                        throw unresolved;
                    }
                }
            } catch (RuntimeException unreadable) {
                throw e;
            }
            if (data == null) {
                return true;
            }
            try (org.odf2nna.onnx.OnnxRunner runs = org.odf2nna.onnx.OnnxRunner.open(proto, data,
                    org.odf2nna.Device.CPU, model)) {
                return true;
            } catch (RuntimeException unreadable) {
                throw e;
            }
        }
        return BlockFinder.find(proto, model).size() > hidden;
    }

    /**
     * Why the dense chain reader refuses {@code model} (its one line, without the file), or null when it reads a chain:
     * said beside "no dense blocks" so that a graph with neither learns what kept its layers from being a chain.
     */
    public static String chainRefusal(Path model) {
        try {
            DenseChainReader.read(ModelReader.read(model).graph(), model);
            return null;
        } catch (InputException e) {
            String prefix = model + ": ";
            return e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
        }
    }

    /**
     * The values per row of the data files' arrays that feed the data input ({@link GraphFeed#dataArray}: {@code x},
     * or an array named after the input) where every one is a file of named arrays (an {@code .npz} archive, a Parquet
     * file's list column) and they agree (a BERT export's open sequence length is read from them, as {@code eval}
     * reads it), else 0: the shape is then given by the input-shape setting.
     */
    static int archiveWidth(ModelProto proto, Path model, ModelInputs inputs, List<Path> dataFiles) {
        String array = GraphFeed.dataArray(proto, model, inputs, dataFiles);
        int width = 0;
        for (Path f : dataFiles) {
            int w = org.odf2nna.data.RowReader.arrayWidth(f, array);
            if (w < 1 || (width > 0 && w != width)) {
                return 0;
            }
            width = w;
        }
        return width;
    }

    /** The message for a graph with no dense blocks and no dense chain with a hidden layer. */
    public static String noBlocks(Path model) {
        String chain = chainRefusal(model);
        return "has no dense blocks (a MatMul, Gemm or group-1 Conv with constant weights, an activation, a second such "
                + "layer reading it alone)" + subgraphs(ModelReader.read(model).graph()) + " and no dense chain with a hidden "
                + "layer at its end" + (chain == null ? "" : " (the chain reader: " + chain + ")") + "; nothing to prune";
    }

    /** Where layers hide from the search: the subgraphs of If, Loop and Scan nodes, which are not searched. */
    private static String subgraphs(ModelProto model) {
        List<String> holders = new java.util.ArrayList<>();
        for (org.odf2nna.onnx.proto.OnnxProto.NodeProto n : model.getGraph().getNodeList()) {
            if (n.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0)) {
                holders.add(n.getOpType() + (n.getName().isEmpty() ? "" : " '" + n.getName() + "'"));
            }
        }
        return holders.isEmpty() ? "" : " in its main graph (the subgraphs of " + String.join(", ", holders.size() > 3
                ? holders.subList(0, 3) : holders) + (holders.size() > 3 ? ", ..." : "") + " are not searched)";
    }

    /**
     * How far the original graph's classes agree with the rows' labels beyond chance, or null where there is nothing to
     * judge by (rows without labels, an output that is not one class vector): rows it is at chance on are refused
     * unless the run takes them all the same ({@link org.odf2nna.settings.CsvReading#acceptChance}), since an image
     * read transposed or a column order of another model gives a written model that keeps nothing worth keeping.
     */
    private static org.odf2nna.metrics.ChanceAgreement chanceOf(ModelProto proto, Path model, GraphFeed feed,
            GraphRows rows, org.odf2nna.Device device, OutputDecoding decoding) {
        if (!rows.labelled()) {
            return null;
        }
        org.odf2nna.graph.Decoder decoder = new org.odf2nna.graph.Decoder(decoding);
        int[] predicted = GraphSweep.predict(proto, model, feed, rows, device, decoder);
        if (!decoder.classes()) {
            return null;
        }
        int classes = 2;
        for (int r = 0; r < predicted.length; r++) {
            classes = Math.max(classes, Math.max(predicted[r], rows.labels()[r]) + 1);
        }
        return org.odf2nna.metrics.ChanceAgreement.of(predicted, rows.labels(), classes);
    }

    /**
     * Whether the graph path reads {@code model}: an ONNX file, a SavedModel translated into ONNX (Keras 3's), or a
     * Keras file with layers before its dense head (a convolution backbone), translated into ONNX by its reader.
     */
    private static boolean isGraph(Path model) {
        ModelFormat format = ModelFiles.formatOf(model);
        return format == ModelFormat.ONNX
                || (format == ModelFormat.SAVEDMODEL && org.odf2nna.tf.SavedModelGraph.appliesTo(model))
                || (format == ModelFormat.KERAS && ModelFiles.readKeras(model).backbone() != null);
    }

    /** The dense blocks of an ONNX file, or null for a model in another format. */
    public static GraphBlocks describe(Path model) {
        return describe(model, ModelInputs.NONE);
    }

    /** Rows made up for tracing a graph's attentions as {@code inspect} lists its blocks (a few are enough). */
    private static final int MADE_UP_ROWS = 4;

    /**
     * The dense blocks of an ONNX file exactly as {@code sweep}'s first round finds them ({@link GraphSweep#describe(
     * ModelProto, Path, GraphFeed, GraphRows, org.odf2nna.Device)}), on made-up rows fed as {@code inputs} says
     * ({@link GraphFeed#madeUp}), with why each layer outside them is; null for a model in another format. A graph
     * that does not run on such rows is listed without its exporter-written attentions, saying so.
     */
    public static GraphBlocks describe(Path model, ModelInputs inputs) {
        if (!isGraph(model)) {
            return null;
        }
        // The graph sweep reads (cleaned by the one model reader), so that the counts are the sweep's.
        ModelProto proto = ModelReader.read(model).graph();
        try {
            GraphFeed feed = GraphFeed.madeUp(proto, model, inputs);
            return GraphSweep.describe(proto, model, feed, feed.madeUpRows(MADE_UP_ROWS), org.odf2nna.Device.CPU);
        } catch (RuntimeException e) {
            GraphBlocks blocks = GraphSweep.describe(proto, model);
            List<String> notes = new java.util.ArrayList<>(blocks.notes());
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace(model + ": ",
                    "");
            notes.add("the graph did not run on made-up rows (" + why + "), so attentions written as an exporter's "
                    + "nodes are not traced and their heads not listed; sweep traces them on its rows (give "
                    + Setting.INPUT.ref() + " and " + Setting.INPUT_SHAPE.ref() + " as sweep takes them)");
            return new GraphBlocks(blocks.modelParameters(), blocks.blockParameters(), blocks.blockShare(),
                    blocks.blocks(), notes);
        }
    }

    /**
     * {@code shrink} without training rows on a graph: one round of the sweep's pruning ({@link GraphSweep#prune}: the
     * same block finder, ranking and block limits; the share of the block parameters {@code settings} give, by default
     * the share a sweep's round removes), its units measured and refitted on the evaluation rows and not retrained,
     * written to {@code files.output()} after it reads back. The original and the written model are measured on the
     * same rows, which chose the units: they report, they do not judge.
     *
     * @throws InputException UNCERTIFIABLE when the graph has no blocks; USAGE for a regressor (its rounds need the
     *                        training targets' range, and validation rows to judge them)
     */
    public static org.odf2nna.report.GraphOneRound shrinkOnce(org.odf2nna.settings.ShrinkFiles files,
            SweepSettings settings, ModelInputs inputs, OutputDecoding decoding, Progress progress) {
        Path model = files.model();
        ModelProto proto = ModelReader.read(model).graph();
        GraphFeed feed = GraphFeed.resolve(proto, model, inputs, List.of(files.eval()),
                archiveWidth(proto, model, inputs, List.of(files.eval())));
        if (!BlockFinder.hasBlocks(proto, model)) {
            throw InputException.uncertifiable(model, null, noBlocks(model));
        }
        if (GraphRegression.regressor(proto, settings.task())) {
            throw InputException.usage(model, "a regression graph is pruned in rounds judged by their bounded loss, "
                    + "whose clip is the training targets' range: give " + Setting.TRAIN.ref() + " and "
                    + Setting.VALIDATION.ref());
        }
        org.odf2nna.graph.ValueSizedOutput.refuse(proto, model);
        Path output = KerasGraphOutput.kerasName(files.output()) ? files.output() : files.onnxOutput();
        KerasGraphOutput.writes(model, output);
        org.odf2nna.io.OutputPaths.checkWritable(output, model, files.eval());
        if (files.report() != null) {
            org.odf2nna.io.OutputPaths.checkWritable(files.report(), model, files.eval(), output);
        }
        GraphRows rows = GraphRows.read(files.eval(), 0, feed, files.csv() == null ? null : files.csv().label(),
                Integer.MAX_VALUE);
        double share = settings.schedule().shareFor(rows.count());
        progress.update("pruning one round of " + ReportFormat.number(100 * share) + "% on " + files.eval(), 0, -1,
                null);
        org.odf2nna.graph.BlockPruner.Pruned pruned = GraphSweep.prune(proto, model, feed, rows, share,
                GraphRun.of(settings, share));
        progress.done("pruning");
        org.odf2nna.graph.Decoder decoder = new org.odf2nna.graph.Decoder(decoding);
        int[] before = GraphSweep.predict(proto, model, feed, rows, settings.device(), decoder);
        int[] after = GraphSweep.predict(pruned.model(), model, feed, rows, settings.device(), decoder);
        int changed = 0;
        int[] right = new int[2];
        boolean measured = rows.labelled() && decoder.classes();
        for (int r = 0; r < before.length; r++) {
            changed += before[r] != after[r] ? 1 : 0;
            if (measured) {
                right[0] += before[r] == rows.labels()[r] ? 1 : 0;
                right[1] += after[r] == rows.labels()[r] ? 1 : 0;
            }
        }
        GraphBlocks blocks = GraphSweep.describe(proto, model, feed, rows.first(4), settings.device());
        writeModel(model, output, pruned.model(), progress);
        org.odf2nna.report.GraphOneRound result = new org.odf2nna.report.GraphOneRound(output.toString(), share,
                blocks.modelParameters(), blocks.blockParameters(), pruned.parameters(),
                new org.odf2nna.report.GraphOneRound.Rows(files.eval().toString(), rows.count(),
                        measured ? (double) right[0] / rows.count() : Double.NaN,
                        measured ? (double) right[1] / rows.count() : Double.NaN, changed),
                compute(settings, proto, pruned.model(), model, feed.oneRow(rows, 0)));
        if (files.report() != null) {
            AtomicFiles.writeString(files.report(), ReportFormat.json(result));
        }
        return result;
    }

    /**
     * What one round counted and the multiply-adds per row of {@code before} and {@code after} on {@code row} (-1 each
     * when the graph cannot be run on one row).
     */
    private static org.odf2nna.report.ComputeSummary compute(SweepSettings settings, ModelProto before,
            ModelProto after, Path model, List<org.odf2nna.onnx.OnnxRunner.Fed> row) {
        long[] macs = multiplyAdds(before, after, model, row);
        return new org.odf2nna.report.ComputeSummary(settings.budget().id(), settings.roundTo().describe(), macs[0],
                macs[1]);
    }

    /** The multiply-adds per row of {@code before} and {@code after} on {@code row}; -1 each where not counted. */
    static long[] multiplyAdds(ModelProto before, ModelProto after, Path model,
            List<org.odf2nna.onnx.OnnxRunner.Fed> row) {
        long[] macs = {-1, -1};
        try {
            macs[0] = org.odf2nna.onnx.MultiplyAdds.count(before, model, row).total();
            macs[1] = org.odf2nna.onnx.MultiplyAdds.count(after, model, row).total();
        } catch (RuntimeException e) {
            // Counted where the graph runs on one row; reported as not counted otherwise.
        }
        return macs;
    }

    /** Writes {@code model} to {@code output}, read back before it replaces anything. */
    static void writeModel(Path input, Path output, ModelProto model, Progress progress) {
        progress.update("writing " + output, 0, -1, null);
        if (KerasGraphOutput.kerasName(output)) {
            KerasGraphOutput.write(input, model, output);
            progress.done("writing " + output);
            return;
        }
        AtomicFiles.writeBytes(output, model.toByteArray(), written -> {
            try {
                OnnxModelFile.read(written);
            } catch (InputException e) {
                throw new IOException("the written model does not read back: " + e.getMessage(), e);
            }
        });
        progress.done("writing " + output);
    }

    /**
     * Runs the sweep from files and writes the chosen model and the report; each round is retrained as
     * {@link SweepSettings#graphRetraining()} says.
     */
    public static SweepReport sweep(SweepFiles files, SweepSettings settings, Progress progress) {
        return sweep(files, settings, ModelInputs.NONE, OutputDecoding.DEFAULT, progress);
    }

    /**
     * Runs the sweep from files and writes the chosen model and the report.
     *
     * @param retraining what retrains each round's graph after the sequential refit, in place of
     *                   {@link SweepSettings#graphRetraining()} (batch size, seed, patience and distillation from
     *                   {@code settings.retraining()})
     */
    public static SweepReport sweep(SweepFiles files, SweepSettings settings, GraphRetraining retraining,
            Progress progress) {
        return sweep(files, settings.withGraphRetraining(retraining), ModelInputs.NONE, OutputDecoding.DEFAULT,
                progress);
    }

    /**
     * A graph run from files, opened: its cleaned graph, how its rows are fed, the settings with the task resolved, and
     * its rows read and checked (kept apart, a regressor's targets, a classifier's rows not at chance).
     */
    record Opened(ModelProto proto, GraphFeed feed, SweepSettings settings, GraphSweepRows read) {
    }

    /**
     * Reads the model and the rows {@code files} name as a graph sweep reads them, checking the files and settings
     * first; what {@code sweep} and {@code evolve} on a graph both start with.
     *
     * @param classesOnly the command's name when it judges classes only (a regressor is refused before any row is
     *                    read), or null
     */
    static Opened open(SweepFiles files, SweepSettings settings, ModelInputs inputs, OutputDecoding decoding,
            String classesOnly, Progress progress) {
        Path model = files.model();
        ModelProto proto = ModelReader.read(model).graph();
        List<Path> dataFiles = new java.util.ArrayList<>();
        for (Path p : new Path[] {files.train(), files.validation(), files.test()}) {
            if (p != null) {
                dataFiles.add(p);
            }
        }
        GraphFeed feed = GraphFeed.resolve(proto, model, inputs, dataFiles,
                archiveWidth(proto, model, inputs, dataFiles));
        ModelProto pinned = DynamicExportSizes.pinned(proto, feed, model, settings.device());
        if (pinned != proto) {
            proto = pinned;
            feed = GraphFeed.resolve(proto, model, inputs, dataFiles, archiveWidth(proto, model, inputs, dataFiles));
        }
        if (!BlockFinder.hasBlocks(proto, model)) {
            throw InputException.uncertifiable(model, null, noBlocks(model));
        }
        // A graph fed token ids is a fine-tuned language model: its default learning rate is a tenth of the others'.
        // A YOLO detector retrains 16 epochs a round by default (GraphRetraining.DETECTOR_EPOCHS).
        settings = settings.withGraphRetraining(settings.graphRetraining().resolved(feed.integerRows(),
                org.odf2nna.graph.GraphDetectionJudging.detector(proto)));
        checkFiles(files, settings, model);
        if (settings.quantize() != org.odf2nna.settings.Quantize.NONE && !settings.quantize().integerKernels()) {
            GraphInt8Rounds.of(settings.quantize(), proto, model, feed.data(), null);
        }
        boolean nextToken = settings.task() == Task.NEXT_TOKEN || settings.task() == null
                && languageModelRows(proto, model, feed, files.train(), dataFiles, settings.device());
        if (nextToken) {
            settings = languageModel(settings, feed, model);
        }
        boolean regression = !nextToken && GraphRegression.regressor(proto, settings.task());
        if (regression && classesOnly != null) {
            throw InputException.usage(model, classesOnly + " judges a graph by its classes, and this one is a "
                    + "regressor: sweep prunes it, its rounds judged by their bounded loss");
        }
        if (regression) {
            GraphRegression.checkOutput(proto, model);
        } else if (!nextToken && settings.maxDrop() != null && settings.maxDrop() >= 100) {
            throw InputException.usage(model, Setting.MAX_DROP.ref() + " " + ReportFormat.number(settings.maxDrop())
                    + " is accuracy points for a classifier, which can lose at most 100: give less than 100");
        } else if (!nextToken) {
            // A detector's postprocessing gives no output row per input row to judge: refused before rows are read.
            org.odf2nna.graph.ValueSizedOutput.refuse(proto, model);
        }
        settings = settings.withTask(nextToken ? Task.NEXT_TOKEN : regression ? Task.REGRESSION : Task.CLASSIFICATION);
        GraphSweepRows read = GraphSweepRows.read(files, feed, dataFiles, settings, progress);
        GraphRows training = read.training();
        GraphRows validation = read.validation();
        GraphRows report = read.report();
        if (regression) {
            read.checkTargets(files);
        } else if (!nextToken) {
            boolean accept = files.csv() != null && files.csv().acceptChance();
            ModelScan.refuseAtChance(chanceOf(proto, model, feed, validation, settings.device(), decoding),
                    files.validation(), accept, "the validation rows");
            if (report != null) {
                ModelScan.refuseAtChance(chanceOf(proto, model, feed, report, settings.device(), decoding),
                        files.test(), accept, "the evaluation rows");
            }
        }
        return new Opened(proto, feed, settings, read);
    }

    /**
     * Runs the sweep from files on a graph fed as {@code inputs} says and judged on what {@code decoding} reads of its
     * output, and writes the chosen model and the report.
     */
    public static SweepReport sweep(SweepFiles files, SweepSettings settings, ModelInputs inputs,
            OutputDecoding decoding, Progress progress) {
        Opened opened = open(files, settings, inputs, decoding, null, progress);
        Path model = files.model();
        ModelProto proto = opened.proto();
        GraphFeed feed = opened.feed();
        settings = opened.settings();
        GraphRows training = opened.read().training();
        GraphRows validation = opened.read().validation();
        GraphRows report = opened.read().report();
        GraphRun s = GraphRun.of(settings, settings.schedule().shareFor(validation.count(),
                org.odf2nna.graph.GraphDetectionJudging.detector(proto)));
        JudgedForm form = GraphInt8Rounds.of(settings.quantize(), settings.int8Operators(), proto, model, feed.data(),
                training);
        GraphSweep.Outcome outcome = GraphSweep.sweep(proto, model, new GraphSweep.Io(feed, decoding, form), training,
                validation, report, s, progress);
        SweepReport.Original original = outcome.report().original();
        ValidationLeakCheck.noteAboveReport(original.validation().accuracy(), original.validation().rows(),
                files.validation(), report == null ? Double.NaN : original.report().accuracy(),
                report == null ? 0 : original.report().rows(), files.test(), progress);
        SweepReport result = outcome.report().withNotes(GraphInt8Rounds.notes(form, Converter.bytes(model),
                outcome.chosen() == null ? 0 : outcome.chosen().getSerializedSize()));
        result = DetectionRoundMaps.measured(result, proto, outcome.written(), files, inputs, settings.device(),
                progress);
        ModelProto chosen = outcome.chosen();
        if (chosen != null) {
            SpeedJudge.Verdict speed = judgeSpeed(model, proto, feed, validation, outcome, settings.latency(),
                    progress);
            int round = speed.index();
            chosen = round < 0 ? null : round == outcome.certified().get(0) ? chosen : outcome.written().apply(round);
            result = result.withLatency(speed.latency(), round < 0 ? null : round);
        }
        return writeFiles(result, DynamicExportSizes.reopened(chosen, model), files, progress);
    }

    /**
     * The certified rounds judged by their speed against the user's original ({@link SpeedJudge#judgeRounds}), timed
     * on validation rows: the verdict's index is the round to write (-1: none).
     */
    private static SpeedJudge.Verdict judgeSpeed(Path model, ModelProto read, GraphFeed feed, GraphRows validation,
            GraphSweep.Outcome outcome, org.odf2nna.settings.LatencyCheck check, Progress progress) {
        ModelProto chosen = outcome.chosen();
        int first = outcome.certified().get(0);
        return SpeedJudge.judgeRounds(model, read, feed.data(), validation.first(SpeedJudge.TIMING_ROWS).features(),
                outcome.certified(), round -> round == first ? chosen : outcome.written().apply(round), check,
                progress);
    }

    /**
     * Writes the chosen model (read back before it replaces anything), the chart and the JSON report, each where
     * {@code files} names one; returns the report with what was written.
     */
    private static SweepReport writeFiles(SweepReport result, ModelProto chosen, SweepFiles files,
            Progress progress) {
        Path output = files.output();
        if (chosen != null && output != null) {
            writeModel(files.model(), output, chosen, progress);
            result = result.withOutput(output.toString());
        }
        if (files.chart() != null) {
            result = result.withCharts(SweepChart.write(result, files.chart()).stream().map(Path::toString)
                    .toList());
        }
        if (files.report() != null) {
            AtomicFiles.writeString(files.report(), ReportFormat.json(result));
        }
        return result;
    }

    /**
     * Whether the training rows are a causal language model's windows with no task given: the graph's shape, no
     * labels in the file, and the graph computing causally on its first windows ({@link CausalLanguageModel}).
     */
    private static boolean languageModelRows(ModelProto proto, Path model, GraphFeed feed, Path train,
            List<Path> dataFiles, org.odf2nna.Device device) {
        String name = org.odf2nna.data.RowReader.lowerName(train);
        boolean unlabelled = name.endsWith(".npy") || name.endsWith(".npz")
                && PositionEvaluator.labelsArray(train) == null;
        if (!unlabelled || !feed.integerRows() || !CausalLanguageModel.shaped(proto)) {
            return false;
        }
        ModelProto runnable = GraphRows.runnable(proto, feed.data());
        GraphRows first = GraphRows.inputs(train, dataFiles.indexOf(train), feed, 4);
        try (GraphFeed.Session session = feed.open(runnable, device, model)) {
            return CausalLanguageModel.computes(session, runnable, first);
        }
    }

    /**
     * The settings of a language model's sweep: its input must take token ids. Its rounds retrain end to end as any
     * graph's do, on the next token at every position and the original's softmax per token; the speed check's larger
     * batch is {@link org.odf2nna.settings.LatencyCheck#LANGUAGE_MODEL_BATCH} windows unless another was asked for.
     */
    private static SweepSettings languageModel(SweepSettings settings, GraphFeed feed, Path model) {
        if (!feed.integerRows()) {
            throw InputException.usage(model, "input '" + feed.data().name() + "' takes floats; "
                    + Setting.TASK.ref() + " next-token reads windows of token ids (an int64 or int32 input "
                    + "[batch, positions])");
        }
        org.odf2nna.settings.LatencyCheck latency = settings.latency();
        return latency.equals(org.odf2nna.settings.LatencyCheck.DEFAULT) ? settings.withLatency(
                new org.odf2nna.settings.LatencyCheck(org.odf2nna.settings.LatencyCheck.LANGUAGE_MODEL_BATCH,
                latency.threads(), latency.allowSlower())) : settings;
    }

    /** The flags a graph sweep needs or cannot take, checked before any row is read. */
    private static void checkFiles(SweepFiles files, SweepSettings settings, Path model) {
        if (files.train() == null) {
            throw InputException.usage(model, Setting.TRAIN.ref() + " is needed: a graph's blocks are measured on "
                    + "training rows");
        }
        if (files.validation() == null) {
            throw InputException.usage(model, Setting.VALIDATION.ref() + " is needed: a graph's rounds are judged "
                    + "on validation rows the training never saw");
        }
        Path output = files.output();
        if (output != null && output.toAbsolutePath().normalize().equals(model.toAbsolutePath().normalize())) {
            throw InputException.usage(output, "is the input model; write the pruned model elsewhere");
        }
        KerasGraphOutput.writes(model, output);
        Sweeper.checkOutputs(files);
    }
}
