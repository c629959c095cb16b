package org.odf2nna.report;

import java.util.List;
import org.odf2nna.metrics.Metrics;

/**
 * Everything a shrink run measured: the original model, how its units vary, and one outcome per ε.
 *
 * @param model    the input model file
 * @param data     the evaluation CSV
 * @param rows     evaluation rows
 * @param task     classification or regression
 * @param score    what ε is compared with ("std": a unit's activation standard deviation; "impact": the std times
 *                 the norm of the unit's outgoing weights)
 * @param original the original network
 * @param originalMetrics metrics of the original model (OR), null without targets
 * @param layers   spread of the unit scores per hidden layer
 * @param outcomes one per ε, in the order given
 * @param retraining the retraining settings, null when the run did not retrain
 * @param scoreData the rows the units were scored on when they are not {@code data}, else null
 * @param compensation how pruned units were compensated for; null in reports of one compensation only
 */
public record ShrinkReport(
        String model,
        String data,
        long rows,
        String task,
        String score,
        NetworkSummary original,
        Metrics originalMetrics,
        List<LayerSpread> layers,
        List<EpsilonOutcome> outcomes,
        Retraining retraining,
        String scoreData,
        CompensationSettings compensation) {

    public ShrinkReport {
        layers = List.copyOf(layers);
        outcomes = List.copyOf(outcomes);
    }

    /** The same report with other outcomes. */
    public ShrinkReport withOutcomes(List<EpsilonOutcome> newOutcomes) {
        return new ShrinkReport(model, data, rows, task, score, original, originalMetrics, layers, newOutcomes,
                retraining, scoreData, compensation);
    }
}
