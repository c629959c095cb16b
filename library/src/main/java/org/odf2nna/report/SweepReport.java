package org.odf2nna.report;

import java.util.List;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.InputRange;

/**
 * A sweep over ε: the paper's table, the model chosen and why, and (optionally) the same topology trained
 * from scratch.
 *
 * @param table              the per-ε outcomes (OR, PWR, PR, parameters)
 * @param grid               how the thresholds were chosen
 * @param maxDrop            the tolerance of the choice
 * @param maxDropUnit        "accuracy points" or "% of MSE"
 * @param originalValidation the original model's metric on the validation rows
 * @param chosen             index of the chosen outcome, or null when none qualified
 * @param choice             the sentence explaining the choice
 * @param output             the file the chosen model was written to, or null
 * @param scratch            the chosen topology trained from scratch, or null
 * @param charts             chart files written
 * @param int8               with int8 weights, what they did to the written model (bytes, the layers int8 and float,
 *                           the largest difference from the float round); null for float weights or nothing written
 * @param inputRange         progressive pruning: the per-column range of the training rows at the dense chain's input
 *                           (the rows retraining saw, the validation rows held out), recorded in the written model's
 *                           metadata; null for the ε schedule
 * @param inputsClipped      whether the written model clips its inputs to {@code inputRange} and the rounds were judged
 *                           so
 */
public record SweepReport(ShrinkReport table, String grid, double maxDrop, String maxDropUnit,
        double originalValidation, Integer chosen, String choice, String output, Scratch scratch, List<String> charts,
        Int8Summary int8, InputRange inputRange, boolean inputsClipped) {

    public SweepReport {
        charts = List.copyOf(charts);
    }

    /** The same report with the training rows' input range, and whether the inputs were clipped to it. */
    public SweepReport withInputRange(InputRange range, boolean clipped) {
        return new SweepReport(table, grid, maxDrop, maxDropUnit, originalValidation, chosen, choice, output, scratch,
                charts, int8, range, clipped);
    }

    /** The same report with the chart files written from it. */
    public SweepReport withCharts(List<String> written) {
        return new SweepReport(table, grid, maxDrop, maxDropUnit, originalValidation, chosen, choice, output, scratch,
                written, int8, inputRange, inputsClipped);
    }

    /**
     * The chosen topology trained from Glorot-initialised weights, with the retraining's budget (the paper's
     * §5 comparison: what the transferred weights are worth).
     */
    public record Scratch(String architecture, long parameters, Metrics metrics, TrainingSummary training) {
    }
}
