package org.odf2nna.settings;

import java.util.Objects;
import org.odf2nna.Setting;

/**
 * How a graph sweep retrains each round's pruned graph after the blocks' second layers are refitted (docs/graphs.md,
 * docs/graph-retraining.md). The seed, held-out share, patience and distillation are those of
 * {@link RetrainSettings}; the rows are the first training rows, never validation rows.
 *
 * @param mode         end-to-end distillation of the whole pruned graph (the default), or the sequential block refit
 *                     alone
 * @param epochs       epochs of end-to-end retraining per round (the starting values stay a candidate: epoch 0)
 * @param rows         training rows it runs on at most (a fifth of them held out to choose the epoch)
 * @param learningRate Adam's learning rate (the peak of a one-cycle schedule); NaN: the graph's default
 *                     ({@link #resolved}), {@link #DEFAULT_LEARNING_RATE} or, for a graph fed token ids,
 *                     {@link #TOKEN_IDS_LEARNING_RATE}
 * @param batchSize    rows per Adam step
 * @param scope        which initializers end-to-end retraining trains
 * @param schedule     how the learning rate moves over each round's steps
 */
public record GraphRetraining(Mode mode, int epochs, int rows, float learningRate, int batchSize, Scope scope,
        LearningRateSchedule schedule) {

    /** Which initializers end-to-end retraining trains. */
    public enum Scope implements ShortName {
        /** The pruned blocks' weights and biases and the per-unit constants between their layers. */
        BLOCKS,
        /** Every float weight of the graph (MatMul, Gemm and Conv weights, biases, norms' scales, embeddings). */
        ALL
    }

    /** What retrains a pruned graph. */
    public enum Mode implements ShortName {
        /** The sequential least-squares refit, then the whole graph distilled from the original with TensorFlow. */
        END_TO_END,
        /** The sequential least-squares refit of the blocks' second layers alone (no TensorFlow training). */
        SEQUENTIAL;

        /** The name on the command line and in reports: {@code end-to-end}, {@code sequential}. */
        @Override
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * Epochs per round by default: few, since every round retrains and the previous round's retrained graph is the
     * next one's start (on the shared ViT, 4 epochs per round carried the sweep no further than 2 and took half as
     * long again; docs/graph-retraining.md).
     */
    public static final int DEFAULT_EPOCHS = 2;
    /**
     * Training rows by default: the first 50,000 (a fifth held out to choose the epoch). On the shared ViT, 20,000 rows
     * stopped the sweep at 70-80% of the block parameters where 50,000 with the schedule and scope below reached 90%
     * (docs/graph-retraining.md, measured on MNIST training rows 50,001-55,000, which no retraining saw).
     */
    public static final int DEFAULT_ROWS = 50_000;
    /**
     * Adam's peak learning rate by default, with the one-cycle schedule: it starts and ends at a small fraction of it,
     * so a trained graph is not thrown off by the first steps (a constant 0.001 was; docs/graph-retraining.md).
     */
    public static final String DEFAULT_LEARNING_RATE_TEXT = "0.002";
    /** {@link #DEFAULT_LEARNING_RATE_TEXT} as a number. */
    public static final float DEFAULT_LEARNING_RATE = Float.parseFloat(DEFAULT_LEARNING_RATE_TEXT);
    /** Rows per step by default: four times as fast per epoch as 32, and as good with the one-cycle schedule. */
    public static final int DEFAULT_BATCH_SIZE = 128;
    /**
     * What end-to-end retraining trains by default: every weight, so that attention, norms and heads adapt to the
     * narrower blocks (on the shared ViT's 90% round, 48 validation rows lost where the blocks alone lost 123).
     */
    public static final Scope DEFAULT_SCOPE = Scope.ALL;
    /** {@link #DEFAULT_SCOPE}'s name, for the command line's help (a constant there). */
    public static final String DEFAULT_SCOPE_TEXT = "all";
    /** The learning rate's schedule by default. */
    public static final LearningRateSchedule DEFAULT_SCHEDULE = LearningRateSchedule.ONE_CYCLE;
    /** {@link #DEFAULT_SCHEDULE}'s name, for the command line's help. */
    public static final String DEFAULT_SCHEDULE_TEXT = "one-cycle";

    /** The defaults: end to end, 2 epochs, 50,000 rows, batches of 128, one cycle up to the graph's rate, every weight. */
    public static final GraphRetraining DEFAULT = new GraphRetraining(Mode.END_TO_END, DEFAULT_EPOCHS, DEFAULT_ROWS,
            Float.NaN, DEFAULT_BATCH_SIZE, DEFAULT_SCOPE, DEFAULT_SCHEDULE);

    /** The sequential refit alone. */
    public static final GraphRetraining SEQUENTIAL = new GraphRetraining(Mode.SEQUENTIAL, DEFAULT_EPOCHS,
            DEFAULT_ROWS, DEFAULT_LEARNING_RATE, DEFAULT_BATCH_SIZE, DEFAULT_SCOPE, DEFAULT_SCHEDULE);

    /**
     * Checks every setting.
     *
     * @throws InvalidSetting naming the first setting out of range
     */
    public GraphRetraining {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(schedule, "schedule");
        InvalidSetting.require(epochs >= 1 || epochs == GRAPH_DEFAULT_EPOCHS, Setting.GRAPH_EPOCHS.ref()
                + " must be at least 1, got " + epochs);
        InvalidSetting.require(batchSize >= 1, Setting.GRAPH_BATCH_SIZE.ref() + " must be at least 1, got "
                + batchSize);
        InvalidSetting.require(rows >= 10, Setting.GRAPH_ROWS.ref() + " must be at least 10, got " + rows);
        InvalidSetting.require(Float.isNaN(learningRate) || learningRate > 0 && !Float.isInfinite(learningRate),
                Setting.GRAPH_LEARNING_RATE.ref()
                + " must be a positive number, got " + learningRate);
    }

    /**
     * The peak learning rate by default for a graph whose data input is token ids (an embedding table: a fine-tuned
     * language model). Such a model is fine-tuned at a tenth of {@link #DEFAULT_LEARNING_RATE} or less: on a 4-layer
     * BERT (docs/research/graphs.md) every round's retraining at 0.002 lost to the refitted values (epoch 0 kept each
     * time) and the written round lost 1.40 points on the report rows; at 0.0002 it kept a trained epoch in 7 of 9 rounds and
     * lost 0.60 at a larger cut.
     */
    public static final float TOKEN_IDS_LEARNING_RATE = 2e-4f;

    /** Epochs left to the graph ({@link #resolved}): {@link #DEFAULT_EPOCHS}, or {@link #DETECTOR_EPOCHS}. */
    public static final int GRAPH_DEFAULT_EPOCHS = Integer.MIN_VALUE;

    /**
     * Epochs per round by default for a YOLO detector: a detector is distilled per anchor from a few hundred images,
     * and its retraining kept improving to the last of 16 epochs (docs/tasks/detector.md: a YOLOv8n cut by 37% of its
     * parameters, 2 epochs a round 12 points of mAP50-95 below the original after two rounds, 16 epochs in one
     * round 0.9 above it).
     */
    public static final int DETECTOR_EPOCHS = 16;

    /** Whether the learning rate is left to the graph ({@link #resolved}). */
    public boolean graphDefault() {
        return Float.isNaN(learningRate);
    }

    /**
     * These settings with the graph's default learning rate filled in where none was given: {@link
     * #TOKEN_IDS_LEARNING_RATE} for a graph fed token ids, else {@link #DEFAULT_LEARNING_RATE}.
     */
    public GraphRetraining resolved(boolean tokenIds) {
        return resolved(tokenIds, false);
    }

    /**
     * {@link #resolved(boolean)}, and the epochs left to the graph ({@link #GRAPH_DEFAULT_EPOCHS}) filled in:
     * {@link #DETECTOR_EPOCHS} for a YOLO detector, else {@link #DEFAULT_EPOCHS}.
     */
    public GraphRetraining resolved(boolean tokenIds, boolean detector) {
        int e = epochs != GRAPH_DEFAULT_EPOCHS ? epochs : detector ? DETECTOR_EPOCHS : DEFAULT_EPOCHS;
        float rate = !graphDefault() ? learningRate : tokenIds ? TOKEN_IDS_LEARNING_RATE : DEFAULT_LEARNING_RATE;
        return e == epochs && rate == learningRate ? this
                : new GraphRetraining(mode, e, rows, rate, batchSize, scope, schedule);
    }

    /** Whether each round's graph is distilled end to end. */
    public boolean endToEnd() {
        return mode == Mode.END_TO_END;
    }

    /** The retraining in words, for reports. */
    public String describe() {
        String rate = graphDefault() ? DEFAULT_LEARNING_RATE_TEXT + " (0.0002 for token ids)"
                : new java.math.BigDecimal(Float.toString(learningRate)).stripTrailingZeros().toPlainString();
        return endToEnd() ? "end to end (" + epochs + " epoch" + (epochs == 1 ? "" : "s") + " per round on up to "
                + rows + " training rows, batches of " + batchSize + ", learning rate " + (schedule
                == LearningRateSchedule.CONSTANT ? rate : "one cycle up to " + rate) + ", " + (scope == Scope.ALL
                ? "every weight of the graph" : "the blocks' weights") + ")"
                : "sequential refit alone";
    }
}
