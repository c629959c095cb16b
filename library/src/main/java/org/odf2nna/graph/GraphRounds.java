package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.odf2nna.Progress;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.BlockLimits;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.Ranking;
import org.odf2nna.settings.RoundTo;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.GraphRetrainer;
import org.odf2nna.tf.InputPacking;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.TrainingResult;
import org.odf2nna.tf.TranslationCheck;
import org.odf2nna.tf.ops.UnsupportedOperatorException;

/**
 * The rounds of a graph sweep, before any is judged: each measures every block's hidden units on the training rows
 * (one ONNX Runtime pass), ranks all units of all blocks in one order with the scores normalised per block, drops the
 * lowest until the round's share of the original's block parameters is gone, compensates in the second layers, and
 * retrains end to end when that is on. {@link GraphSweep} judges the rounds and writes one.
 */
final class GraphRounds {

    private GraphRounds() {
    }

    /**
     * A round's blocks with their statistics on the training rows, and the most units (heads for an attention) the
     * round may take from each ({@link #most}).
     */
    record Measured(List<DenseBlock> blocks, List<BlockStatistics.Moments> moments, int[] most,
            Map<String, float[]> gradients, List<double[]> headLoss, UnitCosts costs) {

        /** The blocks' units costed by their parameters. */
        Measured(List<DenseBlock> blocks, List<BlockStatistics.Moments> moments, int[] most) {
            this(blocks, moments, most, null, null, UnitCosts.parameters(blocks));
        }

        /** The same with the Taylor ranking's loss gradients ({@link TaylorImportance#gradients}). */
        Measured withGradients(Map<String, float[]> values) {
            return new Measured(blocks, moments, most, values, headLoss, costs);
        }

        /** The same with the heads' loss increases per block ({@link HeadLoss#increases}). */
        Measured withHeadLoss(List<double[]> increases) {
            return new Measured(blocks, moments, most, gradients, increases, costs);
        }

        /** The same with each unit costed as the round's budget counts ({@link UnitCosts}). */
        Measured withCosts(UnitCosts value) {
            return new Measured(blocks, moments, most, gradients, headLoss, value);
        }
    }

    /**
     * Per block of {@code now}, the most units a round may take ({@link BlockLimits}): none from a kept block, else at
     * most the limits' share of its current units, never below its floor, set by its units in {@code originals} (the
     * same blocks in the same order, before any round). A depthwise convolution of one channel would no longer be
     * one, nor would a stream of one channel be worth its producers: those keep two units whatever the floor.
     */
    static int[] most(List<DenseBlock> originals, List<DenseBlock> now, BlockLimits limits, Set<Integer> kept) {
        int[] most = new int[now.size()];
        for (int b = 0; b < now.size(); b++) {
            DenseBlock block = now.get(b);
            if (kept.contains(b)) {
                continue;
            }
            int floor = limits.floor(originals.get(b).units(), block.heads());
            if (block.tied() || !block.groupNodes().isEmpty() && block.unitSize() == 1) {
                floor = Math.max(floor, Math.min(2, originals.get(b).units()));
            }
            most[b] = limits.most(block.units(), floor);
        }
        return most;
    }

    static BlockPruner.Pruned step(ModelProto original, ModelProto model, Path file, Measured measured,
            GraphRows rows, GraphFeed input, long target, GraphRun settings) {
        // The default ranking without Taylor's gradients (see EndToEnd.gradients) is the cost.
        Ranking set = settings.ranking(measured.blocks());
        Ranking ranking = set.usesGradients() && measured.gradients() == null && settings.rankingByDefault()
                ? Ranking.COST : set;
        List<boolean[]> drop = dropped(new GraphView(model, file), measured, target, ranking, settings.roundTo());
        return applied(original, model, file, measured, rows, input, drop, settings);
    }

    /**
     * {@code model} with the channels {@code drop} marks (per block of {@code measured}) removed and compensated as
     * {@code settings} say: what {@link #step} does with its own choice, and {@link GivenRound} with a given one.
     */
    static BlockPruner.Pruned applied(ModelProto original, ModelProto model, Path file, Measured measured,
            GraphRows rows, GraphFeed input, List<boolean[]> drop, GraphRun settings) {
        List<DenseBlock> blocks = measured.blocks();
        List<Compensation> compensations = new ArrayList<>();
        Set<String> tied = TiedChannels.nodes(blocks);
        for (DenseBlock b : blocks) {
            // A stream's consumers, and blocks whose output a stream cuts, cannot be refitted towards the original's
            // tensors channel by channel: least squares on their own samples instead.
            boolean own = b.tied() || tied.contains(b.secondNode());
            compensations.add(settings.compensation() == Compensation.SEQUENTIAL
                    ? own ? Compensation.LEAST_SQUARES : Compensation.MEAN : settings.compensation());
        }
        BlockPruner.Pruned folded = BlockPruner.prune(model, file, blocks, measured.moments(), drop, compensations);
        if (settings.compensation() != Compensation.SEQUENTIAL) {
            return folded;
        }
        ModelProto refitted = SequentialRefit.refit(original, folded.model(), file, input,
                rows.first(REFIT_ROWS), settings.device(), settings.samples());
        return new BlockPruner.Pruned(refitted, folded.removedUnits(), folded.parameters());
    }

    /**
     * Per block, the units a round drops: all units of all blocks ranked in one order, the lowest dropped until
     * {@code target} is gone (parameters, or multiply-adds per row under that budget: {@link Measured#costs}), each
     * block giving at most its {@link Measured#most} (one that has given them is passed over and the others go on). A
     * residual stream's channel is one unit, scored by the sum of its scores at its consumers and costing what all of
     * them carry; its blocks share one mask. Under multiply-adds every score is per multiply-add against the dense
     * units' average ({@link UnitCosts#relative}), so that a unit whose removal saves more compute goes first at equal
     * cost to the output.
     *
     * <p>With widths rounded ({@code roundTo}, {@link #multiple}), a block's units go in whole chunks: its units in
     * its own order (lowest score first) cut into chunks of the multiple, the first chunk of a width that is not a
     * multiple only what brings it to one; the chunks of all blocks are ranked by their units' mean score and taken
     * in that order until the target is gone, a block's chunks never past its most (rounded so that what it keeps
     * stays a multiple, at least one multiple). The round's target is kept this way, where rounding each block's
     * count after a unit-by-unit choice would miss it by up to half a multiple per block, either way. With no
     * rounding (multiple 1) a chunk is a unit and this is the unit-by-unit choice.
     */
    private static List<boolean[]> dropped(GraphView g, Measured measured, long target, Ranking ranking,
            RoundTo roundTo) {
        List<DenseBlock> blocks = measured.blocks();
        int n = blocks.size();
        int[] owner = TiedChannels.owners(blocks);
        List<double[]> scores = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            double[] s = unitScores(g, measured, b, ranking);
            if (owner[b] == b) {
                scores.add(s);
            } else {
                scores.add(null);
                double[] lead = scores.get(owner[b]);
                for (int j = 0; j < s.length; j++) {
                    lead[j] += s[j];
                }
            }
        }
        int[] most = measured.most().clone();
        int[] multiple = new int[n];
        List<boolean[]> drop = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            drop.add(owner[b] == b ? new boolean[blocks.get(b).width()] : drop.get(owner[b]));
            // A stream's channels go from all its blocks at once: the tightest of their limits holds.
            most[owner[b]] = Math.min(most[owner[b]], measured.most()[b]);
            multiple[owner[b]] = Math.max(multiple[owner[b]], multiple(blocks.get(b), roundTo));
        }
        List<Chunk> chunks = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            if (owner[b] == b) {
                chunks.addAll(chunks(b, scores.get(b), most[b], multiple[b]));
            }
        }
        chunks.sort(Comparator.comparingDouble(Chunk::score));
        double removed = 0;
        for (Chunk c : chunks) {
            if (removed >= target) {
                break;
            }
            DenseBlock block = blocks.get(c.block());
            // A head goes with its unitSize channels; a dense unit is one channel.
            for (int u : c.units()) {
                java.util.Arrays.fill(drop.get(c.block()), u * block.unitSize(), (u + 1) * block.unitSize(), true);
            }
            removed += measured.costs().of(block) * c.units().length;
        }
        return drop;
    }

    /**
     * Block {@code b}'s unit scores under {@code ranking}, lower goes first; under multiply-adds, per multiply-add
     * against the dense units where the ranking does not weigh them by cost already.
     */
    private static double[] unitScores(GraphView g, Measured measured, int b, Ranking ranking) {
        DenseBlock block = measured.blocks().get(b);
        BlockStatistics.Moments m = measured.moments().get(b);
        UnitCosts costs = measured.costs();
        // A stream's channels sum their consumers' scores: one-shot costs there, greedy orders do not add up.
        boolean greedy = ranking == Ranking.GREEDY_COST && !block.tied() && block.width() <= GreedyCost.MAX_CHANNELS;
        double[] s = ranking == Ranking.TAYLOR ? TaylorImportance.scores(g, block, measured.gradients(), costs)
                : ranking == Ranking.COST_TAYLOR ? TaylorImportance.costOrdered(g, block, m, measured.gradients(),
                costs)
                : greedy ? GreedyCost.scores(g, block, m, measured.most()[b], costs)
                : ranking == Ranking.HEAD_LOSS ? HeadLoss.scores(g, block, m, costs,
                measured.headLoss() == null ? null : measured.headLoss().get(b))
                : block.unitSize() > 1 ? HeadUnits.scores(g, block, m, ranking, costs)
                : scores(g, block, m, ranking);
        if (costs.budget() == org.odf2nna.settings.Budget.MACS && !weighedByCost(ranking, block)) {
            double relative = costs.relative(block);
            for (int j = 0; j < s.length; j++) {
                s[j] *= relative;
            }
        }
        return s;
    }

    /**
     * Whether {@code ranking}'s scores of {@code block} are already per cost against the dense units: Taylor's
     * importances everywhere, and an attention's heads under the costs that scale them ({@link HeadUnits#scores}).
     */
    private static boolean weighedByCost(Ranking ranking, DenseBlock block) {
        return ranking == Ranking.TAYLOR || block.unitSize() > 1 && (ranking == Ranking.COST
                || ranking == Ranking.GREEDY_COST || ranking == Ranking.HEAD_LOSS || ranking == Ranking.COST_TAYLOR);
    }

    /**
     * What block {@code block}'s width is kept a multiple of: {@code roundTo}'s channels for a convolution's, its units
     * for a MatMul or Gemm block's; 1 for an attention's heads (never rounded) and for a block narrower than the
     * multiple (it never was one, and no width it could keep is).
     */
    static int multiple(DenseBlock block, RoundTo roundTo) {
        if (block.heads()) {
            return 1;
        }
        int m = block.kind() == DenseBlock.Kind.CONV ? roundTo.channels() : roundTo.units();
        return block.width() < m ? 1 : m;
    }

    /** Units of one block that a round takes together, and their mean score. */
    record Chunk(int block, int[] units, double score) {
    }

    /**
     * Block {@code b}'s chunks in its own order: its units sorted by score cut into {@code multiple}s (the first only
     * what brings the width to a multiple), as many as keep it at {@code most} units taken or fewer and at least one
     * multiple kept.
     */
    static List<Chunk> chunks(int b, double[] scores, int most, int multiple) {
        int w = scores.length;
        Integer[] order = new Integer[w];
        for (int j = 0; j < w; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, Comparator.comparingDouble(j -> scores[j]));
        int keptAtLeast = multiple == 1 ? w - most
                : Math.max(multiple, (w - most + multiple - 1) / multiple * multiple);
        int take = Math.max(0, w - keptAtLeast);
        List<Chunk> out = new ArrayList<>();
        int from = 0;
        int size = multiple == 1 || w % multiple == 0 ? multiple : w % multiple;
        while (from + size <= take) {
            int[] units = new int[size];
            double sum = 0;
            for (int k = 0; k < size; k++) {
                units[k] = order[from + k];
                sum += scores[units[k]];
            }
            out.add(new Chunk(b, units, size == 1 ? sum : sum / size));
            from += size;
            size = multiple;
        }
        return out;
    }

    /**
     * End-to-end retraining after each round's compensation, on training rows alone ({@link GraphRetrainer}: the
     * pruned blocks' initializers trained, the rest of the graph constant, distilled from the original). When the
     * graph cannot be translated (an operator outside the translation, or a translation that differs from ONNX
     * Runtime) it says so once in a note and every round keeps its sequential refit.
     */
    static final class EndToEnd {
        private final GraphRun settings;
        private final GraphRows rows;
        private final GraphFeed feed;
        private final List<String> notes = new ArrayList<>();
        private TrainingResult.Epoch lastBest;
        private boolean fellBack;
        /** Rounds that may go without retraining before it is tried again (0: every round is retrained). */
        private int patience;
        /** Rounds gone without retraining since the last that was retrained. */
        private int waiting;
        /** Why the last round went without retraining, or null when it was retrained (cleared by reading). */
        private String lastSkip;
        /** The original's classes on the rows the refits are checked on ({@link #refitChanges}), made once. */
        private int[] originalClasses;
        private double retrainingSeconds;
        private int retrainedRounds;
        private int keptRefit;
        private final List<Integer> skippedRounds = new ArrayList<>();

        /** @param rows the training rows it runs on, or null when it does not run */
        EndToEnd(GraphRun settings, GraphRows rows, GraphFeed feed) {
            this.settings = settings;
            this.rows = rows;
            this.feed = feed;
        }

        /**
         * Whether {@code feed}'s rows can be retrained on: one float input, or several inputs (token ids among them)
         * whose batch is each one's first axis, packed side by side ({@link #packing}).
         */
        static boolean feeds(GraphFeed feed) {
            return feed.retrainable();
        }

        /**
         * How the inputs lie in a retraining row: null for one float input, else the data input then every other
         * input, each with its row shape.
         */
        static InputPacking packing(GraphFeed feed) {
            if (feed.singleFloatInput()) {
                return null;
            }
            List<InputPacking.Part> parts = new ArrayList<>();
            long[] data = feed.data().shape();
            parts.add(new InputPacking.Part(feed.data().name(), feed.data().elementType(),
                    java.util.Arrays.copyOfRange(data, 1, data.length)));
            for (GraphFeed.Side side : feed.sides()) {
                long[] shape = side.shape();
                parts.add(new InputPacking.Part(side.name(), side.elementType(),
                        java.util.Arrays.copyOfRange(shape, 1, shape.length)));
            }
            return new InputPacking(parts);
        }

        /** The rows with every input's values packed as {@code packing} lays them out (constants repeated). */
        static float[] packed(GraphRows rows, GraphFeed feed, InputPacking packing) {
            List<float[]> values = new ArrayList<>();
            values.add(rows.features());
            for (GraphFeed.Side side : feed.sides()) {
                if (side.constant() != null) {
                    float[] c = new float[rows.count() * side.valuesPerRow()];
                    java.util.Arrays.fill(c, side.constant().floatValue());
                    values.add(c);
                } else {
                    values.add(rows.side(side.name()));
                }
            }
            return InputPacking.pack(packing, values, rows.count());
        }

        /** The targets retraining reads: a regressor's values, else the class ids, or null without labels. */
        static float[] labels(GraphRows rows, GraphRun settings) {
            float[] labels = settings.regression() ? rows.targets() : null;
            if (rows.labels() != null) {
                labels = new float[rows.count()];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = rows.labels()[i];
                }
            }
            return labels;
        }

        /** The rows retraining runs on, or null when it does not run. */
        GraphRows rows() {
            return rows;
        }

        boolean active() {
            return rows != null && !fellBack;
        }

        /** Whether end-to-end retraining was asked for but did not run (an operator not translated, say). */
        boolean fellBack() {
            return fellBack;
        }

        /** The ranking the rounds used: as set, or the cost where the default had no gradients ({@link #gradients}). */
        Ranking ranking(List<DenseBlock> blocks) {
            Ranking set = settings.ranking(blocks);
            return set.usesGradients() && settings.rankingByDefault() && !active() ? Ranking.COST : set;
        }

        /**
         * Taylor's loss gradients on the round's start {@code current}, on the retraining's rows ({@code stats}
         * without retraining); null where the default ranking falls back to the cost: rounds that do not retrain end
         * to end, or a graph whose translation cannot take the gradients (the report's notes say so once).
         */
        Map<String, float[]> gradients(ModelProto original, ModelProto current, Path file, GraphRows stats) {
            if (settings.rankingByDefault() && !active()) {
                return null;
            }
            try {
                return TaylorImportance.gradients(original, current, file, rows != null ? rows : stats, feed,
                        settings);
            } catch (UnsupportedOperatorException | GraphRetrainer.TranslationMismatch e) {
                if (!settings.rankingByDefault()) {
                    throw e;
                }
                fellBack = true;
                notes.add(e.getMessage() + "; the rounds rank by cost and keep the sequential block refit");
                return null;
            }
        }

        List<String> notes() {
            List<String> all = new ArrayList<>(notes);
            if (rows != null && retrainedRounds + skippedRounds.size() > 0) {
                all.add(spent());
            }
            return all;
        }

        /**
         * The part of the round's bound a refit may use up alone and still go without retraining: a quarter. With the
         * whole bound, the README's Mixer (a maximum drop of 3 points) skipped round 3's retraining and lost it (10
         * validation rows lost where the retrained round lost 6).
         */
        static final double REFIT_SHARE_OF_BOUND = 0.25;

        /** Rows of the retraining's the refits are checked on before a round goes without retraining. */
        static final int CHECK_REFIT_ROWS = 1000;

        /**
         * Time well spent (issue 69): whether the round whose refitted graph is {@code refitted} is retrained end to
         * end. Every round is, until a retraining keeps its refitted values (epoch 0): it bought nothing then, so the
         * next rounds go without it while their refit alone stays well within the round's bound (at most a quarter
         * of the allowed loss, as predictions changed against the original's on {@value #CHECK_REFIT_ROWS} of the
         * retraining's rows; a regressor has no such check), for at most {@link #patience} rounds; then it is tried again. A retry that
         * keeps epoch 0 again doubles the patience; a retraining that keeps a later epoch sets it back to 0 (every
         * round retrained). The rounds are still made on training rows alone, before any validation row is read, so
         * the certificate is as sound as with every round retrained.
         */
        boolean worthRetraining(ModelProto original, ModelProto refitted, Path file, int round) {
            if (patience == 0 || waiting >= patience) {
                return true;
            }
            double changed = refitChanges(original, refitted, file);
            if (changed > settings.maxDrop() * REFIT_SHARE_OF_BOUND) {
                return true;
            }
            waiting++;
            skippedRounds.add(round);
            lastSkip = String.format(java.util.Locale.ROOT, "not retrained: the last retraining kept the refitted "
                    + "values and this refit changes %.2f%% of the training rows' predictions", 100 * changed);
            return false;
        }

        /**
         * The share of the first {@value #CHECK_REFIT_ROWS} retraining rows whose class (the argmax of the first
         * output) {@code refitted} changes against the original's; 0 for a regressor (patience alone decides), and
         * infinite when the graph cannot be run so (retrained then).
         */
        private double refitChanges(ModelProto original, ModelProto refitted, Path file) {
            if (settings.regression()) {
                return 0;
            }
            GraphRows check = rows.first(CHECK_REFIT_ROWS);
            Decoder classes = new Decoder(new org.odf2nna.settings.OutputDecoding(
                    org.odf2nna.settings.OutputDecoding.Kind.CLASS, org.odf2nna.settings.OutputDecoding.DEFAULT_THRESHOLD,
                    0));
            try {
                if (originalClasses == null) {
                    originalClasses = GraphSweep.predict(original, file, feed, check, settings.device(), classes);
                }
                int[] now = GraphSweep.predict(refitted, file, feed, check, settings.device(), classes);
                int changed = 0;
                for (int i = 0; i < now.length; i++) {
                    changed += now[i] != originalClasses[i] ? 1 : 0;
                }
                return (double) changed / Math.max(1, now.length);
            } catch (RuntimeException e) {
                return Double.POSITIVE_INFINITY;
            }
        }

        /** Records a retraining of {@code seconds} that kept {@code epoch}, and what the next rounds do. */
        void retrained(double seconds, Integer epoch) {
            retrainingSeconds += seconds;
            retrainedRounds++;
            waiting = 0;
            if (epoch != null && epoch == 0) {
                keptRefit++;
                patience = patience == 0 ? 1 : 2 * patience;
            } else {
                patience = 0;
            }
        }

        /** Why the last round went without retraining, or null when it did not; cleared by reading. */
        String takeSkip() {
            String why = lastSkip;
            lastSkip = null;
            return why;
        }

        /** What retraining cost and bought, in one note. */
        private String spent() {
            String skipped = skippedRounds.isEmpty() ? "" : "; round" + (skippedRounds.size() == 1 ? " " : "s ")
                    + String.join(", ", skippedRounds.stream().map(r -> r == 0 ? "the half step" : String.valueOf(r))
                    .toList()) + " went without it "
                    + "(the last retraining had kept the refitted values and their refit alone stayed within the "
                    + "round's bound on the training rows)";
            return String.format(java.util.Locale.ROOT, "end-to-end retraining ran in %d round%s, %.0f s in all on "
                    + "%d TensorFlow thread%s; it kept the refitted values (epoch 0) in %d of them, which it changed "
                    + "nothing in%s", retrainedRounds, retrainedRounds == 1 ? "" : "s", retrainingSeconds,
                    org.odf2nna.tf.TfSessions.intraOpThreads(), org.odf2nna.tf.TfSessions.intraOpThreads() == 1 ? ""
                    : "s", keptRefit, skipped);
        }

        /** The seconds every retraining took, in all. */
        double retrainingSeconds() {
            return retrainingSeconds;
        }

        /**
         * The epoch kept by the last {@link #retrain} (0: the refitted values), or null when it did not retrain;
         * cleared by reading.
         */
        Integer take() {
            Integer e = lastBest == null ? null : lastBest.epoch();
            lastBest = null;
            return e;
        }

        /**
         * The last {@link #retrain}'s kept epoch as its held-out training rows scored it (accuracy or MSE, and the
         * loss), or null when it did not retrain; not cleared. The heads' control reports it (docs/COMPARISON.md).
         */
        TrainingResult.Epoch heldOut() {
            return lastBest;
        }

        /**
         * The retraining's early stopping: once a retraining has kept the refitted values, the next ones stop at their
         * first epoch that does not beat the best so far (patience 1) until one keeps a later epoch. On the
         * torchvision MobileNetV2-0.5 (docs/PERFORMANCE.md) 6 of 7 retrainings kept epoch 0 and ran both epochs to
         * learn so; a retraining that keeps epoch 0 either way now costs one epoch.
         */
        int earlyStop(RetrainSettings with) {
            return patience > 0 ? 1 : with.patience();
        }

        ModelProto retrain(ModelProto original, ModelProto pruned, Path file, DenseTrainer.EpochListener listener) {
            GraphRetraining r = settings.retraining();
            RetrainSettings with = settings.retrain();
            // A regressor trains on its one output value's squared error against the targets.
            Loss loss = settings.regression() ? Loss.MEAN_SQUARED_ERROR : Loss.SOFTMAX_CROSS_ENTROPY;
            GraphRetrainer.Settings s = new GraphRetrainer.Settings(loss, new TrainingOptions(
                    r.epochs(), r.batchSize(), r.learningRate(), with.seed(), earlyStop(with), settings.device()),
                    with.distillation(), with.validationShare(), CHECK_ROWS, TranslationCheck.DEFAULT_TOLERANCE,
                    r.schedule());
            float[] labels = labels(rows, settings);
            InputPacking packing = packing(feed);
            float[] inputs = packing == null ? rows.features() : packed(rows, feed, packing);
            try {
                GraphRetrainer.Retrained out = GraphRetrainer.retrain(original, pruned,
                        r.scope() == GraphRetraining.Scope.ALL ? weights(pruned) : trainable(pruned, file),
                        new GraphRetrainer.Rows(inputs, labels, rows.count(), packing), s, listener);
                lastBest = out.history().stream().filter(e -> e.epoch() == out.bestEpoch()).findFirst()
                        .orElse(null);
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
            java.util.Map.entry("PRelu", java.util.Set.of(1)),
            // An embedding table: the rows the ids pick are trained (TensorFlow's gradient of a gather).
            java.util.Map.entry("Gather", java.util.Set.of(0)));

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
            // As on a chain: the squared std over the block's sum of them, so blocks of other scales compare.
            double sum = 0;
            for (double v : std) {
                sum += v * v;
            }
            double[] s = new double[w];
            for (int j = 0; j < w; j++) {
                s[j] = std[j] * std[j] / Math.max(sum, 1e-30);
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
     * The graph a sweep starts from, with what its rounds are measured against and the blocks left as they are
     * (indices into {@code blocks}).
     */
    record Start(ModelProto model, Path file, GraphFeed input, List<DenseBlock> blocks, long blockParameters,
            long modelParameters, Set<Integer> kept) {
    }

    /**
     * The rounds' graphs in order, with the parameters each removed, its blocks' widths and its retraining epoch;
     * {@code halfStep} is the index of the round made as a half step before the chain's last (-1 when none was).
     */
    record Chain(List<ModelProto> models, List<Long> removed, List<String> widths,
            List<Integer> keptEpochs, int halfStep, List<Double> retrainingSeconds, List<String> skipped) {

        Chain(List<ModelProto> models, List<Long> removed, List<String> widths, List<Integer> keptEpochs) {
            this(models, removed, widths, keptEpochs, -1);
        }

        Chain(List<ModelProto> models, List<Long> removed, List<String> widths, List<Integer> keptEpochs,
                int halfStep) {
            this(models, removed, widths, keptEpochs, halfStep, java.util.Collections.nCopies(models.size(), null),
                    java.util.Collections.nCopies(models.size(), null));
        }
    }

    /** One round made: its graph refitted, the graph it ends with (retrained when that is on) and the epoch kept. */
    private record Made(ModelProto refitted, ModelProto model, Integer epoch, Double seconds, String skipped) {

        Made(ModelProto refitted, ModelProto model, Integer epoch) {
            this(refitted, model, epoch, null, null);
        }
    }

    /**
     * The rounds: each removes {@link GraphRun#share()} more of the block parameters (statistics, then the refit, then
     * end-to-end retraining when it is on), until the share is used up or a round can remove nothing. The chain's last
     * full step is then halved: a round built from the one before it, removing the block parameters halfway between
     * the two, is put between them ({@link #lastFullStep}, {@link #halfStep}). All of it is fixed before any
     * validation row is read, so the rounds are still tested in their order and the first that fails stops the run.
     */
    static Chain rounds(Start start, GraphRows stats, GraphRun settings, EndToEnd endToEnd,
            Progress progress) {
        ModelProto model = start.model();
        Path file = start.file();
        List<Made> made = new ArrayList<>();
        List<Long> blockRemoved = new ArrayList<>();
        ModelProto current = model;
        int rounds = (int) Math.floor(1 / settings.share() + 1e-9) - 1;
        UnitCosts.Counter counter = counter(start, stats, settings);
        long startCost = startCost(start, counter);
        org.odf2nna.RoundClock clock = new org.odf2nna.RoundClock(rounds, false);
        Progress timed = clock.around(progress);
        for (int r = 1; r <= Math.max(rounds, 1); r++) {
            List<DenseBlock> now = BlockFinder.find(new GraphView(current, file));
            if (now.size() != start.blocks().size()) {
                break;
            }
            long target = (long) Math.ceil(r * settings.share() * startCost)
                    - (startCost - counter.total(current, now));
            if (target <= 0) {
                continue;
            }
            Made round = make(start, current, target, stats, settings, endToEnd, timed, clock.round(r));
            if (round == null) {
                break;
            }
            clock.finished(r);
            // The refitted graphs are kept only for a progress that receives them.
            made.add(progress instanceof RoundModels ? round : new Made(null, round.model(), round.epoch(),
                    round.seconds(), round.skipped()));
            current = round.model();
            blockRemoved.add(startCost - counter.total(current, BlockFinder.find(new GraphView(current, file))));
        }
        int half = lastFullStep(blockRemoved, settings.share() * startCost / 2);
        Made between = half < 1 ? null : halfStep(start, made.get(half - 1).model(), blockRemoved, half, stats,
                settings, endToEnd, timed);
        if (between != null) {
            made.add(half, between);
        }
        return chain(start, made, between == null ? -1 : half, progress);
    }

    /** What the rounds' budget is counted by: the round's graph run on the first statistics row when it counts work. */
    static UnitCosts.Counter counter(Start start, GraphRows stats, GraphRun settings) {
        return new UnitCosts.Counter(settings.budget(), start.input(), stats.first(1), start.file());
    }

    /** The start's blocks' cost: their parameters, or their multiply-adds per row. */
    private static long startCost(Start start, UnitCosts.Counter counter) {
        return counter.budget() == org.odf2nna.settings.Budget.PARAMS ? start.blockParameters()
                : counter.total(start.model(), start.blocks());
    }

    /**
     * The round whose step the half step halves: the last that removed at least {@code least} block parameters more
     * than the round before it (half a round's share), else the last round. Why not always the last: when the round
     * before the last left the blocks near their floors, the last step is what they had left (the ViT's 81.4% to
     * 81.6% of its block parameters) and halving it tests nothing new, while the step before it is the one that
     * failed.
     */
    static int lastFullStep(List<Long> removed, double least) {
        for (int k = removed.size() - 1; k >= 1; k--) {
            if (removed.get(k) - removed.get(k - 1) >= least) {
                return k;
            }
        }
        return removed.size() - 1;
    }

    /**
     * The half step before round {@code half} of the chain (0-based; the last, or the last full step,
     * {@link #lastFullStep}): from the round before it ({@code from}) a round that removes the block parameters halfway
     * between the two ({@code removed}: what each round had removed); null when it would remove nothing more, or as
     * much as round {@code half}. Why: near its end a chain's step is often the one that fails, and the round that
     * would hold lies between; the floors make the last step whatever the blocks have left rather than the share. It
     * is made before the validation rows are read, so testing it in its place is still fixed-sequence testing.
     */
    private static Made halfStep(Start start, ModelProto from, List<Long> removed, int half, GraphRows stats,
            GraphRun settings, EndToEnd endToEnd, Progress timed) {
        long before = removed.get(half - 1);
        long last = removed.get(half);
        long target = (last - before) / 2;
        if (target <= 0) {
            return null;
        }
        String label = half == removed.size() - 1 ? "half step before the last round"
                : "half step before round " + (half + 1);
        ModelProto refitted = refitted(start, from, target, stats, settings, endToEnd, timed, label);
        if (refitted == null) {
            return null;
        }
        // Retraining leaves the widths as they are: a half step that is not between the two is known before it.
        UnitCosts.Counter counter = counter(start, stats, settings);
        long gone = startCost(start, counter) - counter.total(refitted, BlockFinder.find(
                new GraphView(refitted, start.file())));
        return gone > before && gone < last ? retrained(start, refitted, settings, endToEnd, timed, label) : null;
    }

    /**
     * One round from {@code current}: its units measured on {@code stats}, the lowest-ranked dropped until
     * {@code target} more block parameters are gone, the refit, and the end-to-end retraining when it is on; null when
     * nothing could be removed.
     */
    private static Made make(Start start, ModelProto current, long target, GraphRows stats, GraphRun settings,
            EndToEnd endToEnd, Progress timed, String label) {
        ModelProto refitted = refitted(start, current, target, stats, settings, endToEnd, timed, label);
        return refitted == null ? null : retrained(start, refitted, settings, endToEnd, timed, label);
    }

    /** {@link #make}'s pruning and refit alone: the round's graph before retraining, or null when nothing went. */
    private static ModelProto refitted(Start start, ModelProto current, long target, GraphRows stats,
            GraphRun settings, EndToEnd endToEnd, Progress timed, String label) {
        Path file = start.file();
        List<DenseBlock> now = BlockFinder.find(new GraphView(current, file));
        timed.update(label + ": statistics", 0, -1, null);
        Measured measured = new Measured(now, BlockStatistics.measure(current, file, now, stats, start.input(),
                settings.device(), settings.samples()), most(start.blocks(), now, settings.blockLimits(),
                start.kept())).withCosts(counter(start, stats, settings).units(current, now));
        timed.done(label + ": statistics");
        if (settings.ranking(now).usesGradients()) {
            // One gradient pass on the round's start, on the retraining's rows (the statistics' without retraining).
            timed.update(label + ": loss gradients", 0, -1, null);
            measured = measured.withGradients(endToEnd.gradients(start.model(), current, file, stats));
            timed.done(label + ": loss gradients");
        }
        if (settings.ranking(now) == Ranking.HEAD_LOSS) {
            // One pass over the statistics' training rows per head, each dropped alone with its block refitted.
            timed.update(label + ": heads' loss", 0, -1, null);
            measured = measured.withHeadLoss(HeadLoss.increases(current, file, now, measured.moments(), stats,
                    start.input(), settings));
            timed.done(label + ": heads' loss");
        }
        timed.update(label + ": refit", 0, -1, null);
        BlockPruner.Pruned pruned = step(start.model(), current, file, measured, stats, start.input(), target,
                settings);
        timed.done(label + ": refit");
        return pruned.parameters() <= 0 ? null : pruned.model();
    }

    /** {@link #make}'s end-to-end retraining of the refitted graph, when it is on. */
    private static Made retrained(Start start, ModelProto refitted, GraphRun settings, EndToEnd endToEnd,
            Progress timed, String label) {
        ModelProto result = refitted;
        endToEnd.take();
        Double seconds = null;
        if (endToEnd.active() && endToEnd.worthRetraining(start.model(), refitted, start.file(), round(label))) {
            String phase = label + ": retraining end to end";
            timed.update(phase, 0, settings.retraining().epochs(), null);
            long began = System.nanoTime();
            result = endToEnd.retrain(start.model(), refitted, start.file(), (epoch, epochs) -> timed.update(phase,
                    epoch.epoch(), epochs, null));
            timed.done(phase);
            seconds = (System.nanoTime() - began) / 1e9;
        }
        Integer epoch = endToEnd.take();
        if (seconds != null && epoch != null) {
            endToEnd.retrained(seconds, epoch);
        }
        return new Made(refitted, result, epoch, epoch == null ? null : seconds, endToEnd.takeSkip());
    }

    /** The round a progress label names ("round 3" → 3; a half step, 0). */
    private static int round(String label) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^round (\\d+)").matcher(label);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /**
     * The chain as judged, in its order: each round's graph, parameters removed, widths and epoch, each told to a
     * {@link RoundModels} progress under its number in that order.
     */
    private static Chain chain(Start start, List<Made> made, int halfStep, Progress progress) {
        RoundModels observer = progress instanceof RoundModels o ? o : null;
        List<ModelProto> models = new ArrayList<>();
        List<Long> removed = new ArrayList<>();
        List<String> widths = new ArrayList<>();
        List<Integer> keptEpochs = new ArrayList<>();
        List<Double> seconds = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < made.size(); i++) {
            Made round = made.get(i);
            seconds.add(round.seconds());
            skipped.add(round.skipped());
            if (observer != null) {
                observer.refitted(i + 1, round.refitted());
                observer.finished(i + 1, round.model());
            }
            models.add(round.model());
            keptEpochs.add(round.epoch());
            GraphView after = new GraphView(round.model(), start.file());
            removed.add(start.modelParameters() - after.parameters());
            widths.add(HeadUnits.widths(BlockFinder.find(after)));
        }
        return new Chain(models, removed, widths, keptEpochs, halfStep, seconds, skipped);
    }
}
