package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.WeightStorage;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.GraphBlocks;
import org.odf2nna.report.GraphSweepReport;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.GraphRetrainer;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.TranslationCheck;
import org.odf2nna.tf.ops.UnsupportedOperatorException;

/**
 * Progressive rounds over a graph's dense blocks: each round measures every block's hidden units on the training rows
 * (one ONNX Runtime pass), ranks all units of all blocks in one order with the scores normalised per block, drops the
 * lowest until the round's share of the original's block parameters is gone, and compensates in the second layers. The
 * rounds are fixed before the validation rows are looked at; each round's whole graph is then run on them, and
 * {@link ChainCertificate} chooses the round to write, each judged at its share of one 5% by the parameters it removed.
 */
public final class GraphSweep {

    /** How units of different blocks are put in one order. */
    public enum Ranking {
        /**
         * A unit's std times the norm of its weights in the second layer, over the std of the block's output: what
         * share of the block's output the unit moves.
         */
        IMPACT,
        /**
         * The least-squares cost of dropping the unit alone (its weights' squared norm over the diagonal of the inverse
         * covariance), over the block's output variance (the default).
         */
        COST,
        /** The unit's std rank within its block, as a fraction of the block's width: every block loses alike. */
        BLOCK_RANK,
        /** The raw std, compared across blocks as it is (docs/graphs.md: fails where blocks see different scales). */
        STD
    }

    /**
     * What a graph sweep does.
     *
     * @param share          the block parameters each round removes, as a share of the original's
     * @param maxDrop        the loss allowed on a new set as large as the validation rows (0.01 = one point)
     * @param ranking        how units are ranked across blocks
     * @param compensation   how the second layers make up for dropped units
     * @param statisticsRows training rows the units are measured on each round
     * @param samples        the most (row, position) samples per block
     * @param device         where ONNX Runtime computes
     * @param retraining     what retrains each round's graph after the compensation, or null for nothing more
     *                       (end-to-end retraining follows whatever compensation is set)
     * @param retrain        the batch size, seed, held-out share, patience and distillation of that retraining
     * @param promise        which promise the written round keeps ({@link ChainCertificate.Reading}; null means the
     *                       population reading)
     */
    public record Settings(double share, double maxDrop, Ranking ranking, Compensation compensation,
            int statisticsRows, long samples, Device device, GraphRetraining retraining, RetrainSettings retrain,
            ChainCertificate.Reading promise) {

        /** The same settings under another reading of the promise. */
        public Settings withPromise(ChainCertificate.Reading value) {
            return new Settings(share, maxDrop, ranking, compensation, statisticsRows, samples, device, retraining,
                    retrain, value);
        }

        public static final int DEFAULT_STATISTICS_ROWS = 3000;
        public static final long DEFAULT_SAMPLES = 40_000;

        public Settings {
            if (!(share > 0 && share < 1)) {
                throw new IllegalArgumentException("share must be in (0, 1): " + share);
            }
            if (!(maxDrop >= 0 && maxDrop < 1)) {
                throw new IllegalArgumentException("maxDrop must be in [0, 1): " + maxDrop);
            }
            if (retrain == null) {
                retrain = RetrainSettings.DEFAULT;
            }
            if (promise == null) {
                promise = ChainCertificate.Reading.POPULATION;
            }
        }

        /** Settings with no retraining after the compensation. */
        public Settings(double share, double maxDrop, Ranking ranking, Compensation compensation, int statisticsRows,
                long samples, Device device) {
            this(share, maxDrop, ranking, compensation, statisticsRows, samples, device, null, null, null);
        }

        /** The same settings with another retraining after the compensation (null: none). */
        public Settings withRetraining(GraphRetraining value, RetrainSettings with) {
            return new Settings(share, maxDrop, ranking, compensation, statisticsRows, samples, device, value, with,
                    promise);
        }

        /** Whether each round's graph is distilled end to end after its compensation. */
        public boolean endToEnd() {
            return retraining != null && retraining.endToEnd();
        }

        /**
         * The defaults: rounds of {@code share}, one point, cost ranking, sequential refit, then end-to-end retraining
         * ({@link GraphRetraining#DEFAULT}; docs/graphs.md measures the others).
         */
        public static Settings defaults(double share) {
            return new Settings(share, 0.01, Ranking.COST, Compensation.SEQUENTIAL, DEFAULT_STATISTICS_ROWS,
                    DEFAULT_SAMPLES, Device.CPU, GraphRetraining.DEFAULT, RetrainSettings.DEFAULT, null);
        }
    }

    /**
     * A sweep's outcome: the report, and the chosen round's model (null when none holds).
     */
    public record Outcome(GraphSweepReport report, ModelProto chosen) {
    }

    private GraphSweep() {
    }

    /** The blocks as {@code inspect} and the reports list them. */
    public static GraphBlocks describe(ModelProto model, Path file) {
        GraphView g = new GraphView(WeightStorage.hoist(model).model(), file);
        List<DenseBlock> blocks = BlockFinder.find(g);
        return describe(g, blocks);
    }

    static GraphBlocks describe(GraphView g, List<DenseBlock> blocks) {
        long total = g.parameters();
        long inBlocks = blockParameters(blocks);
        List<GraphBlocks.Block> rows = new ArrayList<>();
        for (DenseBlock b : blocks) {
            rows.add(new GraphBlocks.Block(b.index(), b.kind() == DenseBlock.Kind.MATMUL ? "last axis" : "channels",
                    b.firstNode(), b.secondNode(), b.nodes(), b.hidden(), b.inputs(), b.width(), b.outputs(),
                    b.activation(), b.perUnitOps(), b.parameters()));
        }
        return new GraphBlocks(total, inBlocks, total == 0 ? 0 : (double) inBlocks / total, rows);
    }

    /** The blocks' parameters, each shared constant counted once. */
    static long blockParameters(List<DenseBlock> blocks) {
        java.util.Map<String, Long> seen = new java.util.HashMap<>();
        for (DenseBlock b : blocks) {
            for (DenseBlock.UnitSlot s : b.slots()) {
                seen.put(s.tensor(), s.elements());
            }
        }
        long n = seen.values().stream().mapToLong(Long::longValue).sum();
        for (DenseBlock b : blocks) {
            if (b.secondBias() != null && !seen.containsKey(b.secondBias())) {
                n += b.outputs();
            }
        }
        return n;
    }

    /**
     * The pruning step alone, with no judgement: drops units of all blocks in the global order until
     * {@code blockShare} of the block parameters are gone, compensating as {@code settings} say. This is the entry for
     * callers that retrain after pruning.
     *
     * @param rows training rows the units are measured on
     * @return the pruned model and what was removed
     */
    public static BlockPruner.Pruned prune(ModelProto stored, Path file, GraphRows rows, double blockShare,
            Settings settings) {
        return prune(stored, file, GraphFeed.of(stored, file), rows, blockShare, settings);
    }

    /** {@link #prune(ModelProto, Path, GraphRows, double, Settings)} with the graph's inputs fed as {@code feed} says. */
    public static BlockPruner.Pruned prune(ModelProto stored, Path file, GraphFeed feed, GraphRows rows,
            double blockShare, Settings settings) {
        WeightStorage.Hoisted hoisted = WeightStorage.hoist(stored);
        ModelProto model = feed.fixed(hoisted.model());
        GraphView g = new GraphView(model, file);
        List<DenseBlock> blocks = BlockFinder.find(g);
        if (blocks.isEmpty()) {
            throw noBlocks(file);
        }
        long target = (long) Math.ceil(blockShare * blockParameters(blocks));
        GraphRows measuredRows = rows.first(settings.statisticsRows());
        Measured measured = new Measured(blocks, BlockStatistics.measure(model, file, blocks, measuredRows, feed,
                settings.device(), settings.samples()));
        BlockPruner.Pruned pruned = step(model, model, file, measured, measuredRows, feed, target, settings);
        return new BlockPruner.Pruned(hoisted.restore(feed.reopened(pruned.model())), pruned.removedUnits(),
                pruned.parameters());
    }

    static InputException noBlocks(Path file) {
        return InputException.uncertifiable(file, null, "has no dense blocks (a MatMul, Gemm or group-1 Conv, an "
                + "activation, a second such layer); nothing to prune");
    }

    /** One step: measure, rank, drop until {@code target} block parameters are removed, compensate. */
    /** A round's blocks with their statistics on the training rows. */
    private record Measured(List<DenseBlock> blocks, List<BlockStatistics.Moments> moments) {
    }

    private static BlockPruner.Pruned step(ModelProto original, ModelProto model, Path file, Measured measured,
            GraphRows rows, GraphFeed input, long target, Settings settings) {
        List<DenseBlock> blocks = measured.blocks();
        List<BlockStatistics.Moments> moments = measured.moments();
        GraphView g = new GraphView(model, file);
        record Unit(int block, int unit, double score) {
        }
        List<Unit> units = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            double[] s = scores(g, blocks.get(b), moments.get(b), settings.ranking());
            for (int j = 0; j < s.length; j++) {
                units.add(new Unit(b, j, s[j]));
            }
        }
        units.sort(Comparator.comparingDouble(Unit::score));
        List<boolean[]> drop = new ArrayList<>();
        int[] left = new int[blocks.size()];
        for (int b = 0; b < blocks.size(); b++) {
            drop.add(new boolean[blocks.get(b).width()]);
            left[b] = blocks.get(b).width();
        }
        long removed = 0;
        for (Unit u : units) {
            if (removed >= target) {
                break;
            }
            DenseBlock block = blocks.get(u.block());
            // A depthwise convolution of one channel would no longer be one: such blocks keep two units.
            int keep = block.groupNodes().isEmpty() ? 1 : 2;
            if (left[u.block()] <= keep) {
                continue;
            }
            drop.get(u.block())[u.unit()] = true;
            left[u.block()]--;
            removed += block.parametersPerUnit();
        }
        if (settings.compensation() != Compensation.SEQUENTIAL) {
            return BlockPruner.prune(model, file, blocks, moments, drop, settings.compensation());
        }
        BlockPruner.Pruned folded = BlockPruner.prune(model, file, blocks, moments, drop, Compensation.MEAN);
        ModelProto refitted = SequentialRefit.refit(original, folded.model(), file, input,
                rows.first(REFIT_ROWS), settings.device(), settings.samples());
        return new BlockPruner.Pruned(refitted, folded.removedUnits(), folded.parameters());
    }

    /**
     * End-to-end retraining after each round's compensation, on training rows alone ({@link GraphRetrainer}: the
     * pruned blocks' initializers trained, the rest of the graph constant, distilled from the original). When the
     * graph cannot be translated (an operator outside the translation, or a translation that differs from ONNX
     * Runtime) it says so once in a note and every round keeps its sequential refit.
     */
    static final class EndToEnd {
        private final Settings settings;
        private final GraphRows rows;
        private final List<String> notes = new ArrayList<>();
        private Integer lastBest;
        private boolean fellBack;

        EndToEnd(Settings settings, GraphRows rows) {
            this.settings = settings;
            this.rows = rows;
        }

        boolean active() {
            return rows != null && !fellBack;
        }

        List<String> notes() {
            return notes;
        }

        /**
         * The epoch kept by the last {@link #retrain} (0: the refitted values), or null when it did not retrain;
         * cleared by reading.
         */
        Integer take() {
            Integer e = lastBest;
            lastBest = null;
            return e;
        }

        ModelProto retrain(ModelProto original, ModelProto pruned, Path file, DenseTrainer.EpochListener listener) {
            GraphRetraining r = settings.retraining();
            RetrainSettings with = settings.retrain();
            GraphRetrainer.Settings s = new GraphRetrainer.Settings(Loss.SOFTMAX_CROSS_ENTROPY, new TrainingOptions(
                    r.epochs(), r.batchSize(), r.learningRate(), with.seed(), with.patience(), settings.device()),
                    with.distillation(), with.validationShare(), CHECK_ROWS, TranslationCheck.DEFAULT_TOLERANCE,
                    r.schedule());
            float[] labels = null;
            if (rows.labels() != null) {
                labels = new float[rows.count()];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = rows.labels()[i];
                }
            }
            try {
                GraphRetrainer.Retrained out = GraphRetrainer.retrain(original, pruned,
                        r.scope() == GraphRetraining.Scope.ALL ? weights(pruned) : trainable(pruned, file),
                        rows.features(), labels, rows.count(), s, listener);
                lastBest = out.bestEpoch();
                return out.model();
            } catch (UnsupportedOperatorException | GraphRetrainer.TranslationMismatch e) {
                fellBack = true;
                notes.add(e.getMessage() + "; end-to-end retraining skipped, every round keeps the sequential "
                        + "block refit");
                return pruned;
            }
        }
    }

    /** Rows the translation is checked on against ONNX Runtime before each round's retraining. */
    static final int CHECK_ROWS = 500;

    /**
     * Ops that read an initializer as a weight (the data a layer multiplies, adds or scales by), with the input positions
     * that are weights; a float initializer read anywhere else (a shape, a Pow's exponent, a Clip's bound, a
     * BatchNormalization's running statistics) is left constant.
     */
    private static final java.util.Map<String, java.util.Set<Integer>> WEIGHT_INPUTS = java.util.Map.ofEntries(
            java.util.Map.entry("MatMul", java.util.Set.of(0, 1)), java.util.Map.entry("Gemm", java.util.Set.of(0, 1, 2)),
            java.util.Map.entry("Conv", java.util.Set.of(1, 2)), java.util.Map.entry("Add", java.util.Set.of(0, 1)),
            java.util.Map.entry("Sub", java.util.Set.of(0, 1)), java.util.Map.entry("Mul", java.util.Set.of(0, 1)),
            java.util.Map.entry("Div", java.util.Set.of(0, 1)), java.util.Map.entry("Concat", java.util.Set.of()),
            java.util.Map.entry("LayerNormalization", java.util.Set.of(1, 2)),
            java.util.Map.entry("BatchNormalization", java.util.Set.of(1, 2)),
            java.util.Map.entry("PRelu", java.util.Set.of(1)));

    /**
     * Every float weight of the graph: initializers of two or more values read only as weights ({@link
     * #WEIGHT_INPUTS}; a Concat's inputs, such as a class token, count too).
     */
    static java.util.Set<String> weights(ModelProto model) {
        var graph = model.getGraph();
        java.util.Set<String> floats = new java.util.LinkedHashSet<>();
        for (var t : graph.getInitializerList()) {
            long n = 1;
            for (long d : t.getDimsList()) {
                n *= d;
            }
            if (t.getDataType() == org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.FLOAT_VALUE && n >= 2) {
                floats.add(t.getName());
            }
        }
        java.util.Set<String> notWeights = new java.util.HashSet<>();
        for (var node : graph.getNodeList()) {
            java.util.Set<Integer> positions = WEIGHT_INPUTS.get(node.getOpType());
            for (int i = 0; i < node.getInputCount(); i++) {
                boolean weight = positions != null && (positions.contains(i) || node.getOpType().equals("Concat"));
                if (!weight) {
                    notWeights.add(node.getInput(i));
                }
            }
        }
        floats.removeAll(notWeights);
        return floats;
    }

    /** The float initializers of the pruned graph's blocks: what end-to-end retraining trains by default. */
    static java.util.Set<String> trainable(ModelProto pruned, Path file) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (DenseBlock b : BlockFinder.find(new GraphView(pruned, file))) {
            for (DenseBlock.UnitSlot slot : b.slots()) {
                names.add(slot.tensor());
            }
            names.add(b.secondWeight().tensor());
            if (b.secondBias() != null) {
                names.add(b.secondBias());
            }
        }
        java.util.Set<String> floats = new java.util.HashSet<>();
        for (var t : pruned.getGraph().getInitializerList()) {
            if (t.getDataType() == org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.FLOAT_VALUE) {
                floats.add(t.getName());
            }
        }
        names.retainAll(floats);
        return names;
    }

    /** Rows the sequential refit runs both networks on (rows × positions are its samples). */
    static final int REFIT_ROWS = 1500;

    /** Each unit's score, normalised within its block as {@code ranking} says: lower goes first. */
    static double[] scores(GraphView g, DenseBlock block, BlockStatistics.Moments m, Ranking ranking) {
        int w = block.width();
        double[] std = new double[w];
        for (int j = 0; j < w; j++) {
            std[j] = m.std(j);
        }
        if (ranking == Ranking.STD) {
            return std;
        }
        if (ranking == Ranking.BLOCK_RANK) {
            Integer[] order = new Integer[w];
            for (int j = 0; j < w; j++) {
                order[j] = j;
            }
            Arrays.sort(order, Comparator.comparingDouble(j -> std[j]));
            double[] s = new double[w];
            for (int r = 0; r < w; r++) {
                s[order[r]] = (r + 0.5) / w;
            }
            return s;
        }
        DenseBlock.UnitSlot ws = block.secondWeight();
        float[] v = g.values(ws.tensor());
        long[] d = g.dims(ws.tensor());
        // A Conv's (output, tap) pairs are columns: each tap reads the unit at its own position.
        int taps = BlockPruner.taps(d);
        int outputs = (int) (v.length / w);
        DMatrixRMaj weights = new DMatrixRMaj(w, outputs);
        for (int j = 0; j < w; j++) {
            for (int c = 0; c < outputs; c++) {
                weights.set(j, c, v[BlockPruner.at(d, ws.axis(), j, c / taps, c % taps)]);
            }
        }
        DMatrixRMaj cov = new DMatrixRMaj(w, w, true, m.covariance());
        // The block output's variance: trace(Wᵀ Σ W).
        DMatrixRMaj sw = new DMatrixRMaj(w, outputs);
        CommonOps_DDRM.mult(cov, weights, sw);
        double outputVariance = 0;
        for (int j = 0; j < w; j++) {
            for (int o = 0; o < outputs; o++) {
                outputVariance += weights.get(j, o) * sw.get(j, o);
            }
        }
        outputVariance = Math.max(outputVariance, 1e-30);
        double[] s = new double[w];
        if (ranking == Ranking.IMPACT) {
            for (int j = 0; j < w; j++) {
                double norm = 0;
                for (int o = 0; o < outputs; o++) {
                    norm += weights.get(j, o) * weights.get(j, o);
                }
                s[j] = std[j] * Math.sqrt(norm) / Math.sqrt(outputVariance);
            }
            return s;
        }
        DMatrixRMaj inverse = cov.copy();
        double trace = 0;
        for (int j = 0; j < w; j++) {
            trace += cov.get(j, j);
        }
        for (int j = 0; j < w; j++) {
            inverse.add(j, j, BlockPruner.RIDGE * Math.max(trace / w, 1e-12));
        }
        if (!CommonOps_DDRM.invert(inverse)) {
            CommonOps_DDRM.pinv(cov.copy(), inverse);
        }
        for (int j = 0; j < w; j++) {
            double norm = 0;
            for (int o = 0; o < outputs; o++) {
                norm += weights.get(j, o) * weights.get(j, o);
            }
            s[j] = norm / Math.max(inverse.get(j, j), 1e-30) / outputVariance;
        }
        return s;
    }

    /**
     * Runs the sweep.
     *
     * @param training   rows the units are measured on (never judged)
     * @param validation rows the rounds are judged on
     * @param report     rows only measured, or null
     */
    public static Outcome sweep(ModelProto model, Path file, GraphRows training, GraphRows validation,
            GraphRows report, Settings settings, Progress progress) {
        return sweep(model, file, training, validation, report, settings, RoundForm.FLOAT, progress);
    }

    /**
     * Runs the sweep, each round judged and written in {@code form} (its int8 form, say); the rounds themselves are
     * pruned and retrained as float.
     */
    public static Outcome sweep(ModelProto stored, Path file, GraphRows training, GraphRows validation,
            GraphRows report, Settings settings, RoundForm form, Progress progress) {
        return sweep(stored, file, new Io(GraphFeed.of(stored, file), OutputDecoding.DEFAULT, form), training,
                validation, report, settings, progress);
    }

    /**
     * How a graph is fed and read: its inputs ({@link GraphFeed}), what its first output decodes to when a row is
     * judged ({@link OutputDecoding}), and the form each round is judged and written in ({@link RoundForm}).
     */
    public record Io(GraphFeed feed, OutputDecoding decoding, RoundForm form) {

        /** Each round judged and written as it is (float). */
        public Io(GraphFeed feed, OutputDecoding decoding) {
            this(feed, decoding, RoundForm.FLOAT);
        }
    }

    /**
     * Runs the sweep on a graph fed and read as {@code io} says.
     *
     * @param training   rows the units are measured on (never judged)
     * @param validation rows the rounds are judged on
     * @param report     rows only measured, or null
     */
    public static Outcome sweep(ModelProto stored, Path file, Io io, GraphRows training, GraphRows validation,
            GraphRows report, Settings settings, Progress progress) {
        RoundForm form = io.form();
        long started = System.nanoTime();
        WeightStorage.Hoisted hoisted = WeightStorage.hoist(stored);
        GraphFeed input = io.feed();
        Decoder decoder = new Decoder(io.decoding());
        ModelProto model = input.fixed(hoisted.model());
        for (GraphRows r : new GraphRows[] {training, validation, report}) {
            if (r != null && r.width() != input.width()) {
                throw new IllegalArgumentException("rows of " + r.width() + " values for an input of "
                        + input.width());
            }
        }
        GraphView original = new GraphView(model, file);
        List<DenseBlock> blocks = BlockFinder.find(original);
        if (blocks.isEmpty()) {
            throw noBlocks(file);
        }
        GraphBlocks described = describe(original, blocks);
        long modelParameters = original.parameters();
        long blockParameters = described.blockParameters();
        GraphRows stats = training.first(settings.statisticsRows());
        int[] validationOriginal = predict(model, file, input, validation, settings.device(), decoder);
        int[] reportOriginal = report == null ? null : predict(model, file, input, report, settings.device(), decoder);
        int[] validationLabels = decoder.classes() ? validation.labels() : null;
        int[] reportLabels = decoder.classes() && report != null ? report.labels() : null;
        EndToEnd endToEnd = new EndToEnd(settings, settings.endToEnd() && input.singleFloatInput()
                ? training.first(settings.retraining().rows()) : null);
        endToEnd.notes().addAll(notes(settings, input, decoder, validation));
        Chain chain = rounds(new Start(model, file, input, blocks, blockParameters, modelParameters), stats, settings,
                endToEnd, progress);
        List<ModelProto> models = chain.models();
        List<Long> removed = chain.removed();
        int n = models.size();
        List<GraphSweepReport.Judged> judged = judgeAll(models, new Judging(form, file, input, decoder, settings),
                validation, validationOriginal, validationLabels, progress);
        List<GraphSweepReport.Judged> reported = report == null ? java.util.Collections.nCopies(n, null)
                : judgeAll(models, new Judging(form, file, input, decoder, settings), report, reportOriginal,
                        reportLabels, Progress.NONE);
        int[][] counts = {judged.stream().mapToInt(GraphSweepReport.Judged::lost).toArray(),
            judged.stream().mapToInt(GraphSweepReport.Judged::gained).toArray()};
        boolean labelled = validationLabels != null;
        ChainCertificate.Verdict verdict = verdict(settings, validation.count(), labelled, counts,
                () -> ChainCertificate.newSetShares(trainingLosses(model, models, file, input, stats, decoder,
                        settings), settings.maxDrop()));
        int chosen = verdict.chosen();
        boolean[] holds = verdict.holds();
        double[] levels = verdict.levels();
        List<GraphSweepReport.Round> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long blockGone = blockParameters - blockParameters(BlockFinder.find(new GraphView(models.get(i), file)));
            rows.add(new GraphSweepReport.Round(i + 1, chain.widths().get(i), modelParameters - removed.get(i),
                    100.0 * blockGone / blockParameters, 100.0 * removed.get(i) / modelParameters, levels[i],
                    holds[i], judged.get(i), reported.get(i), chain.keptEpochs().get(i)));
        }
        String choice = chosen < 0
                ? (n == 0 ? "no round could remove units" : "no round holds " + heldAt(settings.promise())
                        + ": nothing written")
                : promise(chosen, rows.get(chosen), validation.count(), settings, labelled, decoder.judged());
        GraphSweepReport result = new GraphSweepReport(file.toString(), null, described,
                settings.ranking().name().toLowerCase(java.util.Locale.ROOT),
                settings.compensation().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '),
                settings.share(), 100 * settings.maxDrop(), stats.count(), labelled,
                judge(validationOriginal, validationOriginal, validationLabels),
                report == null ? null : judge(reportOriginal, reportOriginal, reportLabels), rows,
                chosen < 0 ? null : chosen, choice, (System.nanoTime() - started) / 1e9,
                settings.retraining() == null ? "none" : settings.retraining().describe(), endToEnd.notes(),
                List.of());
        ModelProto judgedForm = chosen < 0 ? null : form.apply(models.get(chosen));
        ModelProto written = chosen < 0 ? null : hoisted.restore(input.reopened(judgedForm));
        if (written != null) {
            checkSame(judgedForm, written, file, input, validation.first(CHECK_WRITTEN), settings.device());
        }
        return new Outcome(result, written);
    }

    /** The graph a sweep starts from, with what its rounds are measured against. */
    private record Start(ModelProto model, Path file, GraphFeed input, List<DenseBlock> blocks, long blockParameters,
            long modelParameters) {
    }

    /** The rounds' graphs in order, with the parameters each removed, its blocks' widths and its retraining epoch. */
    private record Chain(List<ModelProto> models, List<Long> removed, List<String> widths,
            List<Integer> keptEpochs) {
    }

    /**
     * The rounds: each removes {@link Settings#share()} more of the block parameters (statistics, then the refit, then
     * end-to-end retraining when it is on), until the share is used up or a round can remove nothing.
     */
    private static Chain rounds(Start start, GraphRows stats, Settings settings, EndToEnd endToEnd,
            Progress progress) {
        ModelProto model = start.model();
        Path file = start.file();
        GraphFeed input = start.input();
        List<ModelProto> models = new ArrayList<>();
        List<Long> removed = new ArrayList<>();
        List<String> widths = new ArrayList<>();
        List<Integer> keptEpochs = new ArrayList<>();
        ModelProto current = model;
        int rounds = (int) Math.floor(1 / settings.share() + 1e-9) - 1;
        org.odf2nna.RoundClock clock = new org.odf2nna.RoundClock(rounds, false);
        Progress timed = clock.around(progress);
        for (int r = 1; r <= Math.max(rounds, 1); r++) {
            String label = clock.round(r);
            List<DenseBlock> now = BlockFinder.find(new GraphView(current, file));
            if (now.size() != start.blocks().size()) {
                break;
            }
            long target = (long) Math.ceil(r * settings.share() * start.blockParameters())
                    - (start.blockParameters() - blockParameters(now));
            if (target <= 0) {
                continue;
            }
            timed.update(label + ": statistics", 0, -1, null);
            Measured measured = new Measured(now, BlockStatistics.measure(current, file, now, stats, input,
                    settings.device(), settings.samples()));
            timed.done(label + ": statistics");
            timed.update(label + ": refit", 0, -1, null);
            BlockPruner.Pruned pruned = step(model, current, file, measured, stats, input, target, settings);
            timed.done(label + ": refit");
            if (pruned.parameters() <= 0) {
                break;
            }
            current = pruned.model();
            endToEnd.take();
            if (endToEnd.active()) {
                String phase = label + ": retraining end to end";
                timed.update(phase, 0, settings.retraining().epochs(), null);
                current = endToEnd.retrain(model, current, file, (epoch, epochs) -> timed.update(phase, epoch.epoch(),
                        epochs, null));
                timed.done(phase);
            }
            clock.finished(r);
            models.add(current);
            keptEpochs.add(endToEnd.take());
            GraphView after = new GraphView(current, file);
            removed.add(start.modelParameters() - after.parameters());
            widths.add(String.join("-", BlockFinder.find(after).stream().map(b -> Integer.toString(b.width()))
                    .toList()));
        }
        return new Chain(models, removed, widths, keptEpochs);
    }

    /** How a round's graph is run to judge it: its form (float or int8), file, feed, decoding and device. */
    private record Judging(RoundForm form, Path file, GraphFeed input, Decoder decoder, Settings settings) {
    }

    /** Each round's graph judged on {@code rows} against the original's predictions there (and their labels). */
    private static List<GraphSweepReport.Judged> judgeAll(List<ModelProto> models, Judging how, GraphRows rows,
            int[] original, int[] labels, Progress progress) {
        List<GraphSweepReport.Judged> judged = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            progress.update("judging rounds", i, models.size(), null);
            judged.add(judge(predict(how.form(), models.get(i), how.file(), how.input(), rows,
                    how.settings().device(), how.decoder()), original, labels));
        }
        progress.done("judging rounds");
        return judged;
    }

    /**
     * The chain judged under the settings' reading ({@link ChainCertificate#verdict}); the new-set reading's shares
     * are picked on training rows, only when that reading asks for them.
     *
     * @param counts per round, the validation rows lost and gained
     */
    private static ChainCertificate.Verdict verdict(Settings settings, int rows, boolean labelled, int[][] counts,
            java.util.function.Supplier<double[]> newSetShares) {
        int n = counts[0].length;
        if (n == 0) {
            return new ChainCertificate.Verdict(-1, new boolean[0], new double[0]);
        }
        double[] shares = settings.promise() == ChainCertificate.Reading.NEW_SET ? newSetShares.get() : null;
        return ChainCertificate.verdict(settings.promise(), rows, settings.maxDrop(), labelled, counts[0], counts[1],
                shares);
    }

    /** Training rows each round's loss is measured on, when the new-set reading picks its rounds there. */
    static final int PICKING_ROWS = 1000;

    /**
     * Per round, its loss against the original on the first {@link #PICKING_ROWS} training rows (accuracy lost, or
     * the share of changed predictions without labels): what the new-set reading picks its rounds by, before the
     * validation rows are read.
     */
    private static double[] trainingLosses(ModelProto original, List<ModelProto> models, Path file,
            GraphFeed input, GraphRows training, Decoder decoder, Settings settings) {
        GraphRows rows = training.first(PICKING_ROWS);
        int[] before = predict(original, file, input, rows, settings.device(), decoder);
        int[] labels = decoder.classes() ? rows.labels() : null;
        double[] losses = new double[models.size()];
        for (int i = 0; i < models.size(); i++) {
            GraphSweepReport.Judged j = judge(predict(models.get(i), file, input, rows, settings.device(), decoder),
                    before, labels);
            losses[i] = (double) (j.lost() - j.gained()) / Math.max(1, rows.count());
        }
        return losses;
    }

    /** Rows the written model (weights back where the exporter stored them, sizes open again) is checked on. */
    static final int CHECK_WRITTEN = 64;

    /**
     * Checks that the model as written computes what the judged model computed on {@code rows}: storing its weights
     * back and reopening its input change how it is stored, never what it computes.
     */
    private static void checkSame(ModelProto judged, ModelProto written, Path file, GraphFeed feed, GraphRows rows,
            Device device) {
        String output = judged.getGraph().getOutput(0).getName();
        float[][] out = new float[2][];
        ModelProto[] both = {judged, written};
        for (int k = 0; k < 2; k++) {
            ModelProto runnable = BlockStatistics.relaxed(both[k].toBuilder(), feed.data().name()).build();
            try (GraphFeed.Session s = feed.open(runnable, device, file)) {
                out[k] = s.run(rows, 0, rows.count(), List.of(output)).get(output);
            }
        }
        for (int i = 0; i < out[0].length; i++) {
            if (Math.abs(out[0][i] - out[1][i]) > 1e-5 * Math.max(1, Math.abs(out[0][i]))) {
                throw new IllegalStateException("the model as written computes " + out[1][i] + " where the judged "
                        + "one computed " + out[0][i] + " (output '" + output + "', value " + i + ")");
            }
        }
    }

    /** What the report says of how the rows were fed and judged, where that is not the plain case. */
    private static List<String> notes(Settings settings, GraphFeed feed, Decoder decoder, GraphRows validation) {
        List<String> notes = new ArrayList<>();
        if (settings.endToEnd() && !feed.singleFloatInput()) {
            notes.add("end-to-end retraining translates graphs of one float input; input '" + feed.data().name()
                    + "'" + (feed.sides().isEmpty() ? " holds integers" : " has " + feed.sides().size() + " other "
                    + "input(s) beside it") + ", so every round keeps the sequential block refit");
        }
        if (!decoder.classes()) {
            notes.add("rows judged on agreement with the original's " + decoder.judged()
                    + (validation.labelled() ? "; the labels of the rows are not used" : ""));
        }
        return notes;
    }

    /** How the chosen round held, in words, under a reading. */
    static String heldAt(ChainCertificate.Reading reading) {
        return reading == ChainCertificate.Reading.POPULATION
                ? "at the whole 5%, the rounds tested in order up to the first that fails"
                : "at its part of one 5% (shared by at most " + ChainCertificate.NEW_SET_ROUNDS + " rounds picked on "
                + "training rows)";
    }

    /** The choice in words, with the promise it carries (as the dense-chain sweep states it). */
    static String promise(int chosen, GraphSweepReport.Round round, int rows, Settings settings, boolean labelled,
            String judged) {
        GraphSweepReport.Judged v = round.validation();
        double maxDrop = settings.maxDrop();
        ChainCertificate.Reading reading = settings.promise();
        String where = reading == ChainCertificate.Reading.POPULATION
                ? "on the data the validation rows come from" : "on a new set of " + rows + " rows drawn like the "
                + "validation rows";
        return String.format(java.util.Locale.ROOT, "round %d (%d parameters, %.1f%% fewer; %.1f%% of the block "
                + "parameters), the last round that holds %s (%.4f): %s. The promise (%s reading): over repeated "
                + "runs, at most 5%% write a model that %s %s", chosen + 1, round.parameters(),
                round.reductionPercent(), round.blockReductionPercent(), heldAt(reading), round.level(),
                labelled ? v.lost() + " of " + rows + " validation rows lost, " + v.gained() + " gained"
                        : v.lost() + " of " + rows + " validation " + judged + " changed", reading.option(),
                labelled ? "loses more than " + org.odf2nna.report.ReportFormat.number(100 * maxDrop)
                        + (100 * maxDrop == 1 ? " accuracy point" : " accuracy points")
                        : "changes more than " + org.odf2nna.report.ReportFormat.number(100 * maxDrop)
                        + "% of its " + judged, where);
    }

    private static GraphSweepReport.Judged judge(int[] predicted, int[] original, int[] labels) {
        int lost = 0;
        int gained = 0;
        int right = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (labels == null) {
                lost += predicted[i] != original[i] ? 1 : 0;
                continue;
            }
            boolean was = original[i] == labels[i];
            boolean is = predicted[i] == labels[i];
            right += is ? 1 : 0;
            lost += was && !is ? 1 : 0;
            gained += !was && is ? 1 : 0;
        }
        return new GraphSweepReport.Judged(predicted.length, labels == null ? Double.NaN
                : (double) right / predicted.length, lost, gained);
    }

    /** The class each row gets: the argmax of the graph's first output. */
    public static int[] predict(ModelProto model, Path file, InputSignature input, GraphRows rows, Device device) {
        return predict(model, file, GraphFeed.plain(input), rows, device, classes(), false);
    }

    /** A decoder of class vectors: the argmax of each row. */
    private static Decoder classes() {
        return new Decoder(new OutputDecoding(OutputDecoding.Kind.CLASS, OutputDecoding.DEFAULT_THRESHOLD, 0));
    }

    /** What {@code model} in {@code form} gives each row, as {@code decoder} reads it. */
    static int[] predict(RoundForm form, ModelProto model, Path file, GraphFeed feed, GraphRows rows, Device device,
            Decoder decoder) {
        return predict(form.apply(model), file, feed, rows, device, decoder, form.eachRow());
    }

    /** The classes each row gets, with {@code eachRow} one row per run (what a dynamic int8 form computes alone). */
    public static int[] predict(ModelProto model, Path file, InputSignature input, GraphRows rows, Device device,
            boolean eachRow) {
        return predict(model, file, GraphFeed.plain(input), rows, device, classes(), eachRow);
    }

    /** What each row's first output decodes to ({@link Decoder}): its class, or the number of its decoded output. */
    public static int[] predict(ModelProto model, Path file, GraphFeed feed, GraphRows rows, Device device,
            Decoder decoder) {
        return predict(model, file, feed, rows, device, decoder, false);
    }

    /** The same, with {@code eachRow} one row per run. */
    public static int[] predict(ModelProto model, Path file, GraphFeed feed, GraphRows rows, Device device,
            Decoder decoder, boolean eachRow) {
        ModelProto runnable = BlockStatistics.relaxed(model.toBuilder(), feed.data().name()).build();
        String output = model.getGraph().getOutput(0).getName();
        int[] decoded = new int[rows.count()];
        int batch = eachRow ? 1 : 1000;
        try (GraphFeed.Session runner = feed.open(runnable, device, file)) {
            for (int start = 0; start < rows.count(); start += batch) {
                int count = Math.min(batch, rows.count() - start);
                OnnxRunner.Out out = runner.runShaped(rows, start, count, List.of(output)).get(output);
                System.arraycopy(decoder.decode(out, count, output, file), 0, decoded, start, count);
            }
        }
        return decoded;
    }
}
