package org.odf2nna.graph;

import static org.odf2nna.graph.UnitDrops.dropped;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.BlockLimits;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.Ranking;
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
            if (block.tied() || !block.rewrites().groupNodes().isEmpty() && block.sizes().unitSize() == 1) {
                floor = Math.max(floor, Math.min(2, originals.get(b).units()));
            }
            most[b] = limits.most(block.units(), floor);
        }
        return most;
    }

    static BlockPruner.Pruned step(ModelProto original, ModelProto model, Path file, Measured measured,
            SequentialRefit.Input input, long target, GraphRun settings) {
        // The default ranking without Taylor's gradients (see EndToEnd.gradients) is the cost.
        Ranking set = settings.ranking(measured.blocks());
        Ranking ranking = set.usesGradients() && measured.gradients() == null && settings.rankingByDefault()
                ? Ranking.COST : set;
        List<boolean[]> drop = dropped(new GraphView(model, file), measured, target, ranking, settings.roundTo());
        return applied(original, model, file, measured, input, drop, settings);
    }

    /**
     * {@code model} with the channels {@code drop} marks (per block of {@code measured}) removed and compensated as
     * {@code settings} say: what {@link #step} does with its own choice, and {@link GivenRound} with a given one.
     */
    static BlockPruner.Pruned applied(ModelProto original, ModelProto model, Path file, Measured measured,
            SequentialRefit.Input input, List<boolean[]> drop, GraphRun settings) {
        List<DenseBlock> blocks = measured.blocks();
        List<Compensation> compensations = new ArrayList<>();
        Set<String> tied = TiedChannels.nodes(blocks);
        for (DenseBlock b : blocks) {
            // A stream's consumers, and blocks whose output a stream cuts, cannot be refitted towards the original's
            // tensors channel by channel: least squares on their own samples instead.
            boolean own = b.tied() || tied.contains(b.place().secondNode());
            compensations.add(settings.compensation() == Compensation.SEQUENTIAL
                    ? own ? Compensation.LEAST_SQUARES : Compensation.MEAN : settings.compensation());
        }
        BlockPruner.Pruned folded = BlockPruner.prune(model, file, blocks, measured.moments(), drop, compensations);
        if (settings.compensation() != Compensation.SEQUENTIAL) {
            return folded;
        }
        ModelProto refitted = SequentialRefit.refit(original, folded.model(), file, new SequentialRefit.Input(
                input.rows().first(REFIT_ROWS), input.feed(), input.blocksDone(), input.refitFrom()), settings.device(),
                settings.samples());
        return new BlockPruner.Pruned(refitted, folded.removedUnits(), folded.parameters());
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
        private ModelProto lastRefitted;
        private float[] teacherOutputs;
        private ModelProto lastResult;
        private boolean fellBack;
        /** Rounds that may go without retraining before it is tried again (0: every round is retrained). */
        private int patience;
        /** Rounds gone without retraining since the last that was retrained. */
        private int waiting;
        /** Why the last round went without retraining, or null when it was retrained (cleared by reading). */
        private String lastSkip;
        /** The original's classes on the rows the refits are checked on ({@link #refitLoss}), made once. */
        private int[] originalClasses;
        private double retrainingSeconds;
        private int retrainedRounds;
        private int keptRefit;
        /** Retrainings in a row that kept epoch 0: one ends a classifier's tries, two a regressor's. */
        private int keptInARow;
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
         * whole bound, the tour's Mixer (a maximum drop of 3 points) skipped round 3's retraining and lost it (10
         * validation rows lost where the retrained round lost 6).
         */
        static final double REFIT_SHARE_OF_BOUND = 0.25;

        /** Rows of the retraining's the refits are checked on before a round goes without retraining. */
        static final int CHECK_REFIT_ROWS = 1000;

        /**
         * Time well spent (issue 69): whether the round whose refitted graph is {@code refitted} is retrained end to
         * end. Every round is, until a retraining keeps its refitted values (epoch 0): it bought nothing then, so the
         * next rounds go without it while their refit alone stays well within the round's bound (at most a quarter
         * of the allowed loss, as accuracy lost against the original's on {@value #CHECK_REFIT_ROWS} of the
         * retraining's rows, {@link #refitLoss}). A classifier's rounds go so from then on: only a refit that loses
         * more than that quarter is retrained (on the torchvision ResNet-18 of docs/research/PERFORMANCE.md every retraining
         * after the first kept epoch 0 too, and the one that retried after a round cost 50 CPU seconds). A regressor
         * has no such check: it waits {@link #patience} rounds and is tried again, and a second retraining in a row
         * that keeps epoch 0 ends its tries. A retraining that keeps a later epoch sets the patience back to 0 (every
         * round retrained). The rounds are still made on training rows alone, before any validation row is read, so
         * the certificate is as sound as with every round retrained.
         */
        boolean worthRetraining(ModelProto original, ModelProto refitted, Path file, int round) {
            if (patience == 0 || waiting >= patience) {
                return true;
            }
            double lost = refitLoss(original, refitted, file);
            if (lost > settings.maxDrop() * REFIT_SHARE_OF_BOUND) {
                return true;
            }
            waiting++;
            skippedRounds.add(round);
            lastSkip = String.format(java.util.Locale.ROOT, "not retrained: the last retraining kept the refitted "
                    + "values and this refit loses %.2f%% accuracy on the training rows it was checked on", 100 * lost);
            return false;
        }

        /**
         * The accuracy that {@code refitted} loses against the original's on the first {@value #CHECK_REFIT_ROWS}
         * retraining rows (rows it gets wrong that the original got right, less the converse, as a share; at least 0),
         * what the round's bound is about; without labels, the share whose class (the argmax of the first output) it
         * changes. 0 for a regressor (patience alone decides), and infinite when the graph cannot be run so (retrained
         * then). On the torchvision ResNet-18 of docs/research/PERFORMANCE.md the later rounds change 1 to 3 in 1,000 of the
         * original's predictions, as many right as wrong: counted as changes, each was retrained, and kept epoch 0.
         */
        private double refitLoss(ModelProto original, ModelProto refitted, Path file) {
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
                return loss(originalClasses, now, check.labels());
            } catch (RuntimeException e) {
                return Double.POSITIVE_INFINITY;
            }
        }

        /** Accuracy lost from {@code before} to {@code now} against {@code labels} (at least 0), or changes without. */
        static double loss(int[] before, int[] now, int[] labels) {
            int lost = 0;
            for (int i = 0; i < now.length; i++) {
                if (labels == null) {
                    lost += now[i] != before[i] ? 1 : 0;
                } else {
                    lost += (before[i] == labels[i] ? 1 : 0) - (now[i] == labels[i] ? 1 : 0);
                }
            }
            return Math.max(0, lost) / (double) Math.max(1, now.length);
        }

        /** Records a retraining of {@code seconds} that kept {@code epoch}, and what the next rounds do. */
        void retrained(double seconds, Integer epoch) {
            retrainingSeconds += seconds;
            retrainedRounds++;
            waiting = 0;
            if (epoch != null && epoch == 0) {
                keptRefit++;
                keptInARow++;
                // A classifier's refit is checked every round (refitLoss), which retrains it when that could matter;
                // a regressor has no such check, and tries once more after a round.
                patience = keptInARow >= 2 || !settings.regression() ? Integer.MAX_VALUE : 1;
            } else {
                keptInARow = 0;
                patience = 0;
            }
        }

        /**
         * Told of each round's refitted graph and what its retraining made of it (the same graph when it did not
         * retrain, or kept epoch 0): {@link #refitOf} answers for the last one.
         */
        void made(ModelProto refitted, ModelProto result) {
            lastRefitted = refitted;
            lastResult = result;
        }

        /**
         * The refit's own graph that {@code model}, the last round's result, holds the weights of: itself when it was
         * not retrained (or the retraining kept the refitted values), else null (a retrained graph is no refit's), as
         * for any other model.
         */
        ModelProto refitOf(ModelProto model) {
            return model == lastResult && lastResult != null && lastResult.equals(lastRefitted) ? lastRefitted : null;
        }

        /**
         * The original's first output on the retraining rows, made once in ONNX Runtime (the user's runtime, against
         * which the translation is checked), or null when it cannot be had so or the output is a head's (a final
         * Softmax, LogSoftmax or Sigmoid, which the teacher's values are taken before): TensorFlow computes it then.
         */
        float[] teacher(ModelProto original, Path file) {
            String out = original.getGraph().getOutput(0).getName();
            boolean head = original.getGraph().getNodeList().stream().anyMatch(n -> n.getOutputList().contains(out)
                    && org.odf2nna.tf.OnnxTfGraph.HEADS.contains(n.getOpType()));
            if (head) {
                // The teacher is taken before a final Softmax, LogSoftmax or Sigmoid: TensorFlow's translation knows
                // where, as it always did.
                return null;
            }
            if (teacherOutputs == null) {
                try {
                    teacherOutputs = GraphSweep.outputs(original, file, feed, rows, settings.device());
                } catch (RuntimeException e) {
                    return null;
                }
            }
            return teacherOutputs;
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
            String rule = patience < Integer.MAX_VALUE ? "" : settings.regression() ? "; after two retrainings in a "
                    + "row kept the refitted values, no round was retrained again" : "; once a retraining had kept the "
                    + "refitted values, a round was retrained only when its refit alone lost more than a quarter of its "
                    + "bound";
            return String.format(java.util.Locale.ROOT, "end-to-end retraining ran in %d round%s, %.0f s in all on "
                    + "%d TensorFlow thread%s; it kept the refitted values (epoch 0) in %d of them, which it changed "
                    + "nothing in%s", retrainedRounds, retrainedRounds == 1 ? "" : "s", retrainingSeconds,
                    org.odf2nna.tf.TfSessions.intraOpThreads(), org.odf2nna.tf.TfSessions.intraOpThreads() == 1 ? ""
                    : "s", keptRefit, skipped + rule);
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
         * loss), or null when it did not retrain; not cleared. The heads' control reports it (docs/research/COMPARISON.md).
         */
        TrainingResult.Epoch heldOut() {
            return lastBest;
        }

        /**
         * The retraining's early stopping: once a retraining has kept the refitted values, the next ones stop at their
         * first epoch that does not beat the best so far (patience 1) until one keeps a later epoch. On the
         * torchvision MobileNetV2-0.5 (docs/research/PERFORMANCE.md) 6 of 7 retrainings kept epoch 0 and ran both epochs to
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
                        new GraphRetrainer.Rows(inputs, labels, rows.count(), packing, teacher(original, file)), s,
                        listener);
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
            for (DenseBlock.UnitSlot slot : b.rewrites().slots()) {
                names.add(slot.tensor());
            }
            names.add(b.rewrites().secondWeight().tensor());
            if (b.rewrites().secondBias() != null) {
                names.add(b.rewrites().secondBias());
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
        int w = block.sizes().width();
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
        DenseBlock.UnitSlot ws = block.rewrites().secondWeight();
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
        if ((double) w * w * outputs >= SequentialRefit.ONNX_PRODUCT_MACS) {
            // A 3×3 Conv's 256 units by 2,304 (output, tap) columns: EJML's one thread took 18 s of a ResNet-18 sweep.
            try (org.odf2nna.onnx.OnnxProduct product = org.odf2nna.onnx.OnnxProduct.open()) {
                sw.data = product.multiply(cov.data, w, w, weights.data, outputs);
            }
        } else {
            CommonOps_DDRM.mult(cov, weights, sw);
        }
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
        double[] diagonal = inverseDiagonal(inverse);
        for (int j = 0; j < w; j++) {
            double norm = 0;
            for (int o = 0; o < outputs; o++) {
                norm += weights.get(j, o) * weights.get(j, o);
            }
            s[j] = norm / Math.max(diagonal[j], 1e-30) / outputVariance;
        }
        return s;
    }

    /**
     * The diagonal of {@code ridged}'s inverse: by blocks in ONNX Runtime past
     * {@link org.odf2nna.prune.WideSolve#MIN_WIDTH} units (a ViT-B's 12 FFNs of 3,072 took EJML's one thread about a minute each to invert, every round), else
     * EJML's inverse, or its pseudo-inverse when it has none.
     */
    private static double[] inverseDiagonal(DMatrixRMaj ridged) {
        int w = ridged.getNumRows();
        if (w > org.odf2nna.prune.WideSolve.MIN_WIDTH) {
            try (org.odf2nna.onnx.OnnxProduct product = org.odf2nna.onnx.OnnxProduct.open()) {
                double[] d = org.odf2nna.prune.WideSolve.inverseDiagonal(ridged.data, w, product);
                if (d != null) {
                    return d;
                }
            }
        }
        DMatrixRMaj inverse = ridged.copy();
        if (!CommonOps_DDRM.invert(inverse)) {
            CommonOps_DDRM.pinv(ridged, inverse);
        }
        double[] d = new double[w];
        for (int j = 0; j < w; j++) {
            d[j] = inverse.get(j, j);
        }
        return d;
    }
}
