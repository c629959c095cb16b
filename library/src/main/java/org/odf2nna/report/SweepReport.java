package org.odf2nna.report;

import java.util.List;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.InputRange;

/**
 * A sweep over ε: the paper's table, the model chosen and why, and (optionally) the same topology trained
 * from scratch.
 *
 * <p>The parts' fields are also read directly ({@link #chosen()}, {@link #maxDrop()}, {@link #inputRange()} ...), and
 * the JSON report writes them among the report's own ({@link JsonInline}), as it did before they were grouped.
 *
 * @param table    the per-ε outcomes (OR, PWR, PR, parameters)
 * @param grid     how the thresholds were chosen
 * @param decision the tolerance, the original's validation metric, and the outcome chosen and why
 * @param output   the file the chosen model was written to, or null
 * @param scratch  the chosen topology trained from scratch, or null
 * @param charts   chart files written
 * @param int8     with int8 weights, what they did to the written model (bytes, the layers int8 and float, the largest
 *                 difference from the float round); null for float weights or nothing written
 * @param clip     progressive pruning: the training rows' input range, and whether the written model clips to it
 */
public record SweepReport(ShrinkReport table, String grid, Decision decision, String output, Scratch scratch,
        List<String> charts, Int8Summary int8, Clip clip, Latency latency) implements SweepChoice {

    public SweepReport {
        charts = List.copyOf(charts);
    }

    /** A report without timings. */
    public SweepReport(ShrinkReport table, String grid, Decision decision, String output, Scratch scratch,
            List<String> charts, Int8Summary int8, Clip clip) {
        this(table, grid, decision, output, scratch, charts, int8, clip, null);
    }

    /** The same report with the original and the certified rounds timed ({@link Latency}). */
    public SweepReport withLatency(Latency value) {
        return new SweepReport(table, grid, decision, output, scratch, charts, int8, clip, value);
    }

    /** A report without an input range (the ε schedule, or before the progressive rounds' range is known). */
    public SweepReport(ShrinkReport table, String grid, Decision decision, String output, Scratch scratch,
            List<String> charts, Int8Summary int8) {
        this(table, grid, decision, output, scratch, charts, int8, new Clip(null, false));
    }

    /**
     * The choice.
     *
     * @param maxDrop            the tolerance of the choice
     * @param maxDropUnit        "accuracy points" or "% of MSE"
     * @param originalValidation the original model's metric on the validation rows
     * @param chosen             index of the chosen outcome, or null when none qualified
     * @param choice             the sentence explaining the choice
     */
    @JsonInline
    public record Decision(double maxDrop, String maxDropUnit, double originalValidation, Integer chosen,
            String choice) {
    }

    /**
     * The inputs' range.
     *
     * @param inputRange    progressive pruning: the per-column range of the training rows at the dense chain's input
     *                      (the rows retraining saw, the validation rows held out), recorded in the written model's
     *                      metadata; null for the ε schedule
     * @param inputsClipped whether the written model clips its inputs to {@code inputRange} and the rounds were
     *                      judged so
     */
    @JsonInline
    public record Clip(InputRange inputRange, boolean inputsClipped) {
    }

    /** The tolerance of the choice. */
    public double maxDrop() {
        return decision.maxDrop();
    }

    /** "accuracy points" or "% of MSE". */
    public String maxDropUnit() {
        return decision.maxDropUnit();
    }

    /** The original model's metric on the validation rows. */
    public double originalValidation() {
        return decision.originalValidation();
    }

    /** Index of the chosen outcome, or null when none qualified. */
    @Override
    public Integer chosen() {
        return decision.chosen();
    }

    /** The sentence explaining the choice. */
    @Override
    public String choice() {
        return decision.choice();
    }

    /** Progressive pruning: the per-column range of the training rows at the dense chain's input; else null. */
    public InputRange inputRange() {
        return clip.inputRange();
    }

    /** Whether the written model clips its inputs to {@link #inputRange()}. */
    public boolean inputsClipped() {
        return clip.inputsClipped();
    }

    /** The same report with the training rows' input range, and whether the inputs were clipped to it. */
    public SweepReport withInputRange(InputRange range, boolean clipped) {
        return new SweepReport(table, grid, decision, output, scratch, charts, int8, new Clip(range, clipped),
                latency);
    }

    /** The same report with the chart files written from it. */
    public SweepReport withCharts(List<String> written) {
        return new SweepReport(table, grid, decision, output, scratch, written, int8, clip, latency);
    }

    /**
     * The chosen topology trained from Glorot-initialised weights, with the retraining's budget (the paper's
     * §5 comparison: what the transferred weights are worth).
     */
    public record Scratch(String architecture, long parameters, Metrics metrics, TrainingSummary training) {
    }
}
