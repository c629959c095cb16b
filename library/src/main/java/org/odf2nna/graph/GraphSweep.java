package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.WeightStorage;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.GraphBlocks;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.OutputDecoding;

/**
 * Progressive rounds over a graph's dense blocks: each round measures every block's hidden units on the training rows
 * (one ONNX Runtime pass), ranks all units of all blocks in one order with the scores normalised per block, drops the
 * lowest until the round's share of the original's block parameters is gone, and compensates in the second layers
 * ({@link GraphRounds}). The rounds are fixed before the validation rows are looked at; each round's whole graph is
 * then run on them and judged under the reading ({@link ChainCertificate} for a classifier's lost and gained rows,
 * {@link GraphRegression} for a regressor's MSE), and the round chosen is written.
 */
public final class GraphSweep {

    /**
     * A sweep's outcome: the report, and the chosen round's model (null when none holds).
     *
     * @param certified the rounds (0-based) the validation rule certifies, the chosen one first, then the others
     *                  from the smallest to the largest: what a judge of speed may write instead
     * @param written   a round's model as it would be written (weights stored back, sizes reopened, checked to
     *                  compute what was judged)
     */
    public record Outcome(SweepReport report, ModelProto chosen, List<Integer> certified,
            java.util.function.IntFunction<ModelProto> written) {

        public Outcome {
            certified = List.copyOf(certified);
        }

        /** Only the chosen round's model. */
        public Outcome(SweepReport report, ModelProto chosen) {
            this(report, chosen, List.of(), i -> {
                throw new IllegalStateException("no round but the chosen one kept");
            });
        }
    }

    private GraphSweep() {
    }

    /**
     * The blocks found without running the graph (an exporter's attentions not traced, their heads not listed): what
     * {@code inspect} lists where the graph cannot be run on made-up rows.
     */
    public static GraphBlocks describe(ModelProto model, Path file) {
        GraphView g = new GraphView(HeadUnits.canonical(WeightStorage.hoist(model).model(), file), file);
        List<DenseBlock> blocks = BlockFinder.find(g);
        return describe(g, blocks);
    }

    /**
     * The blocks exactly as a sweep's first round finds them ({@link #found}) on {@code rows} (a few are enough: they
     * only trace the attentions), with a line for each layer that is in no block saying why ({@link LayerNotes}).
     */
    public static GraphBlocks describe(ModelProto model, Path file, GraphFeed feed, GraphRows rows, Device device) {
        Found found = found(WeightStorage.hoist(model).model(), file, feed, rows, device);
        GraphBlocks described = describe(found.view(), found.blocks());
        List<String> notes = new ArrayList<>(described.notes());
        notes.addAll(HeadUnits.notes(found.canonical()));
        notes.addAll(LayerNotes.outside(found.view(), found.blocks()));
        return new GraphBlocks(described.modelParameters(), described.blockParameters(), described.blockShare(),
                described.blocks(), notes);
    }

    /**
     * A graph as the sweep prunes it: its exporter's attentions rewritten to the canonical form on rows
     * ({@link AttentionRewrite}), and its blocks.
     */
    record Found(AttentionRewrite.Result canonical, GraphView view, List<DenseBlock> blocks) {
    }

    /**
     * The one search that {@code sweep}, {@link #prune} and {@code inspect} share: {@code hoisted} (its weights hoisted)
     * with the data input's row shape fixed as {@code feed} resolves it, its attentions traced on {@code rows}.
     */
    static Found found(ModelProto hoisted, Path file, GraphFeed feed, GraphRows rows, Device device) {
        AttentionRewrite.Result canonical = AttentionRewrite.rewrite(feed.fixed(hoisted), file, feed, rows, device);
        GraphView view = new GraphView(canonical.model(), file);
        return new Found(canonical, view, BlockFinder.find(view));
    }

    /** The most residual Adds whose untied channels {@code inspect} explains one by one (a transformer has many). */
    private static final int MAX_UNTIED_NOTES = 3;

    static GraphBlocks describe(GraphView g, List<DenseBlock> blocks) {
        long total = g.parameters();
        long inBlocks = blockParameters(blocks);
        List<GraphBlocks.Block> rows = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            DenseBlock b = blocks.get(i);
            if (b.tied()) {
                if (TiedChannels.lead(blocks, i)) {
                    rows.add(stream(blocks, b, rows.size() + 1));
                }
                continue;
            }
            rows.add(new GraphBlocks.Block(rows.size() + 1, b.heads() ? "heads" : b.kind() == DenseBlock.Kind.MATMUL
                    ? "last axis" : "channels", layers(b, b.place().secondNode()),
                    new GraphBlocks.Sizes(b.sizes().inputs(),
                    b.sizes().width(), b.sizes().outputs()), between(b), b.sizes().parameters()));
        }
        List<String> untied = TiedChannels.untied(g, blocks);
        List<String> notes = new ArrayList<>(untied.subList(0, Math.min(untied.size(), MAX_UNTIED_NOTES)));
        if (untied.size() > MAX_UNTIED_NOTES) {
            notes.add("and " + (untied.size() - MAX_UNTIED_NOTES) + " more residual Add(s) like these");
        }
        return new GraphBlocks(total, inBlocks, total == 0 ? 0 : (double) inBlocks / total, rows, notes);
    }

    /**
     * A residual stream's row: its producers as inputs and its consumers as outputs, the parameters of all of them
     * ({@link TiedChannels}).
     */
    private static GraphBlocks.Block stream(List<DenseBlock> blocks, DenseBlock lead, int row) {
        List<DenseBlock> sites = blocks.stream().filter(x -> lead.stream().equals(x.stream())).toList();
        return new GraphBlocks.Block(row, GraphBlocks.STREAM,
                layers(lead, sites.get(sites.size() - 1).place().secondNode()),
                new GraphBlocks.Sizes(lead.sizes().inputs(), lead.sizes().width(), sites.size()), between(lead),
                sites.stream().mapToLong(b -> b.sizes().parameters()).sum());
    }

    /** Where {@code b} stands, up to the second layer {@code second} (a stream's: its last reader). */
    private static GraphBlocks.Layers layers(DenseBlock b, String second) {
        return new GraphBlocks.Layers(b.place().firstNode(), second, b.place().nodes(), b.place().hidden());
    }

    private static GraphBlocks.Between between(DenseBlock b) {
        return new GraphBlocks.Between(b.activation(), b.perUnitOps());
    }

    /** The blocks' parameters, each shared constant counted once. */
    static long blockParameters(List<DenseBlock> blocks) {
        java.util.Map<String, Long> seen = new java.util.HashMap<>();
        for (DenseBlock b : blocks) {
            for (DenseBlock.UnitSlot s : b.rewrites().slots()) {
                seen.put(s.tensor(), s.elements());
            }
        }
        long n = seen.values().stream().mapToLong(Long::longValue).sum();
        for (DenseBlock b : blocks) {
            if (b.rewrites().secondBias() != null && !seen.containsKey(b.rewrites().secondBias())) {
                n += b.sizes().outputs();
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
            GraphRun settings) {
        return prune(stored, file, GraphFeed.of(stored, file), rows, blockShare, settings);
    }

    /** {@link #prune(ModelProto, Path, GraphRows, double, GraphRun)} with the graph's inputs fed as {@code feed} says. */
    public static BlockPruner.Pruned prune(ModelProto stored, Path file, GraphFeed feed, GraphRows rows,
            double blockShare, GraphRun settings) {
        WeightStorage.Hoisted hoisted = WeightStorage.hoist(stored);
        Found found = found(hoisted.model(), file, feed, rows, settings.device());
        ModelProto model = found.canonical().model();
        List<DenseBlock> blocks = found.blocks();
        if (blocks.isEmpty()) {
            throw noBlocks(file);
        }
        GraphRows measuredRows = rows.first(settings.statisticsRows());
        UnitCosts.Counter counter = UnitCosts.Counter.of(settings, feed, measuredRows, file, model, blocks);
        long target = (long) Math.ceil(blockShare * counter.total(model, blocks));
        GraphRounds.Measured measured = new GraphRounds.Measured(blocks, BlockStatistics.measure(model, file, blocks,
                measuredRows, feed, settings.device(), settings.samples()), GraphRounds.most(blocks, blocks,
                settings.blockLimits(), KeptBlocks.resolve(blocks, settings.blockLimits().keep(), file)))
                .withCosts(counter.units(model, blocks));
        // One round without retraining: the default ranking is the cost here (Ranking.AUTO).
        if (settings.ranking(blocks).usesGradients() && !settings.rankingByDefault()) {
            // The Taylor ranking's gradients: the original is its own start and teacher here.
            measured = measured.withGradients(TaylorImportance.gradients(model, model, file, rows, feed, settings));
        }
        if (settings.ranking(blocks) == org.odf2nna.settings.Ranking.HEAD_LOSS) {
            measured = measured.withHeadLoss(HeadLoss.increases(model, file, blocks, measured.moments(), measuredRows,
                    feed, settings));
        }
        BlockPruner.Pruned pruned = GraphRounds.step(model, model, file, measured,
                SequentialRefit.Input.quiet(measuredRows, feed), target, settings);
        return new BlockPruner.Pruned(hoisted.restore(feed.reopened(pruned.model())), pruned.removedUnits(),
                pruned.parameters());
    }

    static InputException noBlocks(Path file) {
        return InputException.uncertifiable(file, null, "has no dense blocks (a MatMul, Gemm or group-1 Conv, an "
                + "activation, a second such layer); nothing to prune");
    }

    /**
     * Runs the sweep.
     *
     * @param training   rows the units are measured on (never judged)
     * @param validation rows the rounds are judged on
     * @param report     rows only measured, or null
     */
    public static Outcome sweep(ModelProto model, Path file, GraphRows training, GraphRows validation,
            GraphRows report, GraphRun settings, Progress progress) {
        return sweep(model, file, training, validation, report, settings, JudgedForm.FLOAT, progress);
    }

    /**
     * Runs the sweep, each round judged and written in {@code form} (its int8 form, say); the rounds themselves are
     * pruned and retrained as float.
     */
    public static Outcome sweep(ModelProto stored, Path file, GraphRows training, GraphRows validation,
            GraphRows report, GraphRun settings, JudgedForm form, Progress progress) {
        return sweep(stored, file, new Io(GraphFeed.of(stored, file), OutputDecoding.DEFAULT, form), training,
                validation, report, settings, progress);
    }

    /**
     * How a graph is fed and read: its inputs ({@link GraphFeed}), what its first output decodes to when a row is
     * judged ({@link OutputDecoding}), and the form each round is judged and written in ({@link JudgedForm}).
     */
    public record Io(GraphFeed feed, OutputDecoding decoding, JudgedForm form) {

        /** Each round judged and written as it is (float). */
        public Io(GraphFeed feed, OutputDecoding decoding) {
            this(feed, decoding, JudgedForm.FLOAT);
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
            GraphRows report, GraphRun settings, Progress progress) {
        long started = System.nanoTime();
        WeightStorage.Hoisted hoisted = WeightStorage.hoist(stored);
        GraphFeed input = io.feed();
        Found found = found(hoisted.model(), file, input, training, settings.device());
        AttentionRewrite.Result canonical = found.canonical();
        ModelProto model = canonical.model();
        for (GraphRows r : new GraphRows[] {training, validation, report}) {
            if (r != null && r.width() != input.width()) {
                throw new IllegalArgumentException("rows of " + r.width() + " values for an input of "
                        + input.width());
            }
        }
        GraphView original = found.view();
        List<DenseBlock> blocks = found.blocks();
        if (blocks.isEmpty()) {
            throw noBlocks(file);
        }
        GraphBlocks described = describe(original, blocks);
        java.util.Set<Integer> kept = KeptBlocks.resolve(blocks, settings.blockLimits().keep(), file);
        GraphRows stats = training.first(settings.statisticsRows());
        Judging how = new Judging(io.form(), file, input, new Decoder(io.decoding()), settings);
        RoundRetraining endToEnd = new RoundRetraining(settings, settings.endToEnd()
                && RoundRetraining.feeds(input) ? training.first(settings.retrainingRows(training.width())) : null, input);
        UnitCosts.Counter counter = counted(settings, input, stats, file, model, blocks, progress);
        RoundChain.Chain chain = RoundChain.rounds(new RoundChain.Start(model, file, input, blocks,
                described.blockParameters(), original.parameters(), kept, counter), stats, settings, endToEnd,
                progress);
        Rows rows = new Rows(training, validation, report);
        Judgement judged = settings.nextToken() ? GraphTokenJudging.judge(model, chain.models(), how, rows, progress)
                : settings.regression() ? GraphRegression.judge(model, chain.models(), how, rows, progress)
                : GraphDetectionJudging.detector(model)
                ? GraphDetectionJudging.judge(model, chain.models(), how, rows, progress)
                : GraphClassJudging.judgeClasses(model, chain.models(), how, rows, progress);
        List<SweepReport.Round> table = table(chain, judged, described, file);
        // After the judging: the decoder knows what it read the output as.
        List<String> notes = new ArrayList<>(GraphSweepChoice.notes(settings, input, how.decoder(), validation));
        if (GraphDetectionJudging.detector(model)) {
            notes.removeIf(n -> n.startsWith("rows judged on agreement"));
            notes.add(judged.labelled() ? GraphDetectionJudging.LABELLED_NOTE : GraphDetectionJudging.NOTE);
        }
        notes.addAll(endToEnd.notes());
        notes.addAll(HeadUnits.notes(canonical));
        notes.addAll(GraphSweepChoice.budgetNotes(settings, counter));
        if (chain.halfStep() >= 0) {
            int h = chain.halfStep() + 1;
            boolean beforeLast = h == chain.models().size() - 1;
            String counted = org.odf2nna.report.ComputeSummary.counted(settings.budget().id());
            notes.add("round " + h + " is a half step: made from round " + (h - 1) + ", it removes the block "
                    + counted + " halfway to round " + (h + 1) + (beforeLast ? ", the chain's last" : "") + "; made "
                    + "before the validation rows were read and tested in its place in the order");
        }
        int chosen = judged.verdict().chosen();
        SweepReport.Method method = new SweepReport.Method(
                endToEnd.ranking(blocks).name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                settings.compensation().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '),
                settings.share(), 100 * settings.maxDrop(), stats.count(),
                settings.budget() == org.odf2nna.settings.Budget.PARAMS ? null : settings.budget().id());
        SweepReport result = SweepReport.ofGraph(file.toString(), null, described, method,
                new SweepReport.Original(judged.labelled(), judged.original(), judged.originalReport()),
                new SweepReport.Outcome(table, chosen < 0 ? null : chosen, GraphSweepChoice.choice(table, judged, how, validation,
                        !GraphDetectionJudging.detector(model) ? how.decoder().judged() : judged.labelled()
                        ? GraphDetectionJudging.LABELLED_WORDS : GraphDetectionJudging.WORDS)),
                new SweepReport.Run((System.nanoTime() - started) / 1e9, endToEnd.fellBack() ? "sequential refit "
                + "alone (end to end was asked for and did not run: see the notes)" : settings.retraining().describe(),
                notes, List.of()));
        java.util.function.IntFunction<ModelProto> writtenForm = i -> {
            ModelProto judgedForm = io.form().apply(chain.models().get(i));
            if (judged.range() != null) {
                judgedForm = GraphRegression.clipped(judgedForm, judged.range());
            }
            ModelProto written = hoisted.restore(input.reopened(judgedForm));
            checkSame(judgedForm, written, file, input, validation.first(CHECK_WRITTEN), settings.device());
            return written;
        };
        List<Integer> certified = ChainCertificate.certified(chosen, i -> judged.verdict().holds()[i]);
        return new Outcome(result, chosen < 0 ? null : writtenForm.apply(chosen), certified, writtenForm);
    }

    /** The rows of a sweep: those the units are measured on, those the rounds are judged on, those only measured. */
    record Rows(GraphRows training, GraphRows validation, GraphRows report) {
    }

    /**
     * The rounds judged.
     *
     * @param original       the original on the validation rows
     * @param originalReport the original on the report rows, or null
     * @param validation     each round on the validation rows
     * @param report         each round on the report rows (nulls without them)
     * @param verdict        the round chosen under the reading, each round's test and level
     * @param labelled       whether the rows' targets judged the rounds (without: agreement with the original)
     * @param rules          a regressor's rule per round, in words; null for a classifier
     * @param range          a regressor's training targets' range, the clip the written model holds; null for a
     *                       classifier
     */
    record Judgement(SweepReport.Judged original, SweepReport.Judged originalReport,
            List<SweepReport.Judged> validation, List<SweepReport.Judged> report,
            ChainCertificate.Verdict verdict, boolean labelled, List<String> rules,
            org.odf2nna.metrics.BoundedRegression.Range range) {
    }

    /** The table's rows: each round's widths, parameters, share removed, level, test and measures. */
    private static List<SweepReport.Round> table(RoundChain.Chain chain, Judgement judged,
            GraphBlocks described, Path file) {
        long blockParameters = described.blockParameters();
        long modelParameters = described.modelParameters();
        List<SweepReport.Round> rows = new ArrayList<>();
        for (int i = 0; i < chain.models().size(); i++) {
            long blockGone = blockParameters - blockParameters(BlockFinder.find(new GraphView(chain.models().get(i),
                    file)));
            long removed = chain.removed().get(i);
            rows.add(new SweepReport.Round(i + 1, new SweepReport.Size(chain.widths().get(i),
                    modelParameters - removed, 100.0 * blockGone / blockParameters, 100.0 * removed / modelParameters),
                    judged.verdict().levels()[i], judged.verdict().holds()[i], judged.validation().get(i),
                    judged.report().get(i), new SweepReport.Retrained(chain.keptEpochs().get(i),
                    chain.retrainingSeconds().get(i), chain.skipped().get(i))));
        }
        return rows;
    }

    /** How a round's graph is run to judge it: its form (float or int8), file, feed, decoding and settings. */
    record Judging(JudgedForm form, Path file, GraphFeed input, Decoder decoder, GraphRun settings) {
    }

    /** Training rows each round's loss is measured on, when the new-set reading picks its rounds there. */
    static final int PICKING_ROWS = 1000;

    /** Rows the written model (weights back where the exporter stored them, sizes open again) is checked on. */
    static final int CHECK_WRITTEN = 64;

    /**
     * Checks that the model as written computes what the judged model computed on {@code rows}: storing its weights
     * back and reopening its input change how it is stored, never what it computes.
     */
    static void checkSame(ModelProto judged, ModelProto written, Path file, GraphFeed feed, GraphRows rows,
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

    /** The progress phase of timing the block layers under the latency budget. */
    static final String TIMING_LAYERS = "timing the block layers alone in ONNX Runtime (budget latency)";

    /** What counts the sweep's budget, its layers timed first under latency (a phase of its own). */
    private static UnitCosts.Counter counted(GraphRun settings, GraphFeed feed, GraphRows stats, Path file,
            ModelProto model, List<DenseBlock> blocks, Progress progress) {
        boolean timing = settings.budget() == org.odf2nna.settings.Budget.LATENCY;
        if (timing) {
            progress.update(TIMING_LAYERS, 0, -1, null);
        }
        UnitCosts.Counter counter = UnitCosts.Counter.of(settings, feed, stats, file, model, blocks);
        if (timing) {
            progress.done(TIMING_LAYERS);
        }
        return counter;
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
    static int[] predict(JudgedForm form, ModelProto model, Path file, GraphFeed feed, GraphRows rows, Device device,
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

    /**
     * {@code model}'s first output on every row, row-major, as ONNX Runtime computes it: the teacher's outputs that
     * end-to-end retraining distils from (TensorFlow took about 30 s a retraining for a ResNet-18's 12,000 rows).
     */
    static float[] outputs(ModelProto model, Path file, GraphFeed feed, GraphRows rows, Device device) {
        ModelProto runnable = BlockStatistics.relaxed(model.toBuilder(), feed.data().name()).build();
        String output = model.getGraph().getOutput(0).getName();
        float[] all = null;
        int width = 0;
        int batch = 1000;
        try (GraphFeed.Session runner = feed.open(runnable, device, file)) {
            for (int start = 0; start < rows.count(); start += batch) {
                int count = Math.min(batch, rows.count() - start);
                float[] values = runner.runShaped(rows, start, count, List.of(output)).get(output).values();
                if (all == null) {
                    width = values.length / count;
                    all = new float[rows.count() * width];
                }
                if (values.length != count * width) {
                    throw new IllegalStateException("the first output's width changes from row to row");
                }
                System.arraycopy(values, 0, all, start * width, values.length);
            }
        }
        return all;
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
