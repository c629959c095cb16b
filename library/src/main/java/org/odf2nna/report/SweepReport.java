package org.odf2nna.report;

import java.util.List;
import org.odf2nna.metrics.Metrics;

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
 */
public record SweepReport(ShrinkReport table, String grid, double maxDrop, String maxDropUnit,
        double originalValidation, Integer chosen, String choice, String output, Scratch scratch, List<String> charts,
        Int8Summary int8) {

    public SweepReport {
        charts = List.copyOf(charts);
    }

    /** A report without int8 weights. */
    public SweepReport(ShrinkReport table, String grid, double maxDrop, String maxDropUnit, double originalValidation,
            Integer chosen, String choice, String output, Scratch scratch, List<String> charts) {
        this(table, grid, maxDrop, maxDropUnit, originalValidation, chosen, choice, output, scratch, charts, null);
    }

    /**
     * The chosen topology trained from Glorot-initialised weights, with the retraining's budget (the paper's
     * §5 comparison: what the transferred weights are worth).
     */
    public record Scratch(String architecture, long parameters, Metrics metrics, TrainingSummary training) {
    }
}
