package org.odf2nna.graph;

import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.settings.Compensation;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.Ranking;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;

/**
 * What one graph sweep runs under: the sweep's settings, the one type the dense-chain sweep takes too
 * ({@link SweepSettings}), and what is fixed for the run alone.
 *
 * @param settings       the user's settings: ranking, compensation, promise, tolerance, task, device,
 *                       the retraining of the rounds
 * @param share          the block parameters each round removes, as a share of the original's (the schedule's share
 *                       for the validation rows at hand, {@link org.odf2nna.settings.Schedule#shareFor})
 * @param statisticsRows training rows the units are measured on each round
 * @param samples        the most (row, position) samples per block
 */
public record GraphRun(SweepSettings settings, double share, int statisticsRows, long samples) {

    public static final int DEFAULT_STATISTICS_ROWS = 3000;
    public static final long DEFAULT_SAMPLES = 40_000;

    public GraphRun {
        if (settings == null) {
            throw new IllegalArgumentException("settings are needed");
        }
        if (!(share > 0 && share < 1)) {
            throw new IllegalArgumentException("share must be in (0, 1): " + share);
        }
        // The fields are set after this body: read the parameter, not the accessors.
        if (settings.task() != Task.REGRESSION && settings.task() != Task.NEXT_TOKEN
                && !(settings.maxDrop(Task.CLASSIFICATION) < 100)) {
            throw new IllegalArgumentException("a classifier's max drop must be below 100 points: "
                    + settings.maxDrop(Task.CLASSIFICATION));
        }
    }

    /** A run of {@code settings} with rounds of {@code share}, units measured on the default rows and samples. */
    public static GraphRun of(SweepSettings settings, double share) {
        return new GraphRun(settings, share, DEFAULT_STATISTICS_ROWS, DEFAULT_SAMPLES);
    }

    /** The same run with units measured on {@code rows} training rows and at most {@code most} samples per block. */
    public GraphRun measuredOn(int rows, long most) {
        return new GraphRun(settings, share, rows, most);
    }

    public Device device() {
        return settings.device();
    }

    /**
     * How the units of {@code blocks} are ranked across blocks (each score normalised within its block): the setting,
     * with {@link Ranking#AUTO} resolved for a graph ({@link Ranking#forGraph}: whether its rounds retrain end to end
     * and whether any of the blocks is an attention's heads).
     */
    public Ranking ranking(List<DenseBlock> blocks) {
        return settings.schedule().ranking().forGraph(endToEnd(), blocks.stream().anyMatch(DenseBlock::heads));
    }

    /** Whether the ranking is the default ({@link Ranking#AUTO}): the cost where the gradients cannot be taken. */
    public boolean rankingByDefault() {
        return settings.schedule().ranking() == Ranking.AUTO;
    }

    /**
     * How the second layers make up for dropped units: least squares ({@link Compensation#LSQ}, the default) is the
     * sequential refit on the pruned graph's own inputs; mean folding is mean folding.
     */
    public BlockPruner.Compensation compensation() {
        return settings.pruning().compensation() == Compensation.MEAN ? BlockPruner.Compensation.MEAN
                : BlockPruner.Compensation.SEQUENTIAL;
    }

    /** Whether the graph is judged as a regressor (its one output value per row against the targets). */
    public boolean regression() {
        return settings.task() == Task.REGRESSION;
    }

    /** Whether the graph is judged as a language model (its perplexity on windows of token ids). */
    public boolean nextToken() {
        return settings.task() == Task.NEXT_TOKEN;
    }

    /**
     * The loss allowed as a share: accuracy points over 100 for a classifier (0.01 = one point), the MSE's relative
     * rise for a regressor (0.1 = 10%), the perplexity's relative rise for a language model (0.05 = 5%).
     */
    public double maxDrop() {
        return settings.maxDrop(nextToken() ? Task.NEXT_TOKEN : regression() ? Task.REGRESSION : Task.CLASSIFICATION)
                / 100.0;
    }

    /** Which promise the written round keeps. */
    public ChainCertificate.Reading promise() {
        return ChainCertificate.Reading.of(settings.schedule().promise());
    }

    /**
     * What retrains each round's graph after the compensation; a learning rate left to the graph and not filled in by
     * the caller is the default one ({@link GraphRetraining#resolved}).
     */
    public GraphRetraining retraining() {
        return settings.graphRetraining().resolved(false);
    }

    /**
     * Positions a language model's end-to-end retraining reads at most (1,024 windows of 128 tokens): its rows are
     * windows, each of them as many rows of the loss as it has positions, and a round's retraining of a 3 M-parameter
     * GPT on 2,048 windows of 128 was most of the sweep's time.
     */
    public static final int RETRAINING_POSITIONS = 131_072;

    /**
     * Training rows end-to-end retraining runs on: the retraining's rows, a language model's windows at most
     * {@link #RETRAINING_POSITIONS} positions together ({@code positions} per window).
     */
    public int retrainingRows(int positions) {
        int rows = retraining().rows();
        return nextToken() ? Math.max(2, Math.min(rows, RETRAINING_POSITIONS / Math.max(1, positions))) : rows;
    }

    /** The batch size, seed, held-out share, patience and distillation of that retraining. */
    public RetrainSettings retrain() {
        return settings.retraining();
    }

    /** What a round may take from one block, and the blocks kept as they are. */
    public org.odf2nna.settings.BlockLimits blockLimits() {
        return settings.blockLimits();
    }

    /** What each pruned block's width is kept a multiple of. */
    public org.odf2nna.settings.RoundTo roundTo() {
        return settings.roundTo();
    }

    /** What the rounds count: parameters or multiply-adds. */
    public org.odf2nna.settings.Budget budget() {
        return settings.budget();
    }

    /** Whether each round's graph is distilled end to end after its compensation. */
    public boolean endToEnd() {
        return retraining().endToEnd();
    }
}
